"""Read the Microsoft Viva Insights person-to-person (P2P) query export as ties and people."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from peerweave.errors import MissingColumnError, Problem, ValidationError
from peerweave.ingest.report import TiesLoad
from peerweave.ingest.tabular import header_key, read_table
from peerweave.ingest.ties import assemble_ties, normalise_kind, parse_weights
from peerweave.org.schema import DEFAULT_TIE_KIND, ROW, parse_timezone

__all__ = ["VIVA_ATTRIBUTES", "WINDOWS_TIMEZONES", "read_viva"]

#: Prefix pairs of the two collaborators: the current export, then the older one.
_PREFIXES = (("PrimaryCollaborator", "SecondaryCollaborator"), ("TieOrigin", "TieDestination"))
#: Viva HR attribute (after the collaborator prefix) → people column. City wins over Region.
VIVA_ATTRIBUTES: dict[str, str] = {
    "Organization": "department",
    "LevelDesignation": "level",
    "FunctionType": "title",
    "City": "location",
    "Region": "location",
    "TimeZone": "timezone",
}
#: Windows time zone names (as Microsoft 365 writes them) → IANA names (CLDR windowsZones).
WINDOWS_TIMEZONES: dict[str, str] = {
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time": "America/Denver",
    "Central Standard Time": "America/Chicago",
    "Eastern Standard Time": "America/New_York",
    "Atlantic Standard Time": "America/Halifax",
    "E. South America Standard Time": "America/Sao_Paulo",
    "UTC": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "GTB Standard Time": "Europe/Bucharest",
    "FLE Standard Time": "Europe/Kyiv",
    "E. Europe Standard Time": "Europe/Chisinau",
    "Russian Standard Time": "Europe/Moscow",
    "South Africa Standard Time": "Africa/Johannesburg",
    "Israel Standard Time": "Asia/Jerusalem",
    "Arabian Standard Time": "Asia/Dubai",
    "India Standard Time": "Asia/Kolkata",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "New Zealand Standard Time": "Pacific/Auckland",
}


def _squash(name: object) -> str:
    """Header key without underscores: ``Strong_tie_score`` and ``StrongTieScore`` match."""
    return header_key(name).replace("_", "")


def _metric_dates(
    values: pd.Series, *, column: str, rows: np.ndarray, problems: list[Problem]
) -> pd.Series:
    """Viva writes ``MM/DD/YYYY``; ISO dates are read too."""
    text = values.astype("string").str.strip()
    blank = (text.fillna("") == "").to_numpy()
    us = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
    iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    dates = us.fillna(iso).astype("datetime64[ns]")
    for i in np.flatnonzero(~blank & dates.isna().to_numpy()):
        problems.append(
            Problem(
                f"{values.iloc[i]!r} is not a date",
                row=int(rows[i]),
                column=column,
                fix="write dates as MM/DD/YYYY (as Viva exports them) or YYYY-MM-DD",
            )
        )
    return dates


def _find(columns: Mapping[str, str], wanted: str) -> str | None:
    return columns.get(_squash(wanted))


def read_viva(
    path: str | Path,
    *,
    people: pd.DataFrame | None = None,
    kind: str = DEFAULT_TIE_KIND,
    strict: bool = False,
    mapping: Mapping[str, str] | None = None,
    weight_column: str | None = "Strong_tie_score",
    dates: Literal["latest", "all"] = "latest",
    sheet: str | None = None,
    encoding: str | None = None,
) -> TiesLoad:
    """Read a Viva Insights person-to-person query: ties primary → secondary collaborator.

    The export has ``PrimaryCollaborator_PersonId``, ``SecondaryCollaborator_PersonId``
    (pseudonymised ids are fine), ``MetricDate`` (``MM/DD/YYYY``), tie metrics such as
    ``Strong_tie_score`` and ``Diverse_tie_score``, and HR attributes of both sides
    (``PrimaryCollaborator_Organization`` …). Headers match loosely (``StrongTieScore``,
    ``Strong tie score`` and the older ``TieOrigin_``/``TieDestination_`` prefixes too).

    The weight is ``weight_column`` (``None``: every tie weighs 1). Rows whose weight is
    0 are left out and counted; other values must be numbers above 0. ``Organization``,
    ``LevelDesignation`` (its number: ``Level 3`` → 3), ``FunctionType``, ``City`` (else
    ``Region``) and ``TimeZone`` (Windows names become IANA) come back in
    ``TiesLoad.people`` as department, level, title, location and timezone, one row per
    person from the latest date. With several metric dates, ``dates="latest"`` keeps the
    latest snapshot (as Viva's own network analysis does); ``"all"`` sums over them.

    Parameters
    ----------
    path : str or Path
        The exported query (CSV, or XLSX if saved from Excel).
    people, kind, strict
        As in :func:`peerweave.ingest.ties.read_edge_list`.
    mapping : Mapping[str, str], optional
        More attributes: ``{"Area": "department"}`` maps ``*_Area`` columns (and
        replaces the default for that people column).
    weight_column : str or None
        The tie metric to use as weight, e.g. ``"Diverse_tie_score"``.
    dates : {"latest", "all"}
        Which metric dates to read.

    Returns
    -------
    TiesLoad
        Ties with ``window_start``/``window_end`` = the earliest/latest ``MetricDate``
        behind each tie (the start of Viva's period), and the collaborators' attributes.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "p2p.csv"
    >>> _ = p.write_text(
    ...     "PrimaryCollaborator_PersonId,SecondaryCollaborator_PersonId,MetricDate,"
    ...     "Strong_tie_score,PrimaryCollaborator_Organization,"
    ...     "SecondaryCollaborator_Organization\\n"
    ...     "a1,b2,01/04/2023,0.25,Sales,Finance\\nb2,a1,01/04/2023,0,Finance,Sales\\n")
    >>> load = read_viva(p)
    >>> load.ties[["source", "target", "weight", "window_start"]].astype(str).values.tolist()
    [['a1', 'b2', '0.25', '2023-01-04']]
    >>> load.people[["person_id", "department"]].values.tolist()
    [['a1', 'Sales'], ['b2', 'Finance']]
    >>> load.report.counts["zero_weight_left_out"]
    1
    """
    table = read_table(path, sheet=sheet, encoding=encoding)
    frame = table.frame.reset_index(drop=True)
    squashed = {_squash(c): str(c) for c in frame.columns if c != ROW}
    sides = next(
        (pair for pair in _PREFIXES if all(_find(squashed, f"{p}PersonId") for p in pair)), None
    )
    if sides is None:
        raise MissingColumnError(
            table.source,
            [
                Problem(
                    f"the header has no column {p}_PersonId; is this a person-to-person "
                    "query export?",
                    column=f"{p}_PersonId",
                    fix="export the person-to-person query from Viva Insights, or read "
                    "a plain edge list with read_edge_list",
                )
                for p in _PREFIXES[0]
                if not _find(squashed, f"{p}PersonId")
            ],
        )
    ids = [str(_find(squashed, f"{p}PersonId")) for p in sides]
    rows = frame[ROW].to_numpy()
    problems: list[Problem] = []
    text = [frame[c].astype("string").str.strip().fillna("") for c in ids]
    for col, values in zip(ids, text, strict=True):
        problems += [
            Problem(
                "the person id is empty",
                row=int(r),
                column=col,
                fix="export the query again; every row names two collaborators",
            )
            for r in rows[(values == "").to_numpy()]
        ]
    counts: dict[str, int] = {}
    keep = np.ones(len(frame), dtype=bool)
    weight = pd.Series(1.0, index=frame.index)
    if weight_column is not None:
        wcol = _find(squashed, weight_column)
        if wcol is None:
            metrics = [
                c
                for k, c in squashed.items()
                if not k.startswith(tuple(_squash(p) for p in sides)) and k != "metricdate"
            ]
            raise MissingColumnError(
                table.source,
                Problem(
                    f"the header has no column {weight_column} (it has "
                    f"{', '.join(map(repr, metrics))})",
                    column=weight_column,
                    fix="pass weight_column= one of those, or weight_column=None for "
                    "ties that all weigh 1",
                ),
            )
        numbers = pd.to_numeric(frame[wcol].astype("string").str.strip(), errors="coerce")
        zero = (numbers == 0).fillna(False).to_numpy(dtype=bool)
        counts["zero_weight_left_out"] = int(zero.sum())
        keep &= ~zero
        weight = parse_weights(
            frame[wcol].where(~zero, "1"), column=wcol, rows=rows, problems=problems
        )
    date_col = _find(squashed, "MetricDate")
    when = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if date_col is not None:
        when = _metric_dates(frame[date_col], column=date_col, rows=rows, problems=problems)
    if problems:
        raise ValidationError(table.source, sorted(problems, key=lambda p: p.row or 0))
    distinct = when.dropna().unique()
    counts["metric_dates"] = len(distinct)
    notes = list(table.notes)
    if dates == "latest" and len(distinct) > 1:
        latest = when.max()
        earlier = (when != latest).to_numpy()
        counts["rows_from_earlier_dates_left_out"] = int((earlier & keep).sum())
        keep &= ~earlier
        notes.append(
            Problem(
                f"{len(distinct)} metric dates: only the latest ({latest:%Y-%m-%d}) was read",
                fix='pass dates="all" to sum the ties over every date',
            )
        )
    edges = pd.DataFrame(
        {
            "source": text[0],
            "target": text[1],
            "weight": weight,
            "kind": normalise_kind(pd.Series("", index=frame.index), kind),
            "window_start": when,
            "window_end": when,
            ROW: rows,
        }
    )[keep]
    attrs, unmapped = _attributes(frame[keep], sides, squashed, when[keep], mapping or {})
    if unmapped:
        notes.append(
            Problem(
                f"collaborator attributes not read: {', '.join(unmapped)}",
                fix='map them with mapping={"Attribute": "people column"}',
            )
        )
    return assemble_ties(
        edges,
        source=table.source,
        people=people,
        strict=strict,
        rows_read=len(frame),
        columns=(ids[0], ids[1]),
        nodes=attrs,
        node_column=ids[0],
        counts=counts,
        notes=notes,
    )


def _attributes(
    frame: pd.DataFrame,
    sides: tuple[str, str],
    squashed: Mapping[str, str],
    when: pd.Series,
    mapping: Mapping[str, str],
) -> tuple[pd.DataFrame, list[str]]:
    """One row per person (the latest) with the collaborator attributes as people columns."""
    wanted = {_squash(k): v for k, v in VIVA_ATTRIBUTES.items() if v not in mapping.values()}
    wanted.update({_squash(k): v for k, v in mapping.items()})
    unmapped: set[str] = set()
    parts = []
    for side in sides:
        prefix = _squash(side)
        part = pd.DataFrame(
            {
                "person_id": frame[str(_find(squashed, f"{side}PersonId"))]
                .astype("string")
                .str.strip(),
                "_when": when,
                ROW: frame[ROW],
            }
        )
        for key, col in squashed.items():
            suffix = key[len(prefix) :]
            if not key.startswith(prefix) or suffix == "personid":
                continue
            target = wanted.get(suffix)
            if target is None:
                unmapped.add(col.split("_", 1)[1] if "_" in col else suffix)
            elif target not in part.columns or suffix != "region":  # City wins over Region
                value = frame[col].astype("string").str.strip()
                part[target] = value.where(value != "")
        parts.append(part)
    people = pd.concat(parts, ignore_index=True).sort_values(["_when", ROW], kind="stable")
    people = people.drop_duplicates("person_id", keep="last").drop(columns="_when")
    if "level" in people.columns:
        people["level"] = pd.to_numeric(people["level"].str.extract(r"(\d+)")[0]).astype("Int64")
    if "timezone" in people.columns:
        zones = people["timezone"].map(
            lambda z: WINDOWS_TIMEZONES.get(z, z) if isinstance(z, str) else z
        )
        people["timezone"] = parse_timezone(
            zones, column="timezone", rows=people[ROW].to_numpy(), problems=[]
        )
    return people.reset_index(drop=True), sorted(unmapped)

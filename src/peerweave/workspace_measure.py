"""Measure, in the workspace: adoption records, tracking, fitting, influence and the report.

:class:`MeasureMixin` gives :class:`~peerweave.workspace.Workspace` its measuring methods
(``import_adoptions``, ``add_adoption``, ``adoptions``, ``delete_adoption``, ``track``, ``fit``,
``influence``, ``report``). They read the store, call the pure core
(:mod:`peerweave.spread.adoption`, :mod:`~peerweave.spread.fit`,
:mod:`~peerweave.spread.netrate`, :mod:`peerweave.network.maps`, :mod:`peerweave.report`) and
write in one transaction. Times are naive UTC; ``now`` defaults to the present moment.

**Learning counts as adoption.** For :meth:`MeasureMixin.influence`, every skill of the
peer-learning programme is one cascade: a learner adopts the skill when they mark a held
session *applied* (``applied_at``), and a teacher has adopted it by the first session they
teach of it (``held_at``), whichever is earlier, counted in days (the ledger's dates); the
cascade starts at its first adoption.
People who opted out are left out.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peerweave.errors import InputError, Problem, ValidationError
from peerweave.ingest.export import write_table
from peerweave.store import (
    delete_adoption,
    initiative_start,
    list_initiatives,
    load_adoptions,
    load_champions,
    load_people,
    save_adoptions,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from peerweave.network.graph import OrgGraph
    from peerweave.spread.adoption import Tracking
    from peerweave.spread.fit import Fit, Reforecast
    from peerweave.spread.model import SpreadModel
    from peerweave.spread.netrate import Influence
    from peerweave.spread.strategies import Seeds
    from peerweave.store import Store

__all__ = [
    "ADOPTION_ALIASES",
    "FitResult",
    "InfluenceResult",
    "MeasureMixin",
    "ReportResult",
    "TrackResult",
]

PathLike = str | Path

#: Header spellings read as the adoption columns (``header_key`` forms).
ADOPTION_ALIASES: dict[str, str] = {
    "employee_id": "person_id",
    "person": "person_id",
    "id": "person_id",
    "email": "person_id",
    "date": "adopted_at",
    "adopted": "adopted_at",
    "adoption_date": "adopted_at",
    "adopted_on": "adopted_at",
    "when": "adopted_at",
    "note": "evidence",
    "notes": "evidence",
    "link": "evidence",
}

#: What the tracking chart can be written as (an HTML page is written beside it).
_CHART_SUFFIXES = (".png", ".svg", ".pdf")


@dataclass(frozen=True)
class TrackResult:
    """An initiative's adoptions against its forecast (``tracking``), on ``graph``.

    ``champions``: ``rank, person_id, name, department`` of the stored champions;
    ``recorded``: adoptions stored; ``now``: the moment compared; ``files``: charts written.
    """

    initiative: int
    name: str
    tracking: Tracking
    graph: OrgGraph
    champions: pd.DataFrame
    recorded: int
    now: pd.Timestamp
    files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FitResult:
    """The model fitted to an initiative's adoptions (``fit``) and the forecast again from
    today with it (``reforecast``); ``track`` is the tracking it was fitted on."""

    fit: Fit
    reforecast: Reforecast
    track: TrackResult
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class InfluenceResult:
    """Who influences whom (``influence``, NetRate) from ``cascades`` (``cascade, kind,
    adopters, started_at, weeks``: one row per initiative or skill), with ``influencers``:
    the influencers in fact — people with the most inferred influence ties (``ties``: contacts
    whose adoption their own measurably preceded and explains), then the most contacts who
    adopted after them (``contacts_followed``), then ``strength`` — beside their rank by position (``pagerank_rank``, ``roles`` of the
    latest stored analysis; missing when none is stored) and ``name``, ``department``."""

    influence: Influence
    cascades: pd.DataFrame
    influencers: pd.DataFrame
    by_position: pd.DataFrame
    files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportResult:
    """The report written to ``path`` (``size`` bytes) and the titles of its sections."""

    path: Path
    size: int
    sections: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def _moment(value: object, option: str) -> pd.Timestamp:
    """``value`` as naive UTC (now when ``None``); ``InputError`` naming ``option`` if not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return pd.Timestamp.now(tz="UTC").tz_localize(None)
    stamp: pd.Timestamp | None
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        stamp = None
    if stamp is None or pd.isna(stamp):
        raise InputError(option, Problem(f"{value!r} is not a date", fix="write it as YYYY-MM-DD"))
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def _model_of(row: pd.Series) -> SpreadModel:
    """The spread model an initiative was chosen with (its stored params)."""
    from peerweave.spread.model import SpreadModel

    stored = row["params"].get("model") if isinstance(row["params"], dict) else None
    if not isinstance(stored, dict):
        return SpreadModel(kind=str(row["model"]))  # type: ignore[arg-type]
    known = ("kind", "prob", "threshold", "fraction", "threshold_sd", "abandonment")
    return SpreadModel(**{k: stored[k] for k in known if k in stored and stored[k] is not None})


def _names(people: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """``name`` and ``department`` of ``ids`` (empty text when unknown)."""
    rows = people.assign(person_id=people["person_id"].astype(str)).set_index("person_id")
    out = pd.DataFrame(index=range(len(ids)))
    for column in ("name", "department"):
        values = (
            rows[column].reindex(ids.astype(str)).fillna("").astype(str).to_numpy()
            if column in rows.columns
            else [""] * len(ids)
        )
        out[column] = values
    return out


class MeasureMixin:
    """The measuring methods of :class:`~peerweave.workspace.Workspace` (see the module)."""

    if TYPE_CHECKING:  # what the workspace provides
        store: Store

        def graph(
            self,
            *,
            kinds: Sequence[str] | None = None,
            start: object = None,
            end: object = None,
        ) -> OrgGraph: ...

        def initiatives(self) -> pd.DataFrame: ...

        def people(self, *, include_left: bool = False) -> pd.DataFrame: ...

        def person_metrics(self, run_id: int | None = None) -> pd.DataFrame: ...

        def _stored_champions(
            self, graph: OrgGraph, initiative: int, mask: npt.NDArray[np.bool_]
        ) -> Seeds: ...

        def _analysable_sessions(
            self,
        ) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]: ...

    # -- records ----------------------------------------------------------------------
    def _initiative(self, initiative: int) -> pd.Series:
        with self.store.transaction() as session:
            load_champions(session=session, initiative_id=initiative)  # UnknownIdError if none
            found = list_initiatives(session=session)
        return found[found["id"] == initiative].iloc[0]

    def _start_and_people(self, initiative: int) -> tuple[pd.Timestamp, pd.Series]:
        with self.store.transaction() as session:
            start = initiative_start(session=session, initiative_id=initiative)
            people = load_people(session=session, include_left=True)
        return start, people["person_id"].astype(str)

    def import_adoptions(
        self,
        initiative: int,
        path: PathLike,
        *,
        now: object = None,
        dry_run: bool = False,
    ) -> pd.DataFrame:
        """Read adoptions of ``initiative`` from a file (``person_id, adopted_at[, evidence]``;
        CSV, XLSX, Parquet…) and store them (source ``import``); return them.

        Every row is checked first (``peerweave.spread.validate_adoptions``: unknown people,
        dates before the initiative started or after ``now``, the same person twice, in the
        file or already stored) and one error lists every problem by row and column; nothing
        is stored then, nor with ``dry_run``.

        >>> import tempfile
        >>> from peerweave.workspace import Workspace
        >>> f = Path(tempfile.mkdtemp()) / "adopted.csv"
        >>> _ = f.write_text("person_id,adopted_at\\nE002,2025-01-08\\n")
        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     _ = ws.import_ties("docs/examples/ties.csv")
        ...     i = ws.champions(1, runs=0, started_at="2025-01-06").initiative_id
        ...     ws.import_adoptions(i, f, now="2025-02-01")["person_id"].tolist()
        ['E002']
        """
        from peerweave.ingest.tabular import read_table, rename_columns
        from peerweave.org.schema import ROW
        from peerweave.spread.adoption import ADOPTION_COLUMNS, validate_adoptions

        start, known = self._start_and_people(initiative)
        table = read_table(path, allow_empty=True)
        frame = rename_columns(table, canonical=ADOPTION_COLUMNS, aliases=ADOPTION_ALIASES)
        at = _moment(now, "--now")
        checked = validate_adoptions(
            frame, known_people=known, started_at=start, now=at, source=table.source
        )
        with self.store.transaction() as session:
            stored = load_adoptions(session=session, initiative_id=initiative)
        again = checked[checked["person_id"].isin(stored["person_id"])]
        if len(again):
            ids = frame["person_id"].astype("string").str.strip()
            rows = frame[ROW] if ROW in frame.columns else pd.Series(range(2, len(frame) + 2))
            first_row = dict(zip(ids, rows, strict=True))
            when = stored.set_index("person_id")["adopted_at"]
            raise ValidationError(
                table.source,
                [
                    Problem(
                        f"{pid!r} already adopted (on {when.loc[pid]:%Y-%m-%d}, stored)",
                        row=int(first_row.get(pid, 0)) or None,
                        column="person_id",
                        fix=f"leave the row out, or delete the stored adoption first: "
                        f"`peerweave adoptions delete {initiative} {pid}`",
                    )
                    for pid in again["person_id"]
                ],
            )
        if not dry_run and len(checked):
            with self.store.transaction() as session:
                save_adoptions(
                    session=session,
                    initiative_id=initiative,
                    adoptions_frame=checked,
                    source="import",
                )
        return checked

    def add_adoption(
        self,
        initiative: int,
        person: str,
        when: object = None,
        evidence: str | None = None,
        *,
        now: object = None,
        source: str = "manual",
    ) -> pd.Timestamp:
        """Record that ``person`` adopted ``initiative``'s practice ``when`` (default now).

        Raises ``InputError`` for an unknown person, a time before the initiative started or
        after ``now``, or a person who already adopted it.

        >>> from peerweave.workspace import Workspace
        >>> ws = Workspace.open("sqlite://", create=True)
        >>> _ = ws.import_people("docs/examples/people.csv")
        >>> _ = ws.import_ties("docs/examples/ties.csv")
        >>> i = ws.champions(1, runs=0, started_at="2025-01-06").initiative_id
        >>> ws.add_adoption(i, "E003", "2025-01-09", "https://wiki/E003", now="2025-02-01")
        Timestamp('2025-01-09 00:00:00')
        >>> ws.add_adoption(i, "E003", "2025-01-10", now="2025-02-01")
        Traceback (most recent call last):
        ...
        peerweave.errors.InputError: adoptions add: 'E003' already adopted (on 2025-01-09) (fix: leave them out, or delete the stored adoption first: `peerweave adoptions delete 1 E003`)
        >>> ws.close()
        """
        from peerweave.spread.adoption import validate_adoptions

        start, known = self._start_and_people(initiative)
        at = _moment(now, "--now")
        stamp = at if when is None else _moment(when, "--when")
        frame = pd.DataFrame({"person_id": [person], "adopted_at": [stamp], "evidence": [evidence]})
        try:
            checked = validate_adoptions(frame, known_people=known, started_at=start, now=at)
            with self.store.transaction() as session:
                save_adoptions(
                    session=session,
                    initiative_id=initiative,
                    adoptions_frame=checked,
                    source=source,
                )
        except ValidationError as exc:
            raise InputError(
                "adoptions add", [Problem(p.message, fix=p.fix) for p in exc.problems]
            ) from None
        return pd.Timestamp(checked["adopted_at"].iloc[0])

    def adoptions(self, initiative: int) -> pd.DataFrame:
        """The stored adoptions of ``initiative`` (``STORED_ADOPTION_COLUMNS``), by time.

        >>> from peerweave.workspace import Workspace
        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.adoptions(1)
        Traceback (most recent call last):
        ...
        peerweave.errors.UnknownIdError: no initiative 1 is stored; stored initiatives: none (see `peerweave initiatives`)
        """
        with self.store.transaction() as session:
            return load_adoptions(session=session, initiative_id=initiative)

    def delete_adoption(self, initiative: int, person: str) -> None:
        """Delete ``person``'s stored adoption of ``initiative`` (``UnknownIdError`` if none)."""
        with self.store.transaction() as session:
            delete_adoption(session=session, initiative_id=initiative, person_id=person)

    # -- against the forecast ---------------------------------------------------------
    def track(
        self,
        initiative: int,
        *,
        runs: int = 1000,
        steps: int = 26,
        now: object = None,
        by: str | None = "department",
        min_group_size: int = 5,
        chart: PathLike | None = None,
    ) -> TrackResult:
        """Hold ``initiative``'s adoptions against the forecast from its champions.

        The forecast is the initiative's own model (stored with its champions), simulated
        ``runs`` times over ``steps`` weeks from its start (``peerweave.spread.track``); the
        comparison runs over the weeks completed by ``now``. ``by`` groups people (lagging
        groups; none when ``None``). ``chart`` draws it (PNG, SVG or PDF) with an HTML page
        beside it. With no adoptions recorded yet the champions alone are counted and a note
        says so.

        >>> from peerweave.workspace import Workspace
        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     _ = ws.import_ties("docs/examples/ties.csv")
        ...     i = ws.champions(1, runs=0, started_at="2025-01-06").initiative_id
        ...     result = ws.track(i, runs=50, steps=8, now="2025-02-03", by=None)
        >>> result.tracking.week, result.tracking.notes[-1]
        (3, 'no adoptions recorded yet')
        """
        from peerweave.spread.adoption import track

        if chart is not None and Path(chart).suffix.lower() not in _CHART_SUFFIXES:
            raise InputError(
                str(chart),
                Problem(
                    f"peerweave does not draw {Path(chart).suffix or 'files without an extension'}",
                    fix="name the chart .png (or .svg, .pdf); an .html page is written beside it",
                ),
            )
        if runs < 1 or steps < 1:
            raise InputError(
                "--runs/--steps",
                Problem(f"{runs} runs of {steps} weeks", fix="give at least 1 run and 1 week"),
            )
        row = self._initiative(initiative)
        start, _ = self._start_and_people(initiative)
        at = _moment(now, "--now")
        params = row["params"] if isinstance(row["params"], dict) else {}
        graph = self.graph(kinds=params.get("kinds"))
        seeds = self._stored_champions(graph, initiative, np.zeros(graph.n, dtype=bool))
        adoptions = self.adoptions(initiative)
        tracking = track(
            graph,
            adoptions,
            seeds.positions,
            _model_of(row),
            started_at=start,
            now=max(at, start),
            runs=runs,
            steps=steps,
            seed=int(params.get("seed", 0) or 0),
            attribute=by,
            min_group_size=min_group_size,
        )
        small = tracking.by_group["size"] < min_group_size
        if small.any():  # the folded row itself can hold fewer people than the minimum
            from dataclasses import replace

            tracking = replace(
                tracking,
                by_group=tracking.by_group[~small].reset_index(drop=True),
                notes=(
                    *tracking.notes,
                    f"{int(tracking.by_group.loc[small, 'size'].sum()):,} people in groups under "
                    f"{min_group_size} are not shown per group",
                ),
            )
        with self.store.transaction() as session:
            stored = load_champions(session=session, initiative_id=initiative)
        champions = pd.concat(
            [stored[["rank", "person_id"]], _names(graph.people, stored["person_id"])], axis=1
        )
        files: list[Path] = []
        if chart is not None:
            from peerweave.spread.charts import tracking_html, tracking_png

            files.append(tracking_png(tracking, chart))
            files.append(tracking_html(tracking, Path(chart).with_suffix(".html")))
        notes = seeds.notes + (
            (f"the initiative starts on {start:%Y-%m-%d}, after now",) if at < start else ()
        )
        return TrackResult(
            initiative=initiative,
            name=str(row["name"]),
            tracking=tracking,
            graph=graph,
            champions=champions,
            recorded=len(adoptions),
            now=at,
            files=tuple(files),
            notes=notes,
        )

    def fit(
        self,
        initiative: int,
        *,
        runs: int = 1000,
        steps: int = 26,
        now: object = None,
        chart: PathLike | None = None,
    ) -> FitResult:
        """Fit the initiative's model to its adoptions, with intervals, and forecast again.

        ``peerweave.spread.fit_contagion`` on the completed weeks (the scale ``P`` of an
        independent cascade, the thresholds of complex contagion), then
        ``peerweave.spread.reforecast`` from today with the fitted model, ``runs`` runs up to
        week ``steps``. ``chart`` draws the tracking chart with the new forecast. Raises
        ``InputError`` when there is nothing to fit yet or the model has no free parameter.

        >>> from peerweave.workspace import Workspace
        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     _ = ws.import_ties("docs/examples/ties.csv")
        ...     i = ws.champions(1, runs=0, started_at="2025-01-06").initiative_id
        ...     ws.fit(i, runs=20, now="2025-01-08")
        Traceback (most recent call last):
        ...
        peerweave.errors.InputError: fit: the first week of initiative 1 is not over yet: there is nothing to fit (fix: fit again once a week has passed since it started (2025-01-06))
        """
        from peerweave.spread.fit import fit_contagion, reforecast

        tracked = self.track(initiative, runs=runs, steps=steps, now=now)
        t = tracked.tracking
        if t.week < 0:
            raise InputError(
                "fit",
                Problem(
                    f"the first week of initiative {initiative} is not over yet: there is "
                    "nothing to fit",
                    fix="fit again once a week has passed since it started "
                    f"({t.started_at:%Y-%m-%d})",
                ),
            )
        if tracked.recorded == 0:
            raise InputError(
                "fit",
                Problem(
                    f"no adoptions of initiative {initiative} are recorded yet: there is "
                    "nothing to fit",
                    fix=f"record them with `peerweave adoptions add|import {initiative} …`",
                ),
            )
        fitted = fit_contagion(tracked.graph, t.adopted_step, t.forecast.model, last_step=t.week)
        again = reforecast(
            tracked.graph,
            t.adopted_step,
            fitted.model,
            last_step=t.week,
            steps=max(1, steps - t.week),
            runs=runs,
            seed=t.forecast.seed,
        )
        files: list[Path] = []
        if chart is not None:
            from peerweave.spread.charts import tracking_html, tracking_png

            files.append(tracking_png(t, chart, reforecast=again))
            files.append(tracking_html(t, Path(chart).with_suffix(".html"), reforecast=again))
        return FitResult(fit=fitted, reforecast=again, track=tracked, files=tuple(files))

    # -- who influences whom ----------------------------------------------------------
    def _learning_adoptions(self, opted_out: set[str]) -> dict[str, pd.DataFrame]:
        """Each skill's adoptions from the sessions ledger (see the module docstring)."""
        sessions, _, _ = self._analysable_sessions()
        held = sessions[sessions["status"] == "held"]
        learners = held.loc[held["applied_at"].notna(), ["learner_id", "skill", "applied_at"]]
        learners = learners.set_axis(["person_id", "skill", "adopted_at"], axis=1)
        teachers = held.loc[held["held_at"].notna(), ["teacher_id", "skill", "held_at"]]
        teachers = teachers.set_axis(["person_id", "skill", "adopted_at"], axis=1)
        both = pd.concat([learners, teachers], ignore_index=True)
        both = both[~both["person_id"].astype(str).isin(opted_out)]
        both["adopted_at"] = pd.to_datetime(both["adopted_at"]).dt.normalize()  # days
        first = both.groupby(["skill", "person_id"], as_index=False)["adopted_at"].min()
        return {
            f"skill: {skill}": pd.DataFrame(rows[["person_id", "adopted_at"]]).reset_index(
                drop=True
            )
            for skill, rows in first.groupby("skill")
            if len(rows) >= 2
        }

    def influence(
        self,
        initiatives: list[int] | None = None,
        *,
        learning: bool = True,
        now: object = None,
        model: str = "exponential",
        threshold: float = 0.05,
        export: PathLike | None = None,
    ) -> InfluenceResult:
        """Who influences whom, inferred from the timing of adoptions (NetRate).

        Each initiative (all stored ones when ``initiatives`` is ``None``) with adoptions is a
        cascade from its start, and, with ``learning``, each skill of the peer-learning
        programme (see the module docstring); every cascade is observed until ``now``.
        ``peerweave.spread.infer_influence`` looks for influence along the collaboration ties.
        ``export`` writes the inferred ties (``source, target, strength``; CSV, Parquet or
        JSON). Raises ``InputError`` when no cascade has two adopters.

        >>> from peerweave.workspace import Workspace
        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_ties("docs/examples/ties.graphml")
        ...     ws.influence()
        Traceback (most recent call last):
        ...
        peerweave.errors.InputError: influence: no initiative or skill has two adoptions yet: there is nothing to infer from (fix: record adoptions (`peerweave adoptions add|import`) or mark learning sessions applied)
        """
        from peerweave.spread.netrate import cascades_from_adoptions, infer_influence

        if export is not None and Path(export).suffix.lower() not in (
            ".csv",
            ".tsv",
            ".parquet",
            ".json",
            ".jsonl",
            ".ndjson",
        ):
            raise InputError(
                str(export),
                Problem(
                    f"peerweave does not write {Path(export).suffix or 'files without an extension'}",
                    fix="name the file .csv, .parquet or .json",
                ),
            )
        at = _moment(now, "--now")
        stored = self.initiatives()
        chosen = stored["id"].tolist() if initiatives is None else list(dict.fromkeys(initiatives))
        people = self.people(include_left=True)
        opted_out = set(people.loc[people["opted_out"].astype(bool), "person_id"].astype(str))
        frames: dict[str, pd.DataFrame] = {}
        starts: dict[str, object] = {}
        kinds: dict[str, str] = {}
        for i in sorted(chosen):
            frame = self.adoptions(int(i))  # UnknownIdError for an unknown id
            frame = frame[~frame["person_id"].astype(str).isin(opted_out)]
            if len(frame) >= 2:
                start, _ = self._start_and_people(int(i))
                name = f"initiative #{i}"
                frames[name], starts[name], kinds[name] = frame, start, "initiative"
        if learning:
            for name, frame in self._learning_adoptions(opted_out).items():
                frames[name], starts[name], kinds[name] = frame, frame["adopted_at"].min(), "skill"
        frames = {n: f for n, f in frames.items() if at > pd.Timestamp(starts[n])}  # type: ignore[arg-type]
        if not frames:
            raise InputError(
                "influence",
                Problem(
                    "no initiative or skill has two adoptions yet: there is nothing to infer from",
                    fix="record adoptions (`peerweave adoptions add|import`) or mark learning "
                    "sessions applied",
                ),
            )
        cascades, horizons = cascades_from_adoptions(frames, started_at=starts, now=at)
        graph = self.graph()
        inferred = infer_influence(
            graph, cascades, horizon=horizons, model=model, threshold=threshold
        )
        summary = pd.DataFrame(
            {
                "cascade": list(frames),
                "kind": [kinds[n] for n in frames],
                "adopters": [len(f) for f in frames.values()],
                "started_at": [pd.Timestamp(starts[n]) for n in frames],  # type: ignore[arg-type]
                "weeks": [horizons[n] for n in frames],
            }
        )
        metrics = self.person_metrics()
        by_position = pd.DataFrame(columns=["person_id", "pagerank", "roles", "pagerank_rank"])
        if not metrics.empty:
            ranked = metrics[["person_id", "pagerank", "roles"]].copy()
            ranked["pagerank_rank"] = (
                ranked["pagerank"].rank(ascending=False, method="min").astype("Int64")
            )
            by_position = ranked.sort_values("pagerank", ascending=False).reset_index(drop=True)
        infl = inferred.influencers.sort_values(  # whose adoption most often came first
            ["ties", "contacts_followed", "strength", "person_id"],
            ascending=[False, False, False, True],
            kind="stable",
        ).reset_index(drop=True)
        infl = pd.concat([infl, _names(people, infl["person_id"])], axis=1)
        if len(by_position):
            pos = by_position.set_index("person_id")
            infl["pagerank_rank"] = pos["pagerank_rank"].reindex(infl["person_id"]).to_numpy()
            infl["roles"] = pos["roles"].reindex(infl["person_id"]).fillna("").to_numpy()
        else:
            infl["pagerank_rank"] = pd.array([pd.NA] * len(infl), dtype="Int64")
            infl["roles"] = ""
        notes = list(inferred.notes)
        if metrics.empty:
            notes.append(
                "no analysis is stored: run `peerweave analyze` to see influencers by position"
            )
        files: list[Path] = []
        if export is not None:
            write_table(export, inferred.ties[["source", "target", "strength"]])
            files.append(Path(export))
        return InfluenceResult(
            influence=inferred,
            cascades=summary,
            influencers=infl,
            by_position=by_position,
            files=tuple(files),
            notes=tuple(notes),
        )

    # -- the report -------------------------------------------------------------------
    def report(
        self,
        out: PathLike,
        *,
        runs: int = 500,
        now: object = None,
        top: int = 5,
        min_group_size: int = 5,
        max_initiatives: int = 3,
    ) -> ReportResult:
        """Write one self-contained HTML report for leadership to ``out``.

        Sections: headline findings (a fresh analysis of the stored network, with the
        options of the latest stored run), the network map, the silo heatmap, the people
        who hold the network together, each of the latest ``max_initiatives`` initiatives
        (champions, forecast against actual, lagging groups), who influences whom (when
        adoptions are recorded), the peer-learning programme's health and recognition, and
        method notes. Group figures never describe fewer than ``min_group_size`` people;
        people who opted out never appear. See ``peerweave.workspace_measure._report``.

        >>> import tempfile
        >>> from peerweave.workspace import Workspace
        >>> out = Path(tempfile.mkdtemp()) / "report.html"
        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_ties("docs/examples/ties.graphml")
        ...     result = ws.report(out)
        >>> result.sections[:2], "<script" in out.read_text()
        (('Headline findings', 'The informal network'), False)
        """
        from peerweave.workspace_report import build_report

        if Path(out).suffix.lower() not in (".html", ".htm"):
            raise InputError(
                str(out), Problem("the report is an HTML page", fix="name it report.html")
            )
        at = _moment(now, "--now")
        with tempfile.TemporaryDirectory() as folder:
            title, subtitle, sections, notes = build_report(
                self,  # type: ignore[arg-type]
                Path(folder),
                runs=runs,
                now=at,
                top=top,
                min_group_size=min_group_size,
                max_initiatives=max_initiatives,
            )
        from peerweave.report import render_report, write_report

        path = write_report(render_report(title, sections, subtitle=subtitle), out)
        return ReportResult(
            path=path,
            size=path.stat().st_size,
            sections=tuple(s.title for s in sections),
            notes=tuple(notes),
        )

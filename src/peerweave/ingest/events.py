"""Collaboration events (email, chat, meeting and call metadata) aggregated into weighted ties.

Event logs are large (tens of millions of rows), so they are never loaded into pandas:
DuckDB reads the CSV, Parquet or JSON Lines files where they lie, checks them, splits the
recipients, resolves every address against the known people and sums the ties, with a
memory limit and a spill directory so a log larger than memory still goes through. Only the
ties (one row per directed pair) come back to Python.

Tie weights are *collaboration hours*, split so that nothing is counted twice:

* **email / chat** — the sender spends a fixed time on each message (:data:`CHANNEL_MINUTES`:
  5 minutes per email, 1 per chat message, or the ``duration`` when the file gives one),
  shared equally among the ``k`` distinct recipients: ``sender → recipient`` gains
  ``minutes / 60 / k``.
* **meeting / call** — each of the ``n`` distinct attendees (organiser = ``sender``
  included) spends ``duration`` minutes (30 when missing), shared equally among the
  ``n − 1`` others: every ordered pair of attendees gains ``duration / 60 / (n − 1)``, in
  both directions.

So a person's out-weight is the time they spent on others, and a big meeting gives each
pair less than a one-to-one of the same length: the share-by-group-size rule of Newman's
collaboration networks (Phys. Rev. E 64, 016132, 2001), in the hours unit of Viva Insights'
collaboration metrics. Unknown (external) addresses count in ``k`` and ``n`` but get no tie.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from peerweave.errors import (
    MAX_REPORTED_PROBLEMS,
    FileFormatError,
    InputError,
    MissingColumnError,
    PeerweaveError,
    Problem,
    ValidationError,
)
from peerweave.ingest.report import LoadReport, TiesLoad
from peerweave.ingest.tabular import header_key
from peerweave.org.schema import DEFAULT_TIE_KIND, TIES_COLUMNS

__all__ = [
    "CHANNELS",
    "CHANNEL_MINUTES",
    "DEFAULT_MEMORY_LIMIT",
    "EVENT_ALIASES",
    "EVENT_COLUMNS",
    "MAX_UNKNOWN_EXAMPLES",
    "REQUIRED_EVENT_COLUMNS",
    "aggregate_events",
]

#: Event columns, in this order; ``channel`` (default email) and ``duration`` are optional.
EVENT_COLUMNS: tuple[str, ...] = ("sender", "recipients", "timestamp", "channel", "duration")
REQUIRED_EVENT_COLUMNS: tuple[str, ...] = ("sender", "recipients", "timestamp")

#: The channels an event can come from (read case-insensitively; blank is email).
CHANNELS: tuple[str, ...] = ("email", "chat", "meeting", "call")

#: Minutes an event counts for when its ``duration`` is empty.
CHANNEL_MINUTES: Mapping[str, float] = MappingProxyType(
    {"email": 5.0, "chat": 1.0, "meeting": 30.0, "call": 30.0}
)

#: DuckDB's memory limit when none is given: half the memory of the machine (or container).
DEFAULT_MEMORY_LIMIT = "50%"

#: How many unknown addresses the report names before it says "… and N more".
MAX_UNKNOWN_EXAMPLES = 20

#: Header spellings of mail, calendar and chat exports, in ``header_key`` form.
EVENT_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        [
            "from",
            "from_address",
            "sender_address",
            "sender_email",
            "sender_id",
            "organizer",
            "organiser",
            "organizer_email",
            "author",
            "caller",
            "user",
        ],
        "sender",
    ),
    **dict.fromkeys(
        [
            "to",
            "recipient",
            "recipient_emails",
            "recipient_ids",
            "to_addresses",
            "attendees",
            "participants",
            "invitees",
            "receivers",
        ],
        "recipients",
    ),
    **dict.fromkeys(
        [
            "time",
            "date",
            "datetime",
            "date_time",
            "sent",
            "sent_at",
            "sent_time",
            "start",
            "start_time",
            "created",
            "created_at",
            "when",
            "ts",
        ],
        "timestamp",
    ),
    **dict.fromkeys(["type", "event_type", "kind", "medium", "event_kind"], "channel"),
    **dict.fromkeys(
        ["duration_minutes", "duration_min", "minutes", "length", "length_minutes", "mins"],
        "duration",
    ),
}

_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_DELIMITERS = ",;\t|"
_SNIFF_BYTES = 64 * 1024
_FILE_SHIFT = 40  # event id = file index << 40 | record number
_TS_FIX = "write an ISO 8601 time such as 2024-03-05T14:30:00Z or 2024-03-05 14:30 (UTC if no zone)"
_UNKNOWN_FIX = (
    "add the person to the people file (their person_id or email), "
    "or leave it: external addresses get no tie"
)


@dataclass
class _Source:
    """One event file: where it is, how to read it, and which of its columns are ours."""

    index: int
    path: Path
    fmt: str  # csv | parquet | json
    columns: dict[str, str]  # canonical name -> name in the file
    types: dict[str, str]  # canonical name -> DuckDB type
    header: list[str] = field(default_factory=list)  # CSV: every header, in order
    skip: int = 0  # CSV: blank lines above the header
    delimiter: str = ","
    encoding: str = "utf-8"
    json_format: str = "newline_delimited"
    notes: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.path)

    def row_of(self, ordinal: int, csv_rows: Mapping[int, int] | None = None) -> int:
        """The row a person sees: spreadsheet row for CSV (header = 1), else record number."""
        if self.fmt != "csv":
            return ordinal
        if csv_rows and ordinal in csv_rows:
            return csv_rows[ordinal]
        return ordinal + 1 + self.skip


# --------------------------------------------------------------------------- SQL pieces


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_CHANNEL_LIST = ", ".join(_lit(c) for c in CHANNELS)


def _trimmed(expr: str) -> str:
    """Trim spaces and tabs, skipping the work for the (usual) values without any."""
    return (
        f"CASE WHEN contains({expr}, ' ') OR contains({expr}, chr(9)) "
        f"THEN trim({expr}, ' ' || chr(9)) ELSE {expr} END"
    )


def _reader(src: _Source) -> str:
    path = _lit(str(src.path))
    if src.fmt == "parquet":
        return f"read_parquet({path}, file_row_number = true)"
    if src.fmt == "json":
        types = {
            "sender": "VARCHAR",
            "recipients": "JSON",
            "timestamp": "VARCHAR",
            "channel": "VARCHAR",
            "duration": "VARCHAR",
        }
        cols = ", ".join(f"{_lit(src.columns[c])}: {_lit(types[c])}" for c in src.columns)
        return f"read_json({path}, format = {_lit(src.json_format)}, columns = {{{cols}}})"
    cols = ", ".join(f"{_lit(h)}: 'VARCHAR'" for h in src.header)
    return (
        f"read_csv({path}, auto_detect = false, header = true, skip = {src.skip}, "
        f"delim = {_lit(src.delimiter)}, quote = '\"', escape = '\"', "
        f"encoding = {_lit(src.encoding)}, columns = {{{cols}}})"
    )


def _is_list(duck_type: str) -> bool:
    return duck_type.endswith("[]")


def _is_time(duck_type: str) -> bool:
    return duck_type.startswith("TIMESTAMP") or duck_type == "DATE"


def _is_number(duck_type: str) -> bool:
    return duck_type in {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "FLOAT",
        "DOUBLE",
    } or duck_type.startswith("DECIMAL")


def _normalized(src: _Source, *, ordinal: bool) -> str:
    """SELECT giving each record of ``src`` as normalised columns.

    ``sender`` (trimmed, NULL when blank), ``rl`` (recipient addresses, may hold ''),
    ``ts`` (TIMESTAMP, UTC; NULL when it does not parse), ``ch`` (channel, lower case,
    email when blank), ``dur`` (minutes; NULL when missing or bad), ``dur_bad``, the raw
    text of each checked value and, with ``ordinal``, ``ord`` (record number from 1) and
    ``ev`` (an id unique across files). Without ``ordinal`` the scan stays parallel.
    """
    c, t = src.columns, src.types
    raw = {name: f"src.{_ident(col)}" for name, col in c.items()}

    sender = f"CAST({raw['sender']} AS VARCHAR)"
    rec = raw["recipients"]
    rtype = t["recipients"]
    if _is_list(rtype):
        rtext = f"array_to_string(CAST({rec} AS VARCHAR[]), ';')"
    elif rtype == "JSON":
        rtext = (
            f"CASE WHEN json_type({rec}) = 'ARRAY' "
            f"THEN array_to_string(CAST({rec} AS VARCHAR[]), ';') ELSE {rec} ->> '$' END"
        )
    else:
        rtext = f"CAST({rec} AS VARCHAR)"

    ts = raw["timestamp"]
    if _is_time(t["timestamp"]):
        ts_val = f"CAST({ts} AS TIMESTAMP)"
    elif t["timestamp"] in {"VARCHAR", "JSON"}:
        text = f"CAST({ts} AS VARCHAR)"
        ts_val = (
            f"CAST(coalesce(TRY_CAST({text} AS TIMESTAMPTZ), TRY_CAST(trim({text}) AS TIMESTAMPTZ))"
            " AS TIMESTAMP)"
        )
    else:  # numbers (epoch seconds?) and anything else are not ISO 8601
        ts_val = "CAST(NULL AS TIMESTAMP)"
    ts_raw = f"CAST({ts} AS VARCHAR)"

    ch_raw = f"CAST({raw['channel']} AS VARCHAR)" if "channel" in c else "CAST(NULL AS VARCHAR)"

    if "duration" not in c:
        dur_raw, dur_val, dur_missing = "CAST(NULL AS VARCHAR)", "CAST(NULL AS DOUBLE)", "true"
    elif _is_number(t["duration"]):
        dur_raw = f"CAST({raw['duration']} AS VARCHAR)"
        dur_val = f"CAST({raw['duration']} AS DOUBLE)"
        dur_missing = f"({raw['duration']} IS NULL OR isnan({dur_val}))"
    else:
        dur_raw = f"CAST({raw['duration']} AS VARCHAR)"
        dur_val = f"TRY_CAST(trim({dur_raw}) AS DOUBLE)"
        dur_missing = (
            f"({dur_raw} IS NULL OR trim({dur_raw}) = '' OR coalesce(isnan({dur_val}), false))"
        )

    if ordinal:
        order = "file_row_number + 1" if src.fmt == "parquet" else "row_number() OVER ()"
        ord_cols = f"{order} AS ord, "
        ev_cols = f"(CAST({src.index} AS BIGINT) << {_FILE_SHIFT}) | ord AS ev, ord, "
    else:
        ord_cols = ev_cols = ""

    split = (
        "string_split(CASE WHEN contains(rtext, ' ') OR contains(rtext, chr(9)) "
        "THEN regexp_replace(trim(rtext, ' ' || chr(9)), '\\s*[;,]\\s*', ';', 'g') "
        "ELSE replace(rtext, ',', ';') END, ';')"
    )
    return f"""
    SELECT {ev_cols}
        nullif({_trimmed("sender_raw")}, '') AS sender,
        {split} AS rl,
        ts, ts_raw,
        CASE WHEN ch_raw IN ({_CHANNEL_LIST}) THEN ch_raw
             ELSE coalesce(nullif(lower(trim(ch_raw)), ''), 'email') END AS ch, ch_raw,
        CASE WHEN dur_missing OR dur_val IS NULL OR dur_val < 0 OR isinf(dur_val)
             THEN NULL ELSE dur_val END AS dur,
        NOT dur_missing AND (dur_val IS NULL OR dur_val < 0 OR isinf(dur_val)) AS dur_bad,
        dur_raw
    FROM (
        SELECT {ord_cols}{sender} AS sender_raw, {rtext} AS rtext, {ts_val} AS ts,
               {ts_raw} AS ts_raw, {ch_raw} AS ch_raw, {dur_raw} AS dur_raw,
               {dur_val} AS dur_val, {dur_missing} AS dur_missing
        FROM {_reader(src)} AS src
    )"""


def _window_sql(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """The time-window condition in SQL; ``true`` when the window is open.

    Rows whose time does not parse have been refused by then, so an open window lets the
    aggregation skip parsing times altogether.
    """
    if start is None and end is None:
        return "true"
    parts = ["ts IS NOT NULL"]
    if start is not None:
        parts.append(f"ts >= TIMESTAMP {_lit(start.isoformat(sep=' '))}")
    if end is not None:
        parts.append(f"ts < TIMESTAMP {_lit(end.isoformat(sep=' '))}")
    return " AND ".join(parts)


def _key(addr: str, alias: str) -> str:
    """Person index of a resolved address; unknown addresses get a negative hash of it."""
    return f"coalesce(x{alias}.idx, e{alias}.idx, -1 - CAST(hash(lower({addr})) >> 2 AS BIGINT))"


def _resolve(addr: str, alias: str) -> str:
    """Joins that resolve ``addr``: exact person_id or email, else email in any case."""
    return (
        f" LEFT JOIN exact AS x{alias} ON x{alias}.key = {addr}"
        f" LEFT JOIN emails AS e{alias}"
        f" ON e{alias}.key = CASE WHEN x{alias}.idx IS NULL THEN lower({addr}) END"
    )


# Codes of the tallies the aggregation query returns beside the ties.
_STATS = (
    "single_with_recipients",
    "multi_with_recipients",
    "broadcasts_left_out",
    "large_meetings_left_out",
    "self_addressed",
    "unknown_addresses",
    "events_with_unknown",
    "unknown_senders",
    "ties_before_reciprocal",
)


def _aggregation_sql(
    sources: Sequence[_Source],
    window: str,
    *,
    max_recipients: int,
    max_attendees: int,
    reciprocal: bool,
) -> str:
    minutes = " ".join(f"WHEN {_lit(ch)} THEN {m!r}" for ch, m in CHANNEL_MINUTES.items())
    events = "\n        UNION ALL\n".join(
        f"SELECT ev, sender, rl, ch IN ('meeting', 'call') AS meet, "
        f"coalesce(dur, CASE ch {minutes} END) / 60.0 AS hours "
        f"FROM ({_normalized(s, ordinal=True)}) WHERE {window}"
        for s in sources
    )
    if reciprocal:
        kept = (
            "SELECT a.pk, a.weight FROM agg AS a SEMI JOIN agg AS b "
            "ON b.pk = ((a.pk & 4294967295) << 32) | (a.pk >> 32)"
        )
    else:
        kept = "SELECT pk, weight FROM agg"
    stats = "\n        UNION ALL ".join(
        f"SELECT {code} AS code, CAST(({expr}) AS DOUBLE) AS v"
        for code, expr in enumerate(
            [
                "SELECT count(*) FROM one WHERE rkey <> skey",
                "SELECT count(*) FROM sized WHERE k >= 1",
                f"SELECT count(*) FROM sized WHERE NOT meet AND k > {max_recipients}",
                f"SELECT count(*) FROM sized WHERE meet AND k + 1 > {max_attendees}",
                "(SELECT count(*) FROM one WHERE rkey = skey)"
                " + (SELECT count(*) FROM sized WHERE self)",
                "SELECT count(DISTINCT lower(a)) FROM unk",
                "SELECT count(DISTINCT ev) FROM unk",
                "SELECT count(*) FROM ev2 WHERE us IS NOT NULL",
                "SELECT count(*) FROM agg" if reciprocal else "SELECT 0",
            ]
        )
    )
    # Beside the ties (kind 0) the query returns tallies (kind 1: code, value) and the first
    # unknown addresses (kind 2: file index, position 0 sender / 1 recipients, record, text).
    # Events with one recipient (most chats and many emails) need no explosion nor
    # regrouping; the others are exploded, resolved and regrouped per event so that k and n
    # count distinct people (a person named by id and by email counts once).
    return f"""
    WITH w AS (
        {events}
    ),
    ev2 AS (
        SELECT w.ev, w.rl, len(w.rl) AS listed, w.meet, w.hours,
               {_key("w.sender", "s")} AS skey,
               CASE WHEN xs.idx IS NULL AND es.idx IS NULL THEN w.sender END AS us
        FROM w {_resolve("w.sender", "s")}
    ),
    one AS (
        SELECT o.ev, o.meet, o.hours, o.skey, {_key("o.a", "o")} AS rkey,
               CASE WHEN xo.idx IS NULL AND eo.idx IS NULL THEN o.a END AS ua
        FROM (SELECT ev, meet, hours, skey, rl[1] AS a FROM ev2 WHERE listed = 1) AS o
        {_resolve("o.a", "o")}
        WHERE o.a <> ''
    ),
    many AS (
        SELECT m.ev, m.meet, m.hours, m.skey, {_key("m.a", "m")} AS rkey,
               CASE WHEN xm.idx IS NULL AND em.idx IS NULL THEN m.a END AS ua
        FROM (SELECT ev, meet, hours, skey, unnest(rl) AS a FROM ev2 WHERE listed > 1) AS m
        {_resolve("m.a", "m")}
        WHERE m.a <> ''
    ),
    grp AS (
        SELECT ev, any_value(meet) AS meet, any_value(hours) AS hours,
               any_value(skey) AS skey, list_distinct(list(rkey)) AS rk,
               list(ua) FILTER (WHERE ua IS NOT NULL) AS uas
        FROM many GROUP BY ev
    ),
    sized AS (
        SELECT meet, hours, skey, rk, list_contains(rk, skey) AS self,
               len(rk) - CASE WHEN list_contains(rk, skey) THEN 1 ELSE 0 END AS k
        FROM grp
    ),
    email_multi AS (
        SELECT skey AS s, r, w FROM (
            SELECT skey, unnest(rk) AS r, hours / k AS w FROM sized
            WHERE NOT meet AND k BETWEEN 1 AND {max_recipients} AND skey >= 0
        ) WHERE r >= 0 AND r <> skey
    ),
    meet_multi AS (
        SELECT list_distinct(list_append(rk, skey)) AS att, hours / k AS w FROM sized
        WHERE meet AND k BETWEEN 1 AND {max_attendees - 1}
    ),
    m1 AS (SELECT unnest(att) AS a, att, w FROM meet_multi),
    m2 AS (SELECT a, unnest(att) AS b, w FROM m1 WHERE a >= 0),
    mp AS (SELECT a, b, sum(w) AS w FROM m2 WHERE b > a GROUP BY a, b),
    single AS (
        SELECT skey, rkey, meet, hours AS w FROM one
        WHERE skey >= 0 AND rkey >= 0 AND skey <> rkey
    ),
    pairs AS (
        SELECT s, r, w FROM email_multi
        UNION ALL SELECT a, b, w FROM mp
        UNION ALL SELECT b, a, w FROM mp
        UNION ALL SELECT skey, rkey, w FROM single
        UNION ALL SELECT rkey, skey, w FROM single WHERE meet
    ),
    agg AS (SELECT (s << 32) | r AS pk, sum(w) AS weight FROM pairs GROUP BY pk),
    kept AS ({kept}),
    unk AS (
        SELECT ev, 0 AS pos, us AS a FROM ev2 WHERE us IS NOT NULL
        UNION ALL SELECT ev, 1, ua FROM one WHERE ua IS NOT NULL
        UNION ALL SELECT ev, 1, unnest(uas) FROM grp WHERE uas IS NOT NULL
    ),
    firsts AS (
        SELECT min(ev * 2 + pos) AS first, arg_min(a, ev * 2 + pos) AS a
        FROM unk GROUP BY lower(a) ORDER BY first LIMIT {MAX_UNKNOWN_EXAMPLES}
    ),
    stats AS (
        {stats}
    )
    SELECT 0 AS kind, CAST(pk >> 32 AS INTEGER) AS s, CAST(pk & 4294967295 AS INTEGER) AS r,
           weight, CAST(NULL AS VARCHAR) AS a
    FROM kept
    UNION ALL SELECT 1, code, 0, v, NULL FROM stats
    UNION ALL SELECT 2, CAST(first >> {_FILE_SHIFT + 1} AS INTEGER), CAST(first & 1 AS INTEGER),
              CAST((first >> 1) & {(1 << _FILE_SHIFT) - 1} AS DOUBLE), a FROM firsts
    """


# --------------------------------------------------------------------------- files


def _paths(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise InputError("events", Problem("no event files given", fix="name one or more files"))
    return [Path(p) for p in items]


def _map_columns(names: Sequence[str], source: str) -> tuple[dict[str, str], list[Problem]]:
    """Match a file's headers to the event columns: exact (any case) first, then aliases."""
    mapping: dict[str, str] = {}
    notes: list[Problem] = []
    keys = [header_key(n) for n in names]
    for name, key in zip(names, keys, strict=True):
        if key in EVENT_COLUMNS and key not in mapping:
            mapping[key] = name
    for name, key in zip(names, keys, strict=True):
        target = EVENT_ALIASES.get(key)
        if target and target not in mapping:
            mapping[target] = name
            notes.append(Problem(f"column {name!r} was read as {target}", column=name))
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in mapping]
    if missing:
        listed = ", ".join(repr(n) for n in names)
        hint = ""
        if len(names) == 1 and any(d in names[0] for d in _DELIMITERS):
            hint = "; the header looks like one column: is the delimiter , ; tab or |?"
        raise MissingColumnError(
            source,
            [
                Problem(
                    f"the header has no column {c} (it has {listed}){hint}",
                    column=c,
                    fix=f"add a {c} column (or name one {c}); the columns are "
                    + ", ".join(EVENT_COLUMNS),
                )
                for c in missing
            ],
        )
    return mapping, notes


def _sniff_csv(path: Path, source: str) -> tuple[list[str], int, str, str, list[Problem]]:
    """Header names, blank lines above them, delimiter, encoding and notes of a CSV file."""
    with path.open("rb") as fh:
        raw = fh.read(_SNIFF_BYTES)
    notes: list[Problem] = []
    try:
        text = raw.decode("utf-8-sig")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start < len(raw) - 4:  # not just a character cut at the end of the sample
            text, encoding = raw.decode("latin-1"), "latin-1"
            notes.append(_latin1_note())
        else:
            text, encoding = raw[: exc.start].decode("utf-8-sig"), "utf-8"
    lines = text.splitlines()
    skip = next((i for i, ln in enumerate(lines) if ln.strip()), len(lines))
    first = lines[skip] if skip < len(lines) else ""
    if not first:
        raise FileFormatError(source, Problem("the file is empty", fix="export the events again"))
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    else:
        counts = {d: first.count(d) for d in _DELIMITERS}
        delimiter = max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    unique = []
    for n in names:  # DuckDB needs distinct names; a repeated header gets a suffix
        seen[n] = seen.get(n, 0) + 1
        unique.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return unique, skip, delimiter, encoding, notes


def _latin1_note() -> Problem:
    return Problem(
        "the file is not UTF-8; it was read as Latin-1 (Windows-1252)",
        fix="check accented names, or save the file as UTF-8",
    )


def _open_source(con: duckdb.DuckDBPyConnection, path: Path, index: int) -> _Source:
    source = str(path)
    if not path.exists():
        raise FileFormatError(source, Problem("no such file", fix="check the path"))
    if path.is_dir():
        raise FileFormatError(source, Problem("is a folder, not a file", fix="name a file"))
    if path.stat().st_size == 0:
        raise FileFormatError(source, Problem("the file is empty", fix="export the events again"))
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        header, skip, delimiter, encoding, notes = _sniff_csv(path, source)
        mapping, more = _map_columns(header, source)
        return _Source(
            index,
            path,
            "csv",
            mapping,
            dict.fromkeys(mapping, "VARCHAR"),
            header=header,
            skip=skip,
            delimiter=delimiter,
            encoding=encoding,
            notes=notes + more,
        )
    if suffix in _PARQUET_SUFFIXES:
        fmt, reader, json_format = "parquet", f"read_parquet({_lit(source)})", "newline_delimited"
    elif suffix in _JSON_SUFFIXES:
        json_format = "newline_delimited" if suffix != ".json" else "auto"
        fmt = "json"
        reader = f"read_json({_lit(source)}, format = {_lit(json_format)})"
    else:
        raise FileFormatError(
            source,
            Problem(
                f"cannot tell the format from the extension {path.suffix!r}",
                fix="name the file .csv, .parquet or .jsonl",
            ),
        )
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as exc:
        raise FileFormatError(
            source, Problem(f"cannot be read as {fmt} ({_first_line(exc)})", fix="export it again")
        ) from None
    names = [str(r[0]) for r in described]
    if fmt == "json" and names == ["json"]:  # what DuckDB reports for an empty document
        raise FileFormatError(
            source, Problem("has no JSON objects", fix="write one JSON object per line")
        )
    mapping, notes = _map_columns(names, source)
    types = {canon: str(described[names.index(col)][1]) for canon, col in mapping.items()}
    return _Source(index, path, fmt, mapping, types, json_format=json_format, notes=notes)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    text = re.sub(r"^[A-Za-z ]+Error: ", "", text)
    return text.splitlines()[0] if text else type(exc).__name__


def _run(con: duckdb.DuckDBPyConnection, src: _Source, sql: str) -> list[tuple[Any, ...]]:
    """Run a query over ``src``; turn DuckDB's read errors into a :class:`FileFormatError`.

    A CSV that turns out not to be UTF-8 past the first 64 KiB is read again as Latin-1.
    """
    try:
        return con.execute(sql).fetchall()
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error as exc:
        text = str(exc)
        if src.fmt == "csv" and "not utf-8 encoded" in text and src.encoding == "utf-8":
            src.encoding = "latin-1"
            src.notes.append(_latin1_note())
            raise _Retry from None
        raise _format_error(src, exc) from None


class _Retry(Exception):
    """Internal: the source changed (encoding) and the query must be built again."""


def _format_error(src: _Source, exc: BaseException) -> FileFormatError:
    text = str(exc)
    line = re.search(r"[Ll]ine:? (\d+)", text)
    row = int(line.group(1)) if line else None
    detail = _first_line(exc)
    if "Expected Number of Columns" in text:
        found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
        detail = (
            f"the row has {found.group(2)} fields, the header {found.group(1)}" if found else detail
        )
        fix = "quote values that contain the delimiter, or fix the row"
    elif src.fmt == "json":
        fix = "write one JSON object per line"
    else:
        fix = "export the file again"
    return FileFormatError(src.name, Problem(f"cannot be read: {detail}", row=row, fix=fix))


def _query(
    con: duckdb.DuckDBPyConnection, src: _Source, build: Callable[[], str]
) -> list[tuple[Any, ...]]:
    """Build the SQL for ``src`` and run it, once more if the CSV had to change encoding."""
    try:
        return _run(con, src, build())
    except _Retry:
        return _run(con, src, build())


# --------------------------------------------------------------------------- checks


def _spreadsheet_rows(src: _Source, ordinals: Sequence[int]) -> dict[int, int]:
    """Map CSV record numbers (DuckDB skips blank lines) to the rows a spreadsheet shows.

    Reads the file only as far as the last record asked for; used only to report rows.
    """
    wanted = sorted(set(ordinals))
    out: dict[int, int] = {}
    if src.fmt != "csv" or not wanted:
        return out
    encoding = "utf-8-sig" if src.encoding == "utf-8" else src.encoding
    with src.path.open(newline="", encoding=encoding, errors="replace") as fh:
        reader = csv.reader(fh, delimiter=src.delimiter)
        for _ in range(src.skip + 1):  # blank lines, then the header
            if next(reader, None) is None:
                return out
        row, ordinal, i = 1 + src.skip, 0, 0
        for record in reader:
            row += 1
            if not record:
                continue
            ordinal += 1
            if ordinal == wanted[i]:
                out[ordinal] = row
                i += 1
                if i == len(wanted):
                    break
    return out


@dataclass
class _FileStats:
    rows: int = 0
    in_window: int = 0
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    meetings_without_duration: int = 0


def _check_rows(con: duckdb.DuckDBPyConnection, src: _Source, window: str) -> _FileStats:
    """Count the file's bad values in one parallel scan; raise listing the first bad rows."""

    def counts() -> str:
        return f"""
        SELECT count(*),
            count(*) FILTER (WHERE sender IS NULL),
            count(*) FILTER (WHERE ts IS NULL),
            count(*) FILTER (WHERE ch NOT IN ({_CHANNEL_LIST})),
            count(*) FILTER (WHERE dur_bad),
            count(*) FILTER (WHERE {window}),
            min(ts) FILTER (WHERE {window}),
            max(ts) FILTER (WHERE {window}),
            count(*) FILTER (WHERE {window} AND ch IN ('meeting', 'call') AND dur IS NULL
                             AND NOT dur_bad)
        FROM ({_normalized(src, ordinal=False)})"""

    (n, bad_sender, bad_ts, bad_ch, bad_dur, in_window, first, last, no_dur) = _query(
        con, src, counts
    )[0]
    if n == 0:
        raise FileFormatError(
            src.name,
            Problem("has no events (no data rows)", fix="export the events with their rows"),
        )
    total = bad_sender + bad_ts + bad_ch + bad_dur
    if total:
        _raise_bad_rows(con, src, total)
    return _FileStats(
        rows=int(n),
        in_window=int(in_window),
        first=None if first is None else pd.Timestamp(first),
        last=None if last is None else pd.Timestamp(last),
        meetings_without_duration=int(no_dur),
    )


def _raise_bad_rows(con: duckdb.DuckDBPyConnection, src: _Source, total: int) -> None:
    def details() -> str:
        return f"""
        SELECT ord, sender IS NULL, ts IS NULL, ts_raw, ch NOT IN ({_CHANNEL_LIST}), ch_raw,
               dur_bad, dur_raw
        FROM ({_normalized(src, ordinal=True)})
        WHERE sender IS NULL OR ts IS NULL OR ch NOT IN ({_CHANNEL_LIST}) OR dur_bad
        ORDER BY ord LIMIT {MAX_REPORTED_PROBLEMS}"""

    rows = _query(con, src, details)
    where = _spreadsheet_rows(src, [int(r[0]) for r in rows])
    problems: list[Problem] = []
    for ordinal, no_sender, no_ts, ts_raw, bad_ch, ch_raw, bad_dur, dur_raw in rows:
        row = src.row_of(int(ordinal), where)
        if no_sender:
            problems.append(
                Problem(
                    "the sender is empty",
                    row=row,
                    column=src.columns["sender"],
                    fix="fill in the sender's email or person_id, or delete the row",
                )
            )
        if no_ts:
            blank = ts_raw is None or not str(ts_raw).strip()
            message = "the timestamp is empty" if blank else f"{ts_raw!r} is not an ISO 8601 time"
            problems.append(Problem(message, row=row, column=src.columns["timestamp"], fix=_TS_FIX))
        if bad_ch:
            problems.append(
                Problem(
                    f"{ch_raw!r} is not a channel",
                    row=row,
                    column=src.columns["channel"],
                    fix="use email, chat, meeting or call (or leave it empty for email)",
                )
            )
        if bad_dur:
            value = _number(dur_raw)
            message = (
                f"duration {dur_raw} is negative"
                if value is not None and value < 0
                else f"{dur_raw!r} is not a number of minutes"
            )
            problems.append(
                Problem(
                    message,
                    row=row,
                    column=src.columns["duration"],
                    fix="write the length in minutes (0 or more), or leave it empty",
                )
            )
    raise ValidationError(src.name, problems[:MAX_REPORTED_PROBLEMS], total=total)


def _number(text: object) -> float | None:
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return None if math.isnan(value) else value


def _unknown_sql(sources: Sequence[_Source], window: str) -> str:
    """Every address of the events in the window that names no known person.

    Columns ``ev`` (file index << 40 | record number), ``pos`` (0 sender, 1 recipients)
    and ``a`` (the address as written).
    """
    parts = "\n        UNION ALL\n".join(
        f"SELECT ev, sender, rl FROM ({_normalized(s, ordinal=True)}) WHERE {window}"
        for s in sources
    )
    return f"""
    WITH w AS (
        {parts}
    ),
    occ AS (
        SELECT ev, 0 AS pos, sender AS a FROM w
        UNION ALL SELECT ev, 1, a FROM (SELECT ev, unnest(rl) AS a FROM w)
    )
    SELECT ev, pos, a FROM occ {_resolve("occ.a", "u")}
    WHERE occ.a <> '' AND xu.idx IS NULL AND eu.idx IS NULL"""


def _strict_unknowns(
    con: duckdb.DuckDBPyConnection, sources: Sequence[_Source], window: str
) -> None:
    """Raise for the first file that names an unknown person, listing the first rows."""
    unknown = _unknown_sql(sources, window)
    try:
        per_file = con.execute(
            f"SELECT ev >> {_FILE_SHIFT} AS f, count(*) FROM ({unknown}) GROUP BY f ORDER BY f"
        ).fetchall()
    except duckdb.Error as exc:
        raise _format_error(sources[0], exc) from None
    if not per_file:
        return
    index, total = int(per_file[0][0]), int(per_file[0][1])
    src = sources[index]
    first = con.execute(
        f"""SELECT ev & {(1 << _FILE_SHIFT) - 1}, pos, a FROM ({_unknown_sql([src], window)})
        ORDER BY ev, pos LIMIT {MAX_REPORTED_PROBLEMS}"""
    ).fetchall()
    where = _spreadsheet_rows(src, [int(o) for o, _, _ in first])
    problems = [
        Problem(
            f"{addr!r} names no known person (no person_id or email matches)",
            row=src.row_of(int(o), where),
            column=src.columns["sender" if pos == 0 else "recipients"],
            fix="add the person to the people file (their person_id or email), "
            "or run without strict to leave such addresses out",
        )
        for o, pos, addr in first
    ]
    raise ValidationError(src.name, problems, total=total)


def _unknown_notes(
    sources: Sequence[_Source],
    examples: Sequence[tuple[int, int, int, str]],
    *,
    distinct: int,
    events: int,
) -> list[Problem]:
    """Notes on unknown addresses: how many, then the first ones with file, row and column.

    ``examples`` holds ``(file index, record number, pos, address)`` of the first
    occurrence of each of the first unknown addresses.
    """
    several = len(sources) > 1
    notes = [
        Problem(
            f"{distinct} address{'es' if distinct != 1 else ''} in {events} "
            f"event{'s' if events != 1 else ''} name no known person; "
            "those people are left out of the ties",
            column="sender/recipients",
            fix=_UNKNOWN_FIX,
        )
    ]
    ordered = sorted(examples)
    for src in sources:
        mine = [e for e in ordered if e[0] == src.index]
        where = _spreadsheet_rows(src, [o for _, o, _, _ in mine])
        in_file = f" in {src.name}" if several else ""
        notes += [
            Problem(
                f"unknown address {addr!r}{in_file} left out (first seen here)",
                row=src.row_of(o, where),
                column=src.columns["sender" if pos == 0 else "recipients"],
            )
            for _, o, pos, addr in mine
        ]
    if distinct > len(ordered):
        notes.append(Problem(f"… and {distinct - len(ordered)} more unknown addresses"))
    return notes


# --------------------------------------------------------------------------- inputs


def _utc(value: str | date | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(name, Problem(f"{value!r} is not a date or time", fix=_TS_FIX)) from None
    if pd.isna(stamp):
        raise InputError(name, Problem(f"{value!r} is not a date or time", fix=_TS_FIX))
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def _lookup(people: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pa.Array]:
    """Address lookups from the people frame: exact keys (ids first) and lower-case emails."""
    if "person_id" not in people.columns:
        raise MissingColumnError(
            "people",
            Problem(
                "the people frame has no person_id column",
                column="person_id",
                fix="pass the people as read by read_people",
            ),
        )
    ids = people["person_id"].astype("string").str.strip()
    keep = ids.notna() & (ids != "") & ~ids.duplicated()
    ids = ids[keep]
    person_ids = ids.to_numpy(dtype=object)
    index = np.arange(len(ids), dtype=np.int64)
    frames = [pd.DataFrame({"key": person_ids, "idx": index})]
    emails_low = pd.DataFrame({"key": pd.Series([], dtype=object), "idx": np.array([], np.int64)})
    if "email" in people.columns:
        email = people.loc[keep, "email"].astype("string").str.strip()
        ok = (email.notna() & (email != "")).to_numpy(dtype=bool)
        written = email.to_numpy(dtype=object)[ok]
        low = email.str.lower().to_numpy(dtype=object)[ok]
        emails_low = pd.DataFrame({"key": low, "idx": index[ok]}).drop_duplicates("key")
        frames += [
            pd.DataFrame({"key": low, "idx": index[ok]}),
            pd.DataFrame({"key": written, "idx": index[ok]}),
        ]
    exact = pd.concat(frames, ignore_index=True).drop_duplicates("key")
    return exact, emails_low, pa.array(person_ids, type=pa.large_string())


def _connect(memory_limit: str | None, spill: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection in UTC with a memory limit and a folder to spill to."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = true")
        # Every join here probes a big event stream against a small people table; keep the
        # people side as the build side (DuckDB's estimate after unnest can flip it).
        con.execute("SET disabled_optimizers = 'build_side_probe_side'")
        con.execute(f"SET temp_directory = {_lit(spill)}")
        if memory_limit is None:
            # DuckDB's own default (80%) leaves too little room for the ties frame; a DuckDB
            # that does not take percentages keeps its own.
            with contextlib.suppress(duckdb.Error):
                con.execute(f"SET memory_limit = {_lit(DEFAULT_MEMORY_LIMIT)}")
        else:
            try:
                con.execute(f"SET memory_limit = {_lit(memory_limit)}")
            except duckdb.Error as exc:
                raise InputError(
                    "memory_limit",
                    Problem(
                        f"{memory_limit!r} is not a memory size ({_first_line(exc)})",
                        fix="write it like 4GB or 512MB",
                    ),
                ) from None
    except BaseException:
        con.close()
        raise
    return con


def _run_aggregation(
    con: duckdb.DuckDBPyConnection, sql: str, folder: Path
) -> tuple[pa.Table, list[tuple[Any, ...]]]:
    """Run the aggregation; return the ties sorted by (source, target) and the other rows.

    Results go through Parquet files in ``folder``, not through DuckDB's result buffer, so
    that only DuckDB's spillable operators hold memory: the aggregation is written as it
    comes, then sorted by a second, external sort.
    """
    raw, ordered = folder / "aggregated.parquet", folder / "ties.parquet"
    con.execute(f"COPY ({sql}) TO {_lit(str(raw))} (FORMAT parquet)")
    extra = con.execute(
        f"SELECT kind, s, r, weight, a FROM read_parquet({_lit(str(raw))}) WHERE kind <> 0"
    ).fetchall()
    con.execute(
        f"COPY (SELECT s, r, weight FROM read_parquet({_lit(str(raw))}) WHERE kind = 0 "
        f"ORDER BY s, r) TO {_lit(str(ordered))} (FORMAT parquet)"
    )
    raw.unlink()
    ties = pq.read_table(ordered)
    ordered.unlink()
    return ties, extra


def _out_of_memory(exc: BaseException, memory_limit: str | None) -> PeerweaveError:
    return PeerweaveError(
        f"DuckDB ran out of memory or spill space ({_first_line(exc)}); raise memory_limit "
        f"(now {memory_limit or DEFAULT_MEMORY_LIMIT}) or free disk space in "
        f"{tempfile.gettempdir()}, where it spills"
    )


def _describe_sources(paths: Sequence[Path]) -> str:
    names = [str(p) for p in paths]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]} and {len(names) - 1} more files"


# --------------------------------------------------------------------------- public


def aggregate_events(
    paths: str | Path | Sequence[str | Path],
    *,
    people: pd.DataFrame,
    start: str | date | None = None,
    end: str | date | None = None,
    max_recipients: int = 20,
    max_attendees: int = 25,
    reciprocal: bool = False,
    strict: bool = False,
    kind: str = DEFAULT_TIE_KIND,
    memory_limit: str | None = None,
) -> TiesLoad:
    """Aggregate collaboration events into directed, weighted ties between known people.

    Each file (CSV, Parquet or JSON Lines, told apart by extension) has the columns
    ``sender``, ``recipients``, ``timestamp`` and optionally ``channel`` (email, chat,
    meeting or call, any case; empty is email) and ``duration`` (minutes). ``recipients``
    holds addresses separated by ``;`` (``,`` also works), or a list in Parquet and JSON.
    An address is a ``person_id`` (exact) or an ``email`` (any case) of ``people``.
    DuckDB does all the work where the files lie; nothing is read into pandas but ties.

    Parameters
    ----------
    paths
        One event file or several (their events are pooled).
    people
        The known people: ``person_id`` and, optionally, ``email``.
    start, end
        Keep events with ``start <= timestamp < end`` (ISO text, date or datetime; no
        zone means UTC). The ties' window is this one or, when open, the first and last
        event seen.
    max_recipients
        Email and chat messages to more people than this are broadcasts and left out.
    max_attendees
        Meetings and calls with more attendees (organiser included) are left out.
    reciprocal
        Keep only pairs with weight in both directions.
    strict
        Raise on an address that names no known person instead of reporting it.
    kind
        The ``kind`` the ties get.
    memory_limit
        DuckDB's memory limit (``"4GB"``, ``"50%"``; default :data:`DEFAULT_MEMORY_LIMIT`);
        beyond it DuckDB spills to a temporary folder.

    Returns
    -------
    TiesLoad
        ``ties`` with :data:`~peerweave.org.schema.TIES_COLUMNS` (person ids, weight in
        collaboration hours: see the module docstring), an empty ``new_people`` (events
        never create people) and the report: counts such as ``broadcasts_left_out``,
        ``large_meetings_left_out``, ``unknown_addresses``, ``events_with_unknown`` and
        notes naming the file, row and column of the first unknown addresses.

    Raises
    ------
    FileFormatError
        A file is missing, empty or unreadable.
    MissingColumnError
        ``sender``, ``recipients`` or ``timestamp`` is missing.
    ValidationError
        Rows with an empty sender, a timestamp that does not parse, an unknown channel or
        a negative duration (all of them listed, up to a cap), or, with ``strict``,
        addresses of unknown people. Files are checked in order; the first file with
        problems is reported.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "events.csv").write_text(
    ...     "sender,recipients,timestamp,channel,duration\\n"
    ...     "ann@x.org,bob@x.org;cy@x.org,2024-03-04T09:00:00Z,email,\\n"
    ...     "P2,P1;P3,2024-03-05 10:00,meeting,90\\n"
    ...     "ann@x.org,guest@y.com,2024-03-06T11:00:00+01:00,chat,\\n")
    >>> people = pd.DataFrame({"person_id": ["P1", "P2", "P3"],
    ...                        "email": ["Ann@x.org", "bob@x.org", "cy@x.org"]})
    >>> load = aggregate_events(folder / "events.csv", people=people)
    >>> for tie in load.ties.itertuples():
    ...     print(tie.source, tie.target, round(tie.weight, 4))
    P1 P2 0.7917
    P1 P3 0.7917
    P2 P1 0.75
    P2 P3 0.75
    P3 P1 0.75
    P3 P2 0.75
    >>> load.report.counts["unknown_addresses"], load.report.notes[1].row
    (1, 4)
    """
    files = _paths(paths)
    if max_recipients < 1:
        raise InputError(
            "max_recipients", Problem(f"{max_recipients} is below 1", fix="use 1 or more")
        )
    if max_attendees < 2:
        raise InputError(
            "max_attendees", Problem(f"{max_attendees} is below 2", fix="use 2 or more")
        )
    lo, hi = _utc(start, "start"), _utc(end, "end")
    if lo is not None and hi is not None and lo >= hi:
        raise InputError(
            "start/end",
            Problem(
                f"the window starts ({lo}) at or after it ends ({hi})", fix="swap start and end"
            ),
        )
    exact, emails, person_ids = _lookup(people)
    window = _window_sql(lo, hi)

    with tempfile.TemporaryDirectory(prefix="peerweave-events-") as spill:
        con = _connect(memory_limit, spill)
        try:
            sources: list[_Source] = []
            stats: list[_FileStats] = []
            for i, path in enumerate(files):
                src = _open_source(con, path, i)
                stats.append(_check_rows(con, src, window))
                sources.append(src)
            con.register("exact_frame", exact)
            con.register("emails_frame", emails)
            for table in ("exact", "emails"):
                con.execute(
                    f"CREATE TEMP TABLE {table} AS "
                    f"SELECT CAST(key AS VARCHAR) AS key, idx FROM {table}_frame"
                )
                con.unregister(f"{table}_frame")
            if strict:
                _strict_unknowns(con, sources, window)
            sql = _aggregation_sql(
                sources,
                window,
                max_recipients=max_recipients,
                max_attendees=max_attendees,
                reciprocal=reciprocal,
            )
            try:
                ties_tbl, extra = _run_aggregation(con, sql, Path(spill))
            except duckdb.IOException as exc:  # the files were read already: the spill disk
                raise _out_of_memory(exc, memory_limit) from None
            except duckdb.OutOfMemoryException:
                raise
            except duckdb.Error as exc:
                raise _format_error(sources[0], exc) from None
        except duckdb.OutOfMemoryException as exc:
            raise _out_of_memory(exc, memory_limit) from None
        finally:
            con.close()
    tally = {_STATS[s]: round(v) for kind, s, _, v, _ in extra if kind == 1}
    examples = [(s, int(v), r, str(a)) for kind, s, r, v, a in extra if kind == 2]
    notes: list[Problem] = [note for src in sources for note in src.notes]
    if tally["unknown_addresses"]:
        notes += _unknown_notes(
            sources,
            examples,
            distinct=tally["unknown_addresses"],
            events=tally["events_with_unknown"],
        )

    rows_read = sum(s.rows for s in stats)
    in_window = sum(s.in_window for s in stats)
    firsts = [s.first for s in stats if s.first is not None]
    lasts = [s.last for s in stats if s.last is not None]
    window_start = lo if lo is not None else (min(firsts) if firsts else pd.NaT)
    window_end = hi if hi is not None else (max(lasts) if lasts else pd.NaT)
    with_recipients = tally["single_with_recipients"] + tally["multi_with_recipients"]
    counts = {
        "files": len(sources),
        "events_read": rows_read,
        "events_in_window": in_window,
        "events_outside_window": rows_read - in_window,
        "broadcasts_left_out": tally["broadcasts_left_out"],
        "large_meetings_left_out": tally["large_meetings_left_out"],
        "events_without_recipients": in_window - with_recipients,
        "self_addressed": tally["self_addressed"],
        "meetings_without_duration": sum(s.meetings_without_duration for s in stats),
        "unknown_addresses": tally["unknown_addresses"],
        "events_with_unknown": tally["events_with_unknown"],
        "unknown_senders": tally["unknown_senders"],
        "ties_left_out_not_reciprocal": (
            tally["ties_before_reciprocal"] - ties_tbl.num_rows if reciprocal else 0
        ),
    }
    notes += _count_notes(counts, max_recipients, max_attendees, in_window)

    ties = _ties_frame(ties_tbl, person_ids, kind, window_start, window_end)
    report = LoadReport(
        kind="ties",
        source=_describe_sources(files),
        rows_read=rows_read,
        records=len(ties),
        counts=counts,
        notes=tuple(notes),
    )
    new_people = pd.DataFrame({"person_id": pd.Series([], dtype="str")})
    return TiesLoad(ties=ties, new_people=new_people, report=report)


def _ties_frame(
    ties: pa.Table, person_ids: pa.Array, kind: str, start: Any, end: Any
) -> pd.DataFrame:
    """The ties frame: person indices turned into ids (Arrow take, no Python loop)."""
    table = pa.table(
        {
            "source": person_ids.take(ties["s"].combine_chunks()),
            "target": person_ids.take(ties["r"].combine_chunks()),
            "kind": pa.repeat(pa.scalar(kind, type=pa.large_string()), ties.num_rows),
            "weight": ties["weight"].combine_chunks(),
        }
    )
    frame: pd.DataFrame = table.to_pandas()
    frame["window_start"] = pd.Series(start, index=frame.index, dtype="datetime64[ns]")
    frame["window_end"] = pd.Series(end, index=frame.index, dtype="datetime64[ns]")
    return frame[list(TIES_COLUMNS)]


def _count_notes(
    counts: Mapping[str, int], max_recipients: int, max_attendees: int, in_window: int
) -> list[Problem]:
    notes: list[Problem] = []
    if in_window == 0:
        notes.append(Problem("no events in the time window", fix="check start and end"))
    if counts["broadcasts_left_out"]:
        notes.append(
            Problem(
                f"{counts['broadcasts_left_out']} emails/chats to more than {max_recipients} "
                "people left out as broadcasts",
                fix="raise max_recipients to keep them",
            )
        )
    if counts["large_meetings_left_out"]:
        notes.append(
            Problem(
                f"{counts['large_meetings_left_out']} meetings/calls with more than "
                f"{max_attendees} attendees left out",
                fix="raise max_attendees to keep them",
            )
        )
    if counts["meetings_without_duration"]:
        notes.append(
            Problem(
                f"{counts['meetings_without_duration']} meetings/calls have no duration; "
                f"counted as {CHANNEL_MINUTES['meeting']:g} minutes",
                column="duration",
                fix="add the duration in minutes",
            )
        )
    return notes

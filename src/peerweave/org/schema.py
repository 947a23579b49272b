"""The canonical columns of people, skills and ties, and the value parsers they share."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from zoneinfo import available_timezones

import numpy as np
import pandas as pd

from peerweave.errors import Problem

__all__ = [
    "DEFAULT_CAPACITY",
    "DEFAULT_TIE_KIND",
    "PEOPLE_COLUMNS",
    "ROW",
    "SKILLS_COLUMNS",
    "SKILL_LEVELS",
    "TIES_COLUMNS",
    "flag_rows",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_timezone",
    "rows_of",
    "timezone_offset_hours",
]

#: Hidden column that carries each record's spreadsheet row (header = row 1) through
#: validation, so errors can name the row. Readers add it; validators drop it.
ROW = "_row"

#: People, in this order. Only ``person_id`` is required in a file.
PEOPLE_COLUMNS: tuple[str, ...] = (
    "person_id",
    "name",
    "email",
    "manager_id",
    "department",
    "team",
    "title",
    "level",
    "location",
    "timezone",
    "hire_date",
    "opted_out",
    "on_leave",
)

#: Skills per person. ``level`` 0–4: 0 none, 1 beginner, 2 practitioner, 3 expert, 4 master.
SKILLS_COLUMNS: tuple[str, ...] = (
    "person_id",
    "skill",
    "level",
    "can_teach",
    "wants_to_learn",
    "capacity",
)

#: Ties between people; ``window_start``/``window_end`` bound the period the tie was seen in.
TIES_COLUMNS: tuple[str, ...] = (
    "source",
    "target",
    "kind",
    "weight",
    "window_start",
    "window_end",
)

SKILL_LEVELS = range(0, 5)
DEFAULT_CAPACITY = 2
DEFAULT_TIE_KIND = "collaboration"

_TRUE = {"true", "t", "yes", "y", "1", "1.0", "x"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", ""}
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def rows_of(frame: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers of a frame's records (the ``_row`` column, else index + 2).

    >>> rows_of(pd.DataFrame({"a": [1, 2]})).tolist()
    [2, 3]
    """
    if ROW in frame.columns:
        return frame[ROW].to_numpy(dtype=np.int64)
    return np.arange(len(frame), dtype=np.int64) + 2


def _blank(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return values.isna() | (text == "")


def flag_rows(
    bad: pd.Series | np.ndarray,
    rows: np.ndarray,
    *,
    column: str,
    message: str | Callable[[int], str],
    fix: str,
    problems: list[Problem],
) -> None:
    """Append one :class:`Problem` per record where ``bad`` holds.

    ``message`` is the text, or a function that words record ``i``.

    >>> probs: list[Problem] = []
    >>> names = pd.Series(["ok", "", "ok"])
    >>> flag_rows(names == "", np.array([2, 3, 4]), column="name",
    ...           message="name is empty", fix="fill it in", problems=probs)
    >>> str(probs[0])
    'row 3, column name: name is empty (fix: fill it in)'
    """
    mask = bad.to_numpy(dtype=bool) if isinstance(bad, pd.Series) else np.asarray(bad, dtype=bool)
    for i in np.flatnonzero(mask):
        text = message if isinstance(message, str) else message(int(i))
        problems.append(Problem(text, row=int(rows[i]), column=column, fix=fix))


def _collect(
    values: pd.Series,
    ok: pd.Series,
    rows: np.ndarray,
    column: str,
    message: Callable[[object], str],
    fix: str,
    problems: list[Problem],
) -> None:
    def plain(i: int) -> str:
        value = values.iloc[i]
        value = value.item() if isinstance(value, np.generic) else value  # 2.5, not np.float64(2.5)
        return message(value)

    flag_rows(~ok, rows, column=column, message=plain, fix=fix, problems=problems)


def parse_bool(
    values: pd.Series,
    *,
    column: str,
    rows: np.ndarray,
    problems: list[Problem],
    default: bool = False,
) -> pd.Series:
    """Parse true/false, yes/no, y/n, 1/0 (any case); blank is ``default``.

    Unparseable values are appended to ``problems`` and read as ``default``.

    >>> probs: list[Problem] = []
    >>> parse_bool(pd.Series(["Yes", "0", None, "maybe"]), column="can_teach",
    ...            rows=np.array([2, 3, 4, 5]), problems=probs).tolist()
    [True, False, False, False]
    >>> probs[0].row, probs[0].column
    (5, 'can_teach')
    """
    if values.dtype == bool:
        return values.astype(bool)
    text = values.astype("string").str.strip().str.lower().fillna("")
    is_true = text.isin(_TRUE)
    is_false = text.isin(_FALSE)
    known = is_true | is_false
    _collect(
        values,
        known,
        rows,
        column,
        lambda v: f"{v!r} is not a yes/no value",
        "write true/false, yes/no or 1/0",
        problems,
    )
    out = pd.Series(np.where(known, is_true, default), index=values.index, dtype=bool)
    blank = text == ""
    out[blank.to_numpy()] = default
    return out


def parse_int(
    values: pd.Series,
    *,
    column: str,
    rows: np.ndarray,
    problems: list[Problem],
    low: int | None = None,
    high: int | None = None,
) -> pd.Series:
    """Parse whole numbers (``3``, ``3.0``, ``" 3 "``) into nullable ``Int64``; blank is NA.

    >>> probs: list[Problem] = []
    >>> parse_int(pd.Series(["3", "", "2.5", "9"]), column="level", rows=np.array([2, 3, 4, 5]),
    ...           problems=probs, low=0, high=4).tolist()
    [3, <NA>, <NA>, <NA>]
    >>> [p.row for p in probs]
    [4, 5]
    """
    blank = _blank(values)
    numbers = pd.to_numeric(values.where(~blank), errors="coerce")
    # inf and huge values would turn into garbage Int64 values; 2**53 is the last exact float.
    whole = numbers.notna() & (numbers == np.floor(numbers)) & (numbers.abs() <= 2**53)
    _collect(
        values,
        whole | blank,
        rows,
        column,
        lambda v: f"{v!r} is not a whole number",
        "write a whole number such as 3",
        problems,
    )
    out = numbers.where(whole).astype("Float64").astype("Int64")
    if low is not None or high is not None:
        lo = -np.inf if low is None else low
        hi = np.inf if high is None else high
        in_range = out.isna() | ((out >= lo) & (out <= hi))
        span = (
            f"from {low} to {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        _collect(
            values,
            in_range.fillna(True),
            rows,
            column,
            lambda v: f"{v} is out of range",
            f"use a whole number {span}",
            problems,
        )
        out = out.where(in_range.fillna(True))
    return out


def parse_date(
    values: pd.Series, *, column: str, rows: np.ndarray, problems: list[Problem]
) -> pd.Series:
    """Parse ISO 8601 dates (``2021-03-04``, also with a time) into ``datetime64``; blank is NaT.

    >>> probs: list[Problem] = []
    >>> parse_date(pd.Series(["2021-03-04", "", "04/03/21"]), column="hire_date",
    ...            rows=np.array([2, 3, 4]), problems=probs).dt.strftime("%Y-%m-%d").tolist()
    ['2021-03-04', nan, nan]
    >>> probs[0].fix
    'write dates as YYYY-MM-DD'
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = (
            pd.to_datetime(values).dt.tz_localize(None)
            if hasattr(values, "dt") and values.dt.tz is not None
            else pd.to_datetime(values)
        )
        return parsed.astype("datetime64[ns]")
    blank = _blank(values)
    text = values.astype("string").str.strip()
    parsed = pd.to_datetime(text.where(~blank), format="ISO8601", errors="coerce", utc=True)
    parsed = parsed.dt.tz_convert(None)
    _collect(
        values,
        parsed.notna() | blank,
        rows,
        column,
        lambda v: f"{v!r} is not a date",
        "write dates as YYYY-MM-DD",
        problems,
    )
    return parsed.astype("datetime64[ns]")


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_offset_hours(name: str, *, at: pd.Timestamp | None = None) -> float:
    """UTC offset in hours of an IANA zone (``Europe/Paris``) or offset (``UTC+05:30``).

    >>> timezone_offset_hours("UTC+05:30")
    5.5
    >>> timezone_offset_hours("America/New_York", at=pd.Timestamp("2024-01-15"))
    -5.0
    """
    m = _OFFSET.match(name.strip())
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return sign * (int(m.group(2)) + int(m.group(3) or 0) / 60)
    when = (at or pd.Timestamp("2024-01-15")).tz_localize(name.strip())
    offset = when.utcoffset()
    return (offset or timedelta(0)).total_seconds() / 3600


def _valid_zone(name: str) -> bool:
    m = _OFFSET.match(name)
    if m:
        minutes = int(m.group(3) or 0)
        return minutes < 60 and int(m.group(2)) + minutes / 60 <= 14
    return name in _zones() or name.upper() == "UTC"


def parse_timezone(
    values: pd.Series, *, column: str, rows: np.ndarray, problems: list[Problem]
) -> pd.Series:
    """Keep IANA zone names (``Europe/Berlin``) and UTC offsets (``UTC+2``, ``-05:00``).

    >>> probs: list[Problem] = []
    >>> parse_timezone(pd.Series(["Europe/Berlin", "UTC+2", "Mars/Olympus"]), column="timezone",
    ...                rows=np.array([2, 3, 4]), problems=probs).tolist()
    ['Europe/Berlin', 'UTC+2', <NA>]
    >>> probs[0].row
    4
    """
    text = values.astype("string").str.strip()
    blank = _blank(values)
    uniques = pd.unique(text[~blank].to_numpy(dtype=object))
    good = {u for u in uniques if _valid_zone(str(u))}
    ok = blank | text.isin(good)
    _collect(
        values,
        ok.fillna(True),
        rows,
        column,
        lambda v: f"{v!r} is not a time zone",
        "use an IANA name such as Europe/Paris or an offset such as UTC+02:00",
        problems,
    )
    return text.where(ok & ~blank)

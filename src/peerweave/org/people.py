"""People and the formal hierarchy: typing and validating a people table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from peerweave.errors import Problem, ValidationError
from peerweave.org.hierarchy import manager_cycles
from peerweave.org.schema import (
    PEOPLE_COLUMNS,
    ROW,
    flag_rows,
    parse_bool,
    parse_date,
    parse_int,
    parse_timezone,
    rows_of,
)

__all__ = ["TEXT_COLUMNS", "empty_people", "validate_people"]

#: People columns held as plain text.
TEXT_COLUMNS = ("name", "email", "manager_id", "department", "team", "title", "location")

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def empty_people() -> pd.DataFrame:
    """A people frame with no rows and the canonical columns and types.

    >>> list(empty_people().columns) == list(PEOPLE_COLUMNS)
    True
    """
    return pd.DataFrame(
        {
            "person_id": pd.Series(dtype="string"),
            **{c: pd.Series(dtype="string") for c in TEXT_COLUMNS},
            "level": pd.Series(dtype="Int64"),
            "timezone": pd.Series(dtype="string"),
            "hire_date": pd.Series(dtype="datetime64[ns]"),
            "opted_out": pd.Series(dtype=bool),
            "on_leave": pd.Series(dtype=bool),
        }
    )[list(PEOPLE_COLUMNS)]


def _text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype) and values.dropna().map(float.is_integer).all():
        values = values.astype("Int64")  # ids 1, 2 read as 1.0, 2.0 beside a blank (JSONL, Parquet)
    text = values.astype("string").str.strip()
    return text.where(text != "")


def _duplicates(ids: pd.Series, rows: np.ndarray, column: str, what: str) -> list[Problem]:
    present = ids.notna()
    dup = ids.duplicated(keep=False) & present
    if not dup.any():
        return []
    by_row = pd.Series(rows, index=ids.index)[present]
    first_row = by_row.groupby(ids[present]).transform("min").reindex(ids.index)
    later = ids.duplicated(keep="first") & present
    return [
        Problem(
            f"{what} {ids.iloc[i]!r} appears again (first on row {int(first_row.iloc[i])})",
            row=int(rows[i]),
            column=column,
            fix=f"keep one row per {what}",
        )
        for i in np.flatnonzero(later.to_numpy())
    ]


def validate_people(frame: pd.DataFrame, *, source: str = "people") -> pd.DataFrame:
    """Type and check a people table; raise one :class:`ValidationError` listing every problem.

    ``frame`` holds canonical column names (any subset with ``person_id``) as text or
    typed values, optionally with the ``_row`` column. Checks: empty and duplicate ids,
    duplicate emails, unknown managers, manager cycles, levels (whole numbers ≥ 0,
    higher = more senior), hire dates (YYYY-MM-DD), time zones, opted-out flags.
    Returns the canonical columns with proper types (absent columns are all missing).

    >>> people = validate_people(pd.DataFrame({
    ...     "person_id": ["1", "2"], "manager_id": ["", "1"], "level": ["5", "2"]}))
    >>> people[["person_id", "manager_id", "level"]].to_dict("records")
    [{'person_id': '1', 'manager_id': None, 'level': 5}, {'person_id': '2', 'manager_id': '1', 'level': 2}]
    >>> validate_people(pd.DataFrame({"person_id": ["1", "2"], "manager_id": ["2", "1"]}))
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: people: 2 problems
      row 2, column manager_id: manager cycle 1 → 2 → 1 ...
      row 3, column manager_id: manager cycle 1 → 2 → 1 ...
    """
    rows = rows_of(frame)
    n = len(frame)
    problems: list[Problem] = []
    out = empty_people().reindex(range(n))

    def column(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].reset_index(drop=True)
        return pd.Series([pd.NA] * n, dtype="string")

    ids = _text(column("person_id"))
    flag_rows(
        ids.isna(),
        rows,
        column="person_id",
        message="person_id is empty",
        fix="give every person an id, or delete the row",
        problems=problems,
    )
    problems += _duplicates(ids, rows, "person_id", "person_id")
    out["person_id"] = ids

    for name in TEXT_COLUMNS:
        out[name] = _text(column(name))
    emails = out["email"].str.lower()
    bad_email = emails.notna() & ~emails.str.match(_EMAIL).fillna(False).astype(bool)
    flag_rows(
        bad_email,
        rows,
        column="email",
        message=lambda i: f"{out['email'].iloc[i]!r} is not an email address",
        fix="write it as name@example.com, or leave it empty",
        problems=problems,
    )
    problems += _duplicates(emails.where(~bad_email), rows, "email", "email")
    out["email"] = emails

    out["level"] = parse_int(column("level"), column="level", rows=rows, problems=problems, low=0)
    out["hire_date"] = parse_date(
        column("hire_date"), column="hire_date", rows=rows, problems=problems
    )
    out["timezone"] = parse_timezone(
        column("timezone"), column="timezone", rows=rows, problems=problems
    )
    out["opted_out"] = parse_bool(
        column("opted_out"), column="opted_out", rows=rows, problems=problems
    )
    out["on_leave"] = parse_bool(
        column("on_leave"), column="on_leave", rows=rows, problems=problems
    )

    managers = out["manager_id"]
    known = managers.isin(ids.dropna()) | managers.isna()
    flag_rows(
        ~known,
        rows,
        column="manager_id",
        message=lambda i: f"manager {managers.iloc[i]!r} is not a person in this file",
        fix="add the manager to the file, or leave manager_id empty",
        problems=problems,
    )
    clean = ~ids.duplicated(keep="first") & ids.notna()
    row_of = dict(zip(ids[clean].tolist(), rows[clean.to_numpy()].tolist(), strict=True))
    for cycle in manager_cycles(ids[clean], managers[clean].where(known[clean])):
        loop = " → ".join([*cycle, cycle[0]])
        fix = "give one of them a manager outside the loop, or leave manager_id empty for the top"
        problems += [
            Problem(f"manager cycle {loop}", row=int(row_of[m]), column="manager_id", fix=fix)
            for m in cycle
        ]

    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ValidationError(source, problems)
    if ROW in out.columns:
        out = out.drop(columns=[ROW])
    return out[list(PEOPLE_COLUMNS)]

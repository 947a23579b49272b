"""People: upsert from an HR frame, mark who left, add id-only stubs, read them back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from peerweave.errors import UnknownIdError
from peerweave.org.schema import PEOPLE_COLUMNS
from peerweave.store._frames import (
    bool_series,
    bulk_insert,
    date_values,
    datetime_series,
    execute_many,
    frame_of,
    int_series,
    python_values,
    text_series,
    utcnow,
)
from peerweave.store.tables import people as people_table

__all__ = ["PeopleChanges", "add_people_stubs", "load_people", "save_people"]

_INT_COLUMNS = ("level",)
_DATE_COLUMNS = ("hire_date",)
_BOOL_COLUMNS = ("opted_out", "on_leave")
_TEXT_COLUMNS = tuple(
    c for c in PEOPLE_COLUMNS if c not in (*_INT_COLUMNS, *_DATE_COLUMNS, *_BOOL_COLUMNS)
)


@dataclass(frozen=True)
class PeopleChanges:
    """What ``save_people`` did. Every person of the frame is counted once:
    ``added + updated + unchanged + returned == len(frame)``; ``marked_left``
    counts active people absent from the frame.

    >>> PeopleChanges(added=2, updated=1, unchanged=5).total
    8
    """

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_left: int = 0
    returned: int = 0

    @property
    def total(self) -> int:
        """People in the saved frame."""
        return self.added + self.updated + self.unchanged + self.returned


def _canonical(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Columns in the dtypes used to compare stored and new values."""
    out = {}
    for c in columns:
        values = frame[c]
        if c in _INT_COLUMNS:
            out[c] = int_series(values)
        elif c in _DATE_COLUMNS:
            out[c] = datetime_series(values).dt.normalize()
        elif c in _BOOL_COLUMNS:
            out[c] = bool_series(values)
        else:
            out[c] = text_series(values)
    return pd.DataFrame(out, index=frame.index)


def _write_values(values: pd.Series, column: str) -> list[object]:
    return date_values(values) if column in _DATE_COLUMNS else python_values(values)


def _same(new: pd.Series, old: pd.Series) -> np.ndarray:
    both_missing = (new.isna() & old.isna()).to_numpy(dtype=bool)
    equal = (new == old).astype("boolean").fillna(False).to_numpy(dtype=bool)
    return both_missing | equal


def _stored(session: Session, columns: list[str]) -> pd.DataFrame:
    names = ["person_id", *columns, "status", "updated_at"]
    rows = session.execute(select(*(people_table.c[n] for n in names))).all()
    stored = frame_of(rows, names)
    canon = _canonical(stored, ["person_id", *columns])
    canon["status"] = stored["status"].astype("string")
    canon["updated_at"] = stored["updated_at"]
    return canon


def save_people(
    *,
    session: Session,
    people: pd.DataFrame,
    import_id: int,
    mark_missing_left: bool = True,
) -> PeopleChanges:
    """Upsert people by ``person_id``; mark active people missing from ``people`` as left.

    Columns are any of ``PEOPLE_COLUMNS`` (``person_id`` required); a column the
    frame lacks keeps its stored values. People who had left and reappear are
    active again. Nobody is deleted: ties and skills of people who left stay.
    With ``mark_missing_left=False`` the frame is a partial update (attributes a ties
    file carried): nobody is marked left and everyone keeps their status.

    >>> from peerweave.store import Store, record_import
    >>> frame = pd.DataFrame({"person_id": ["a", "b"], "name": ["Ana", "Bo"]})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="people", files=["hr.csv"],
    ...                         rows_read=2, records=2, report={})
    ...     save_people(session=session, people=frame, import_id=run)
    ...     save_people(session=session, people=frame.iloc[:1], import_id=run)
    PeopleChanges(added=2, updated=0, unchanged=0, marked_left=0, returned=0)
    PeopleChanges(added=0, updated=0, unchanged=1, marked_left=1, returned=0)
    """
    if "person_id" not in people.columns:
        raise ValueError("the people frame needs a person_id column")
    columns = [c for c in PEOPLE_COLUMNS if c in people.columns and c != "person_id"]
    new = _canonical(people, ["person_id", *columns]).reset_index(drop=True)
    if new["person_id"].isna().any():
        raise ValueError("person_id is missing in some rows of the people frame")
    duplicated = new["person_id"][new["person_id"].duplicated()]
    if len(duplicated):
        raise ValueError(f"person_id repeated in the people frame: {sorted(set(duplicated))[:5]}")

    stored = _stored(session, columns)
    merged = new.merge(stored, on="person_id", how="left", suffixes=("", "_old"), indicator=True)
    is_new = (merged["_merge"] == "left_only").to_numpy(dtype=bool)
    was_left = (merged["status"] == "left").fillna(False).to_numpy(dtype=bool)
    same = np.ones(len(merged), dtype=bool)
    for c in columns:
        same &= _same(merged[c], merged[f"{c}_old"])
    if not mark_missing_left:
        was_left = np.zeros(len(merged), dtype=bool)
    returned = ~is_new & was_left
    updated = ~is_new & ~was_left & ~same
    unchanged = ~is_new & ~was_left & same

    now = utcnow()
    touched = is_new | returned | updated
    updated_at = np.where(touched, np.array(now, dtype=object), merged["updated_at"].to_numpy())
    n = len(merged)
    values = {"person_id": python_values(merged["person_id"])}
    values |= {c: _write_values(merged[c], c) for c in columns}
    values |= {
        "status": ["active"] * n,
        "left_at": [None] * n,
        "first_import_id": [import_id] * n,
        "last_import_id": [import_id] * n,
        "updated_at": updated_at.tolist(),
    }
    refreshed = [*columns, "last_import_id", "updated_at"]
    if mark_missing_left:
        refreshed += ["status", "left_at"]
    bulk_insert(session, people_table, values, conflict=["person_id"], update=refreshed)

    missing = ~stored["person_id"].isin(new["person_id"])
    gone = stored["person_id"][
        (stored["status"] == "active").fillna(False) & missing & mark_missing_left
    ]
    mark_left = (
        update(people_table)
        .where(people_table.c.person_id == bindparam("gone_id"))
        .values(status="left", left_at=now, updated_at=now)
    )
    execute_many(session, mark_left, [{"gone_id": p} for p in python_values(gone)])
    return PeopleChanges(
        added=int(is_new.sum()),
        updated=int(updated.sum()),
        unchanged=int(unchanged.sum()),
        marked_left=len(gone),
        returned=int(returned.sum()),
    )


def check_people_known(session: Session, person_ids: pd.Series, *, what: str) -> None:
    """Raise ``UnknownIdError`` naming ids (of ``what``) that are not stored people."""
    known = pd.Index(list(session.scalars(select(people_table.c.person_id))))
    unknown = sorted(set(person_ids[~person_ids.isin(known)].dropna()))
    if len(unknown):
        shown = ", ".join(str(p) for p in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise UnknownIdError(
            f"{what} name {len(unknown)} people who are not in the database ({shown}{more}); "
            "import them first or add them with add_people_stubs"
        )


def add_people_stubs(*, session: Session, person_ids: Iterable[str], import_id: int) -> int:
    """Add id-only people for ids not stored yet (people a ties file names); return how many.

    >>> from peerweave.store import Store, record_import
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="ties", files=["t.csv"],
    ...                         rows_read=2, records=2, report={})
    ...     add_people_stubs(session=session, person_ids=["a", "b", "a"], import_id=run)
    ...     add_people_stubs(session=session, person_ids=["b", "c"], import_id=run)
    2
    1
    """
    wanted = pd.unique(text_series(pd.Series(list(person_ids), dtype=object)).dropna())
    known = set(session.scalars(select(people_table.c.person_id)))
    missing = [p for p in wanted.tolist() if p not in known]
    n = len(missing)
    columns = {
        "person_id": missing,
        "status": ["active"] * n,
        "first_import_id": [import_id] * n,
        "last_import_id": [import_id] * n,
        "updated_at": [utcnow()] * n,
    }
    return bulk_insert(session, people_table, columns)


def load_people(*, session: Session, include_left: bool = False) -> pd.DataFrame:
    """People as a frame: ``PEOPLE_COLUMNS`` plus ``status``, sorted by ``person_id``.

    ``level`` is ``Int64``, ``hire_date`` ``datetime64[ns]`` (NaT when unknown),
    ``opted_out`` ``bool``, the rest text (NaN when unknown).

    >>> from peerweave.store import Store, record_import
    >>> frame = pd.DataFrame({"person_id": ["a"], "level": pd.array([None], dtype="Int64")})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="people", files=["hr.csv"],
    ...                         rows_read=1, records=1, report={})
    ...     _ = save_people(session=session, people=frame, import_id=run)
    ...     loaded = load_people(session=session)
    >>> loaded[["person_id", "level", "hire_date", "opted_out", "status"]]
      person_id  level hire_date  opted_out  status
    0         a   <NA>       NaT      False  active
    """
    names = [*PEOPLE_COLUMNS, "status"]
    query = select(*(people_table.c[n] for n in names)).order_by(people_table.c.person_id)
    if not include_left:
        query = query.where(people_table.c.status == "active")
    raw = frame_of(session.execute(query).all(), names)
    out = {}
    for c in names:
        if c in _INT_COLUMNS:
            out[c] = int_series(raw[c])
        elif c in _DATE_COLUMNS:
            out[c] = datetime_series(raw[c])
        elif c in _BOOL_COLUMNS:
            out[c] = bool_series(raw[c])
        else:
            out[c] = raw[c].astype("str")
    return pd.DataFrame(out)

"""Ties: bulk-save a frame (replacing the kinds it holds) and read them back."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from peerweave.org.schema import DEFAULT_TIE_KIND, TIES_COLUMNS
from peerweave.store._frames import (
    ColumnValues,
    bulk_insert,
    datetime_series,
    frame_of,
    text_series,
)
from peerweave.store.people import check_people_known
from peerweave.store.tables import ties as ties_table

__all__ = ["load_ties", "save_ties"]

#: Below this many rows written or deleted, indexes and foreign keys are checked row
#: by row; above it (and when it is at least as many rows as stay untouched) they
#: are dropped and added back, 2–3 times faster for a million ties.
REBUILD_INDEXES_FROM = 50_000


def _required(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column]
    if values.isna().any():
        raise ValueError(f"{column} is missing in some rows of the ties frame")
    return values


def save_ties(*, session: Session, ties: pd.DataFrame, import_id: int, replace: bool = True) -> int:
    """Insert ties in bulk; with ``replace``, first delete stored ties of the kinds in the frame.

    ``ties`` has ``TIES_COLUMNS``; ``kind`` defaults to ``collaboration``, ``weight``
    to 1 and the window to unknown when the column is absent. Both ends must be
    stored people (else ``UnknownIdError``; see ``add_people_stubs``). Returns the
    number of ties inserted.

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> frame = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "kind": "advice",
    ...                       "weight": [1.0, 2.5]})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="ties", files=["t.csv"],
    ...                         rows_read=2, records=2, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["a", "b", "c"], import_id=run)
    ...     save_ties(session=session, ties=frame, import_id=run)
    ...     save_ties(session=session, ties=frame.iloc[:1], import_id=run)
    ...     len(load_ties(session=session))
    2
    1
    1
    """
    n = len(ties)
    kinds = (
        text_series(ties["kind"]).fillna(DEFAULT_TIE_KIND)
        if "kind" in ties.columns
        else pd.Series([DEFAULT_TIE_KIND] * n, dtype="string", index=ties.index)
    )
    weights = (
        pd.to_numeric(_required(ties, "weight")).astype(float)
        if "weight" in ties.columns
        else pd.Series([1.0] * n, index=ties.index)
    )
    sources = text_series(_required(ties, "source"))
    targets = text_series(_required(ties, "target"))
    check_people_known(session, pd.concat([sources, targets]), what="the ties")
    values: dict[str, ColumnValues] = {
        "source": sources,
        "target": targets,
        "kind": kinds,
        "weight": weights,
    }
    for column in ("window_start", "window_end"):
        values[column] = datetime_series(ties[column]) if column in ties.columns else [None] * n
    values["import_id"] = [import_id] * n
    replaced = sorted(kinds.unique().tolist()) if replace and n else []
    per_kind: dict[str, int] = dict(
        session.execute(select(ties_table.c.kind, func.count()).group_by(ties_table.c.kind)).all()
    )
    deleted = sum(per_kind.get(k, 0) for k in replaced)
    kept = sum(per_kind.values()) - deleted
    changed = deleted + n
    rebuild = changed >= REBUILD_INDEXES_FROM and changed >= kept
    with _bulk_mode(session, rebuild):
        if deleted:
            session.execute(delete(ties_table).where(ties_table.c.kind.in_(replaced)))
        return bulk_insert(session, ties_table, values)


@contextmanager
def _bulk_mode(session: Session, rebuild: bool) -> Iterator[None]:
    """Drop the ties indexes (and, on PostgreSQL, foreign keys) for a bulk change; add them
    back after it, which checks every row in one pass instead of one trigger per row.

    Both databases have transactional DDL: a rollback brings everything back. SQLite
    checks foreign keys cheaply, and cannot drop them without rebuilding the table.
    """
    if not rebuild:
        yield
        return
    connection = session.connection()
    indexes = sorted(ties_table.indexes, key=lambda index: str(index.name))
    keys = (
        sorted(ties_table.foreign_key_constraints, key=lambda fk: str(fk.name))
        if connection.dialect.name == "postgresql"
        else []
    )
    for key in keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
    for key in keys:
        connection.execute(AddConstraint(key))


def load_ties(*, session: Session, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Ties as a frame with ``TIES_COLUMNS``, in the order they were saved.

    ``weight`` is ``float64``, the window ``datetime64[ns]`` (NaT when unknown).
    ``kinds`` keeps only ties of those kinds.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     load_ties(session=session, kinds=["advice"]).columns.tolist()
    ['source', 'target', 'kind', 'weight', 'window_start', 'window_end']
    """
    names = list(TIES_COLUMNS)
    query = select(*(ties_table.c[n] for n in names)).order_by(ties_table.c.id)
    if kinds is not None:
        query = query.where(ties_table.c.kind.in_(list(kinds)))
    raw = frame_of(session.execute(query).all(), names)
    return pd.DataFrame(
        {
            "source": raw["source"].astype("str"),
            "target": raw["target"].astype("str"),
            "kind": raw["kind"].astype("str"),
            "weight": raw["weight"].astype(float),
            "window_start": datetime_series(raw["window_start"]),
            "window_end": datetime_series(raw["window_end"]),
        }
    )

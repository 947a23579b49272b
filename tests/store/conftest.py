"""Helpers for store tests: whole-database snapshots and one-line imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from peerweave.store import Store, metadata, record_import

Snapshot = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def snapshot() -> Callable[[Store], Snapshot]:
    """Every row of every table (and the Alembic version), in primary-key order."""

    def take(store: Store) -> Snapshot:
        with store.transaction() as session:
            tables = {
                table.name: [
                    tuple(row)
                    for row in session.execute(
                        select(table).order_by(*table.primary_key.columns)
                    ).all()
                ]
                for table in metadata.sorted_tables
            }
            tables["alembic_version"] = [(store.revision(),)]
        return tables

    return take


@pytest.fixture
def new_import() -> Callable[..., int]:
    """Record an import of ``kind`` in ``session`` and return its id."""

    def make(session: Session, kind: str = "people", files: tuple[str, ...] = ("f.csv",)) -> int:
        return record_import(
            session=session, kind=kind, files=files, rows_read=0, records=0, report={}
        )

    return make

"""The import log and the database's status: what was loaded, when, and what is stored."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from peerweave.store._frames import utcnow
from peerweave.store.database import database_revision
from peerweave.store.tables import IMPORT_KINDS, imports, people, person_skills, ties

__all__ = ["ImportRecord", "StoreStatus", "list_imports", "record_import", "store_status"]


@dataclass(frozen=True)
class ImportRecord:
    """One import: what kind, from which files, when, and its load report.

    >>> ImportRecord(id=1, kind="people", files=("hr.csv",), started_at=datetime(2024, 1, 1),
    ...              finished_at=None, rows_read=10, records=9).files
    ('hr.csv',)
    """

    id: int
    kind: str
    files: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    records: int
    report: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoreStatus:
    """What the database holds: people by status, ties per kind, skill rows, last imports.

    ``people_opted_out`` counts active people who opted out.

    >>> StoreStatus(revision="0001", people_active=3, people_left=1, people_opted_out=0,
    ...             ties_by_kind={"advice": 2, "collaboration": 5}, skill_rows=0).ties
    7
    """

    revision: str | None
    people_active: int
    people_left: int
    people_opted_out: int
    ties_by_kind: Mapping[str, int]
    skill_rows: int
    last_imports: tuple[ImportRecord, ...] = ()

    @property
    def ties(self) -> int:
        """Ties of every kind."""
        return sum(self.ties_by_kind.values())


def record_import(
    *,
    session: Session,
    kind: str,
    files: Sequence[str | os.PathLike[str]],
    rows_read: int,
    records: int,
    report: Mapping[str, Any],
    started_at: datetime | None = None,
) -> int:
    """Log an import and return its id (pass it to ``save_people`` / ``save_ties`` …).

    ``report`` is stored as JSON (``LoadReport.to_dict()``); the import finishes now.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     record_import(session=session, kind="people", files=["hr.csv"], rows_read=3,
    ...                   records=3, report={"counts": {}, "notes": []})
    1
    """
    if kind not in IMPORT_KINDS:
        raise ValueError(f"import kind {kind!r} is not one of {', '.join(IMPORT_KINDS)}")
    now = utcnow()
    new_id = session.scalar(
        insert(imports)
        .values(
            kind=kind,
            files=json.dumps([os.fspath(f) for f in files], ensure_ascii=False),
            started_at=started_at or now,
            finished_at=now,
            rows_read=rows_read,
            records=records,
            report=json.dumps(report, ensure_ascii=False, default=str),
        )
        .returning(imports.c.id)
    )
    assert new_id is not None
    return int(new_id)


def list_imports(*, session: Session, limit: int = 20) -> list[ImportRecord]:
    """The latest imports, newest first.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     _ = record_import(session=session, kind="ties", files=["a.csv", "b.csv"],
    ...                       rows_read=5, records=4, report={"counts": {"self_loops": 1}})
    ...     [(r.kind, r.files, r.report["counts"]) for r in list_imports(session=session)]
    [('ties', ('a.csv', 'b.csv'), {'self_loops': 1})]
    """
    rows = session.execute(select(imports).order_by(imports.c.id.desc()).limit(limit)).all()
    return [
        ImportRecord(
            id=row.id,
            kind=row.kind,
            files=tuple(json.loads(row.files)),
            started_at=row.started_at,
            finished_at=row.finished_at,
            rows_read=row.rows_read,
            records=row.records,
            report=json.loads(row.report),
        )
        for row in rows
    ]


def store_status(*, session: Session, last_imports: int = 5) -> StoreStatus:
    """Counts of what is stored, and the last imports.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     status = store_status(session=session)
    >>> status.people_active, status.ties, status.revision
    (0, 0, '0009')
    """
    by_status: dict[str, int] = {
        status: n
        for status, n in session.execute(
            select(people.c.status, func.count()).group_by(people.c.status)
        )
    }
    opted_out = session.scalar(
        select(func.count())
        .select_from(people)
        .where(people.c.status == "active", people.c.opted_out.is_(True))
    )
    per_kind = {
        kind: n
        for kind, n in session.execute(
            select(ties.c.kind, func.count()).group_by(ties.c.kind).order_by(ties.c.kind)
        )
    }
    skill_rows = session.scalar(select(func.count()).select_from(person_skills))
    return StoreStatus(
        revision=database_revision(session.connection()),
        people_active=by_status.get("active", 0),
        people_left=by_status.get("left", 0),
        people_opted_out=opted_out or 0,
        ties_by_kind=per_kind,
        skill_rows=skill_rows or 0,
        last_imports=tuple(list_imports(session=session, limit=last_imports)),
    )

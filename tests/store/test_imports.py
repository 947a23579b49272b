"""The import log and the store status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from peerweave.store import (
    Store,
    StoreStatus,
    add_people_stubs,
    head_revision,
    list_imports,
    record_import,
    save_people,
    save_skills,
    save_ties,
    store_status,
)


def test_record_and_list_imports(store: Store) -> None:
    report = {"counts": {"self_loops_left_out": 2}, "notes": [{"row": 4, "message": "é"}]}
    started = datetime(2024, 5, 1, 9, 0)
    with store.transaction() as session:
        first = record_import(
            session=session,
            kind="people",
            files=[Path("hr/people.csv")],
            rows_read=10,
            records=9,
            report={},
            started_at=started,
        )
        second = record_import(
            session=session,
            kind="events",
            files=["a.csv", "b.parquet"],
            rows_read=100,
            records=7,
            report=report,
        )
    with store.transaction() as session:
        records = list_imports(session=session)
        assert [r.id for r in list_imports(session=session, limit=1)] == [second]
    assert [r.id for r in records] == [second, first]
    newest, oldest = records
    assert newest.kind == "events" and newest.files == ("a.csv", "b.parquet")
    assert newest.report == report and (newest.rows_read, newest.records) == (100, 7)
    assert oldest.files == (str(Path("hr/people.csv")),) and oldest.started_at == started
    assert oldest.finished_at is not None and oldest.finished_at >= started


def test_unknown_import_kind_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="import kind 'fax'"), store.transaction() as session:
        record_import(session=session, kind="fax", files=[], rows_read=0, records=0, report={})


def test_status_counts(store: Store) -> None:
    with store.transaction() as session:
        run = record_import(
            session=session, kind="people", files=["hr.csv"], rows_read=4, records=4, report={}
        )
        save_people(
            session=session,
            people=pd.DataFrame(
                {"person_id": ["a", "b", "c", "d"], "opted_out": [True, False, True, False]}
            ),
            import_id=run,
        )
        save_people(
            session=session,
            people=pd.DataFrame({"person_id": ["a", "b", "d"], "opted_out": [True, False, False]}),
            import_id=run,
        )
        add_people_stubs(session=session, person_ids=["e"], import_id=run)
        save_ties(
            session=session,
            ties=pd.DataFrame(
                {
                    "source": ["a", "b", "a"],
                    "target": ["b", "c", "e"],
                    "kind": ["advice", "advice", "collaboration"],
                }
            ),
            import_id=run,
        )
        save_skills(
            session=session,
            skills=pd.DataFrame({"person_id": ["a", "a"], "skill": ["x", "y"], "level": [1, 2]}),
            import_id=run,
        )
    with store.transaction() as session:
        status = store_status(session=session)
    assert status == StoreStatus(
        revision=head_revision(),
        people_active=4,
        people_left=1,
        people_opted_out=1,
        ties_by_kind={"advice": 2, "collaboration": 1},
        skill_rows=2,
        last_imports=status.last_imports,
    )
    assert status.ties == 3
    assert [r.files for r in status.last_imports] == [("hr.csv",)]

"""Saving people: upsert, mark who left, return, stubs, and round-trips of missing values."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from peerweave.org.schema import PEOPLE_COLUMNS
from peerweave.store import (
    PeopleChanges,
    Store,
    add_people_stubs,
    load_people,
    load_skills,
    load_ties,
    people,
    record_import,
    save_people,
    save_skills,
    save_ties,
)


def hr(ids: list[str], **columns: object) -> pd.DataFrame:
    return pd.DataFrame({"person_id": ids, **columns})


def full_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": ["a", "b", "c"],
            "name": ["Ana", None, "Cy"],
            "email": ["ana@x.org", "b@x.org", np.nan],
            "manager_id": [None, "a", "a"],
            "department": ["R&D", "R&D", None],
            "team": ["core", None, "core"],
            "title": ["Lead", "Dev", None],
            "level": pd.array([5, None, 2], dtype="Int64"),
            "location": ["Paris", None, "Lyon"],
            "timezone": ["Europe/Paris", "UTC+02:00", None],
            "hire_date": pd.to_datetime(["2020-02-29", None, "1999-12-31"]).astype(
                "datetime64[ns]"
            ),
            "opted_out": [False, True, False],
            "on_leave": [False, False, True],
        }
    )


def test_round_trip_keeps_nulls_nat_and_int64(store: Store, new_import: Callable[..., int]) -> None:
    frame = full_frame()
    with store.transaction() as session:
        changes = save_people(session=session, people=frame, import_id=new_import(session))
        loaded = load_people(session=session)
    assert changes == PeopleChanges(added=3)
    assert list(loaded.columns) == [*PEOPLE_COLUMNS, "status"]
    assert loaded["level"].dtype == "Int64"
    assert loaded["hire_date"].dtype == "datetime64[ns]"
    assert loaded["opted_out"].dtype == bool
    assert loaded["status"].tolist() == ["active"] * 3
    pd.testing.assert_frame_equal(
        loaded[list(PEOPLE_COLUMNS)].astype({c: "string" for c in ("person_id", "name")}),
        frame.astype({c: "string" for c in ("person_id", "name")}),
        check_dtype=False,
    )
    assert loaded["name"].isna().tolist() == [False, True, False]
    assert loaded["hire_date"].isna().tolist() == [False, True, False]
    assert loaded["level"].isna().tolist() == [False, True, False]


def test_upsert_marks_left_and_returns(store: Store, new_import: Callable[..., int]) -> None:
    with store.transaction() as session:
        first = new_import(session)
        save_people(
            session=session, people=hr(["a", "b", "c"], team=["x", "y", "z"]), import_id=first
        )
    with store.transaction() as session:
        second = new_import(session)
        changes = save_people(
            session=session, people=hr(["a", "b", "d"], team=["x", "Y", "w"]), import_id=second
        )
        assert changes == PeopleChanges(added=1, updated=1, unchanged=1, marked_left=1)
        everyone = load_people(session=session, include_left=True).set_index("person_id")
        assert everyone["status"].to_dict() == {
            "a": "active",
            "b": "active",
            "c": "left",
            "d": "active",
        }
        assert load_people(session=session)["person_id"].tolist() == ["a", "b", "d"]
        left_at, first_id, last_id = session.execute(
            select(people.c.left_at, people.c.first_import_id, people.c.last_import_id).where(
                people.c.person_id == "c"
            )
        ).one()
        assert left_at is not None and (first_id, last_id) == (first, first)
    with store.transaction() as session:
        changes = save_people(
            session=session,
            people=hr(["a", "b", "c", "d"], team=["x", "Y", "z", "w"]),
            import_id=new_import(session),
        )
        assert changes == PeopleChanges(unchanged=3, returned=1)
        row = session.execute(
            select(people.c.status, people.c.left_at).where(people.c.person_id == "c")
        ).one()
        assert tuple(row) == ("active", None)


def test_absent_columns_keep_stored_values(store: Store, new_import: Callable[..., int]) -> None:
    with store.transaction() as session:
        save_people(session=session, people=full_frame(), import_id=new_import(session))
    with store.transaction() as session:
        changes = save_people(
            session=session,
            people=hr(["a", "b", "c"], title=["CTO", "Dev", None]),
            import_id=new_import(session),
        )
        loaded = load_people(session=session).set_index("person_id")
    assert changes == PeopleChanges(updated=1, unchanged=2)
    assert loaded.loc["a", "title"] == "CTO"
    assert loaded.loc["a", "name"] == "Ana" and loaded.loc["a", "level"] == 5
    assert bool(loaded.loc["b", "opted_out"]) is True


def test_unchanged_people_keep_their_updated_at(
    store: Store, new_import: Callable[..., int]
) -> None:
    def stamps() -> dict[str, object]:
        with store.transaction() as session:
            return dict(session.execute(select(people.c.person_id, people.c.updated_at)).all())

    with store.transaction() as session:
        save_people(session=session, people=full_frame(), import_id=new_import(session))
    before = stamps()
    changed = full_frame().assign(team=["core", "new", "core"])
    with store.transaction() as session:
        save_people(session=session, people=changed, import_id=new_import(session))
    after = stamps()
    assert after["a"] == before["a"] and after["c"] == before["c"]
    assert after["b"] > before["b"]  # type: ignore[operator]


def test_people_who_left_keep_ties_and_skills(store: Store, new_import: Callable[..., int]) -> None:
    with store.transaction() as session:
        run = new_import(session)
        save_people(session=session, people=hr(["a", "b"]), import_id=run)
        save_ties(
            session=session, ties=pd.DataFrame({"source": ["a"], "target": ["b"]}), import_id=run
        )
        save_skills(
            session=session,
            skills=pd.DataFrame({"person_id": ["b"], "skill": ["sql"], "level": [2]}),
            import_id=run,
        )
    with store.transaction() as session:
        changes = save_people(session=session, people=hr(["a"]), import_id=new_import(session))
        assert changes.marked_left == 1
        assert len(load_ties(session=session)) == 1
        assert load_skills(session=session)["person_id"].tolist() == ["b"]


def test_stubs_add_only_unknown_ids(store: Store, new_import: Callable[..., int]) -> None:
    with store.transaction() as session:
        save_people(session=session, people=hr(["a"], name=["Ana"]), import_id=new_import(session))
        run = new_import(session, "ties")
        assert (
            add_people_stubs(session=session, person_ids=["a", "b", "b", "c"], import_id=run) == 2
        )
        assert add_people_stubs(session=session, person_ids=[], import_id=run) == 0
        loaded = load_people(session=session).set_index("person_id")
    assert loaded.index.tolist() == ["a", "b", "c"]
    assert loaded.loc["a", "name"] == "Ana"
    assert loaded.loc["b"].drop(["status", "opted_out", "on_leave"]).isna().all()
    assert (
        loaded.loc["b", "status"] == "active"
        and not loaded.loc["b", "opted_out"]
        and not loaded.loc["b", "on_leave"]
    )


def test_stubs_named_later_in_a_people_file_are_updated(
    store: Store, new_import: Callable[..., int]
) -> None:
    with store.transaction() as session:
        add_people_stubs(session=session, person_ids=["a"], import_id=new_import(session, "ties"))
        changes = save_people(
            session=session, people=hr(["a"], name=["Ana"]), import_id=new_import(session)
        )
    assert changes == PeopleChanges(updated=1)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"name": ["x"]}), "needs a person_id column"),
        (hr(["a", None]), "person_id is missing"),
        (hr(["a", "b", "a"]), "person_id repeated"),
    ],
)
def test_bad_frames_are_refused(
    store: Store, new_import: Callable[..., int], frame: pd.DataFrame, message: str
) -> None:
    with pytest.raises(ValueError, match=message), store.transaction() as session:
        save_people(session=session, people=frame, import_id=new_import(session))


def test_numeric_ids_are_stored_as_text(store: Store, new_import: Callable[..., int]) -> None:
    with store.transaction() as session:
        save_people(
            session=session,
            people=pd.DataFrame({"person_id": [101, 7]}),
            import_id=new_import(session),
        )
        assert load_people(session=session)["person_id"].tolist() == ["101", "7"]


def test_empty_store_loads_typed_empty_frame(store: Store) -> None:
    with store.transaction() as session:
        loaded = load_people(session=session)
    assert loaded.empty and list(loaded.columns) == [*PEOPLE_COLUMNS, "status"]
    assert loaded["level"].dtype == "Int64" and loaded["opted_out"].dtype == bool


def test_partial_update_keeps_status_and_marks_nobody_left(store: Store) -> None:
    with store.transaction() as session:
        run = record_import(
            session=session, kind="people", files=["hr.csv"], rows_read=3, records=3, report={}
        )
        save_people(
            session=session,
            import_id=run,
            people=pd.DataFrame({"person_id": ["a", "b", "c"], "name": ["Ana", "Bo", "Cy"]}),
        )
        save_people(
            session=session,
            import_id=run,
            people=pd.DataFrame({"person_id": ["a", "b"], "name": ["Ana", "Bo"]}),
        )
        changes = save_people(
            session=session,
            import_id=run,
            mark_missing_left=False,
            people=pd.DataFrame({"person_id": ["b", "c"], "department": ["Data", "Sales"]}),
        )
        everyone = load_people(session=session, include_left=True).set_index("person_id")
    assert changes.marked_left == 0
    assert changes.updated == 2
    assert everyone.loc["a", "status"] == "active"
    assert everyone.loc["c", "status"] == "left"
    assert everyone.loc["c", "department"] == "Sales"
    assert everyone.loc["b", "name"] == "Bo"


def test_a_0004_database_gains_on_leave_keeping_its_people(store_url: str) -> None:
    from sqlalchemy import inspect

    from peerweave.store import head_revision, make_engine, upgrade_database

    engine = make_engine(store_url)
    try:
        upgrade_database(engine, "0004")
        assert "on_leave" not in {c["name"] for c in inspect(engine).get_columns("people")}
    finally:
        engine.dispose()
    with Store(make_engine(store_url)) as old, old.transaction() as session:
        run = record_import(
            session=session, kind="people", files=["hr.csv"], rows_read=2, records=2, report={}
        )
        add_people_stubs(session=session, person_ids=["a", "b"], import_id=run)
    with Store.init(store_url) as store, store.transaction() as session:
        assert store.revision() == head_revision()
        loaded = load_people(session=session)
        assert loaded["on_leave"].tolist() == [False, False]
        save_people(session=session, people=hr(["a", "b"], on_leave=[False, True]), import_id=run)
        assert load_people(session=session)["on_leave"].tolist() == [False, True]

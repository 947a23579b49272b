"""Circle rounds: save (all or nothing), history, list; a 0007 database gains the tables."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import inspect

from peerweave.errors import UnknownIdError
from peerweave.store import Store, add_people_stubs, make_engine, record_import, upgrade_database
from peerweave.store.circles import (
    CIRCLE_HISTORY_COLUMNS,
    list_rounds,
    load_history,
    save_round,
)

PEOPLE = [f"p{i}" for i in range(6)]


def seats(people: list[str], circles: list[int], hosts: set[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": people,
            "circle": circles,
            "role": ["host" if p in hosts else "member" for p in people],
        }
    )


@pytest.fixture
def known(store: Store, new_import: Callable[..., int]) -> Store:
    with store.transaction() as session:
        add_people_stubs(session=session, person_ids=PEOPLE, import_id=new_import(session, "ties"))
    return store


def test_rounds_round_trip(known: Store) -> None:
    first = seats(PEOPLE, [1, 1, 1, 2, 2, 2], {"p0", "p3"})
    second = seats(PEOPLE, [1, 2, 1, 2, 1, 2], {"p1", "p4"})
    with known.transaction() as session:
        one = save_round(
            session=session, assignment=first, params={"by": ["team"], "size": [3, 3]},
            diversity=4.5, repeat_pairs=0, repeats_avoided=0.0, notes=["first"],
        )  # fmt: skip
        two = save_round(
            session=session, assignment=second, params={"by": ["team"]},
            diversity=3.0, repeat_pairs=2, repeats_avoided=1.0,
        )  # fmt: skip
    assert (one, two) == (1, 2)
    with known.transaction() as session:
        history = load_history(session=session)
        listed = list_rounds(session=session)
    assert list(history.columns) == list(CIRCLE_HISTORY_COLUMNS)
    assert history["round"].tolist() == [1] * 6 + [2] * 6
    back = history[history["round"] == 1].drop(columns="round")
    expected = first.sort_values(["circle", "role", "person_id"])
    pd.testing.assert_frame_equal(
        back.reset_index(drop=True),
        expected[["circle", "person_id", "role"]].reset_index(drop=True),
        check_dtype=False,
    )
    assert listed["id"].tolist() == [2, 1]
    row = listed.set_index("id").loc[1]
    assert row["params"] == {"by": ["team"], "size": [3, 3]} and row["notes"] == ["first"]
    assert (row["people"], row["circles"], row["diversity"]) == (6, 2, 4.5)
    assert listed.set_index("id").loc[2, "repeat_pairs"] == 2


def test_bad_rounds_store_nothing(known: Store) -> None:
    with pytest.raises(UnknownIdError), known.transaction() as session:
        save_round(
            session=session, assignment=seats(["p0", "ghost"], [1, 1], {"p0"}), params={},
            diversity=0.0, repeat_pairs=0, repeats_avoided=0.0,
        )  # fmt: skip
    for bad in (
        seats(["p0", "p0"], [1, 1], {"p0"}),
        pd.DataFrame({"person_id": ["p0"], "circle": [1], "role": ["chair"]}),
        pd.DataFrame({"person_id": ["p0"], "circle": [1]}),
    ):
        with pytest.raises(ValueError), known.transaction() as session:
            save_round(
                session=session, assignment=bad, params={},
                diversity=0.0, repeat_pairs=0, repeats_avoided=0.0,
            )  # fmt: skip
    with known.transaction() as session:
        assert list_rounds(session=session).empty and load_history(session=session).empty


def test_a_0007_database_gains_circles_keeping_its_people(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade_database(engine, "0007")
        assert "circle_rounds" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO people (person_id, opted_out, on_leave, status, updated_at)"
                " VALUES ('a', false, false, 'active', '2025-02-01 12:00:00')"
            )
        upgrade_database(engine, "0008")
        assert {"circle_rounds", "circle_members"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    with Store(make_engine(store_url)) as store, store.transaction() as session:
        run = record_import(
            session=session, kind="ties", files=[], rows_read=0, records=0, report={}
        )
        add_people_stubs(session=session, person_ids=["b"], import_id=run)
        save_round(
            session=session, assignment=seats(["a", "b"], [1, 1], {"a"}), params={},
            diversity=1.0, repeat_pairs=0, repeats_avoided=0.0,
        )  # fmt: skip
        assert load_history(session=session)["person_id"].tolist() == ["a", "b"]

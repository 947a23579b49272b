"""Initiatives: save, list, load the champions back; cascade; one transaction; 0002 → 0003."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, func, inspect, select

from peerweave.errors import StoreError, UnknownIdError
from peerweave.store import (
    CHAMPION_COLUMNS,
    INITIATIVE_COLUMNS,
    Store,
    add_people_stubs,
    head_revision,
    initiative_champions,
    initiatives,
    list_initiatives,
    load_champions,
    make_engine,
    record_import,
    save_initiative,
    upgrade_database,
)

PEOPLE = [f"p{i:02d}" for i in range(12)]


@pytest.fixture
def stored(store: Store, new_import: Callable[..., int]) -> Store:
    with store.transaction() as session:
        run = new_import(session, "ties")
        add_people_stubs(session=session, person_ids=PEOPLE, import_id=run)
    return store


def champions(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": PEOPLE[:n][::-1],
            "rank": range(1, n + 1),
            "marginal_gain": [10.0 / (i + 1) for i in range(n)],
            "reason": [f"adds ≈{10 / (i + 1):.1f} adopters" for i in range(n)],
        }
    )


def save(store: Store, frame: pd.DataFrame, **kwargs: object) -> int:
    arguments: dict[str, object] = {
        "name": "pilot",
        "model": "ic",
        "guarantee": "(1 − 1/e − ε) of the optimum with probability 1 − 1/n^ℓ",
        "params": {"k": "5%", "prob": "tie-weight", "epsilon": 0.1, "per": {"department": 1}},
        "estimated_reach": 42.5,
    } | kwargs
    with store.transaction() as session:
        return save_initiative(session=session, champions=frame, **arguments)  # type: ignore[arg-type]


def test_champions_round_trip(stored: Store) -> None:
    frame = champions()
    frame.loc[2, "marginal_gain"] = np.nan  # a heuristic seed has no estimate
    frame.loc[1, "marginal_gain"] = 0.1 + 0.2
    initiative = save(stored, frame)
    with stored.transaction() as session:
        loaded = load_champions(session=session, initiative_id=initiative)
        listed = list_initiatives(session=session)
    assert list(loaded.columns) == list(CHAMPION_COLUMNS)
    pd.testing.assert_frame_equal(loaded, frame.astype({"rank": "int64"}), check_dtype=False)
    assert loaded.loc[1, "marginal_gain"] == 0.1 + 0.2
    assert np.isnan(loaded.loc[2, "marginal_gain"])
    assert list(listed.columns) == list(INITIATIVE_COLUMNS)
    row = listed.iloc[0]
    assert (row["id"], row["name"], row["kind"], row["k"], row["model"]) == (
        initiative,
        "pilot",
        "champions",
        5,
        "ic",
    )
    assert row["champions"] == 5 and row["estimated_reach"] == 42.5
    assert row["params"]["per"] == {"department": 1}
    assert "1 − 1/e − ε" in row["guarantee"]
    assert isinstance(row["created_at"], pd.Timestamp)


def test_rank_defaults_to_the_frame_order_and_newest_by_default(stored: Store) -> None:
    first = save(stored, champions(3))
    second = save(
        stored,
        pd.DataFrame({"person_id": ["p09", "p03"]}),
        name="second",
        model="complex",
        estimated_reach=None,
    )
    with stored.transaction() as session:
        newest = load_champions(session=session)
        older = load_champions(session=session, initiative_id=first)
        listed = list_initiatives(session=session)
    assert newest["person_id"].tolist() == ["p09", "p03"]
    assert newest["rank"].tolist() == [1, 2]
    assert newest["reason"].tolist() == ["", ""] and newest["marginal_gain"].isna().all()
    assert len(older) == 3
    assert listed["id"].tolist() == [second, first]
    assert np.isnan(listed.loc[0, "estimated_reach"])


def test_unknown_initiative_and_nothing_stored(store: Store) -> None:
    with store.transaction() as session:
        assert load_champions(session=session).empty
        assert list_initiatives(session=session).empty
        assert list(list_initiatives(session=session).columns) == list(INITIATIVE_COLUMNS)
        with pytest.raises(UnknownIdError, match=r"no initiative 4 is stored; .*none"):
            load_champions(session=session, initiative_id=4)


def test_unknown_people_store_nothing(stored: Store) -> None:
    frame = pd.DataFrame({"person_id": ["p01", "ghost"]})
    with pytest.raises(UnknownIdError, match=r"the champions name 1 people .*\(ghost\)"):
        save(stored, frame)
    with stored.transaction() as session:
        assert list_initiatives(session=session).empty


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"id": ["p01"]}), "needs a person_id"),
        (pd.DataFrame({"person_id": ["p01", "p01"]}), "repeated"),
        (pd.DataFrame({"person_id": ["p01", None]}), "missing"),
    ],
)
def test_bad_frames_are_refused(stored: Store, frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        save(stored, frame)


def test_bad_kind_is_refused(stored: Store) -> None:
    with pytest.raises(ValueError, match="an initiative is one of"):
        save(stored, champions(1), kind="sessions")


def test_deleting_an_initiative_deletes_its_champions(stored: Store) -> None:
    keep = save(stored, champions(2))
    gone = save(stored, champions(4))
    with stored.transaction() as session:
        session.execute(delete(initiatives).where(initiatives.c.id == gone))
    with stored.transaction() as session:
        rows = session.execute(
            select(initiative_champions.c.initiative_id, func.count()).group_by(
                initiative_champions.c.initiative_id
            )
        ).all()
    assert [tuple(r) for r in rows] == [(keep, 2)]


def test_a_0002_database_is_upgraded_keeping_its_data(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade_database(engine, "0002")
        assert "initiatives" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    with Store(make_engine(store_url)) as old, old.transaction() as session:
        run = record_import(
            session=session, kind="people", files=["hr.csv"], rows_read=2, records=2, report={}
        )
        add_people_stubs(session=session, person_ids=["a", "b"], import_id=run)
    with pytest.raises(StoreError, match=r"revision 0002, .*run `peerweave init` to upgrade"):
        Store.open(store_url)
    with Store.init(store_url) as store:
        assert store.revision() == head_revision()
        names = set(inspect(store.engine).get_table_names())
        assert {"initiatives", "initiative_champions"} <= names
        with store.transaction() as session:
            initiative = save_initiative(
                session=session,
                name="after upgrade",
                champions=pd.DataFrame({"person_id": ["b", "a"]}),
                model="lt",
                guarantee="none",
                params={},
            )
            assert load_champions(session=session, initiative_id=initiative)[
                "person_id"
            ].tolist() == ["b", "a"]

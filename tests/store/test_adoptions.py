"""Adoptions: save (all or nothing), load, delete; an initiative's start; 0005 → 0006."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import delete, func, inspect, select

from peerweave.errors import UnknownIdError, ValidationError
from peerweave.store import (
    STORED_ADOPTION_COLUMNS,
    Store,
    add_people_stubs,
    adoptions,
    delete_adoption,
    initiative_start,
    initiatives,
    list_initiatives,
    load_adoptions,
    make_engine,
    record_import,
    save_adoptions,
    save_initiative,
    set_started_at,
    upgrade_database,
)

PEOPLE = [f"p{i}" for i in range(6)]


@pytest.fixture
def initiative(store: Store, new_import: Callable[..., int]) -> int:
    with store.transaction() as session:
        add_people_stubs(session=session, person_ids=PEOPLE, import_id=new_import(session, "ties"))
        return save_initiative(
            session=session,
            name="pilot",
            champions=pd.DataFrame({"person_id": ["p0"]}),
            model="ic",
            guarantee="none",
            params={},
            started_at="2025-01-06",
        )


def frame(
    ids: list[str], days: list[str], evidence: list[str | None] | None = None
) -> pd.DataFrame:
    out = pd.DataFrame({"person_id": ids, "adopted_at": pd.to_datetime(days, format="ISO8601")})
    if evidence is not None:
        out["evidence"] = pd.Series(evidence, dtype="string")
    return out


def test_adoptions_round_trip_in_date_order(store: Store, initiative: int) -> None:
    with store.transaction() as session:
        n = save_adoptions(
            session=session,
            initiative_id=initiative,
            adoptions_frame=frame(
                ["p2", "p1"], ["2025-01-20T10:30", "2025-01-08T00:00"], ["https://x/1", None]
            ),
            source="import",
        )
        loaded = load_adoptions(session=session, initiative_id=initiative)
    assert n == 2
    assert list(loaded.columns) == list(STORED_ADOPTION_COLUMNS)
    assert loaded["person_id"].tolist() == ["p1", "p2"]
    assert loaded["adopted_at"].astype(str).tolist() == [
        "2025-01-08 00:00:00",
        "2025-01-20 10:30:00",
    ]
    assert loaded["evidence"].isna().tolist() == [True, False]
    assert loaded["source"].tolist() == ["import", "import"]
    assert loaded["recorded_at"].notna().all()


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["p1", "p1"], "'p1' is given twice"),
        (["p2", "p3"], "'p2' already adopted (on 2025-01-09)"),
    ],
)
def test_a_bad_batch_writes_nothing(
    store: Store, initiative: int, ids: list[str], message: str
) -> None:
    with store.transaction() as session:
        save_adoptions(
            session=session, initiative_id=initiative, adoptions_frame=frame(["p2"], ["2025-01-09"])
        )
    pattern = message.replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValidationError, match=pattern), store.transaction() as session:
        save_adoptions(
            session=session,
            initiative_id=initiative,
            adoptions_frame=frame(ids, ["2025-01-10", "2025-01-11"]),
        )
    with store.transaction() as session:
        assert load_adoptions(session=session, initiative_id=initiative)["person_id"].tolist() == [
            "p2"
        ]


def test_unknown_people_and_initiatives_are_refused(store: Store, initiative: int) -> None:
    with pytest.raises(UnknownIdError, match="not in the database"), store.transaction() as s:
        save_adoptions(
            session=s,
            initiative_id=initiative,
            adoptions_frame=frame(["p1", "zz"], ["2025-01-10", "2025-01-11"]),
        )
    with store.transaction() as session:
        assert load_adoptions(session=session, initiative_id=initiative).empty
    with pytest.raises(UnknownIdError, match="no initiative 9"), store.transaction() as session:
        save_adoptions(
            session=session, initiative_id=9, adoptions_frame=frame(["p1"], ["2025-01-10"])
        )
    with pytest.raises(ValueError, match="source"), store.transaction() as session:
        save_adoptions(
            session=session,
            initiative_id=initiative,
            adoptions_frame=frame(["p1"], ["2025-01-10"]),
            source="fax",
        )


def test_delete_one_and_the_cascade_with_the_initiative(store: Store, initiative: int) -> None:
    with store.transaction() as session:
        save_adoptions(
            session=session,
            initiative_id=initiative,
            adoptions_frame=frame(["p1", "p2"], ["2025-01-10", "2025-01-11"]),
        )
        delete_adoption(session=session, initiative_id=initiative, person_id="p1")
        assert load_adoptions(session=session, initiative_id=initiative)["person_id"].tolist() == [
            "p2"
        ]
    with pytest.raises(UnknownIdError, match="no stored adoption"), store.transaction() as s:
        delete_adoption(session=s, initiative_id=initiative, person_id="p1")
    with store.transaction() as session:
        session.execute(delete(initiatives))
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(adoptions)) == 0


def test_start_defaults_to_creation_and_can_be_set(store: Store, initiative: int) -> None:
    with store.transaction() as session:
        assert initiative_start(session=session, initiative_id=initiative) == pd.Timestamp(
            "2025-01-06"
        )
        other = save_initiative(
            session=session,
            name="later",
            champions=pd.DataFrame({"person_id": []}),
            model="ic",
            guarantee="none",
            params={},
        )
        listed = list_initiatives(session=session).set_index("id")
        assert listed.loc[other, "started_at"] == listed.loc[other, "created_at"]
        set_started_at(session=session, initiative_id=other, started_at="2025-03-03T09:00+01:00")
        assert initiative_start(session=session, initiative_id=other) == pd.Timestamp(
            "2025-03-03 08:00"
        )
    with pytest.raises(UnknownIdError), store.transaction() as session:
        set_started_at(session=session, initiative_id=99, started_at="2025-01-01")


def test_a_0005_database_gains_adoptions_keeping_its_initiatives(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade_database(engine, "0005")
        assert "adoptions" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO initiatives (id, name, created_at, kind, params, k, model, guarantee)"
                " VALUES (1, 'old', '2025-02-01 12:00:00', 'champions', '{}', 0, 'ic', 'none')"
            )
        upgrade_database(engine, "0006")
    finally:
        engine.dispose()
    with Store(make_engine(store_url)) as store, store.transaction() as session:
        run = record_import(
            session=session, kind="ties", files=[], rows_read=0, records=0, report={}
        )
        add_people_stubs(session=session, person_ids=["a"], import_id=run)
        assert initiative_start(session=session, initiative_id=1) == pd.Timestamp(
            "2025-02-01 12:00"
        )
        save_adoptions(
            session=session, initiative_id=1, adoptions_frame=frame(["a"], ["2025-02-03"])
        )
        assert len(load_adoptions(session=session, initiative_id=1)) == 1

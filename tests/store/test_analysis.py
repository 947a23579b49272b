"""Analysis runs: save, list, load back; NaN as NULL; one transaction; the 0001 → 0002 upgrade."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, func, inspect, select

from peerweave.errors import StoreError, UnknownIdError
from peerweave.store import (
    PERSON_METRIC_COLUMNS,
    Store,
    add_people_stubs,
    analysis_runs,
    head_revision,
    latest_run_id,
    list_analysis_runs,
    load_people,
    load_person_metrics,
    make_engine,
    person_metrics,
    record_import,
    save_analysis,
    upgrade_database,
)
from peerweave.store import _frames as frames_module
from peerweave.store import analysis as analysis_module

PEOPLE = [f"p{i:03d}" for i in range(40)]
INTS = ("degree", "in_degree", "out_degree", "core", "community")


@pytest.fixture
def stored(store: Store, new_import: Callable[..., int]) -> Store:
    with store.transaction() as session:
        run = new_import(session, "ties")
        add_people_stubs(session=session, person_ids=PEOPLE, import_id=run)
    return store


def metrics_frame(n: int = len(PEOPLE), seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"person_id": PEOPLE[:n]})
    for column in PERSON_METRIC_COLUMNS[1:-1]:
        if column in INTS:
            frame[column] = rng.integers(0, 9, n)
        else:
            frame[column] = rng.random(n)
    frame.loc[0, ["clustering", "constraint"]] = np.nan  # undefined for an isolate
    frame.loc[1, "betweenness"] = 0.1 + 0.2  # not a short decimal: exact round trip
    frame.loc[2, "harmonic"] = 1e-300
    frame["roles"] = ["broker;connector", "", *["peripheral"] * (n - 2)]
    frame["cut_off"] = 3  # an extra figure column: ignored
    return frame


def save(store: Store, frame: pd.DataFrame, **kwargs: object) -> int:
    arguments: dict[str, object] = {
        "summary": {"people": len(frame), "ties": 12, "modularity": 0.4},
        "params": {"metrics": {"seed": 0}},
    } | kwargs
    with store.transaction() as session:
        return save_analysis(session=session, people=frame, **arguments)  # type: ignore[arg-type]


def test_metrics_round_trip_with_nan_as_null(stored: Store) -> None:
    frame = metrics_frame()
    run = save(stored, frame)
    with stored.transaction() as session:
        loaded = load_person_metrics(session=session, run_id=run)
        nulls = session.scalar(
            select(func.count())
            .select_from(person_metrics)
            .where(person_metrics.c.clustering.is_(None))
        )
    assert nulls == 1
    assert list(loaded.columns) == list(PERSON_METRIC_COLUMNS)
    assert list(PERSON_METRIC_COLUMNS[-1:]) == ["roles"]
    expected = frame[list(PERSON_METRIC_COLUMNS)].astype({c: "Int64" for c in INTS})
    pd.testing.assert_frame_equal(loaded, expected)
    assert loaded.loc[1, "betweenness"] == 0.1 + 0.2
    assert loaded.loc[2, "harmonic"] == 1e-300
    assert loaded["clustering"].dtype == float and np.isnan(loaded.loc[0, "clustering"])


def test_missing_columns_are_null_and_missing_values_too(stored: Store) -> None:
    frame = pd.DataFrame(
        {
            "person_id": ["p001", "p000"],
            "degree": pd.array([2, None], dtype="Int64"),
            "pagerank": [0.5, None],
            "roles": [None, "isolated"],
        }
    )
    save(stored, frame)
    with stored.transaction() as session:
        loaded = load_person_metrics(session=session)
    assert loaded["person_id"].tolist() == ["p000", "p001"]  # sorted by person
    assert loaded["degree"].tolist() == [pd.NA, 2]
    assert loaded["pagerank"].isna().tolist() == [True, False]
    assert loaded["core"].isna().all() and loaded["betweenness"].isna().all()
    assert loaded["roles"].tolist() == ["isolated", ""]


def test_latest_run_by_default_and_unknown_run_id(stored: Store) -> None:
    first = save(stored, metrics_frame(10, seed=1))
    second = save(stored, metrics_frame(20, seed=2))
    with stored.transaction() as session:
        assert latest_run_id(session=session) == second > first
        assert len(load_person_metrics(session=session)) == 20
        assert len(load_person_metrics(session=session, run_id=first)) == 10
        with pytest.raises(UnknownIdError, match=rf"no analysis run 99 .*runs: {first}, {second}"):
            load_person_metrics(session=session, run_id=99)


def test_nothing_stored_yet(store: Store) -> None:
    with store.transaction() as session:
        empty = load_person_metrics(session=session)
        runs = list_analysis_runs(session=session)
        assert latest_run_id(session=session) is None
        with pytest.raises(UnknownIdError, match="stored runs: none"):
            load_person_metrics(session=session, run_id=1)
    assert empty.empty and list(empty.columns) == list(PERSON_METRIC_COLUMNS)
    assert runs.empty and "modularity" not in runs.columns


def test_runs_are_listed_newest_first_with_json_fields(stored: Store) -> None:
    first = save(
        stored,
        metrics_frame(5),
        summary={
            "people": np.int64(40),
            "ties": 120,
            "density": float("nan"),
            "roles": {"broker": np.int64(2)},
            "betweenness_exact": np.bool_(True),
        },
        params={"resolution": 1.5, "groups": ("department", "team")},
        kinds=["advice", "collaboration"],
        start="2024-01-01",
        end=pd.Timestamp("2024-04-01 02:00", tz="Europe/Paris"),
        notes=["betweenness estimated from 1,024 sources"],
    )
    second = save(stored, metrics_frame(3))
    with stored.transaction() as session:
        runs = list_analysis_runs(session=session)
    assert runs["id"].tolist() == [second, first]
    row = runs.set_index("id").loc[first]
    assert row["kinds"] == ["advice", "collaboration"]
    assert row["window_start"] == pd.Timestamp("2024-01-01")
    assert row["window_end"] == pd.Timestamp("2024-04-01")  # stored in UTC
    assert (row["people"], row["ties"]) == (40, 120)
    assert row["summary"] == {
        "people": 40,
        "ties": 120,
        "density": None,
        "roles": {"broker": 2},
        "betweenness_exact": True,
    }
    assert row["params"] == {"resolution": 1.5, "groups": ["department", "team"]}
    assert row["notes"] == ["betweenness estimated from 1,024 sources"]
    latest = runs.set_index("id").loc[second]
    assert latest["kinds"] is None and pd.isna(latest["window_start"])
    assert runs["created_at"].dtype == "datetime64[ns]"


def test_unknown_people_store_nothing(stored: Store) -> None:
    frame = metrics_frame(3).assign(person_id=["p000", "ghost", "p001"])
    with pytest.raises(UnknownIdError, match=r"the analysis name 1 people .*\(ghost\)"):
        save(stored, frame)
    with stored.transaction() as session:
        assert list_analysis_runs(session=session).empty


def test_failure_half_way_stores_nothing(stored: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    save(stored, metrics_frame(4))
    monkeypatch.setattr(analysis_module, "bulk_insert", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save(stored, metrics_frame())
    with stored.transaction() as session:
        assert len(list_analysis_runs(session=session)) == 1
        assert session.scalar(select(func.count()).select_from(person_metrics)) == 4


def test_bad_frames_are_refused(stored: Store) -> None:
    with pytest.raises(ValueError, match="repeated"):
        save(stored, pd.DataFrame({"person_id": ["p000", "p000"]}))
    with pytest.raises(ValueError, match="needs a person_id"):
        save(stored, pd.DataFrame({"degree": [1]}))
    with pytest.raises(ValueError, match="missing"):
        save(stored, pd.DataFrame({"person_id": ["p000", None]}))


def test_written_in_many_chunks(stored: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames_module, "CHUNK_ROWS", 7)
    frame = metrics_frame()
    run = save(stored, frame)
    with stored.transaction() as session:
        loaded = load_person_metrics(session=session, run_id=run)
    assert loaded["pagerank"].tolist() == frame["pagerank"].tolist()


def test_deleting_a_run_deletes_its_metrics(stored: Store) -> None:
    keep = save(stored, metrics_frame(3))
    gone = save(stored, metrics_frame(5))
    with stored.transaction() as session:
        session.execute(delete(analysis_runs).where(analysis_runs.c.id == gone))
    with stored.transaction() as session:
        counts = dict(
            session.execute(
                select(person_metrics.c.run_id, func.count()).group_by(person_metrics.c.run_id)
            ).all()
        )
    assert counts == {keep: 3}


def test_a_0001_database_is_upgraded_keeping_its_data(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade_database(engine, "0001")
        assert "analysis_runs" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    with Store(make_engine(store_url)) as old, old.transaction() as session:
        # data in the 0001 schema (the constructor checks no revision)
        run = record_import(
            session=session, kind="people", files=["hr.csv"], rows_read=2, records=2, report={}
        )
        add_people_stubs(session=session, person_ids=["a", "b"], import_id=run)
    with pytest.raises(StoreError, match=r"revision 0001, .*run `peerweave init` to upgrade"):
        Store.open(store_url)
    with Store.init(store_url) as store:
        assert store.revision() == head_revision()
        assert {"analysis_runs", "person_metrics"} <= set(inspect(store.engine).get_table_names())
        with store.transaction() as session:
            assert load_people(session=session)["person_id"].tolist() == ["a", "b"]
            run_id = save_analysis(
                session=session,
                people=pd.DataFrame({"person_id": ["a", "b"], "degree": [1, 1]}),
                summary={"people": 2, "ties": 2},
                params={},
            )
            assert load_person_metrics(session=session, run_id=run_id)["degree"].tolist() == [1, 1]

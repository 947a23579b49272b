"""Saving ties: replace by kind, append, windows, unknown people, the bulk path."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
import pytest
from sqlalchemy import inspect

from peerweave.errors import UnknownIdError
from peerweave.org.schema import TIES_COLUMNS
from peerweave.store import Store, add_people_stubs, load_ties, save_ties
from peerweave.store import _frames as frames_module
from peerweave.store import ties as ties_module

PEOPLE = [f"p{i}" for i in range(10)]


@pytest.fixture
def run(store: Store, new_import: Callable[..., int]) -> Iterator[int]:
    with store.transaction() as session:
        run_id = new_import(session, "ties")
        add_people_stubs(session=session, person_ids=PEOPLE, import_id=run_id)
    yield run_id


def ties_of(kind: str, pairs: list[tuple[str, str]], weight: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": [s for s, _ in pairs],
            "target": [t for _, t in pairs],
            "kind": kind,
            "weight": weight,
        }
    )


def test_replace_deletes_only_the_kinds_in_the_frame(store: Store, run: int) -> None:
    with store.transaction() as session:
        save_ties(
            session=session, ties=ties_of("advice", [("p0", "p1"), ("p1", "p2")]), import_id=run
        )
        save_ties(session=session, ties=ties_of("collaboration", [("p3", "p4")]), import_id=run)
        inserted = save_ties(
            session=session, ties=ties_of("advice", [("p5", "p6")], 3.0), import_id=run
        )
        loaded = load_ties(session=session)
    assert inserted == 1
    assert sorted(zip(loaded["kind"], loaded["source"], strict=True)) == [
        ("advice", "p5"),
        ("collaboration", "p3"),
    ]
    assert loaded.loc[loaded["kind"] == "advice", "weight"].tolist() == [3.0]


def test_append_without_replace(store: Store, run: int) -> None:
    with store.transaction() as session:
        save_ties(session=session, ties=ties_of("advice", [("p0", "p1")]), import_id=run)
        save_ties(
            session=session, ties=ties_of("advice", [("p0", "p1")]), import_id=run, replace=False
        )
        assert len(load_ties(session=session)) == 2


def test_load_filters_kinds_and_keeps_order(store: Store, run: int) -> None:
    frame = pd.concat(
        [
            ties_of("advice", [("p0", "p1")]),
            ties_of("coaching", [("p2", "p3")]),
            ties_of("advice", [("p4", "p5")]),
        ]
    )
    with store.transaction() as session:
        save_ties(session=session, ties=frame, import_id=run)
        advice = load_ties(session=session, kinds=["advice"])
        nothing = load_ties(session=session, kinds=[])
    assert advice["source"].tolist() == ["p0", "p4"]
    assert nothing.empty and list(nothing.columns) == list(TIES_COLUMNS)


def test_windows_and_defaults_round_trip(store: Store, run: int) -> None:
    frame = pd.DataFrame(
        {
            "source": ["p0", "p1"],
            "target": ["p1", "p2"],
            "window_start": pd.to_datetime(["2024-01-01 08:30:00.123456", None]),
            "window_end": pd.to_datetime(["2024-03-31", None]),
        }
    )
    with store.transaction() as session:
        save_ties(session=session, ties=frame, import_id=run)
        loaded = load_ties(session=session)
    assert loaded["kind"].tolist() == ["collaboration"] * 2
    assert loaded["weight"].tolist() == [1.0, 1.0]
    assert loaded["window_start"].dtype == "datetime64[ns]"
    assert loaded["window_start"].iloc[0] == pd.Timestamp("2024-01-01 08:30:00.123456")
    assert loaded["window_end"].isna().tolist() == [False, True]


def test_aware_windows_are_stored_in_utc(store: Store, run: int) -> None:
    frame = ties_of("advice", [("p0", "p1")]).assign(
        window_start=pd.Timestamp("2024-06-01 10:00", tz="Europe/Paris")
    )
    with store.transaction() as session:
        save_ties(session=session, ties=frame, import_id=run)
        loaded = load_ties(session=session)
    assert loaded["window_start"].iloc[0] == pd.Timestamp("2024-06-01 08:00")


def test_unknown_people_are_refused(store: Store, run: int) -> None:
    with (
        pytest.raises(UnknownIdError, match=r"2 people .*\(ghost, zed\)"),
        store.transaction() as session,
    ):
        save_ties(
            session=session, ties=ties_of("advice", [("p0", "ghost"), ("zed", "p1")]), import_id=run
        )


def test_missing_ends_are_refused(store: Store, run: int) -> None:
    with pytest.raises(ValueError, match="target is missing"), store.transaction() as session:
        save_ties(
            session=session,
            ties=ties_of("advice", [("p0", None)]),  # type: ignore[list-item]
            import_id=run,
        )


def test_bulk_path_rebuilds_indexes_and_foreign_keys(
    store: Store, run: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ties_module, "REBUILD_INDEXES_FROM", 5)
    pairs = [(a, b) for a in PEOPLE for b in PEOPLE if a != b]
    with store.transaction() as session:
        assert save_ties(session=session, ties=ties_of("advice", pairs), import_id=run) == 90
        assert save_ties(session=session, ties=ties_of("advice", pairs[:10]), import_id=run) == 10
    with store.transaction() as session:
        assert len(load_ties(session=session)) == 10
    inspector = inspect(store.engine)
    assert {ix["name"] for ix in inspector.get_indexes("ties")} >= {
        "ix_ties_kind",
        "ix_ties_source",
        "ix_ties_target",
    }
    assert len(inspector.get_foreign_keys("ties")) == 3


def test_writes_in_many_chunks(store: Store, run: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames_module, "CHUNK_ROWS", 7)
    pairs = [(a, b) for a in PEOPLE for b in PEOPLE if a != b]
    frame = ties_of("advice", pairs).assign(weight=range(len(pairs)))
    with store.transaction() as session:
        assert save_ties(session=session, ties=frame, import_id=run) == 90
        loaded = load_ties(session=session)
    assert loaded["weight"].tolist() == list(map(float, range(90)))
    assert list(zip(loaded["source"], loaded["target"], strict=True)) == pairs

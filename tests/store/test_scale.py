"""A million ties save in well under a minute on SQLite (bulk writes, not per-row ORM)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peerweave.store import Store, add_people_stubs, record_import, save_ties, store_status


@pytest.mark.slow
def test_a_million_ties_on_sqlite(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    ids = np.array([f"P{i:06d}" for i in range(100_000)], dtype=object)
    n = 1_000_000
    ties = pd.DataFrame(
        {
            "source": ids[rng.integers(0, len(ids), n)],
            "target": ids[rng.integers(0, len(ids), n)],
            "kind": "collaboration",
            "weight": rng.random(n),
            "window_start": pd.Timestamp("2024-01-01"),
            "window_end": pd.Timestamp("2024-03-31"),
        }
    )
    with Store.init(str(tmp_path / "big.db")) as store:
        with store.transaction() as session:
            run = record_import(
                session=session,
                kind="events",
                files=["events.parquet"],
                rows_read=n,
                records=n,
                report={},
            )
            add_people_stubs(session=session, person_ids=ids, import_id=run)
        started = time.perf_counter()
        with store.transaction() as session:
            assert save_ties(session=session, ties=ties, import_id=run) == n
        seconds = time.perf_counter() - started
        with store.transaction() as session:
            assert store_status(session=session).ties_by_kind == {"collaboration": n}
    assert seconds < 60, f"saving {n} ties took {seconds:.0f} s"

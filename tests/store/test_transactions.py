"""An import that fails half-way leaves the database exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, inspect
from sqlalchemy.exc import IntegrityError

from peerweave.store import (
    Store,
    add_people_stubs,
    people,
    save_people,
    save_skills,
    save_ties,
)
from peerweave.store import ties as ties_module


class ImportFailed(Exception):
    pass


def populate(store: Store, new_import: Callable[..., int]) -> None:
    with store.transaction() as session:
        run = new_import(session)
        save_people(
            session=session,
            people=pd.DataFrame(
                {
                    "person_id": ["a", "b", "c"],
                    "name": ["Ana", "Bo", None],
                    "level": pd.array([1, None, 3], dtype="Int64"),
                    "hire_date": pd.to_datetime(["2020-01-01", None, "2021-06-30"]),
                }
            ),
            import_id=run,
        )
        save_ties(
            session=session,
            ties=pd.DataFrame(
                {
                    "source": ["a", "b"],
                    "target": ["b", "c"],
                    "kind": ["advice", "collaboration"],
                    "window_start": pd.to_datetime(["2024-01-01", None]),
                }
            ),
            import_id=run,
        )
        save_skills(
            session=session,
            skills=pd.DataFrame({"person_id": ["a"], "skill": ["sql"], "level": [3]}),
            import_id=run,
        )


def test_failure_mid_import_rolls_everything_back(
    store: Store,
    new_import: Callable[..., int],
    snapshot: Callable[[Store], dict[str, list[tuple[Any, ...]]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    populate(store, new_import)
    before = snapshot(store)
    indexes_before = {ix["name"] for ix in inspect(store.engine).get_indexes("ties")}
    monkeypatch.setattr(ties_module, "REBUILD_INDEXES_FROM", 1)  # take the bulk path too

    with pytest.raises(ImportFailed), store.transaction() as session:
        run = new_import(session, "ties")
        changes = save_people(
            session=session,
            people=pd.DataFrame({"person_id": ["a", "d"], "name": ["Ann", "Dee"]}),
            import_id=run,
        )
        assert changes.marked_left == 2
        add_people_stubs(session=session, person_ids=["x", "y"], import_id=run)
        save_ties(
            session=session,
            ties=pd.DataFrame(
                {"source": ["x", "y", "a"], "target": ["y", "x", "d"], "kind": "advice"}
            ),
            import_id=run,
        )
        save_skills(
            session=session,
            skills=pd.DataFrame({"person_id": ["a", "d"], "skill": ["go", "go"], "level": [1, 2]}),
            import_id=run,
        )
        raise ImportFailed

    assert snapshot(store) == before
    assert {ix["name"] for ix in inspect(store.engine).get_indexes("ties")} == indexes_before
    assert len(inspect(store.engine).get_foreign_keys("ties")) == 3


def test_database_error_mid_import_rolls_back(
    store: Store,
    new_import: Callable[..., int],
    snapshot: Callable[[Store], dict[str, list[tuple[Any, ...]]]],
) -> None:
    populate(store, new_import)
    before = snapshot(store)
    with pytest.raises(IntegrityError), store.transaction() as session:
        run = new_import(session, "skills")
        add_people_stubs(session=session, person_ids=["z"], import_id=run)
        session.execute(people.insert().values(person_id="a", updated_at=func.now()))
    assert snapshot(store) == before

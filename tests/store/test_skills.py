"""Saving skills: per-person replacement, upsert, defaults, unknown people."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
import pytest
from sqlalchemy.exc import IntegrityError

from peerweave.errors import UnknownIdError
from peerweave.org.schema import DEFAULT_CAPACITY, SKILLS_COLUMNS
from peerweave.store import Store, add_people_stubs, load_skills, person_skills, save_skills
from peerweave.store._frames import bulk_insert


@pytest.fixture
def run(store: Store, new_import: Callable[..., int]) -> Iterator[int]:
    with store.transaction() as session:
        run_id = new_import(session, "skills")
        add_people_stubs(session=session, person_ids=["a", "b"], import_id=run_id)
    yield run_id


def inventory(rows: list[tuple[str, str, int]], **extra: object) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["person_id", "skill", "level"]).assign(**extra)


def test_replace_people_replaces_only_listed_people(store: Store, run: int) -> None:
    with store.transaction() as session:
        save_skills(
            session=session,
            skills=inventory([("a", "sql", 3), ("a", "go", 1), ("b", "sql", 2)]),
            import_id=run,
        )
        written = save_skills(session=session, skills=inventory([("a", "rust", 4)]), import_id=run)
        loaded = load_skills(session=session)
    assert written == 1
    assert list(zip(loaded["person_id"], loaded["skill"], strict=True)) == [
        ("a", "rust"),
        ("b", "sql"),
    ]


def test_upsert_keeps_other_skills(store: Store, run: int) -> None:
    with store.transaction() as session:
        save_skills(
            session=session, skills=inventory([("a", "sql", 1), ("a", "go", 1)]), import_id=run
        )
        save_skills(
            session=session,
            skills=inventory([("a", "sql", 4)], can_teach=True),
            import_id=run,
            replace_people=False,
        )
        loaded = load_skills(session=session).set_index("skill")
    assert loaded.loc["sql", "level"] == 4 and bool(loaded.loc["sql", "can_teach"])
    assert loaded.loc["go", "level"] == 1


def test_defaults_and_types(store: Store, run: int) -> None:
    frame = inventory(
        [("a", "sql", 0), ("b", "go", 2)],
        wants_to_learn=[True, None],
        capacity=pd.array([None, 5], dtype="Int64"),
    )
    with store.transaction() as session:
        save_skills(session=session, skills=frame, import_id=run)
        loaded = load_skills(session=session)
    assert list(loaded.columns) == list(SKILLS_COLUMNS)
    assert loaded["can_teach"].tolist() == [False, False]
    assert loaded["wants_to_learn"].tolist() == [True, False]
    assert loaded["capacity"].tolist() == [DEFAULT_CAPACITY, 5]
    assert loaded["level"].dtype == "Int64"


def test_bad_frames_are_refused(store: Store, run: int) -> None:
    with pytest.raises(UnknownIdError, match="ghost"), store.transaction() as session:
        save_skills(session=session, skills=inventory([("ghost", "sql", 1)]), import_id=run)
    with pytest.raises(ValueError, match="repeated"), store.transaction() as session:
        save_skills(
            session=session, skills=inventory([("a", "sql", 1), ("a", "sql", 2)]), import_id=run
        )
    with pytest.raises(ValueError, match="outside 0–4"), store.transaction() as session:
        save_skills(session=session, skills=inventory([("a", "sql", 5)]), import_id=run)
    with pytest.raises(ValueError, match="level is missing"), store.transaction() as session:
        save_skills(
            session=session,
            skills=pd.DataFrame({"person_id": ["a"], "skill": ["x"]}),
            import_id=run,
        )


def test_database_errors_from_bulk_writes_are_sqlalchemy_errors(store: Store, run: int) -> None:
    with store.transaction() as session:
        save_skills(session=session, skills=inventory([("a", "sql", 1)]), import_id=run)
    with pytest.raises(IntegrityError), store.transaction() as session:
        bulk_insert(
            session,
            person_skills,
            {"person_id": ["a"], "skill": ["sql"], "level": [2]},
        )

"""Peer-learning store: rounds, the sessions ledger, feedback, endorsements; 0003 → 0004."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, func, inspect, select

from peerweave.errors import InputError, StoreError, UnknownIdError
from peerweave.learning.schema import (
    ENDORSEMENT_COLUMNS,
    FEEDBACK_COLUMNS,
    SESSION_COLUMNS,
    SESSION_STATUSES,
)
from peerweave.store import (
    ROUND_COLUMNS,
    ROUND_MATCH_COLUMNS,
    Store,
    add_feedback,
    add_people_stubs,
    add_sessions,
    endorse,
    head_revision,
    learning_sessions,
    list_rounds,
    load_endorsements,
    load_feedback,
    load_round_matches,
    load_round_unmatched,
    load_sessions,
    make_engine,
    mark_applied,
    match_rounds,
    record_import,
    round_matches,
    save_round,
    set_status,
    upgrade_database,
)

PEOPLE = ["ana", "bo", "cy", "di", "ed"]

Snapshot = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def stored(store: Store, new_import: Callable[..., int]) -> Store:
    with store.transaction() as session:
        run = new_import(session, "people")
        add_people_stubs(session=session, person_ids=PEOPLE, import_id=run)
    return store


def add(store: Store, frame: pd.DataFrame | dict[str, Any], **kwargs: Any) -> list[int]:
    with store.transaction() as session:
        ids = add_sessions(session=session, sessions=pd.DataFrame(frame), **kwargs)
    return [int(i) for i in ids]


def sessions(store: Store) -> pd.DataFrame:
    with store.transaction() as session:
        return load_sessions(session=session)


def held(
    store: Store, learner: str, teacher: str, skill: str = "sql", day: str = "2025-01-10"
) -> int:
    """One held session, through its whole life."""
    (sid,) = add(
        store,
        {"learner_id": [learner], "teacher_id": [teacher], "skill": [skill]},
        now=pd.Timestamp(day) - pd.Timedelta(days=7),
    )
    with store.transaction() as session:
        set_status(session=session, session_id=sid, status="scheduled", when=day)
        set_status(session=session, session_id=sid, status="held", when=day)
    return sid


def feedback(store: Store, **columns: Any) -> list[str]:
    frame = pd.DataFrame({k: v if isinstance(v, list) else [v] for k, v in columns.items()})
    with store.transaction() as session:
        return add_feedback(session=session, feedback=frame).tolist()


# -- rounds -----------------------------------------------------------------------------------


def test_round_round_trip_newest_first_and_cascade(stored: Store) -> None:
    matches = pd.DataFrame(
        {
            "learner_id": ["ana", "bo"],
            "teacher_id": ["cy", "di"],
            "skill": ["sql", "go"],
            "score": [0.5, 0.9],
            "reasons": [["level 4 vs 1", "2 steps away"], "same time zone"],
        }
    )
    unmatched = pd.DataFrame(
        {"learner_id": ["ed"], "skill": ["rust"], "reason": ["nobody teaches rust"]}
    )
    with stored.transaction() as session:
        first = save_round(
            session=session,
            matches=matches,
            unmatched=unmatched,
            params={"bridge": True, "seed": np.int64(3)},
            summary={"wishes": 3, "matched": 2, "mean_score": float("nan")},
        )
        second = save_round(
            session=session,
            matches=matches.iloc[:0],
            unmatched=unmatched.iloc[:0],
            params={},
            summary={},
        )
        listed = list_rounds(session=session)
        newest = load_round_matches(session=session)
        loaded = load_round_matches(session=session, round_id=first)
        alone = load_round_unmatched(session=session, round_id=first)
    assert list(listed.columns) == list(ROUND_COLUMNS)
    assert listed["id"].tolist() == [second, first]
    assert listed["matches"].tolist() == [0, 2] and listed["unmatched"].tolist() == [0, 1]
    assert listed.loc[1, "params"] == {"bridge": True, "seed": 3}
    assert listed.loc[1, "summary"]["mean_score"] is None
    assert newest.empty and list(newest.columns) == list(ROUND_MATCH_COLUMNS)
    assert loaded["learner_id"].tolist() == ["bo", "ana"]  # best score first
    assert loaded["reasons"].tolist() == ["same time zone", "level 4 vs 1; 2 steps away"]
    assert alone.to_dict("records") == [
        {"learner_id": "ed", "skill": "rust", "reason": "nobody teaches rust"}
    ]
    with stored.transaction() as session:
        session.execute(delete(match_rounds).where(match_rounds.c.id == first))
    with stored.transaction() as session:
        assert session.scalar(select(func.count()).select_from(round_matches)) == 0


def test_unknown_round_and_unknown_people(stored: Store) -> None:
    with stored.transaction() as session:
        assert load_round_unmatched(session=session).empty
        with pytest.raises(UnknownIdError, match=r"no matching round 9 is stored; .*none"):
            load_round_matches(session=session, round_id=9)
    bad = pd.DataFrame(
        {"learner_id": ["ghost"], "teacher_id": ["ana"], "skill": ["sql"], "score": [1.0]}
    )
    with (
        pytest.raises(UnknownIdError, match=r"the matching round name 1 people .*ghost"),
        stored.transaction() as session,
    ):
        save_round(
            session=session,
            matches=bad,
            unmatched=pd.DataFrame({"learner_id": [], "skill": [], "reason": []}),
            params={},
            summary={},
        )
    with stored.transaction() as session:
        assert list_rounds(session=session).empty


# -- sessions ---------------------------------------------------------------------------------


def test_a_proposed_session_gets_defaults_and_the_columns(stored: Store) -> None:
    now = pd.Timestamp("2025-05-01 09:30")
    ids = add(stored, {"learner_id": ["ana"], "teacher_id": ["bo"], "skill": ["sql"]}, now=now)
    frame = sessions(stored)
    assert list(frame.columns) == list(SESSION_COLUMNS)
    row = frame.iloc[0]
    assert ids == [row["session_id"]]
    assert (row["status"], row["proposed_at"]) == ("proposed", now)
    assert pd.isna(row["held_at"]) and pd.isna(row["parent_session_id"])
    assert str(frame["parent_session_id"].dtype) == "Int64"
    assert str(frame["session_id"].dtype) == "int64"


def test_ids_follow_on_across_adds(stored: Store) -> None:
    one = {"learner_id": ["ana", "bo"], "teacher_id": ["bo", "cy"], "skill": ["sql", "go"]}
    first = add(stored, one)
    second = add(stored, {"learner_id": ["di"], "teacher_id": ["ed"], "skill": ["sql"]})
    assert first == sorted(first) and second[0] > max(first)
    assert sessions(stored)["session_id"].tolist() == [*first, *second]


def test_parent_is_linked_when_the_learner_teaches_on(stored: Store) -> None:
    a_to_b = held(stored, "bo", "ana", day="2025-01-10")
    b_to_c = held(stored, "cy", "bo", day="2025-02-10")
    b_to_d = add(stored, {"learner_id": ["di"], "teacher_id": ["bo"], "skill": ["sql"]})[0]
    c_to_e_go = add(stored, {"learner_id": ["ed"], "teacher_id": ["cy"], "skill": ["go"]})[0]
    parents = sessions(stored).set_index("session_id")["parent_session_id"]
    assert pd.isna(parents[a_to_b])
    assert parents[b_to_c] == a_to_b and parents[b_to_d] == a_to_b
    assert pd.isna(parents[c_to_e_go])  # cy learned sql, not go


def test_a_cycle_of_teaching_never_loops(stored: Store) -> None:
    """A teaches B, then B teaches A: the links point back in time, never round."""
    a_to_b = held(stored, "bo", "ana", day="2025-01-10")
    b_to_a = held(stored, "ana", "bo", day="2025-02-10")
    a_to_c = held(stored, "cy", "ana", day="2025-03-10")
    parents = sessions(stored).set_index("session_id")["parent_session_id"]
    assert pd.isna(parents[a_to_b])
    assert parents[b_to_a] == a_to_b
    assert parents[a_to_c] == b_to_a  # ana learned it (again) from bo


def test_an_imported_ledger_keeps_its_links_in_any_order(stored: Store) -> None:
    ledger = pd.DataFrame(
        {
            "session_id": [30, 20, 10],  # the child comes first in the file
            "learner_id": ["cy", "ed", "bo"],
            "teacher_id": ["bo", "di", "ana"],
            "skill": ["sql", "go", "sql"],
            "status": ["held", "cancelled", "held"],
            "proposed_at": ["2025-02-01", "2025-02-01", "2025-01-02"],
            "held_at": ["2025-02-08", None, "2025-01-09"],
            "cancelled_at": [None, "2025-02-03", None],
            "applied_at": ["2025-03-01", None, None],
            "parent_session_id": [10, None, None],
        }
    )
    ids = add(stored, ledger)
    assert ids == [30, 20, 10]  # a ledger keeps its numbers
    frame = sessions(stored).set_index("session_id")
    assert frame.loc[30, "parent_session_id"] == 10
    assert frame.loc[ids[0], "applied_at"] == pd.Timestamp("2025-03-01")
    assert frame.loc[ids[1], "status"] == "cancelled"
    with pytest.raises(InputError, match=r"already stored .*imported before"):
        add(stored, ledger)
    with pytest.raises(InputError, match=r"session #20 is already stored"):
        add(stored, ledger.iloc[[1]].assign(proposed_at="2025-02-02"))
    assert len(sessions(stored)) == 3
    # later sessions are numbered after them, and may link to them
    (after,) = add(stored, {"learner_id": ["ed"], "teacher_id": ["cy"], "skill": ["sql"]})
    assert after == 31
    assert sessions(stored).set_index("session_id").loc[after, "parent_session_id"] == 30


BAD_LINKS: list[tuple[dict[str, list[Any]], str]] = [
    (
        {"parent_session_id": [99, None]},
        "parent_session_id 99 names no session of this file or in the ledger",
    ),
    ({"parent_session_id": [None, 2]}, r"parent_session_id 2 is not a held session, before"),
    ({"parent_session_id": [2, None]}, r"parent_session_id 2 is not a held session, before"),
    ({"session_id": [1, 1]}, "session_id 1 repeats"),
]


def test_bad_links_in_a_ledger_are_refused(stored: Store) -> None:
    ledger = pd.DataFrame(
        {
            "session_id": [1, 2],
            "learner_id": ["bo", "cy"],
            "teacher_id": ["ana", "bo"],
            "skill": ["sql", "sql"],
            "status": ["held", "held"],
            "held_at": ["2025-01-09", "2025-02-09"],
            "parent_session_id": [None, 1],
        }
    )
    for change, message in BAD_LINKS:
        with pytest.raises(InputError, match=message):
            add(stored, ledger.assign(**change))
    assert sessions(stored).empty


def test_an_explicit_link_to_a_stored_session_is_checked(stored: Store) -> None:
    first = held(stored, "bo", "ana")
    ok = add(
        stored,
        {
            "learner_id": ["cy"],
            "teacher_id": ["bo"],
            "skill": ["sql"],
            "parent_session_id": [first],
        },
    )
    assert sessions(stored).set_index("session_id").loc[ok[0], "parent_session_id"] == first
    for parent, message in (
        (first + 50, "names no session in the ledger"),
        (first, "not a held session"),
    ):
        with pytest.raises(InputError, match=message):
            add(
                stored,
                {
                    "learner_id": ["di"],
                    "teacher_id": ["cy"],  # cy did not learn in `first`
                    "skill": ["sql"],
                    "parent_session_id": [parent],
                },
            )


def test_bad_sessions_are_all_reported_and_nothing_is_written(
    stored: Store, snapshot: Callable[[Store], Snapshot]
) -> None:
    before = snapshot(stored)
    frame = pd.DataFrame(
        {
            "learner_id": ["ana", "bo", "cy", "", "di"],
            "teacher_id": ["ana", "cy", "di", "ed", "ed"],
            "skill": ["sql", "sql", "sql", "sql", "sql"],
            "status": ["proposed", "done", "held", "proposed", "scheduled"],
            "applied_at": [None, None, None, None, "2025-01-01"],
            "_row": [2, 3, 4, 5, 6],
        }
    )
    with pytest.raises(InputError) as caught:
        add(stored, frame, source="sessions.csv")
    text = str(caught.value)
    assert text.startswith("sessions.csv: 5 problems")
    for expected in (
        "row 2, column teacher_id: ana would teach themself",
        "row 3, column status: status 'done' is not one of proposed, scheduled, held, cancelled",
        "row 4, column held_at: a held session has no held_at",
        "row 5, column learner_id: learner_id is empty",
        "row 6, column applied_at: applied_at is given but the session is scheduled",
    ):
        assert expected in text
    with pytest.raises(InputError, match=r"round_id 7 is not a stored matching round"):
        add(
            stored, {"learner_id": ["ana"], "teacher_id": ["bo"], "skill": ["sql"], "round_id": [7]}
        )
    with pytest.raises(UnknownIdError, match=r"the sessions name 1 people .*\(ghost\)"):
        add(
            stored,
            {"learner_id": ["ana", "ghost"], "teacher_id": ["bo", "bo"], "skill": ["sql"] * 2},
        )
    assert snapshot(stored) == before


def test_one_open_session_per_pair_and_skill(stored: Store) -> None:
    pair = {"learner_id": ["ana"], "teacher_id": ["bo"], "skill": ["sql"]}
    (first,) = add(stored, pair)
    with pytest.raises(
        InputError, match=rf"ana and bo already have an open session for sql \(#{first}\)"
    ):
        add(stored, pair)
    with pytest.raises(InputError, match="in the frame twice"):
        add(stored, {k: v * 2 for k, v in pair.items()} | {"skill": ["go", "go"]})
    with stored.transaction() as session:
        set_status(session=session, session_id=first, status="cancelled")
    add(stored, pair)  # a cancelled one no longer blocks
    assert sessions(stored)["status"].tolist() == ["cancelled", "proposed"]


ALLOWED = {
    ("proposed", "scheduled"),
    ("scheduled", "held"),
    ("proposed", "cancelled"),
    ("scheduled", "cancelled"),
}
PATHS = {
    "proposed": [],
    "scheduled": ["scheduled"],
    "held": ["scheduled", "held"],
    "cancelled": ["cancelled"],
}


def test_status_transitions(stored: Store) -> None:
    """Every (from, to) pair: the four allowed ones move, the rest are refused and change nothing."""
    column = {"scheduled": "scheduled_for", "held": "held_at", "cancelled": "cancelled_at"}
    cases = [(a, b) for a in SESSION_STATUSES for b in SESSION_STATUSES]
    ids = add(
        stored,
        {
            "learner_id": ["ana"] * len(cases),
            "teacher_id": ["bo"] * len(cases),
            "skill": [f"skill {i}" for i in range(len(cases))],
        },
    )
    with stored.transaction() as session:
        for sid, (start, _) in zip(ids, cases, strict=True):
            for step in PATHS[start]:
                set_status(session=session, session_id=sid, status=step, when="2025-01-01")
    for sid, (start, target) in zip(ids, cases, strict=True):
        if (start, target) in ALLOWED:
            with stored.transaction() as session:
                at = set_status(session=session, session_id=sid, status=target, when="2025-01-02")
            assert at == pd.Timestamp("2025-01-02")
        else:
            with (
                pytest.raises(InputError, match=rf"session #{sid}: "),
                stored.transaction() as session,
            ):
                set_status(session=session, session_id=sid, status=target)
    after = sessions(stored).set_index("session_id")
    for sid, (start, target) in zip(ids, cases, strict=True):
        row = after.loc[sid]
        if (start, target) in ALLOWED:
            assert row["status"] == target and row[column[target]] == pd.Timestamp("2025-01-02")
        else:
            assert row["status"] == start


def test_status_errors_say_what_to_do(stored: Store) -> None:
    (sid,) = add(stored, {"learner_id": ["ana"], "teacher_id": ["bo"], "skill": ["sql"]})
    with stored.transaction() as session:
        with pytest.raises(InputError, match=r"cannot be held yet .*sessions schedule"):
            set_status(session=session, session_id=sid, status="held")
        with pytest.raises(UnknownIdError, match=r"no session #404 is stored"):
            set_status(session=session, session_id=404, status="held")
        set_status(session=session, session_id=sid, status="scheduled", when="2030-01-01")
        with pytest.raises(
            InputError, match=r"cannot be held on 2030-01-01, which is still to come"
        ):
            set_status(session=session, session_id=sid, status="held", when="2030-01-01")


# -- feedback ---------------------------------------------------------------------------------


def test_feedback_from_both_sides(stored: Store) -> None:
    sid = held(stored, "ana", "bo")
    assert feedback(
        stored,
        session_id=sid,
        author_id="ana",
        rating=5,
        prepared=True,
        again=True,
        comment="clear, patient",
        given_at="2025-01-11",
    ) == ["learner"]
    assert feedback(stored, session_id=sid, author_id="bo", rating=4, clear=False) == ["teacher"]
    with stored.transaction() as session:
        given = load_feedback(session=session)
    assert list(given.columns) == list(FEEDBACK_COLUMNS)
    assert given["role"].tolist() == ["learner", "teacher"]
    assert given["rating"].tolist() == [5, 4]
    assert given["prepared"].tolist() == [True, pd.NA]
    assert given["clear"].tolist() == [pd.NA, False]
    assert given.loc[0, "comment"] == "clear, patient"
    assert given.loc[0, "given_at"] == pd.Timestamp("2025-01-11")


BAD_FEEDBACK: list[tuple[dict[str, Any], str]] = [
    ({"session_id": 999, "author_id": "ana"}, r"session #999 is not stored"),
    ({"author_id": "cy"}, r"cy was not in session #\d+ \(learner ana, teacher bo\)"),
    ({"author_id": "ana", "rating": 6}, r"rating 6 is not a whole number from 1 to 5"),
    ({"author_id": "ana", "rating": 0}, r"rating 0 is not"),
    ({"author_id": "ana", "rating": 3.5}, r"rating 3.5 is not"),
    ({"author_id": "ana", "rating": "good"}, r"rating 'good' is not"),
]


def test_bad_feedback_is_refused(stored: Store) -> None:
    sid = held(stored, "ana", "bo")
    for columns, message in BAD_FEEDBACK:
        with pytest.raises(InputError, match=message):
            feedback(stored, **({"session_id": sid, "rating": 4} | columns))
    with stored.transaction() as session:
        assert load_feedback(session=session).empty


def test_feedback_twice_or_before_the_session_is_refused(
    stored: Store, snapshot: Callable[[Store], Snapshot]
) -> None:
    sid = held(stored, "ana", "bo")
    feedback(stored, session_id=sid, author_id="ana", rating=4)
    before = snapshot(stored)
    with pytest.raises(InputError, match=r"ana already gave feedback on session #\d+; .*once"):
        feedback(stored, session_id=sid, author_id="ana", rating=1)
    with pytest.raises(InputError, match=r"bo gives feedback on session #\d+ twice"):
        feedback(stored, session_id=[sid, sid], author_id=["bo", "bo"], rating=[3, 4])
    (later,) = add(stored, {"learner_id": ["cy"], "teacher_id": ["di"], "skill": ["go"]})
    with pytest.raises(InputError, match=r"is proposed, not held .*sessions hold"):
        feedback(stored, session_id=later, author_id="cy", rating=5)
    # one bad row among good ones: nothing at all is written
    with (
        pytest.raises(InputError, match=r"row 3, column author_id: ed was not in session"),
        stored.transaction() as session,
    ):
        add_feedback(
            session=session,
            source="feedback.csv",
            feedback=pd.DataFrame(
                {
                    "session_id": [sid, sid],
                    "author_id": ["bo", "ed"],
                    "rating": [5, 5],
                    "_row": [2, 3],
                }
            ),
        )
    after = snapshot(stored)
    after["learning_sessions"] = [r for r in after["learning_sessions"] if r[0] != later]
    assert after == before


def test_applied_only_by_the_learner_of_a_held_session_once(stored: Store) -> None:
    sid = held(stored, "ana", "bo")
    (open_one,) = add(stored, {"learner_id": ["cy"], "teacher_id": ["bo"], "skill": ["go"]})
    with stored.transaction() as session:
        with pytest.raises(InputError, match=r"bo is not its learner \(ana learned sql from bo\)"):
            mark_applied(session=session, session_id=sid, person_id="bo")
        with pytest.raises(InputError, match="it is proposed, not held"):
            mark_applied(session=session, session_id=open_one, person_id="cy")
        at = mark_applied(session=session, session_id=sid, person_id="ana", when="2025-02-01")
    with (
        stored.transaction() as session,
        pytest.raises(InputError, match="already marked it applied on 2025-02-01"),
    ):
        mark_applied(session=session, session_id=sid, person_id="ana")
    assert sessions(stored).set_index("session_id").loc[sid, "applied_at"] == at


# -- endorsements -----------------------------------------------------------------------------


def test_endorsements_are_idempotent_never_self_never_strangers(stored: Store) -> None:
    with stored.transaction() as session:
        assert endorse(session=session, from_id="ana", to_id="bo", skill="sql", when="2025-01-01")
        assert not endorse(session=session, from_id="ana", to_id="bo", skill="sql")
        assert endorse(session=session, from_id="cy", to_id="bo", skill="sql")
        with pytest.raises(InputError, match="ana cannot endorse themself"):
            endorse(session=session, from_id="ana", to_id="ana", skill="sql")
        with pytest.raises(UnknownIdError, match="ghost"):
            endorse(session=session, from_id="ghost", to_id="ana", skill="sql")
        found = load_endorsements(session=session)
        for_bo = load_endorsements(session=session, person_id="bo")
    assert list(found.columns) == list(ENDORSEMENT_COLUMNS)
    assert found["from_id"].tolist() == ["ana", "cy"] and len(for_bo) == 2
    assert found.loc[0, "created_at"] == pd.Timestamp("2025-01-01")


# -- the upgrade from 0003 --------------------------------------------------------------------


def test_a_0003_database_is_upgraded_keeping_its_data(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade_database(engine, "0003")
        assert "learning_sessions" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    with Store(make_engine(store_url)) as old, old.transaction() as session:
        run = record_import(
            session=session, kind="people", files=["hr.csv"], rows_read=2, records=2, report={}
        )
        add_people_stubs(session=session, person_ids=["a", "b"], import_id=run)
    with pytest.raises(StoreError, match=r"revision 0003, .*run `peerweave init` to upgrade"):
        Store.open(store_url)
    with Store.init(store_url) as store:
        assert store.revision() == head_revision()
        names = set(inspect(store.engine).get_table_names())
        assert {
            "learning_sessions",
            "session_feedback",
            "endorsements",
            "match_rounds",
            "round_matches",
            "round_unmatched",
        } <= names
        indexes = {ix["name"] for ix in inspect(store.engine).get_indexes("learning_sessions")}
        assert {
            "ix_learning_sessions_teacher_skill",
            "ix_learning_sessions_learner_skill",
        } <= indexes
        ids = add(store, {"learner_id": ["a"], "teacher_id": ["b"], "skill": ["sql"]})
        assert sessions(store)["session_id"].tolist() == ids
        with store.transaction() as session:
            assert session.scalar(select(func.count()).select_from(learning_sessions)) == 1

"""The ledger's rules against slow, obvious references: snowball links, the double-blind view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peerweave.errors import InputError
from peerweave.learning.ledger import (
    TRANSITIONS,
    check_transition,
    feedback_summary,
    learner_ratings,
    open_load,
    snowball_parents,
    unserved_wishes,
    visible_feedback,
)
from peerweave.learning.schema import FEEDBACK_DEADLINE_DAYS, SESSION_STATUSES

PEOPLE = [f"p{i}" for i in range(8)]


def random_ledger(seed: int, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    learner = rng.choice(PEOPLE, n)
    teacher = np.array([rng.choice([p for p in PEOPLE if p != x]) for x in learner])
    day = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    status = rng.choice(SESSION_STATUSES, n, p=[0.2, 0.1, 0.6, 0.1])
    held = pd.Series(day + pd.Timedelta(days=3)).where(status == "held")
    return pd.DataFrame(
        {
            "session_id": np.arange(1, n + 1),
            "learner_id": learner,
            "teacher_id": teacher,
            "skill": rng.choice(["sql", "go"], n),
            "status": status,
            "proposed_at": day,
            "held_at": held,
        }
    )


def slow_parents(new: pd.DataFrame, known: pd.DataFrame) -> list[object]:
    """The rule, one session at a time."""
    pool = pd.concat([known, new], ignore_index=True)
    out: list[object] = []
    for row in new.itertuples(index=False):
        when = row.held_at if row.status == "held" and not pd.isna(row.held_at) else row.proposed_at
        best = None
        for p in pool.itertuples(index=False):
            if p.status != "held" or pd.isna(p.held_at):
                continue
            if p.learner_id != row.teacher_id or p.skill != row.skill:
                continue
            if (p.held_at, p.session_id) >= (when, row.session_id):
                continue
            if best is None or (p.held_at, p.session_id) < (best.held_at, best.session_id):
                best = p
        out.append(pd.NA if best is None else int(best.session_id))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_snowball_parents_match_the_rule_one_by_one(seed: int) -> None:
    ledger = random_ledger(seed)
    known, new = ledger.iloc[:70], ledger.iloc[70:]
    found = snowball_parents(new, known)
    assert list(found.index) == list(new.index)
    assert found.tolist() == slow_parents(new, known)
    assert snowball_parents(ledger, ledger.iloc[:0]).tolist() == slow_parents(
        ledger, ledger.iloc[:0]
    )


@pytest.mark.parametrize("seed", range(5))
def test_snowball_links_never_form_a_cycle(seed: int) -> None:
    ledger = random_ledger(seed, 200)
    parent = dict(zip(ledger["session_id"], snowball_parents(ledger, ledger.iloc[:0]), strict=True))
    for start in ledger["session_id"]:
        seen = set()
        at: object = start
        while not pd.isna(at):
            assert at not in seen, f"cycle through {at}"
            seen.add(at)
            at = parent[at]


def test_a_teaches_b_then_b_teaches_a() -> None:
    at = pd.to_datetime(["2025-01-01", "2025-02-01", "2025-02-01"])
    s = pd.DataFrame(
        {
            "session_id": [1, 2, 3],
            "learner_id": ["b", "a", "c"],
            "teacher_id": ["a", "b", "a"],
            "skill": "sql",
            "status": "held",
            "proposed_at": at,
            "held_at": at,
        }
    )
    assert snowball_parents(s, s.iloc[:0]).tolist() == [pd.NA, 1, 2]


def slow_visible(
    feedback: pd.DataFrame, sessions: pd.DataFrame, viewer: str, now: pd.Timestamp
) -> list[int]:
    about = sessions.set_index("session_id")
    keep = []
    for i, f in feedback.iterrows():
        s = about.loc[f["session_id"]]
        if viewer not in (s["learner_id"], s["teacher_id"]):
            continue
        sides = set(feedback.loc[feedback["session_id"] == f["session_id"], "role"])
        late = now - s["held_at"] >= pd.Timedelta(days=FEEDBACK_DEADLINE_DAYS)
        if f["author_id"] == viewer or sides == {"learner", "teacher"} or late:
            keep.append(int(i))
    return keep


@pytest.mark.parametrize("seed", range(4))
def test_visible_feedback_matches_the_rule_row_by_row(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ledger = random_ledger(seed)
    held = ledger[ledger["status"] == "held"].reset_index(drop=True)
    rows = []
    for s in held.itertuples(index=False):
        for role, author in (("learner", s.learner_id), ("teacher", s.teacher_id)):
            if rng.random() < 0.6:
                rows.append((s.session_id, author, role, int(rng.integers(1, 6))))
    feedback = pd.DataFrame(rows, columns=["session_id", "author_id", "role", "rating"])
    for viewer in PEOPLE[:4]:
        for now in pd.to_datetime(["2025-02-01", "2025-03-10", "2025-06-01"]):
            shown = visible_feedback(feedback, held, viewer, now)
            assert shown.index.tolist() == slow_visible(feedback, held, viewer, now)


def test_visible_feedback_of_nothing() -> None:
    empty = pd.DataFrame({"session_id": [], "author_id": [], "role": [], "rating": []})
    sessions = random_ledger(0, 5)
    assert visible_feedback(empty, sessions, "p0", pd.Timestamp("2025-01-01")).empty


def test_every_transition() -> None:
    for start in SESSION_STATUSES:
        for target in SESSION_STATUSES:
            if target in TRANSITIONS[start]:
                check_transition(1, start, target)
            else:
                with pytest.raises(InputError, match="session #1: "):
                    check_transition(1, start, target)
    allowed = {(a, b) for a, bs in TRANSITIONS.items() for b in bs}
    assert allowed == {
        ("proposed", "scheduled"),
        ("scheduled", "held"),
        ("proposed", "cancelled"),
        ("scheduled", "cancelled"),
    }


def test_feedback_summary_never_shows_few_answers() -> None:
    few = pd.DataFrame({"role": ["learner"] * 4, "rating": [5, 5, 4, 1], "again": [True] * 4})
    summary = feedback_summary(few).set_index("role")
    assert summary.loc["learner", "given"] == 4
    assert summary[["mean_rating", "share_4_or_5", "again", "prepared"]].isna().all().all()
    many = pd.concat([few, few], ignore_index=True)
    shown = feedback_summary(many).set_index("role").loc["learner"]
    assert shown["mean_rating"] == pytest.approx(3.75) and shown["share_4_or_5"] == 0.75
    assert shown["again"] == 1.0 and pd.isna(shown["prepared"])


def test_ratings_load_and_served_wishes() -> None:
    sessions = pd.DataFrame(
        {
            "session_id": [1, 2, 3, 4],
            "learner_id": ["a", "b", "c", "a"],
            "teacher_id": ["t", "t", "u", "u"],
            "skill": ["sql", "sql", "go", "go"],
            "status": ["held", "proposed", "cancelled", "scheduled"],
        }
    )
    feedback = pd.DataFrame(
        {"session_id": [1, 1, 9], "role": ["learner", "teacher", "learner"], "rating": [4, 2, 5]}
    )
    assert learner_ratings(feedback, sessions).to_dict("records") == [
        {"teacher_id": "t", "rating": 4}
    ]
    assert open_load(sessions).to_dict("records") == [
        {"teacher_id": "t", "open": 1},
        {"teacher_id": "u", "open": 1},
    ]
    skills = pd.DataFrame(
        {
            "person_id": ["a", "a", "b", "c", "d"],
            "skill": ["sql", "go", "sql", "go", "sql"],
            "wants_to_learn": [True, True, True, True, False],
        }
    )
    assert unserved_wishes(skills, sessions)["wants_to_learn"].tolist() == [
        False,  # held
        False,  # scheduled
        False,  # proposed
        True,  # only cancelled
        False,  # never wished
    ]

"""Invariants every matching round must keep, whatever the matcher variant or the instance.

``check_round(people, skills, round)`` asserts, from the raw input frames (not from the
matcher's own bookkeeping):

* the frames have the agreed columns (``MATCH_COLUMNS`` first; ``UNMATCHED_COLUMNS``);
* every wish of a learner who is still in the programme appears exactly once, either
  matched or unmatched with one of the documented reasons; each wish has ≤ 1 teacher;
* no one is matched with themself, nor a manager with their own direct report;
* the teacher can teach the skill, at a level ≥ the learner's level + 1;
* nobody who opted out or left is matched, on either side;
* no teacher takes more learners than their capacity minus their open sessions;
* the summary agrees with the frames, and ``matched == max_possible``;
* rerunning on the same rows, shuffled, gives the same round (reproducible).

It also holds the instance generators the tests share, and an independent model of the
eligibility rules (plain Python loops) for the max-flow and brute-force checks.
"""

from __future__ import annotations

import string
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from peerweave.learning.matching import REASONS, MatchOptions, MatchRound, match_round
from peerweave.learning.schema import MATCH_COLUMNS, UNMATCHED_COLUMNS
from peerweave.network.graph import OrgGraph

ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC", "Asia/Tokyo", None]
DEPARTMENTS = ["Sales", "IT", "HR", None]


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def unavailable(people: pd.DataFrame) -> set[str]:
    """People who opted out, left or are on leave."""
    out: set[str] = set()
    for row in people.to_dict("records"):
        opted = row.get("opted_out")
        away = row.get("on_leave")
        status = _text(row.get("status"))
        if (
            (opted is True or opted == 1)
            or (away is True or away == 1)
            or ((status or "").lower() == "left")
        ):
            out.add(str(row["person_id"]))
    return out


def managers(people: pd.DataFrame) -> dict[str, str | None]:
    if "manager_id" not in people.columns:
        return {str(p): None for p in people["person_id"]}
    return {str(r["person_id"]): _text(r["manager_id"]) for r in people.to_dict("records")}


def room(skills: pd.DataFrame, busy: pd.DataFrame | None) -> dict[str, int]:
    """Capacity left this round of every teacher (capacity − open sessions, ≥ 0)."""
    capacity: dict[str, int] = {}
    for row in skills.to_dict("records"):
        if row.get("can_teach"):
            cap = row.get("capacity", 2)
            cap = 2 if cap is None or pd.isna(cap) else int(cap)
            capacity[str(row["person_id"])] = max(capacity.get(str(row["person_id"]), 0), cap)
    if busy is not None:
        for row in busy.to_dict("records"):
            t = str(row["teacher_id"])
            if t in capacity:
                capacity[t] -= int(row["open"])
    return {t: max(c, 0) for t, c in capacity.items()}


def eligible_pairs(
    people: pd.DataFrame, skills: pd.DataFrame, busy: pd.DataFrame | None = None
) -> set[tuple[str, str, str]]:
    """``(learner, skill, teacher)`` triples the rules allow, by plain loops (an independent model)."""
    away = unavailable(people)
    boss = managers(people)
    left_room = room(skills, busy)
    rows = skills.to_dict("records")
    teachers = [r for r in rows if r.get("can_teach")]
    out = set()
    for w in rows:
        if not w.get("wants_to_learn"):
            continue
        learner = str(w["person_id"])
        if learner in away:
            continue
        for t in teachers:
            teacher = str(t["person_id"])
            if t["skill"] != w["skill"] or teacher == learner:
                continue
            if int(t["level"]) < int(w["level"]) + 1:
                continue
            if boss.get(learner) == teacher or boss.get(teacher) == learner:
                continue
            if teacher in away or left_room.get(teacher, 0) <= 0:
                continue
            out.add((learner, str(w["skill"]), teacher))
    return out


def _allowed_reasons(skill: str, level: int) -> set[str]:
    return {t.format(skill=skill, level=level) for t in REASONS.values()}


def check_round(
    people: pd.DataFrame,
    skills: pd.DataFrame,
    result: MatchRound,
    *,
    graph: OrgGraph | None = None,
    ratings: pd.DataFrame | None = None,
    busy: pd.DataFrame | None = None,
    options: MatchOptions | None = None,
    rerun: bool = True,
) -> None:
    """Assert every invariant of a round (see the module docstring)."""
    matches, unmatched, summary = result.matches, result.unmatched, result.summary
    assert list(matches.columns[: len(MATCH_COLUMNS)]) == list(MATCH_COLUMNS)
    assert list(unmatched.columns) == list(UNMATCHED_COLUMNS)

    away = unavailable(people)
    boss = managers(people)
    level = {
        (str(r["person_id"]), str(r["skill"])): int(r["level"]) for r in skills.to_dict("records")
    }
    teaches = {
        (str(r["person_id"]), str(r["skill"]))
        for r in skills.to_dict("records")
        if r.get("can_teach")
    }
    wishes = [
        (str(r["person_id"]), str(r["skill"]))
        for r in skills.to_dict("records")
        if r.get("wants_to_learn") and str(r["person_id"]) not in away
    ]
    matched_keys = list(zip(matches["learner_id"], matches["skill"], strict=True))
    unmatched_keys = list(zip(unmatched["learner_id"], unmatched["skill"], strict=True))
    # each wish exactly once: matched (one teacher) or unmatched
    assert not [k for k, c in Counter(matched_keys).items() if c > 1], "a wish has 2 teachers"
    assert sorted(matched_keys + unmatched_keys) == sorted(wishes)

    for row in matches.to_dict("records"):
        learner, teacher, skill = row["learner_id"], row["teacher_id"], row["skill"]
        assert learner != teacher, f"{learner} matched with themself"
        assert boss.get(learner) != teacher and boss.get(teacher) != learner, (
            f"{learner} and {teacher} are manager and report"
        )
        assert (teacher, skill) in teaches, f"{teacher} does not teach {skill}"
        assert level[(teacher, skill)] >= level[(learner, skill)] + 1, "teacher not above"
        assert learner not in away and teacher not in away, "opted-out or left person matched"
        assert 0.0 <= row["score"] <= 1.0 + 1e-9

    left_room = room(skills, busy)
    for teacher, count in Counter(matches["teacher_id"]).items():
        assert count <= left_room.get(teacher, 0), f"{teacher} over capacity"

    for row in unmatched.to_dict("records"):
        wish_level = level[(row["learner_id"], row["skill"])]
        assert row["reason"] in _allowed_reasons(row["skill"], wish_level), row["reason"]

    assert summary["matched"] == len(matches)
    assert summary["unmatched"] == len(unmatched)
    assert summary["wishes"] == len(wishes)
    assert summary["max_possible"] == summary["matched"]
    total = round(float(matches["score"].round(3).sum()), 6) if len(matches) else 0.0
    assert abs(summary["total_score"] - total) < 1e-3 * max(1, len(matches))

    if rerun:
        rng = np.random.default_rng(12345)
        again = match_round(
            people.sample(frac=1.0, random_state=rng.integers(1 << 31)),
            skills.sample(frac=1.0, random_state=rng.integers(1 << 31)),
            graph,
            ratings=ratings,
            busy=busy,
            options=options or MatchOptions(),
        )
        pd.testing.assert_frame_equal(again.matches, matches)
        pd.testing.assert_frame_equal(again.unmatched, unmatched)
        assert again.summary == summary


def random_instance(
    seed: int,
    *,
    n_people: int = 40,
    n_skills: int = 4,
    teach_share: float = 0.3,
    learn_share: float = 0.5,
    with_status: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, OrgGraph]:
    """``(people, skills, ratings, busy, graph)`` of a small random organization.

    A random hierarchy (each person's manager is an earlier person), departments, time
    zones, a few people opted out or left, skills with levels, capacities 0–3, ratings of
    some teachers, open sessions of some, and a sparse random informal network.
    """
    rng = np.random.default_rng(seed)
    ids = [f"p{i:03d}" for i in range(n_people)]
    boss: list[str | None] = [None] + [ids[int(rng.integers(0, i))] for i in range(1, n_people)]
    people = pd.DataFrame(
        {
            "person_id": ids,
            "manager_id": boss,
            "department": [DEPARTMENTS[int(rng.integers(len(DEPARTMENTS)))] for _ in ids],
            "timezone": [ZONES[int(rng.integers(len(ZONES)))] for _ in ids],
            "opted_out": rng.random(n_people) < 0.08,
        }
    )
    if with_status:
        people["status"] = np.where(rng.random(n_people) < 0.06, "left", "active")
    skill_names = [f"skill {string.ascii_lowercase[i]}" for i in range(n_skills)]
    rows = []
    capacity = rng.integers(0, 4, n_people)
    for i, pid in enumerate(ids):
        for s in skill_names:
            u = rng.random()
            if u < teach_share:
                rows.append((pid, s, int(rng.integers(1, 5)), True, False, int(capacity[i])))
            elif u < teach_share + learn_share:
                rows.append((pid, s, int(rng.integers(0, 4)), False, True, int(capacity[i])))
    skills = pd.DataFrame(
        rows,
        columns=["person_id", "skill", "level", "can_teach", "wants_to_learn", "capacity"],
    )
    teachers = sorted(set(skills.loc[skills["can_teach"], "person_id"]))
    rated = [t for t in teachers if rng.random() < 0.6]
    ratings = pd.DataFrame(
        {
            "teacher_id": [t for t in rated for _ in range(int(rng.integers(1, 6)))],
        }
    )
    ratings["rating"] = rng.integers(1, 6, len(ratings))
    busy_teachers = [t for t in teachers if rng.random() < 0.3]
    busy = pd.DataFrame(
        {"teacher_id": busy_teachers, "open": rng.integers(1, 3, len(busy_teachers))}
    )
    m = n_people * 2
    ties = pd.DataFrame(
        {
            "source": [ids[int(i)] for i in rng.integers(0, n_people, m)],
            "target": [ids[int(i)] for i in rng.integers(0, n_people, m)],
        }
    )
    graph = OrgGraph.from_frames(people, ties)
    return people, skills, ratings, busy, graph

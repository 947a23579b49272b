"""Programme health on a hand-made programme with known answers, privacy of small groups,
bad input, and a synthetic organization checked against plain set arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peerweave.errors import InputError, MissingColumnError
from peerweave.ingest.synthetic import generate_organization
from peerweave.learning import programme_health
from peerweave.learning.health import (
    GROUP_COLUMNS,
    MIN_GROUP_SIZE,
    MONTH_COLUMNS,
    OVERALL_COLUMNS,
    SKILL_COLUMNS,
    SMALL_GROUPS,
    _example,
)
from peerweave.network import groups


def test_the_constants_match_the_network_reports() -> None:
    assert MIN_GROUP_SIZE == groups.MIN_GROUP_SIZE and SMALL_GROUPS == groups.SMALL_GROUPS


def test_tiny_programme_known_answers() -> None:
    h = programme_health(*_example(), min_group_size=1)
    overall = h.overall.iloc[0]
    assert list(h.overall.columns) == list(OVERALL_COLUMNS)
    assert overall["period_start"] == pd.Timestamp("2025-01-10")  # the first held session
    assert overall["period_end"] == pd.Timestamp("2025-02-14")  # eve's session is left out
    expected = {
        "active_people": 4,  # eve opted out
        "participants": 3,  # ana, bo, cy
        "participation_rate": 0.75,
        "learners": 2,
        "seeders": 2,  # ana and bo taught
        "leechers": 1,  # cy learned SQL, is at level 3, never taught
        "seeder_leecher_ratio": 2.0,
        "sessions_held": 2,
        "applied": 1,
        "wishes": 1,  # dee's go (eve's does not count)
        "unmet_wishes": 1,  # nobody teaches go
        "skills": 3,
        "skills_at_risk": 2,  # go (nobody), excel (dee alone)
        "skills_with_unmet_demand": 1,
        "median_days_wish_to_session": 10.0,
    }
    assert {k: overall[k] for k in expected} == expected
    by_skill = h.by_skill.set_index("skill")
    assert list(h.by_skill.columns) == list(SKILL_COLUMNS)
    assert by_skill.loc["sql", ["experts", "teachers", "sessions_held", "learners"]].tolist() == [
        3,
        2,
        2,
        2,
    ]
    assert by_skill.loc["sql", ["seeders", "leechers", "applied"]].tolist() == [2, 1, 1]
    assert by_skill["at_risk"].to_dict() == {"excel": True, "go": True, "sql": False}
    assert h.at_risk[["skill", "experts", "wishes"]].values.tolist() == [
        ["go", 0, 1],
        ["excel", 1, 0],
    ]
    assert h.unmet_demand[["skill", "unmet_wishes", "reason"]].values.tolist() == [
        ["go", 1, "nobody can teach it"]
    ]
    groups_ = h.by_group.set_index("group")
    assert list(h.by_group.columns) == list(GROUP_COLUMNS)
    assert groups_.loc["ops", ["at_risk_skills", "unmet_wishes", "sessions_learned"]].tolist() == [
        1,
        1,
        1,
    ]
    assert groups_.loc["tech", ["sessions_taught", "seeders"]].tolist() == [2, 2]
    assert np.isnan(groups_.loc["tech", "seeder_leecher_ratio"])  # no leechers


def test_over_time_counts_each_month_and_leechers_at_its_end() -> None:
    h = programme_health(*_example(), min_group_size=1)
    assert list(h.over_time.columns) == list(MONTH_COLUMNS)
    months = h.over_time.set_index("month")
    assert months.index.tolist() == ["2025-01", "2025-02"]
    # end of January: bo learned SQL on the 10th and had not taught yet: a leecher then
    assert months.loc[
        "2025-01", ["sessions_held", "seeders", "leechers", "participants"]
    ].tolist() == [
        1,
        1,
        1,
        2,
    ]
    # end of February: bo taught, cy learned and never taught
    assert months.loc["2025-02", ["seeders", "leechers", "applied"]].tolist() == [1, 1, 0]
    assert months["participation_rate"].tolist() == [0.5, 0.5]


def test_a_period_restricts_sessions_not_the_history_of_teaching() -> None:
    people, skills, sessions = _example()
    h = programme_health(
        people, skills, sessions, period_start="2025-02-01", period_end="2025-02-28"
    )
    row = h.overall.iloc[0]
    assert (row["sessions_held"], row["seeders"], row["leechers"], row["participants"]) == (
        1,
        1,
        1,
        2,
    )
    assert h.over_time["month"].tolist() == ["2025-02"]
    before = programme_health(people, skills, sessions, period_end="2025-01-31")
    assert before.overall.iloc[0]["leechers"] == 1  # bo, who had not taught yet
    assert before.overall.iloc[0]["sessions_held"] == 1


def test_who_can_teach_back_and_people_who_left() -> None:
    people, skills, sessions = _example()
    # cy at level 2 who cannot teach is not a leecher; with can_teach she is
    lower = skills.copy()
    lower.loc[lower["person_id"] == "cy", "level"] = 2
    assert programme_health(people, lower, sessions).overall.iloc[0]["leechers"] == 0
    lower.loc[lower["person_id"] == "cy", "can_teach"] = True
    assert programme_health(people, lower, sessions).overall.iloc[0]["leechers"] == 1
    # a person who left is no longer counted, their sessions still are
    gone = people.assign(status=["active", "active", "left", "active", "active"])
    row = programme_health(gone, skills, sessions).overall.iloc[0]
    assert (row["active_people"], row["leechers"], row["sessions_held"]) == (3, 0, 2)


def test_teach_level_and_unmet_reason_for_teachers_below_the_learner() -> None:
    people = pd.DataFrame({"person_id": list("abcd"), "department": "x"})
    skills = pd.DataFrame(
        {
            "person_id": ["a", "b", "c", "d"],
            "skill": ["go", "go", "go", "go"],
            "level": [2, 2, 1, 4],
            "can_teach": [True, False, False, False],
            "wants_to_learn": [False, True, True, False],
        }
    )
    sessions = pd.DataFrame(columns=["learner_id", "teacher_id", "skill", "status", "held_at"])
    h = programme_health(people, skills, sessions, min_group_size=1)
    assert h.unmet_demand[
        ["skill", "wishes", "unmet_wishes", "best_teacher_level"]
    ].values.tolist() == [["go", 2, 1, 2]]
    assert h.unmet_demand["reason"].tolist() == ["no teacher above the learners' level"]
    assert h.at_risk["skill"].tolist() == ["go"]  # only d at level 3 or more
    assert h.by_skill["experts"].tolist() == [1]
    assert programme_health(people, skills, sessions, teach_level=2).at_risk.empty
    assert h.period_start is None and h.over_time.empty
    assert h.overall.iloc[0]["participants"] == 0


def test_small_groups_are_folded_and_never_named() -> None:
    people = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(12)],
            "department": ["big"] * 6 + ["mid"] * 4 + ["tiny", None],
        }
    )
    skills = pd.DataFrame(columns=["person_id", "skill", "level", "can_teach", "wants_to_learn"])
    sessions = pd.DataFrame(
        {
            "learner_id": ["p0", "p10"],
            "teacher_id": ["p6", "p1"],
            "skill": ["go", "go"],
            "status": ["held", "held"],
            "held_at": pd.to_datetime(["2025-03-01", "2025-03-02"]),
        }
    )
    h = programme_health(people, skills, sessions, min_group_size=5)
    assert h.by_group["group"].tolist() == ["big", "(groups under 5)"]
    folded = h.by_group.iloc[1]
    assert (folded["active_people"], folded["participants"]) == (6, 2)  # mid, tiny, no dept
    assert h.small_groups == 3 and h.hidden_people == 0
    h = programme_health(people, skills, sessions, min_group_size=7)
    assert h.by_group["group"].tolist() == ["(groups under 7)"]  # 12 people in one row
    h = programme_health(people.iloc[:10], skills, sessions, min_group_size=5, by="department")
    assert h.by_group["group"].tolist() == ["big"]  # mid alone (4) is under 5: hidden
    assert (h.small_groups, h.hidden_people) == (1, 4)
    assert h.overall.iloc[0]["active_people"] == 10  # the whole still counts everyone
    with_none = programme_health(people, skills, sessions, min_group_size=1)
    assert "(not given)" in with_none.by_group["group"].tolist()


def test_bad_input() -> None:
    people, skills, sessions = _example()
    with pytest.raises(MissingColumnError, match="no column 'team'"):
        programme_health(people, skills, sessions, by="team")
    with pytest.raises(InputError, match="min-group-size"):
        programme_health(people, skills, sessions, min_group_size=0)
    with pytest.raises(InputError, match="after it ends"):
        programme_health(
            people, skills, sessions, period_start="2025-03-01", period_end="2025-01-01"
        )
    with pytest.raises(InputError, match="not a date"):
        programme_health(people, skills, sessions, period_start="someday")


def test_group_rows_add_up_to_the_whole() -> None:
    org = generate_organization(400, seed=5, weeks=1)
    h = programme_health(org.people, org.skills, org.sessions, min_group_size=1)
    summed = h.by_group[["active_people", "participants", "seeders", "leechers", "wishes"]].sum()
    whole = h.overall.iloc[0]
    for column in summed.index:
        assert summed[column] == whole[column], column
    assert h.by_group["sessions_learned"].sum() <= whole["sessions_held"]


def test_synthetic_programme_against_set_arithmetic() -> None:
    org = generate_organization(600, seed=9, weeks=2)
    people, skills, s = org.people, org.skills, org.sessions
    h = programme_health(people, skills, s)
    row = h.overall.iloc[0]
    active = set(people.loc[~people["opted_out"], "person_id"])
    held = s[(s["status"] == "held")]
    start, end = row["period_start"], row["period_end"]
    in_period = held[(held["held_at"] >= start) & (held["held_at"] <= end)]
    teachers = set(in_period["teacher_id"]) & active
    learners = set(in_period["learner_id"]) & active
    assert row["seeders"] == len(teachers)
    assert row["learners"] == len(learners)
    assert row["participants"] == len(teachers | learners)
    assert row["participation_rate"] == pytest.approx(len(teachers | learners) / len(active))
    can = skills[(skills["level"] >= 3) | skills["can_teach"]]
    capable = set(zip(can["person_id"], can["skill"], strict=True))
    ever_taught = set(held["teacher_id"])
    leechers = {
        p
        for p, k in zip(held["learner_id"], held["skill"], strict=True)
        if (p, k) in capable and p not in ever_taught and p in active
    }
    assert row["leechers"] == len(leechers)
    assert row["leechers"] > row["seeders"]  # a few seeders, many leechers
    waits = (in_period["held_at"] - in_period["wished_at"]).dt.days.dropna()
    assert row["median_days_wish_to_session"] == waits[waits >= 0].median()
    assert h.over_time["sessions_held"].sum() == row["sessions_held"]
    assert len(h.over_time) >= 12

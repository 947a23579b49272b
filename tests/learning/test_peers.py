"""find_peers: the ranking agrees with the round's score, reasons, empty lists explained, bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from peerweave.errors import ConstraintError, InputError, UnknownIdError
from peerweave.ingest.synthetic import generate_organization
from peerweave.learning.matching import MatchOptions, candidate_arcs, find_peers
from peerweave.learning.peers import PEER_COLUMNS
from peerweave.network.graph import OrgGraph
from tests.learning.conformance import eligible_pairs, random_instance

COLUMNS = ["person_id", "skill", "level", "can_teach", "wants_to_learn", "capacity"]


def skills_of(*rows: tuple[str, str, int, bool, bool, int]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


@pytest.fixture
def office() -> tuple[pd.DataFrame, pd.DataFrame, OrgGraph]:
    people = pd.DataFrame(
        {
            "person_id": ["me", "boss", "ann", "bo", "cy", "dee"],
            "name": ["Me", "Boss", "Ann", "Bo", "Cy", "Dee"],
            "manager_id": [None, None, None, None, None, None],
            "department": ["IT", "IT", "IT", "HR", "HR", "Ops"],
            "timezone": ["Europe/Paris", "Europe/Paris", "Europe/Paris", "UTC", "Asia/Tokyo", None],
        }
    )
    people.loc[0, "manager_id"] = "boss"
    skills = skills_of(
        ("me", "sql", 1, False, True, 2),
        ("boss", "sql", 4, True, False, 2),
        ("ann", "sql", 3, True, False, 2),
        ("bo", "sql", 3, True, False, 1),
        ("cy", "sql", 2, True, False, 2),
        ("dee", "sql", 1, True, False, 2),
        ("dee", "go", 4, True, False, 2),
    )
    ties = pd.DataFrame({"source": ["me", "ann"], "target": ["ann", "bo"]})
    return people, skills, OrgGraph.from_frames(people, ties)


def test_ranked_with_reasons(office) -> None:
    people, skills, graph = office
    options = MatchOptions(on=dt.date(2025, 1, 15))
    peers = find_peers("me", "  SQL ", people, skills, graph, options=options)
    assert list(peers.columns) == list(PEER_COLUMNS)
    # boss: reporting line; dee: not above level 1
    assert peers["teacher_id"].tolist() == ["ann", "bo", "cy"]
    assert peers["rank"].tolist() == [1, 2, 3]
    assert peers["score"].is_monotonic_decreasing
    ann = peers.iloc[0]
    assert ann["name"] == "Ann" and ann["department"] == "IT" and ann["hops"] == 1
    assert ann["reasons"] == (
        "2 levels above you; 1 step away in the network (you work together); no ratings yet; "
        "8 h of working day in common"
    )
    assert "2 steps away in the network (you share a colleague)" in peers.iloc[1]["reasons"]
    assert "no working hours in common" in peers.iloc[2]["reasons"]
    assert peers.attrs == {"explanation": None, "learner_level": 1}


def test_scores_agree_with_the_round(office) -> None:
    people, skills, graph = office
    ratings = pd.DataFrame({"teacher_id": ["ann", "bo", "bo", "zed"], "rating": [5, 4, 3, 1]})
    options = MatchOptions(bridge=True, on=dt.date(2025, 6, 1))
    peers = find_peers("me", "sql", people, skills, graph, ratings=ratings, options=options)
    arcs = candidate_arcs(people, skills, graph, ratings=ratings, options=options)
    arcs = arcs.set_index("teacher_id")
    for row in peers.to_dict("records"):
        assert row["score"] == pytest.approx(arcs.loc[row["teacher_id"], "score"])
        assert row["rating_score"] == pytest.approx(arcs.loc[row["teacher_id"], "rating_score"])


def test_agrees_with_the_eligibility_rules_on_random_organizations() -> None:
    for seed in range(5):
        people, skills, ratings, busy, graph = random_instance(seed, n_people=60, n_skills=3)
        pairs = eligible_pairs(people, skills, busy)
        arcs = candidate_arcs(people, skills, graph, ratings=ratings, busy=busy)
        score = {(a, s, t): v for a, s, t, v in arcs[["learner_id", "skill", "teacher_id", "score"]].itertuples(index=False)}  # fmt: skip
        wishes = skills.loc[skills["wants_to_learn"], ["person_id", "skill"]]
        for learner, skill in wishes.head(15).itertuples(index=False):
            try:
                peers = find_peers(
                    learner, skill, people, skills, graph, ratings=ratings, busy=busy, limit=100
                )
            except ConstraintError:
                assert not {p for p in pairs if p[0] == learner}
                continue
            expected = {t for a, s, t in pairs if a == learner and s == skill}
            assert set(peers["teacher_id"]) == expected
            assert (peers.attrs["explanation"] is None) == bool(expected)
            for row in peers.to_dict("records"):
                assert row["score"] == pytest.approx(score[(learner, skill, row["teacher_id"])])


def test_a_person_without_a_row_starts_at_level_zero(office) -> None:
    people, skills, graph = office
    peers = find_peers("ann", "go", people, skills, graph)
    assert peers["teacher_id"].tolist() == ["dee"]
    assert peers.attrs["learner_level"] == 0
    assert peers["reasons"][0].startswith("4 levels above you")


def test_limit_and_ties_in_seeded_order() -> None:
    people = pd.DataFrame({"person_id": ["me", *[f"t{i}" for i in range(6)]]})
    skills = skills_of(
        ("me", "sql", 0, False, True, 2), *[(f"t{i}", "sql", 2, True, False, 2) for i in range(6)]
    )
    orders = set()
    for seed in range(8):
        options = MatchOptions(seed=seed)
        first = find_peers("me", "sql", people, skills, None, options=options, limit=3)
        again = find_peers("me", "sql", people, skills.iloc[::-1], None, options=options, limit=3)
        assert len(first) == 3
        pd.testing.assert_frame_equal(first, again)
        orders.add(tuple(first["teacher_id"]))
    assert len(orders) > 1  # the seed, not the id or the row order, breaks ties


def test_empty_lists_are_explained(office) -> None:
    people, skills, graph = office
    top = find_peers("ann", "sql", people, skills.assign(level=[1, 4, 4, 3, 2, 1, 4]), graph)
    assert top.empty
    assert top.attrs["explanation"] == "nobody who teaches sql is above your level (4)"

    only_boss = skills[skills["person_id"].isin(["me", "boss"])]
    line = find_peers("me", "sql", people, only_boss, graph)
    assert line.attrs["explanation"] == "the only sql teachers are in your reporting line"

    gone = people.assign(opted_out=[False, False, True, True, False, False])
    gone["status"] = ["active", "active", "active", "active", "left", "active"]
    hidden = find_peers("me", "sql", gone, skills, graph)
    assert hidden.attrs["explanation"] == "the only sql teachers opted out, left or are on leave"

    busy = pd.DataFrame({"teacher_id": ["ann", "bo", "cy"], "open": [2, 1, 5]})
    full = find_peers("me", "sql", people, skills, graph, busy=busy)
    assert full.empty and full.attrs["explanation"] == "all sql teachers are full this round"
    some = find_peers("me", "sql", people, skills, graph, busy=busy.iloc[:2])
    assert some["teacher_id"].tolist() == ["cy"] and some["room"].tolist() == [2]

    nobody = find_peers("me", "sql", people, skills.assign(can_teach=False), graph)
    assert nobody.attrs["explanation"] == "nobody teaches sql"


def test_bad_input(office) -> None:
    people, skills, graph = office
    with pytest.raises(UnknownIdError, match="person 'zed' is not in the people table"):
        find_peers("zed", "sql", people, skills, graph)
    with pytest.raises(
        UnknownIdError, match=r"nobody lists the skill 'sqll' \(did you mean 'sql'\?\)"
    ):
        find_peers("me", "SQLL", people, skills, graph)
    with pytest.raises(UnknownIdError, match="nobody lists the skill 'knitting'; check"):
        find_peers("me", "knitting", people, skills, graph)
    with pytest.raises(InputError, match="skill name is empty"):
        find_peers("me", "  ", people, skills, graph)
    with pytest.raises(InputError, match="limit 0"):
        find_peers("me", "sql", people, skills, graph, limit=0)
    with pytest.raises(ConstraintError, match="opted out"):
        find_peers("me", "sql", people.assign(opted_out=[True] + [False] * 5), skills, graph)
    with pytest.raises(UnknownIdError):
        find_peers("me", "sql", people, skills.iloc[0:0], graph)


def test_on_the_synthetic_organization() -> None:
    org = generate_organization(400, seed=2, weeks=1)
    ties = org.survey.rename(columns={"respondent": "source", "colleague": "target"})
    graph = OrgGraph.from_frames(org.people, ties)
    wish = org.skills.loc[org.skills["wants_to_learn"]].iloc[0]
    peers = find_peers(wish["person_id"], wish["skill"], org.people, org.skills, graph)
    assert len(peers) > 0
    assert (peers["level"] >= wish["level"] + 1).all()
    assert peers["score"].is_monotonic_decreasing
    assert not np.isin(
        peers["teacher_id"], org.people.loc[org.people["opted_out"], "person_id"]
    ).any()

"""match_round: the conformance invariants, max-flow and brute-force optimality, the score, bad input."""

from __future__ import annotations

import datetime as dt
import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.errors import InputError, MissingColumnError, ValidationError
from peerweave.ingest.synthetic import generate_organization
from peerweave.learning.candidates import hop_distances, working_hours_overlap
from peerweave.learning.matching import (
    SCORE_SCALE,
    MatchOptions,
    candidate_arcs,
    match_round,
    solve_assignment,
)
from peerweave.network.graph import OrgGraph
from tests.learning.conformance import (
    check_round,
    eligible_pairs,
    random_instance,
    room,
)

SKILL_COLUMNS = ["person_id", "skill", "level", "can_teach", "wants_to_learn", "capacity"]


def skills_of(*rows: tuple[str, str, int, bool, bool, int]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=SKILL_COLUMNS)


def people_of(*ids: str, **columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"person_id": list(ids), **columns})


# ------------------------------------------------------------------ conformance
@pytest.mark.parametrize("bridge", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_conformance_on_random_instances(seed: int, bridge: bool) -> None:
    people, skills, ratings, busy, graph = random_instance(seed, n_people=60, n_skills=5)
    options = MatchOptions(bridge=bridge, seed=seed, on=dt.date(2025, 3, 1))
    result = match_round(people, skills, graph, ratings=ratings, busy=busy, options=options)
    check_round(people, skills, result, graph=graph, ratings=ratings, busy=busy, options=options)


@pytest.mark.parametrize("bridge", [False, True])
def test_conformance_on_the_synthetic_organization(bridge: bool) -> None:
    org = generate_organization(300, seed=4, weeks=1)
    ties = org.survey.rename(columns={"respondent": "source", "colleague": "target"})
    graph = OrgGraph.from_frames(org.people, ties)
    options = MatchOptions(bridge=bridge, on=dt.date(2026, 1, 5))
    result = match_round(org.people, org.skills, graph, options=options)
    assert result.summary["wishes"] > 50 and result.summary["matched"] > 10
    check_round(org.people, org.skills, result, graph=graph, options=options)
    reasons = result.matches["reasons"]
    assert reasons.str.contains("above you").all()
    assert reasons.str.contains("in the network").all()


def test_conformance_without_optional_columns() -> None:
    people, skills, *_ = random_instance(3, n_people=30, with_status=False)
    bare_people = people[["person_id"]]
    bare_skills = skills.drop(columns=["capacity"])
    result = match_round(bare_people, bare_skills, None)
    check_round(bare_people, bare_skills, result)


# ------------------------------------------------------------------ optimality
def _max_flow(pairs: set[tuple[str, str, str]], left_room: dict[str, int]) -> int:
    g = nx.DiGraph()
    for learner, skill, teacher in pairs:
        wish = ("wish", learner, skill)
        g.add_edge("source", wish, capacity=1)
        g.add_edge(wish, ("teacher", teacher), capacity=1)
        g.add_edge(("teacher", teacher), "sink", capacity=left_room[teacher])
    if not pairs:
        return 0
    value, _ = nx.maximum_flow(g, "source", "sink")
    return int(value)


@pytest.mark.parametrize("seed", range(10))
def test_matched_equals_an_independent_max_flow(seed: int) -> None:
    # alternately capacity-bound and bound by who can teach whom (matched < capacity)
    teach_share, learn_share = (0.35, 0.3) if seed % 2 else (0.25, 0.4)
    people, skills, ratings, busy, graph = random_instance(
        100 + seed, n_people=50, n_skills=3, teach_share=teach_share, learn_share=learn_share
    )
    result = match_round(people, skills, graph, ratings=ratings, busy=busy)
    assert 0 < result.summary["matched"] <= result.summary["wishes"]
    pairs = eligible_pairs(people, skills, busy)
    arcs = candidate_arcs(people, skills, graph, ratings=ratings, busy=busy)
    assert set(zip(arcs["learner_id"], arcs["skill"], arcs["teacher_id"], strict=True)) == pairs
    assert result.summary["matched"] == _max_flow(pairs, room(skills, busy))


def _brute_force(arcs: pd.DataFrame, left_room: dict[str, int], load_weight: float) -> tuple:
    """Best (matched, objective in 1/1000) over every assignment, by enumeration."""
    wishes = sorted(set(zip(arcs["learner_id"], arcs["skill"], strict=True)))
    options = {
        w: [(None, 0)]
        + [
            (t, round(s * SCORE_SCALE))
            for t, s in arcs.loc[
                (arcs["learner_id"] == w[0]) & (arcs["skill"] == w[1]), ["teacher_id", "score"]
            ].itertuples(index=False)
        ]
        for w in wishes
    }
    load = round(load_weight * SCORE_SCALE)
    best = (0, 0)
    for choice in itertools.product(*(options[w] for w in wishes)):
        taken: dict[str, int] = {}
        for t, _ in choice:
            if t is not None:
                taken[t] = taken.get(t, 0) + 1
        if any(k > left_room[t] for t, k in taken.items()):
            continue
        matched = len([t for t, _ in choice if t is not None])
        value = sum(s for _, s in choice) - load * sum(k * (k - 1) // 2 for k in taken.values())
        best = max(best, (matched, value))
    return best


@pytest.mark.parametrize("load_weight", [0.0, 0.1, 0.4])
@pytest.mark.parametrize("seed", range(8))
def test_total_score_equals_the_brute_force_optimum(seed: int, load_weight: float) -> None:
    rng = np.random.default_rng(seed)
    teachers = [f"t{i}" for i in range(4)]
    learners = [f"l{i}" for i in range(4)]
    rows = [
        (t, "sql", int(rng.integers(2, 5)), True, False, int(rng.integers(1, 3))) for t in teachers
    ]
    rows += [(t, "go", int(rng.integers(2, 5)), True, False, 0) for t in teachers[:2]]
    wishes = [(lr, s) for lr in learners for s in ("sql", "go")]
    for i in rng.choice(len(wishes), 6, replace=False):
        lr, s = wishes[int(i)]
        rows.append((lr, s, int(rng.integers(0, 3)), False, True, 2))
    skills = pd.DataFrame(rows, columns=SKILL_COLUMNS)
    # capacities are per person: every row of a person carries the same value
    skills["capacity"] = skills.groupby("person_id")["capacity"].transform("max")
    people = people_of(
        *teachers, *learners,
        department=list(rng.choice(["a", "b"], 8)),
        timezone=list(rng.choice(["UTC", "Asia/Tokyo", "America/New_York"], 8)),
    )  # fmt: skip
    ties = pd.DataFrame(
        {"source": rng.choice(teachers + learners, 10), "target": rng.choice(learners, 10)}
    )
    graph = OrgGraph.from_frames(people, ties)
    ratings = pd.DataFrame({"teacher_id": rng.choice(teachers, 8), "rating": rng.integers(1, 6, 8)})
    options = MatchOptions(load_weight=load_weight, bridge=bool(seed % 2), on=dt.date(2025, 1, 1))
    result = match_round(people, skills, graph, ratings=ratings, options=options)
    arcs = candidate_arcs(people, skills, graph, ratings=ratings, options=options)
    matched, value = _brute_force(arcs, room(skills, None), load_weight)
    assert result.summary["matched"] == matched
    assert round(result.summary["objective"] * SCORE_SCALE) == value
    check_round(people, skills, result, graph=graph, ratings=ratings, options=options)


def test_cardinality_comes_before_score() -> None:
    # l1 would score best with t1, but then l2 (who can only learn from t1) is left out
    chosen, matched, _ = solve_assignment(
        np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([1.0, 0.01, 0.02]), np.array([1, 1])
    )
    assert matched == 2 and chosen.tolist() == [False, True, True]


def test_load_is_spread_across_teachers() -> None:
    people = people_of("t1", "t2", "a", "b")
    skills = skills_of(
        ("t1", "sql", 3, True, False, 2),
        ("t2", "sql", 3, True, False, 2),
        ("a", "sql", 1, False, True, 2),
        ("b", "sql", 1, False, True, 2),
    )
    spread = match_round(people, skills, None)
    assert sorted(spread.matches["teacher_id"]) == ["t1", "t2"]
    assert spread.summary["load_penalty"] == 0.0
    # a teacher twice as close in the network is worth a second learner without spreading
    graph = OrgGraph.from_frames(
        people, pd.DataFrame({"source": ["t1", "t1"], "target": ["a", "b"]})
    )
    packed = match_round(people, skills, graph, options=MatchOptions(load_weight=0.0))
    assert packed.matches["teacher_id"].tolist() == ["t1", "t1"]
    spread = match_round(people, skills, graph, options=MatchOptions(load_weight=0.5))
    assert sorted(spread.matches["teacher_id"]) == ["t1", "t2"]


# ------------------------------------------------------------------ the score
def test_gap_two_levels_scores_best() -> None:
    people = people_of("l", "g1", "g2", "g3")
    skills = skills_of(
        ("l", "sql", 1, False, True, 2),
        ("g1", "sql", 2, True, False, 2),
        ("g2", "sql", 3, True, False, 2),
        ("g3", "sql", 4, True, False, 2),
    )
    arcs = candidate_arcs(people, skills, None).set_index("teacher_id")
    assert arcs.loc["g2", "gap_score"] == 1.0
    assert arcs.loc["g2", "score"] > arcs.loc["g1", "score"] > arcs.loc["g3", "score"]
    assert match_round(people, skills, None).matches["teacher_id"].tolist() == ["g2"]


def test_proximity_or_bridge() -> None:
    people = people_of("l", "near", "far", department=["IT", "IT", "HR"])
    skills = skills_of(
        ("l", "go", 0, False, True, 2),
        ("near", "go", 2, True, False, 2),
        ("far", "go", 2, True, False, 2),
    )
    ties = pd.DataFrame({"source": ["l"], "target": ["near"]})
    graph = OrgGraph.from_frames(people, ties)
    close = match_round(people, skills, graph)
    assert close.matches["teacher_id"].tolist() == ["near"]
    assert "1 step away in the network (you work together)" in close.matches["reasons"][0]
    bridged = match_round(people, skills, graph, options=MatchOptions(bridge=True))
    assert bridged.matches["teacher_id"].tolist() == ["far"]
    assert "from another department (HR)" in bridged.matches["reasons"][0]
    arcs = candidate_arcs(people, skills, graph).set_index("teacher_id")
    assert arcs.loc["near", "hops"] == 1 and pd.isna(arcs.loc["far", "hops"])
    assert arcs.loc["near", "proximity_score"] == 1.0 and arcs.loc["far", "proximity_score"] == 0


def test_rating_is_a_bayesian_average() -> None:
    people = people_of("l", "once", "many", "new")
    skills = skills_of(
        ("l", "sql", 1, False, True, 2),
        ("once", "sql", 3, True, False, 2),
        ("many", "sql", 3, True, False, 2),
        ("new", "sql", 3, True, False, 2),
    )
    ratings = pd.DataFrame(
        {
            "teacher_id": ["once"] + ["many"] * 50 + ["other"] * 50,
            "rating": [5] + [4.8] * 50 + [3] * 50,
        }
    )
    arcs = candidate_arcs(people, skills, None, ratings=ratings).set_index("teacher_id")
    mean = (5 + 4.8 * 50 + 3 * 50) / 101
    c = MatchOptions().prior_strength
    assert arcs.loc["once", "rating_score"] == pytest.approx(((c * mean + 5) / (c + 1) - 1) / 4)
    assert arcs.loc["many", "rating_score"] == pytest.approx(((c * mean + 240) / (c + 50) - 1) / 4)
    assert arcs.loc["new", "rating_score"] == pytest.approx((mean - 1) / 4)
    assert arcs.loc["many", "rating_score"] > arcs.loc["once", "rating_score"]
    reasons = match_round(people, skills, None, ratings=ratings).matches["reasons"][0]
    assert "rated above average by 50 past learners" in reasons
    assert "4.8" not in reasons  # ratings are never published as averages


def test_timezone_overlap() -> None:
    hours = working_hours_overlap(
        np.array([1.0, 5.5, 9.0, -5.0, 12.0]), np.array([-5.0, 0.0, 9.0, 9.0, -11.0])
    )
    assert hours.tolist() == [2.0, 2.5, 8.0, 0.0, 7.0]
    people = people_of("l", "t", timezone=["Europe/Paris", "America/New_York"])
    skills = skills_of(("l", "go", 0, False, True, 2), ("t", "go", 2, True, False, 2))
    winter = candidate_arcs(people, skills, None, options=MatchOptions(on=dt.date(2025, 1, 15)))
    assert winter["timezone_hours"].tolist() == [2.0]
    # the US moves its clocks two weeks before Europe: 5 hours apart for a while
    march = candidate_arcs(people, skills, None, options=MatchOptions(on=dt.date(2025, 3, 20)))
    assert march["timezone_hours"].tolist() == [3.0]
    unknown = candidate_arcs(people_of("l", "t"), skills, None)
    assert np.isnan(unknown["timezone_hours"][0]) and unknown["timezone_score"][0] == 0.5


def test_hop_distances_match_networkx() -> None:
    rng = np.random.default_rng(5)
    n = 300
    ties = pd.DataFrame({"source": rng.integers(0, n, 500), "target": rng.integers(0, n, 500)})
    people = pd.DataFrame({"person_id": [str(i) for i in range(n)]})
    ties = ties.astype(str)
    graph = OrgGraph.from_frames(people, ties)
    und = graph.to_networkx(directed=False)
    learners = rng.integers(0, n, 2000)
    teachers = rng.integers(0, n, 2000)
    for max_hops in (1, 2, 3, 5):
        got = hop_distances(graph, learners, teachers, max_hops=max_hops)
        for a, b, h in zip(learners, teachers, got, strict=True):
            if a == b:
                continue
            try:
                d = nx.shortest_path_length(und, graph.ids[a], graph.ids[b])
            except nx.NetworkXNoPath:
                d = None
            assert h == (d if d is not None and d <= max_hops else 0)


def test_reproducible_and_seeded() -> None:
    people, skills, ratings, busy, graph = random_instance(21, n_people=80, n_skills=3)
    first = match_round(people, skills, graph, ratings=ratings, busy=busy)
    second = match_round(people, skills, graph, ratings=ratings, busy=busy)
    pd.testing.assert_frame_equal(first.matches, second.matches)
    assert first.summary == second.summary
    other = match_round(
        people, skills, graph, ratings=ratings, busy=busy, options=MatchOptions(seed=9)
    )
    assert other.summary["objective"] == first.summary["objective"]  # only ties may move


# ------------------------------------------------------------------ reasons and bad input
def test_every_unmatched_reason_in_precedence_order() -> None:
    people = people_of(
        "boss", "me", "gone", "quit", "full", "busy_t", "peer",
        manager_id=[None, "boss", None, None, None, None, None],
        opted_out=[False, False, True, False, False, False, False],
        status=["active", "active", "active", "left", "active", "active", "active"],
    )  # fmt: skip
    skills = skills_of(
        ("me", "cobol", 1, False, True, 2),  # nobody teaches cobol
        ("me", "sql", 4, False, True, 2),  # nobody above level 4
        ("peer", "sql", 4, True, False, 2),
        ("me", "excel", 1, False, True, 2),  # only the boss teaches excel
        ("boss", "excel", 3, True, False, 2),
        ("peer", "excel", 1, True, False, 2),  # not above: does not count as a way out
        ("me", "go", 0, False, True, 2),  # go teachers opted out or left
        ("gone", "go", 3, True, False, 2),
        ("quit", "go", 3, True, False, 2),
        ("boss", "go", 3, True, False, 2),
        ("me", "rust", 0, False, True, 2),  # rust teachers are full
        ("full", "rust", 3, True, False, 0),
        ("busy_t", "rust", 3, True, False, 1),
    )
    busy = pd.DataFrame({"teacher_id": ["busy_t"], "open": [1]})
    result = match_round(people, skills, None, busy=busy)
    assert result.matches.empty
    assert dict(zip(result.unmatched["skill"], result.unmatched["reason"], strict=True)) == {
        "cobol": "nobody teaches cobol",
        "sql": "nobody who teaches sql is above your level (4)",
        "excel": "the only excel teachers are in your reporting line",
        "go": "the only go teachers opted out, left or are on leave",
        "rust": "all rust teachers are full this round",
    }
    assert "gone" not in " ".join(result.unmatched["reason"])  # who opted out stays hidden
    check_round(people, skills, result, busy=busy)


def test_wishes_beyond_capacity_are_full() -> None:
    people = people_of("t", "a", "b", "c")
    skills = skills_of(
        ("t", "sql", 3, True, False, 2),
        ("a", "sql", 1, False, True, 2),
        ("b", "sql", 1, False, True, 2),
        ("c", "sql", 1, False, True, 2),
    )
    result = match_round(people, skills, None)
    assert result.summary["matched"] == 2
    assert result.unmatched["reason"].tolist() == ["all sql teachers are full this round"]


def test_no_teachers_at_all() -> None:
    people = people_of("a", "b")
    skills = skills_of(("a", "sql", 0, False, True, 2), ("b", "go", 1, False, True, 2))
    result = match_round(people, skills, None)
    assert result.matches.empty and result.summary["matched"] == 0
    assert result.unmatched["reason"].tolist() == ["nobody teaches sql", "nobody teaches go"]


def test_learners_who_opted_out_or_left_are_skipped() -> None:
    people = people_of("t", "a", "b", opted_out=[False, True, False], status=["", "", "left"])
    skills = skills_of(
        ("t", "sql", 3, True, False, 2),
        ("a", "sql", 1, False, True, 2),
        ("b", "sql", 1, False, True, 2),
    )
    result = match_round(people, skills, None)
    assert result.matches.empty and result.unmatched.empty
    assert result.summary["skipped_wishes"] == 2 and result.summary["wishes"] == 0


def test_empty_skills_frame() -> None:
    result = match_round(people_of("a"), pd.DataFrame(columns=SKILL_COLUMNS), None)
    assert result.matches.empty and result.unmatched.empty
    assert list(result.matches.columns[:4]) == ["learner_id", "teacher_id", "skill", "score"]
    assert result.summary["wishes"] == 0 and result.summary["objective"] == 0.0


def test_skills_naming_unknown_people() -> None:
    skills = skills_of(("ghost", "sql", 1, False, True, 2))
    with pytest.raises(ValidationError, match=r"row 2, column person_id: person 'ghost'"):
        match_round(people_of("a"), skills, None)


def test_level_out_of_range_and_missing_columns() -> None:
    with pytest.raises(ValidationError, match="level 7 is not 0–4"):
        match_round(people_of("a"), skills_of(("a", "sql", 7, False, True, 2)), None)
    with pytest.raises(MissingColumnError, match="no level"):
        match_round(people_of("a"), pd.DataFrame({"person_id": ["a"], "skill": ["x"]}), None)
    with pytest.raises(MissingColumnError, match="person_id"):
        match_round(pd.DataFrame({"id": ["a"]}), skills_of(), None)


def test_bad_ratings_and_options() -> None:
    people = people_of("a", "t")
    skills = skills_of(("a", "sql", 1, False, True, 2), ("t", "sql", 3, True, False, 2))
    with pytest.raises(ValidationError, match="outside 1–5"):
        match_round(
            people, skills, None, ratings=pd.DataFrame({"teacher_id": ["t"], "rating": [9]})
        )
    with pytest.raises(InputError, match="max_hops"):
        MatchOptions(max_hops=50)
    with pytest.raises(InputError, match="gap_weight"):
        MatchOptions(gap_weight=-1)
    with pytest.raises(InputError, match="gap_scores"):
        MatchOptions(gap_scores=(0.0, 1.0))

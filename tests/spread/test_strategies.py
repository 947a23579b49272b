"""Seeding strategies, budgets, group limits, exclusions, the clustered heuristic, compare."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.errors import ConstraintError, InputError, UnknownIdError
from peerweave.network import OrgGraph
from peerweave.network.metrics import leiden
from peerweave.spread import (
    STRATEGIES,
    GroupLimits,
    Seeds,
    SpreadModel,
    budget,
    compare,
    eligible,
    group_limit,
    on_leave,
    positions_of,
    seed_set,
    simulate,
)
from peerweave.spread.strategies import describe

RANKED = ("champions", "hubs", "top-down", "random")


def org(
    n: int = 60,
    seed: int = 0,
    *,
    opted_out: Sequence[int] = (),
    departments: int = 4,
    teams: int = 8,
) -> OrgGraph:
    """A random organization: a small-world graph, departments, teams, levels and managers."""
    rng = np.random.default_rng(seed)
    g = nx.connected_watts_strogatz_graph(n, 6, 0.2, seed=seed)
    names = [f"p{i:03d}" for i in range(n)]
    team = rng.integers(0, teams, n)
    people = pd.DataFrame(
        {
            "person_id": names,
            "department": [f"D{t % departments}" for t in team],
            "team": [f"T{t}" for t in team],
            "level": rng.integers(1, 5, n),
            "manager_id": [None] + [names[int(rng.integers(0, i))] for i in range(1, n)],
            "opted_out": [i in opted_out for i in range(n)],
        }
    )
    edges = np.array(g.edges(), dtype=np.int64)
    ties = pd.DataFrame(
        {
            "source": [names[u] for u in edges[:, 0]],
            "target": [names[v] for v in edges[:, 1]],
            "weight": rng.integers(1, 5, len(edges)).astype(float),
        }
    )
    return OrgGraph.from_frames(people, ties)


def star_and_path() -> OrgGraph:
    """A star (centre c0, 5 leaves) and a path of 4; departments A (star) and B (path)."""
    edges = [("c0", f"l{i}") for i in range(5)] + [("q0", "q1"), ("q1", "q2"), ("q2", "q3")]
    people = pd.DataFrame(
        {
            "person_id": ["c0", *[f"l{i}" for i in range(5)], "q0", "q1", "q2", "q3"],
            "department": ["A"] * 6 + ["B"] * 4,
            "team": ["t1"] * 6 + ["t2"] * 4,
            "level": [2, 1, 1, 1, 1, 1, 3, 1, 1, 1],
            "manager_id": [None, "c0", "c0", "c0", "c0", "c0", None, "q0", "q0", "q1"],
        }
    )
    ties = pd.DataFrame({"source": [u for u, _ in edges], "target": [v for _, v in edges]})
    return OrgGraph.from_frames(people, ties)


def ids(graph: OrgGraph, seeds: Seeds) -> list[str]:
    return [str(p) for p in graph.ids[seeds.positions]]


# -- budgets and parsing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "n", "k"),
    [("5%", 283, 14), ("5 %", 1000, 50), ("100%", 7, 7), ("0.01%", 50, 1), ("12", 20, 12)],
)
def test_budget(text: str, n: int, k: int) -> None:
    assert budget(text, n) == k


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("five", "not a number of people or a share"),
        ("0", "not a whole number"),
        ("2.5", "not a whole number"),
        ("150%", "not a share above 0%"),
        ("0%", "not a share above 0%"),
        ("21", "21 seeds asked but only 20 people can be seeded"),
    ],
)
def test_bad_budgets_name_the_option(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        budget(text, 20)
    assert str(caught.value).startswith("--k")


def test_group_limit() -> None:
    assert group_limit("department:1") == ("department", 1)
    assert group_limit(" location=10 ", "--at-most") == ("location", 10)
    with pytest.raises(InputError, match="--at-most: 'x:y' is not ATTRIBUTE:NUMBER"):
        group_limit("x:y", "--at-most")


def test_positions_of_and_unknown_ids() -> None:
    g = star_and_path()
    assert positions_of(g, ["q3", "c0", "q3"]).tolist() == [g.index.get_loc("q3"), 0]
    with pytest.raises(UnknownIdError, match=r"--exclude: 2 ids are not a current person \(x, y\)"):
        positions_of(g, ["x", "c0", "y"], what="--exclude")


def test_on_leave_and_eligible() -> None:
    people = pd.DataFrame(
        {
            "person_id": list("abcde"),
            "status": ["active", "on-leave", "ON_LEAVE", None, "left"],
            "on_leave": [False, False, False, True, None],
            "opted_out": [True, False, False, False, False],
        }
    )
    g = OrgGraph.from_frames(people, pd.DataFrame({"source": ["a"], "target": ["b"]}))
    assert on_leave(g).tolist() == [False, True, True, True, False]
    assert eligible(g).tolist() == [False, True, True, True, True]
    assert eligible(g, on_leave(g)).tolist() == [False, False, False, False, True]
    with pytest.raises(ValueError, match="one value per person"):
        eligible(g, np.array([True]))


def test_describe() -> None:
    assert describe(SpreadModel(prob="uniform:0.1")) == (
        "independent cascade, uniform probabilities (P = 0.1)"
    )
    assert describe(SpreadModel(kind="complex", threshold=1)) == (
        "complex contagion (1 adopting contact needed)"
    )
    assert "thresholds vary (sd 0.5)" in describe(SpreadModel.parse("complex:k=2,sd=0.5"))


# -- the strategies -------------------------------------------------------------------------


def test_hubs_are_the_most_connected_ties_broken_by_strength() -> None:
    g = star_and_path()
    seeds = seed_set(g, "hubs", 3)
    assert ids(g, seeds) == ["c0", "q1", "q2"]  # 5 contacts, then 2 and 2 (q1 first by id)
    assert seeds.reasons[0] == "5 contacts: more than 90% of colleagues"
    assert np.isnan(seeds.marginal_gain).all() and np.isnan(seeds.estimated_reach)
    heavier = OrgGraph.from_frames(
        g.people,
        pd.DataFrame(
            {"source": ["q0", "q1", "q2"], "target": ["q1", "q2", "q3"], "weight": [1.0, 1.0, 5.0]}
        ),
    )
    assert ids(heavier, seed_set(heavier, "hubs", 1)) == ["q2"]  # same degree, more strength


def test_top_down_is_the_highest_level_then_most_people_under_them() -> None:
    g = star_and_path()
    seeds = seed_set(g, "top-down", 3)
    # q0 level 3; c0 level 2; then level 1: q1 has q3 under them, the rest nobody
    assert ids(g, seeds) == ["q0", "c0", "q1"]
    assert seeds.reasons == (
        "level 3, 3 people under them",
        "level 2, 5 people under them",
        "level 1, 1 person under them",
    )
    no_level = OrgGraph.from_frames(
        g.people.drop(columns="level"),
        pd.DataFrame({"source": ["c0"], "target": ["l0"]}),
    )
    assert ids(no_level, seed_set(no_level, "top-down", 1)) == ["c0"]
    flat = OrgGraph.from_frames(
        g.people[["person_id"]], pd.DataFrame({"source": ["c0"], "target": ["l0"]})
    )
    with pytest.raises(InputError, match="top-down needs the formal hierarchy"):
        seed_set(flat, "top-down", 1)


def test_random_is_reproducible_and_uniform_over_eligible_people() -> None:
    g = org(40, opted_out=[0, 1, 2])
    a = seed_set(g, "random", 10, seed=3)
    assert a.positions.tolist() == seed_set(g, "random", 10, seed=3).positions.tolist()
    assert a.positions.tolist() != seed_set(g, "random", 10, seed=4).positions.tolist()
    counts = np.zeros(g.n)
    for s in range(300):
        counts[seed_set(g, "random", 5, seed=s).positions] += 1
    assert counts[:3].sum() == 0
    expected = 300 * 5 / 37
    assert np.all(np.abs(counts[3:] - expected) < 5 * np.sqrt(expected))


def test_one_per_team_takes_the_most_connected_of_the_largest_teams() -> None:
    g = star_and_path()
    seeds = seed_set(g, "one-per-team", 5)
    assert ids(g, seeds) == ["c0", "q1"]  # t1 (6 people) first; q1 beats q2 on the id
    assert seeds.reasons[0] == "the most connected in team t1 (6 people): 5 contacts"
    assert any("2 teams have someone" in note for note in seeds.notes)
    assert ids(g, seed_set(g, "one-per-team", 1)) == ["c0"]
    no_team = OrgGraph.from_frames(
        g.people.drop(columns="team"), pd.DataFrame({"source": ["c0"], "target": ["l0"]})
    )
    with pytest.raises(InputError, match="one-per-team needs teams"):
        seed_set(no_team, "one-per-team", 1)


def test_list_keeps_the_order_and_refuses_unknown_or_opted_out_people() -> None:
    g = org(20, opted_out=[5])
    seeds = seed_set(g, "list", 99, people=["p007", "p002", "p007"])
    assert ids(g, seeds) == ["p007", "p002"]
    assert seeds.reasons == ("on the given list",) * 2
    with pytest.raises(UnknownIdError, match="the list: 1 id"):
        seed_set(g, "list", 1, people=["p001", "nobody"])
    with pytest.raises(ConstraintError, match=r"opted out and can never be seeded \(p005\)"):
        seed_set(g, "list", 1, people=["p005"])
    with pytest.raises(InputError, match="needs people"):
        seed_set(g, "list", 1)


def test_unknown_strategy() -> None:
    with pytest.raises(InputError, match=r"no strategy 'viral'.*choose among champions"):
        seed_set(org(10), "viral", 1)


def test_champions_ic_is_opim_c_with_its_guarantee_and_reasons() -> None:
    g = star_and_path()
    seeds = seed_set(g, "champions", 2, model=SpreadModel(prob="uniform:1"))
    first, second = ids(g, seeds)
    assert first == "c0" and second.startswith("q")  # the star, then anyone on the path
    assert seeds.selection is not None and not seeds.heuristic
    assert "1 − 1/e − ε" in seeds.guarantee
    assert seeds.estimated_reach == pytest.approx(10, abs=0.5)
    assert seeds.marginal_gain[0] == pytest.approx(6, abs=0.5)
    assert seeds.reasons[0] == "adds ≈6.0 expected adopters; 5 contacts in 1 department"
    assert "OPIM-C" in seeds.method


def test_champions_lt_uses_the_lt_model() -> None:
    g = org(40)
    seeds = seed_set(g, "champions", 3, model=SpreadModel(kind="lt"))
    assert seeds.selection is not None and seeds.selection.model == "lt"


def test_imm_errors_are_user_errors() -> None:
    with pytest.raises(InputError, match="epsilon"):
        seed_set(org(20), "champions", 2, epsilon=2.0)


@pytest.mark.parametrize("strategy", ["champions", "hubs", "top-down", "random", "one-per-team"])
def test_opted_out_and_excluded_people_are_never_seeded(strategy: str) -> None:
    for s in range(4):
        g = org(50, seed=s, opted_out=range(s, 50, 7))
        exclude = np.zeros(g.n, dtype=bool)
        exclude[np.random.default_rng(s).choice(g.n, 8, replace=False)] = True
        seeds = seed_set(g, strategy, 6, seed=s, exclude=exclude)
        ok = eligible(g, exclude)
        assert ok[seeds.positions].all()
        assert len(set(seeds.positions.tolist())) == seeds.k
        assert seeds.k == 6 or strategy == "one-per-team"
        assert len(seeds.reasons) == seeds.k and all(seeds.reasons)


@pytest.mark.parametrize("strategy", RANKED)
def test_volunteers_come_first_and_count_toward_k(strategy: str) -> None:
    g = org(40, opted_out=[3])
    seeds = seed_set(g, strategy, 5, include=["p030", "p011"])
    assert ids(g, seeds)[:2] == ["p030", "p011"] and seeds.k == 5
    assert seeds.reasons[0].startswith("volunteer; ")
    assert not any(r.startswith("volunteer") for r in seeds.reasons[2:])
    with pytest.raises(ConstraintError, match=r"--include names 1 person who opted out"):
        seed_set(g, strategy, 5, include=["p003"])
    with pytest.raises(ConstraintError, match=r"3 volunteers .* budget of 2"):
        seed_set(g, strategy, 2, include=["p001", "p002", "p004"])
    with pytest.raises(UnknownIdError, match="--include"):
        seed_set(g, strategy, 2, include=["ghost"])


def test_a_budget_above_the_people_who_can_be_seeded_is_refused() -> None:
    g = org(10, opted_out=[1, 2])
    with pytest.raises(ConstraintError, match="9 seeds asked but only 8 people can be seeded"):
        seed_set(g, "hubs", 9)
    assert seed_set(g, "hubs", 0).k == 0


@pytest.mark.parametrize("strategy", RANKED)
def test_group_limits_always_hold(strategy: str) -> None:
    for s in range(3):
        g = org(60, seed=s, opted_out=[7, 8])
        dept = g.people["department"].to_numpy()
        limits = GroupLimits("department", at_least=2, at_most=4)
        seeds = seed_set(g, strategy, 12, seed=s, limits=limits)
        counts = pd.Series(dept[seeds.positions]).value_counts()
        assert seeds.k == 12
        assert counts.min() >= 2 and counts.max() <= 4 and len(counts) == 4, counts


def test_group_limits_per_label_and_their_errors() -> None:
    g = org(60)
    seeds = seed_set(
        g, "hubs", 6, limits=GroupLimits("department", at_least={"D3": 3}, at_most={"D0": 0})
    )
    dept = g.people["department"].to_numpy()[seeds.positions]
    assert (dept == "D3").sum() >= 3 and (dept == "D0").sum() == 0
    with pytest.raises(InputError, match="no department is called 'D9'"):
        seed_set(g, "hubs", 2, limits=GroupLimits("department", at_least={"D9": 1}))
    with pytest.raises(InputError, match="no location is known"):
        seed_set(g, "hubs", 2, limits=GroupLimits("location", at_least=1))
    with pytest.raises(
        ConstraintError, match=r"need 4 seeds \(volunteers counted\) but the budget is 3"
    ):
        seed_set(g, "hubs", 3, limits=GroupLimits("department", at_least=1))
    with pytest.raises(ConstraintError, match="at least 3 but at most 2"):
        seed_set(g, "hubs", 12, limits=GroupLimits("department", at_least=3, at_most=2))
    with pytest.raises(ConstraintError, match="raise --at-most or lower --k"):
        seed_set(g, "random", 12, limits=GroupLimits("department", at_most=2))
    with pytest.raises(ConstraintError, match="volunteers are in department"):
        d0 = g.ids[g.people["department"].to_numpy() == "D0"][:2].tolist()
        seed_set(g, "hubs", 5, include=d0, limits=GroupLimits("department", at_most=1))


def test_at_least_for_every_group_shrinks_to_what_small_groups_have() -> None:
    people = pd.DataFrame(
        {"person_id": [f"p{i}" for i in range(8)], "department": ["A"] * 7 + ["Solo"]}
    )
    ties = pd.DataFrame({"source": ["p0"] * 6, "target": [f"p{i}" for i in range(1, 7)]})
    g = OrgGraph.from_frames(people.assign(opted_out=[False] * 7 + [True]), ties)
    seeds = seed_set(g, "hubs", 3, limits=GroupLimits("department", at_least=2))
    assert seeds.k == 3 and any("fewer than 2 people who can be seeded" in n for n in seeds.notes)


# -- complex contagion: clustered seeding ---------------------------------------------------


def caves(n_caves: int = 10, size: int = 6) -> OrgGraph:
    g = nx.connected_caveman_graph(n_caves, size)
    return OrgGraph.from_networkx(nx.relabel_nodes(g, {v: f"p{v:03d}" for v in g}))


def test_clustered_seeding_packs_seeds_by_the_threshold() -> None:
    g = caves()
    model = SpreadModel(kind="complex", threshold=2, prob="uniform:1")
    seeds = seed_set(g, "champions", 6, model=model)
    assert seeds.heuristic and seeds.selection is None
    assert "heuristic" in seeds.method and "none" in seeds.guarantee
    assert any("clustered seeding" in note for note in seeds.notes)
    community, _ = leiden(g)
    per = np.bincount(community[seeds.positions])
    assert set(per[per > 0].tolist()) <= set(range(2, 7))  # never a lone seed in a community
    assert "fellow seed" in seeds.reasons[0] and "community" in seeds.reasons[0]
    three = seed_set(g, "champions", 6, model=SpreadModel(kind="complex", threshold=3))
    per3 = np.bincount(community[three.positions])
    assert per3[per3 > 0].min() >= 3


def test_clustered_seeding_beats_random_seeds_under_complex_contagion() -> None:
    g = caves()
    model = SpreadModel(kind="complex", threshold=2, prob="uniform:1")
    clustered = seed_set(g, "champions", 4, model=model)
    spread = [
        simulate(g, seed_set(g, "random", 4, seed=s).positions, model, runs=5, steps=10)
        for s in range(20)
    ]
    packed = simulate(g, clustered.positions, model, runs=5, steps=10)
    assert packed.mean[-1] >= 12  # two caves of six adopt
    assert packed.mean[-1] > np.mean([sim.mean[-1] for sim in spread]) + 3


def test_one_growing_cluster_stays_together() -> None:
    # two cliques of 5 (a*, b*) joined by a1 - b1, and a hub h tied to one member of each
    a = [f"a{i}" for i in range(5)]
    b = [f"b{i}" for i in range(5)]
    pairs = [(x, y) for grp in (a, b) for i, x in enumerate(grp) for y in grp[i + 1 :]]
    pairs += [("a1", "b1"), ("h", "a0"), ("h", "b0"), ("h", "x1"), ("h", "x2"), ("h", "x3")]
    pairs += [("h", "x4")]
    people = pd.DataFrame({"person_id": sorted({p for pair in pairs for p in pair})})
    ties = pd.DataFrame({"source": [u for u, _ in pairs], "target": [v for _, v in pairs]})
    g = OrgGraph.from_frames(people, ties)
    from peerweave.spread.strategies import _grown

    order = _grown(g, 4, np.ones(g.n, dtype=bool), np.zeros(0, dtype=np.int64))
    first = [str(p) for p in g.ids[order[:4]]]
    assert first[0] == "h"  # the most connected starts the cluster
    assert first[1] in {"a0", "b0"}  # one of h's contacts (ties: contacts, then position)
    side = first[1][0]
    assert all(p.startswith(side) for p in first[2:])  # then it fills that clique
    volunteer = _grown(g, 3, np.ones(g.n, dtype=bool), g.index.get_indexer(["b3"]))
    assert str(g.ids[volunteer[0]]) == "b3"
    assert all(str(p).startswith("b") for p in g.ids[volunteer[1:3]])
    assert sorted(order.tolist()) == list(range(g.n))  # everyone, in priority order


def test_clustered_seeding_keeps_the_better_clustering() -> None:
    from peerweave.spread.strategies import HEURISTIC_RUNS, _clustered, _grown, _pick

    g = org(120, seed=3)
    model = SpreadModel(kind="complex", fraction=0.3)
    ok = np.ones(g.n, dtype=bool)
    none = np.zeros(0, dtype=np.int64)
    seeds = seed_set(g, "champions", 8, model=model)
    variants = [
        _pick(_clustered(g, 8, ok, model, 0)[0], 8, none, None),
        _pick(_grown(g, 8, ok, none), 8, none, None),
    ]
    reach = [
        simulate(g, v, model, runs=HEURISTIC_RUNS, steps=26, seed=0).mean[-1] for v in variants
    ]
    best = variants[int(np.argmax(reach))] if reach[0] != reach[1] else variants[0]
    assert sorted(seeds.positions.tolist()) == sorted(best.tolist())
    if sorted(variants[0].tolist()) != sorted(variants[1].tolist()):
        assert "Of two clusterings simulated" in " ".join(seeds.notes)


def test_clustered_seeding_with_a_fraction_and_constraints() -> None:
    g = org(80)
    model = SpreadModel.parse("complex:theta=0.3")
    seeds = seed_set(
        g,
        "champions",
        8,
        model=model,
        include=["p005"],
        limits=GroupLimits("department", at_least=1, at_most=4),
    )
    dept = pd.Series(g.people["department"].to_numpy()[seeds.positions]).value_counts()
    assert seeds.k == 8 and ids(g, seeds)[0] == "p005"
    assert dept.min() >= 1 and dept.max() <= 4 and len(dept) == 4


def test_clustered_seeding_fills_the_budget_with_isolated_people() -> None:
    people = pd.DataFrame({"person_id": list("abcdef")})
    ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]})
    g = OrgGraph.from_frames(people, ties)
    seeds = seed_set(g, "champions", 5, model=SpreadModel(kind="complex"))
    assert seeds.k == 5
    assert sum("no contacts" in r for r in seeds.reasons) == 2


# -- Seeds and compare ----------------------------------------------------------------------


def test_seeds_frame_and_validation() -> None:
    g = star_and_path()
    frame = seed_set(g, "hubs", 2).frame(g)
    assert list(frame.columns) == ["person_id", "rank", "marginal_gain", "reason"]
    assert frame["rank"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="2 seeds but 1 reasons"):
        Seeds("x", np.array([0, 1]), ("a",))
    with pytest.raises(ValueError, match="marginal gains"):
        Seeds("x", np.array([0]), ("a",), marginal_gain=np.array([1.0, 2.0]))


def test_compare_puts_strategies_side_by_side() -> None:
    g = org(80, opted_out=[1])
    model = SpreadModel(prob="uniform:0.15")
    c = compare(
        g,
        ["champions", "hubs", "top-down", "random", "one-per-team"],
        4,
        model,
        runs=200,
        steps=20,
        seed=1,
    )
    assert c.strategies == ["champions", "hubs", "top-down", "random", "one-per-team"]
    assert list(c.curves.columns) == ["strategy", "step", "mean", "p05", "p95"]
    assert len(c.curves) == 5 * 21
    assert (c.curves["p05"] <= c.curves["mean"]).all() and (
        c.curves["mean"] <= c.curves["p95"]
    ).all()
    assert list(c.summary.columns) == [
        "strategy",
        "seeds",
        "method",
        "week_13",
        "week_26",
        "final",
        "final_p05",
        "final_p95",
        "share",
        "standard_error",
        "heuristic",
    ]
    assert c.summary["seeds"].tolist() == [4, 4, 4, 4, 4]
    assert c.summary["week_26"].isna().all() and c.summary["week_13"].notna().all()
    assert c.population == 79
    row = c.summary.iloc[0]
    assert row["share"] == pytest.approx(row["final"] / 79)
    assert row["final"] == pytest.approx(c.simulations["champions"].mean[-1])
    start = c.curves[c.curves["step"] == 0]
    assert start["mean"].tolist() == [4.0] * 5
    assert set(c.by_group["strategy"]) == set(c.strategies)
    assert list(c.by_group.columns) == ["strategy", "group", "size", "expected_adopters", "share"]
    champions = c.summary.set_index("strategy")["final"]
    assert champions["champions"] >= champions["random"] - 3 * c.summary["standard_error"].max()
    assert c.at(13)["strategy"].tolist() == c.strategies


def test_compare_uses_common_random_numbers_and_ready_seeds() -> None:
    g = org(50)
    model = SpreadModel(prob="uniform:0.2")
    hubs = seed_set(g, "hubs", 3)
    mine = Seeds("list", hubs.positions, ("mine",) * 3)
    c = compare(g, ["hubs", mine], 3, model, runs=50, steps=8, seed=5)
    curves = c.curves.set_index(["strategy", "step"])["mean"]
    assert curves["hubs"].tolist() == curves["list"].tolist()  # same seeds, same draws
    assert c.seeds["list"].reasons == ("mine",) * 3


def test_compare_without_departments_and_with_no_strategy() -> None:
    people = pd.DataFrame({"person_id": list("abcd")})
    g = OrgGraph.from_frames(people, pd.DataFrame({"source": list("abc"), "target": list("bcd")}))
    c = compare(g, ["hubs"], 1, runs=10, steps=3)
    assert c.by_group.empty and c.attribute is None
    assert "no department is known" in " ".join(c.notes)
    with pytest.raises(InputError, match="no strategy given"):
        compare(g, [], 1)


def test_every_strategy_is_known() -> None:
    assert STRATEGIES == ("champions", "hubs", "top-down", "random", "one-per-team", "list")

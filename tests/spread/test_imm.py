"""IMM champion selection: exact brute force, a Monte-Carlo CELF reference, stars, constraints."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from peerweave.errors import ConstraintError, PeerweaveError
from peerweave.network import OrgGraph
from peerweave.spread import imm
from peerweave.spread.imm import ChampionSelection, _twins, select_champions
from peerweave.spread.model import arc_probabilities, lt_weights

E1 = 1.0 - 1.0 / math.e
Reach = Callable[[Sequence[int]], float]
BoolCube = npt.NDArray[np.bool_]


def _name(i: int) -> str:
    return f"p{i:03d}"  # zero-padded: sorted ids = positions


def _graph(
    n: int,
    edges: Sequence[tuple[int, int]],
    weights: Sequence[float] | None = None,
    opted_out: Sequence[int] = (),
) -> OrgGraph:
    people = pd.DataFrame(
        {"person_id": [_name(i) for i in range(n)], "opted_out": [i in opted_out for i in range(n)]}
    )
    ties = pd.DataFrame(
        {
            "source": [_name(u) for u, _ in edges],
            "target": [_name(v) for _, v in edges],
            "weight": list(weights) if weights is not None else [1.0] * len(edges),
        }
    )
    return OrgGraph.from_frames(people, ties)


def _random_graph(rng: np.random.Generator, n: int, m: int) -> list[tuple[int, int]]:
    pairs = [(u, v) for u in range(n) for v in range(u + 1, n)]
    pick = rng.choice(len(pairs), size=m, replace=False)
    return [pairs[i] for i in sorted(pick)]


def _arcs(graph: OrgGraph) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(u, v) of every arc u → v: entry j of row u, v = und_indices[j]."""
    u = np.repeat(np.arange(graph.n), np.diff(graph.und_indptr))
    return u, np.asarray(graph.und_indices, dtype=np.int64)


def _closure(live: BoolCube) -> BoolCube:
    """Reachability (reflexive) of each world's live arcs: ``live[w, u, v]`` = arc u → v live."""
    n = live.shape[1]
    reach = live | np.eye(n, dtype=bool)[None]
    for _ in range(max(1, math.ceil(math.log2(max(n, 2))))):
        r = reach.astype(np.float32)
        reach = np.matmul(r, r) > 0
    return reach


def _reach_fn(reach: BoolCube, weight: npt.NDArray[np.float64], counted: BoolCube) -> Reach:
    """``S -> Σ_w weight[w] · |people in `counted` reached from S in world w|``.

    Each world becomes one row of bit masks (who each person reaches); identical rows are
    merged with their weights summed, so a set is evaluated once per distinct outcome.
    """
    n = reach.shape[1]
    bits = 1 << np.arange(n, dtype=np.int64)
    masks = (reach & counted[None, None, :]).astype(np.int64) @ bits
    rows, inverse = np.unique(masks, axis=0, return_inverse=True)
    total = np.bincount(inverse.reshape(-1), weights=weight, minlength=len(rows))
    ones = np.array([bin(x).count("1") for x in range(1 << n)]) if n <= 16 else None

    def sigma(seeds: Sequence[int]) -> float:
        union = np.bitwise_or.reduce(rows[:, list(seeds)], axis=1)
        size = ones[union] if ones is not None else np.array([bin(x).count("1") for x in union])
        return float(total @ size)

    return sigma


def _exact_ic(graph: OrgGraph, prob: str) -> Reach:
    """Exact IC expected reach: every live-arc world enumerated, weighted by its probability."""
    n = graph.n
    p = arc_probabilities(graph, prob)
    u, v = _arcs(graph)
    unsure = np.flatnonzero((p > 0) & (p < 1))
    assert len(unsure) <= 16, "too many uncertain arcs to enumerate"
    worlds = 1 << len(unsure)
    bits = ((np.arange(worlds)[:, None] >> np.arange(len(unsure))[None, :]) & 1).astype(bool)
    weight = np.prod(np.where(bits, p[unsure], 1.0 - p[unsure]), axis=1)
    live = np.zeros((worlds, n, n), dtype=bool)
    sure = p >= 1.0
    live[:, u[sure], v[sure]] = True
    live[:, u[unsure], v[unsure]] = bits
    counted = ~graph.people["opted_out"].to_numpy(dtype=bool)
    return _reach_fn(_closure(live), weight, counted)


def _exact_lt(graph: OrgGraph, prob: str) -> Reach:
    """Exact LT expected reach: every choice of at most one in-arc per person enumerated."""
    n = graph.n
    b = lt_weights(graph, prob)
    u, v = _arcs(graph)
    options: list[list[tuple[int, float]]] = []  # per person: (arc index or -1, probability)
    for x in range(n):
        into = np.flatnonzero(v == x)
        opts = [(int(j), float(b[j])) for j in into]
        rest = 1.0 - sum(q for _, q in opts)
        if rest > 1e-12 or not opts:
            opts.append((-1, max(rest, 0.0)))
        options.append(opts)
    worlds = math.prod(len(o) for o in options)
    assert worlds <= 300_000, "too many LT worlds to enumerate"
    choice = np.unravel_index(np.arange(worlds), [len(o) for o in options])
    weight = np.ones(worlds)
    live = np.zeros((worlds, n, n), dtype=bool)
    for x, opts in enumerate(options):
        arc = np.array([j for j, _ in opts])[choice[x]]
        weight *= np.array([q for _, q in opts])[choice[x]]
        has = arc >= 0
        live[np.flatnonzero(has), u[arc[has]], x] = True
    counted = ~graph.people["opted_out"].to_numpy(dtype=bool)
    return _reach_fn(_closure(live), weight, counted)


def _sampled(graph: OrgGraph, model: str, prob: str, worlds: int, seed: int) -> Reach:
    """Monte-Carlo reach over ``worlds`` live-edge worlds drawn with ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    n = graph.n
    u, v = _arcs(graph)
    live = np.zeros((worlds, n, n), dtype=bool)
    if model == "ic":
        p = arc_probabilities(graph, prob)
        on = rng.random((worlds, len(p))) < p[None, :]
        w_idx, a_idx = np.nonzero(on)
        live[w_idx, u[a_idx], v[a_idx]] = True
    else:
        b = lt_weights(graph, prob)
        for x in range(n):
            into = np.flatnonzero(v == x)
            if not len(into):
                continue
            cum = np.cumsum(b[into])
            pick = np.searchsorted(cum, rng.random(worlds), side="right")
            has = pick < len(into)
            live[np.flatnonzero(has), u[into[pick[has]]], x] = True
    counted = ~graph.people["opted_out"].to_numpy(dtype=bool)
    return _reach_fn(_closure(live), np.full(worlds, 1.0 / worlds), counted)


def _best(sigma: Reach, pool: Sequence[int], k: int) -> float:
    return max(sigma(s) for s in itertools.combinations(pool, k))


def _celf(sigma: Reach, pool: Sequence[int], k: int) -> list[int]:
    """Lazy greedy (CELF, Leskovec et al. 2007) on a fixed sample of worlds: exact greedy."""
    chosen: list[int] = []
    base = 0.0
    gains = {x: sigma([x]) for x in pool}
    fresh = dict.fromkeys(pool, 0)
    while len(chosen) < k:
        x = max((y for y in gains if y not in chosen), key=lambda y: (gains[y], -y))
        if fresh[x] == len(chosen):
            chosen.append(x)
            base = sigma(chosen)
            continue
        gains[x] = sigma([*chosen, x]) - base
        fresh[x] = len(chosen)
    return chosen


# ------------------------------------------------------------------------- the reference
def test_twins_map_each_entry_to_its_reverse() -> None:
    rng = np.random.default_rng(3)
    g = _graph(30, _random_graph(rng, 30, 80))
    indptr, indices = g.und_indptr, g.und_indices.astype(np.int32)
    reverse = _twins(indptr, indices)
    rows = np.repeat(np.arange(g.n), np.diff(indptr))
    assert (indices[reverse] == rows).all() and (rows[reverse] == indices).all()
    assert (reverse[reverse] == np.arange(len(indices))).all()


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_estimated_reach_matches_exact_on_directed_probabilities(model: str) -> None:
    # weighted cascade is asymmetric: p(hub → leaf) = 1, p(leaf → hub) = 1/4, so a reverse
    # search that read v → u instead of u → v would give the hub a reach of about 2, not 6
    g = _graph(7, [(0, 1), (0, 2), (0, 3), (0, 4), (4, 5), (5, 6)])
    exact = (_exact_ic if model == "ic" else _exact_lt)(g, "weighted-cascade")
    pick = select_champions(g, 1, model=model, epsilon=0.05, seed=2)
    assert pick.positions.tolist() == [0]
    assert pick.estimated_reach == pytest.approx(exact([0]), rel=0.05)
    assert pick.marginal_gain[0] == pytest.approx(pick.estimated_reach)
    assert pick.rr_sets > 0 and pick.model == model


# ------------------------------------------------------------------------- (1) brute force
@pytest.mark.parametrize(
    ("model", "prob", "seed"),
    [
        ("ic", "weighted-cascade", 0),
        ("ic", "uniform:0.4", 1),
        ("ic", "tie-weight:0.5", 2),
        ("lt", "weighted-cascade", 3),
        ("lt", "tie-weight", 4),
    ],
)
@pytest.mark.parametrize("method", ["opim-c", "imm"])
def test_small_graphs_against_brute_force(model: str, prob: str, seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    n = 10
    edges = _random_graph(rng, n, 8 if model == "ic" else 12)
    weights = rng.integers(1, 6, size=len(edges)).astype(float)
    g = _graph(n, edges, weights)
    sigma = (_exact_ic if model == "ic" else _exact_lt)(g, prob)
    for k in (1, 2, 3):
        pick = select_champions(g, k, model=model, prob=prob, epsilon=0.1, seed=seed, method=method)  # type: ignore[arg-type]
        got, best = sigma(pick.positions.tolist()), _best(sigma, range(n), k)
        assert len(set(pick.positions.tolist())) == k
        assert got >= (E1 - 0.1) * best - 1e-9  # the guarantee
        assert got >= 0.95 * best  # and in practice: near optimal on these graphs
        assert pick.estimated_reach == pytest.approx(got, rel=0.1)
        assert pick.marginal_gain.sum() == pytest.approx(pick.estimated_reach)
        assert pick.method == method
        if method == "opim-c":  # certified on the instance, never below the target
            assert pick.achieved is not None and E1 - 0.1 <= pick.achieved <= 1.0
        else:
            assert pick.achieved is None


def test_opim_c_certifies_with_fewer_sets_than_imm() -> None:
    rng = np.random.default_rng(3)
    g = _graph(400, _random_graph(rng, 400, 1200))
    opim = select_champions(g, 10, seed=1)
    full = select_champions(g, 10, seed=1, method="imm")
    assert opim.rr_sets < full.rr_sets
    assert opim.achieved is not None and opim.achieved >= E1 - 0.1
    assert "certified on this organization" in opim.guarantee
    assert opim.estimated_reach == pytest.approx(full.estimated_reach, rel=0.1)


def test_forced_inclusion_is_relative_to_the_best_completion() -> None:
    rng = np.random.default_rng(7)
    g = _graph(10, _random_graph(rng, 10, 8))
    sigma = _exact_ic(g, "uniform:0.3")
    forced = [9]
    pick = select_champions(g, 3, prob="uniform:0.3", include=forced, seed=1)
    assert pick.positions[0] == 9
    best = max(sigma([9, *s]) for s in itertools.combinations(range(9), 2))
    assert sigma(pick.positions.tolist()) >= (E1 - 0.1) * best
    assert "forced" in pick.guarantee


# ------------------------------------------------------------------------- (2) CELF reference
@pytest.mark.parametrize(("model", "prob"), [("ic", "weighted-cascade"), ("lt", "tie-weight")])
@pytest.mark.parametrize("method", ["opim-c", "imm"])
def test_against_monte_carlo_celf_on_fifty_people(model: str, prob: str, method: str) -> None:
    rng = np.random.default_rng(11)
    n = 50
    edges = _random_graph(rng, n, 90)
    g = _graph(n, edges, rng.integers(1, 8, size=len(edges)).astype(float))
    train = _sampled(g, model, prob, worlds=1500, seed=1)
    test = _sampled(g, model, prob, worlds=3000, seed=2)
    k = 4
    celf = _celf(train, list(range(n)), k)
    pick = select_champions(g, k, model=model, prob=prob, seed=5, method=method)  # type: ignore[arg-type]
    ours, theirs = test(pick.positions.tolist()), test(celf)
    assert ours >= (E1 - 0.1) * theirs
    assert ours >= 0.93 * theirs
    assert pick.estimated_reach == pytest.approx(ours, rel=0.1)


# ------------------------------------------------------------------------- (3) stars
@pytest.mark.parametrize("model", ["ic", "lt"])
@pytest.mark.parametrize("prob", ["weighted-cascade", "uniform:0.2", "tie-weight"])
def test_star_picks_its_centre(model: str, prob: str) -> None:
    g = _graph(9, [(4, i) for i in range(9) if i != 4])
    assert select_champions(g, 1, model=model, prob=prob).positions.tolist() == [4]


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_two_disjoint_stars_pick_both_centres(model: str) -> None:
    edges = [(0, i) for i in range(1, 7)] + [(7, i) for i in range(8, 12)]
    g = _graph(12, edges)
    pick = select_champions(g, 2, model=model, seed=3)
    assert pick.positions.tolist() == [0, 7]
    assert pick.estimated_reach == pytest.approx(12.0, rel=0.05)  # weighted cascade: all reached


# ------------------------------------------------------------------------- (4) constraints
def _feasible(
    k: int,
    pool: Sequence[int],
    forced: Sequence[int],
    labels: npt.NDArray[np.int64],
    least: dict[int, int],
    most: dict[int, int],
) -> bool:
    """Brute force: is there a set of ``k`` containing ``forced`` within the group bounds?"""
    rest = [x for x in pool if x not in forced]
    if len(forced) > k:
        return False
    for extra in itertools.combinations(rest, k - len(forced)):
        counts = np.bincount(labels[[*forced, *extra]], minlength=4)
        if all(counts[g] >= m for g, m in least.items()) and all(
            counts[g] <= m for g, m in most.items()
        ):
            return True
    return False


def test_constraints_and_exclusions_always_hold() -> None:
    feasible_runs = errors = 0
    for case in range(80):
        rng = np.random.default_rng(1000 + case)
        n = int(rng.integers(8, 14))
        opted = [int(x) for x in np.flatnonzero(rng.random(n) < 0.15)]
        edges = [(a, b) for a, b in _random_graph(rng, n, 2 * n) if a not in opted]
        edges = [(a, b) for a, b in edges if b not in opted]
        g = _graph(n, edges, opted_out=opted)
        labels = rng.integers(0, 4, size=n).astype(np.int64)
        exclude = rng.random(n) < 0.15
        k = int(rng.integers(1, 7))
        pool = [x for x in range(n) if x not in opted and not exclude[x]]
        forced = [int(x) for x in rng.choice(pool, size=min(len(pool), rng.integers(0, 3)))]
        forced = list(dict.fromkeys(forced))
        least = {int(gr): int(rng.integers(0, 3)) for gr in rng.choice(4, 2, replace=False)}
        most = {int(gr): int(rng.integers(0, 4)) for gr in rng.choice(4, 2, replace=False)}
        args = {
            "exclude": exclude,
            "include": np.array(forced, dtype=np.int64),
            "groups": labels,
            "at_least": least,
            "at_most": most,
            "epsilon": 0.3,
            "seed": case,
            "model": "ic" if case % 2 else "lt",
        }
        if not _feasible(k, pool, forced, labels, least, most):
            with pytest.raises(ConstraintError):
                select_champions(g, k, **args)  # type: ignore[arg-type]
            errors += 1
            continue
        pick = select_champions(g, k, **args)  # type: ignore[arg-type]
        chosen = pick.positions.tolist()

        assert len(chosen) == k == len(set(chosen))
        assert chosen[: len(forced)] == forced
        assert not exclude[chosen].any() and not set(chosen) & set(opted)
        counts = np.bincount(labels[chosen], minlength=4)
        assert all(counts[gr] >= m for gr, m in least.items()), (case, chosen, least)
        assert all(counts[gr] <= m for gr, m in most.items()), (case, chosen, most)
        in_group = np.bincount(labels[forced], minlength=4) if forced else np.zeros(4, int)
        binding = any(m > in_group[gr] for gr, m in least.items()) or any(
            m < min(k, sum(1 for x in pool if labels[x] == gr)) for gr, m in most.items()
        )
        if k > len(forced):
            assert pick.guarantee.startswith("1/2 − ε" if binding else "(1 − 1/e − ε)")
        feasible_runs += 1
    assert feasible_runs >= 30 and errors >= 5  # both branches exercised


def test_opted_out_and_excluded_people_are_never_chosen() -> None:
    edges = [(0, i) for i in range(1, 6)] + [(6, 7), (6, 8), (7, 8)]
    g = _graph(9, [e for e in edges if 0 not in e], opted_out=[0])
    exclude = np.zeros(9, dtype=bool)
    exclude[6] = True
    pick = select_champions(g, 2, exclude=exclude, seed=1)
    assert not {0, 6} & set(pick.positions.tolist())
    assert "n = 8 people" in pick.guarantee  # the opted-out person cannot adopt


def test_at_least_reserves_slots_for_short_groups() -> None:
    # a big star in group 0, small pairs in group 1: without limits both picks go to group 0
    edges = [(0, i) for i in range(1, 8)] + [(8, i) for i in range(9, 14)] + [(14, 15)]
    labels = np.array([0] * 14 + [1] * 2, dtype=np.int64)
    g = _graph(16, edges)
    assert set(select_champions(g, 2).positions.tolist()) == {0, 8}
    pick = select_champions(g, 2, groups=labels, at_least={1: 1})
    assert pick.positions.tolist()[0] == 0 and labels[pick.positions[1]] == 1
    pick = select_champions(g, 3, groups=labels, at_most={0: 1})
    assert pick.positions.tolist()[0] == 0 and (labels[pick.positions[1:]] == 1).all()


# ------------------------------------------------------------------------- (5) reproducible
def test_same_seed_same_result_whatever_the_thread_count() -> None:
    rng = np.random.default_rng(5)
    edges = _random_graph(rng, 60, 150)
    g = _graph(60, edges, rng.integers(1, 5, size=len(edges)).astype(float))
    before = numba.get_num_threads()

    def run(threads: int, seed: int) -> ChampionSelection:
        numba.set_num_threads(threads)
        try:
            return select_champions(g, 5, prob="tie-weight:0.3", seed=seed)
        finally:
            numba.set_num_threads(before)

    a, b, c = run(before, 9), run(1, 9), run(before, 9)
    for other in (b, c):
        assert a.positions.tolist() == other.positions.tolist()
        assert a.marginal_gain.tolist() == other.marginal_gain.tolist()
        assert a.rr_sets == other.rr_sets and a.estimated_reach == other.estimated_reach
    assert run(before, 10).marginal_gain.tolist() != a.marginal_gain.tolist()


# ------------------------------------------------------------------------- errors and edges
@pytest.fixture
def small() -> OrgGraph:
    return _graph(6, [(0, 1), (0, 2), (3, 4), (4, 5)], opted_out=[5])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 6}, "only 5 of 6 people can be champions"),
        ({"k": 2, "include": [0, 1, 2]}, "include forces 3 champions but k = 2"),
        ({"k": 2, "include": [1], "exclude": [1]}, "p001 is both forced in"),
        ({"k": 2, "include": [5]}, "p005 opted out"),
        ({"k": 2, "at_least": {0: 2, 1: 1}}, "need 3 champions but k = 2"),
        ({"k": 2, "at_least": {1: 3}}, "only 2 people who can be champions"),
        ({"k": 3, "at_most": {0: 1, 1: 1}}, "at most 2 champions can be chosen"),
        ({"k": 2, "at_least": {0: 2}, "at_most": {0: 1}}, "at_least 2 is more than at_most 1"),
        ({"k": 2, "include": [0, 1], "at_most": {0: 1}}, "include forces 2 champions from group 0"),
        ({"k": 1, "at_least": {7: 1}}, "group 7, which has only 0 people"),
    ],
)
def test_impossible_constraints_say_what_to_change(
    small: OrgGraph, kwargs: dict[str, object], message: str
) -> None:
    labels = np.array([0, 0, 0, 1, 1, 1], dtype=np.int64)
    args: dict[str, object] = {"groups": labels, **kwargs}
    if "exclude" in args:
        mask = np.zeros(6, dtype=bool)
        mask[list(args["exclude"])] = True  # type: ignore[call-overload]
        args["exclude"] = mask
    if "include" in args:
        args["include"] = np.array(args["include"], dtype=np.int64)
    k = args.pop("k")
    with pytest.raises(ConstraintError, match=message):
        select_champions(small, k, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": -1}, "k must be"),
        ({"k": 1, "epsilon": 0.0}, "epsilon"),
        ({"k": 1, "epsilon": 1.5}, "epsilon"),
        ({"k": 1, "ell": 0}, "ell"),
        ({"k": 1, "model": "complex"}, "ic and lt models only"),
        ({"k": 1, "prob": "uniform:2"}, "not between 0 and 1"),
        ({"k": 1, "at_most": {0: 1}}, "need groups"),
        ({"k": 1, "include": np.array([9])}, "include positions"),
        ({"k": 1, "exclude": np.zeros(3, dtype=bool)}, "boolean mask"),
    ],
)
def test_bad_arguments(small: OrgGraph, kwargs: dict[str, object], message: str) -> None:
    k = kwargs.pop("k")
    with pytest.raises(ValueError, match=message):
        select_champions(small, k, **kwargs)  # type: ignore[arg-type]


def test_degenerate_graphs(small: OrgGraph) -> None:
    empty = select_champions(small, 0)
    assert empty.positions.tolist() == [] and empty.estimated_reach == 0.0
    lonely = _graph(4, [])
    pick = select_champions(lonely, 2, seed=1, method="imm")
    assert pick.positions.tolist() == [0, 1]  # no ties: reach = the champions; ties → lower
    assert pick.estimated_reach == pytest.approx(2.0, rel=0.1)
    pick = select_champions(lonely, 2, seed=1)  # OPIM-C: any two people are optimal
    assert len(set(pick.positions.tolist())) == 2
    assert pick.estimated_reach == pytest.approx(2.0, rel=0.1)
    everyone = select_champions(small, 5, include=np.array([4, 3]))
    assert everyone.positions.tolist()[:2] == [4, 3] and len(everyone.positions) == 5
    forced = select_champions(small, 2, include=np.array([4, 3, 4]))
    assert forced.positions.tolist() == [4, 3] and forced.guarantee.startswith("no choice")
    nobody = OrgGraph.from_frames(
        pd.DataFrame({"person_id": pd.Series([], dtype=object)}),
        pd.DataFrame({"source": [], "target": []}),
    )
    assert select_champions(nobody, 0).positions.tolist() == []
    with pytest.raises(ConstraintError):
        select_champions(nobody, 1)


def test_a_run_too_big_for_memory_says_what_to_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imm, "MEMORY_SHARE", 1e-7)
    clique = _graph(12, list(itertools.combinations(range(12), 2)))
    with pytest.raises(PeerweaveError, match="spreads to a large part") as err:
        select_champions(clique, 2, prob="uniform:0.9")
    assert "GiB of reverse-reachable sets" in str(err.value)
    with pytest.raises(PeerweaveError, match="raise epsilon"):
        select_champions(_graph(12, []), 2)
    with pytest.raises(PeerweaveError, match="spreads to a large part"):
        select_champions(clique, 2, prob="uniform:0.9", method="imm")

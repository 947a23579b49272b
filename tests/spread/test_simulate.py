"""Monte-Carlo simulator: exact expectations on small graphs, hand-made cases, reproducibility."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import deque
from collections.abc import Iterator, Sequence

import networkx as nx
import numba
import numpy as np
import pandas as pd
import pytest

from peerweave.errors import MissingColumnError
from peerweave.network.graph import OrgGraph
from peerweave.spread.model import SpreadModel, arc_probabilities, lt_weights
from peerweave.spread.simulate import UNKNOWN_GROUP, Simulation, cascade_sizes, simulate

Z = 4.0  # Monte-Carlo means must lie within Z standard errors of the exact value


# ---------------------------------------------------------------------------- helpers
def _graph(ids: Sequence[str], edges: Sequence[tuple[str, str]], **people: object) -> OrgGraph:
    frame = pd.DataFrame({"person_id": list(ids), **people})  # type: ignore[arg-type]
    ties = pd.DataFrame(list(edges), columns=["source", "target"], dtype=object)
    return OrgGraph.from_frames(frame, ties)


def _weighted(edges: Sequence[tuple[int, int, float]], n: int) -> OrgGraph:
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from(edges)
    return OrgGraph.from_networkx(G)


def _small_graph(seed: int, n: int = 6, m: int = 6) -> OrgGraph:
    """A connected-ish random graph on ``n`` people, ``m`` edges with weights 1..4."""
    rng = np.random.default_rng(seed)
    pairs = list(itertools.combinations(range(n), 2))
    chosen = rng.choice(len(pairs), size=m, replace=False)
    edges = [(pairs[i][0], pairs[i][1], float(rng.integers(1, 5))) for i in chosen]
    return _weighted(edges, n)


def _pos(graph: OrgGraph, ids: Sequence[str]) -> np.ndarray:
    return np.asarray(graph.index.get_indexer(list(ids)), dtype=np.int64)


def _arcs(graph: OrgGraph) -> list[tuple[int, int]]:
    src = np.repeat(np.arange(graph.n), np.diff(graph.und_indptr))
    return list(zip(src.tolist(), graph.und_indices.tolist(), strict=True))


def _distances(n: int, live: Sequence[tuple[int, int]], seeds: Sequence[int]) -> list[float]:
    """Hop distance from the seeds along the live arcs (inf when unreachable)."""
    out_arcs: list[list[int]] = [[] for _ in range(n)]
    for u, v in live:
        out_arcs[u].append(v)
    dist = [math.inf] * n
    queue = deque()
    for s in seeds:
        dist[s] = 0
        queue.append(s)
    while queue:
        u = queue.popleft()
        for v in out_arcs[u]:
            if dist[v] == math.inf:
                dist[v] = dist[u] + 1
                queue.append(v)
    return dist


def _expected(
    worlds: Iterator[tuple[float, list[tuple[int, int]]]], n: int, seeds: Sequence[int], steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact expected adopters per step (reachable within t live arcs) and per person."""
    curve = np.zeros(steps + 1)
    person = np.zeros(n)
    total = 0.0
    for prob, live in worlds:
        dist = np.array(_distances(n, live, seeds))
        total += prob
        curve += prob * np.array([(dist <= t).sum() for t in range(steps + 1)])
        person += prob * (dist < math.inf)
    assert total == pytest.approx(1.0)
    return curve, person


def _ic_worlds(graph: OrgGraph, prob: str) -> Iterator[tuple[float, list[tuple[int, int]]]]:
    """Every live-edge world of ic: each arc live independently with its probability."""
    arcs = _arcs(graph)
    p = arc_probabilities(graph, prob)
    for live in itertools.product((False, True), repeat=len(arcs)):
        weight = float(np.prod(np.where(live, p, 1 - p)))
        yield weight, [a for a, keep in zip(arcs, live, strict=True) if keep]


def _lt_worlds(graph: OrgGraph, prob: str) -> Iterator[tuple[float, list[tuple[int, int]]]]:
    """Every live-edge world of lt: each person keeps at most one in-arc, u -> v with b_uv."""
    arcs = _arcs(graph)
    b = lt_weights(graph, prob)
    choices: list[list[tuple[float, tuple[int, int] | None]]] = []
    for v in range(graph.n):
        into = [(float(b[j]), arcs[j]) for j in range(len(arcs)) if arcs[j][1] == v]
        rest = 1.0 - sum(w for w, _ in into)
        options: list[tuple[float, tuple[int, int] | None]] = list(into)
        if rest > 1e-12:
            options.append((rest, None))
        choices.append(options or [(1.0, None)])
    for combo in itertools.product(*choices):
        weight = math.prod(w for w, _ in combo)
        yield weight, [a for _, a in combo if a is not None]


def _close(mc: np.ndarray, exact: np.ndarray, se: np.ndarray) -> None:
    """Every Monte-Carlo mean within Z standard errors (exactly equal where it cannot vary)."""
    bound = Z * se + 1e-9
    assert np.all(np.abs(mc - exact) <= bound), (mc, exact, se)


def _bernoulli_se(p: np.ndarray, runs: int) -> np.ndarray:
    return np.sqrt(np.clip(p * (1 - p), 0.0, None) / runs)


def _curve_se(sim: Simulation) -> np.ndarray:
    return sim.adopters.std(axis=0, ddof=1) / math.sqrt(sim.runs)


# ---------------------------------------------------------------------------- exact expectations
@pytest.mark.parametrize("seed", range(3))
def test_ic_matches_live_edge_enumeration(seed: int) -> None:
    g = _small_graph(seed)
    prob = "tie-weight:0.4"
    seeds = [0]
    steps = 4
    curve, person = _expected(_ic_worlds(g, prob), g.n, seeds, steps)
    runs = 20_000
    sim = simulate(g, seeds, SpreadModel(prob=prob), runs=runs, steps=steps, seed=seed)
    _close(sim.mean, curve, _curve_se(sim))
    # with enough steps every person reachable in a live-edge world is reached
    long = simulate(g, seeds, SpreadModel(prob=prob), runs=runs, steps=g.n, seed=seed + 10)
    _close(long.ever_adopted, person, _bernoulli_se(person, runs))
    assert abs(long.final_reach.mean() - person.sum()) <= Z * long.standard_error()


@pytest.mark.parametrize(
    ("seed", "prob"), [(0, "tie-weight"), (1, "weighted-cascade"), (2, "tie-weight")]
)
def test_lt_matches_live_edge_enumeration(seed: int, prob: str) -> None:
    g = _small_graph(seed)
    seeds = [int(np.argmax(np.diff(g.und_indptr)))]  # the best-connected person
    steps = 5
    curve, person = _expected(_lt_worlds(g, prob), g.n, seeds, steps)
    runs = 20_000
    sim = simulate(g, seeds, SpreadModel(kind="lt", prob=prob), runs=runs, steps=steps, seed=seed)
    _close(sim.mean, curve, _curve_se(sim))
    _close(sim.ever_adopted, person, _bernoulli_se(person, runs))


def test_ic_two_seeds_and_weighted_cascade() -> None:
    g = _small_graph(4, n=7, m=6)
    seeds = [1, 5]
    curve, _ = _expected(_ic_worlds(g, "weighted-cascade"), g.n, seeds, 3)
    sim = simulate(g, seeds, SpreadModel(prob="weighted-cascade"), runs=20_000, steps=3, seed=9)
    _close(sim.mean, curve, _curve_se(sim))


def test_one_step_ic_probability() -> None:
    # t has three seeded contacts with ties of weight 1, 2 and 3 (median 2)
    g = _weighted([(0, 3, 1.0), (1, 3, 2.0), (2, 3, 3.0)], 4)
    p = 0.3
    expected = 1.0 - math.prod((1 - p) ** (w / 2.0) for w in (1.0, 2.0, 3.0))
    runs = 40_000
    sim = simulate(g, [0, 1, 2], SpreadModel(prob=f"tie-weight:{p}"), runs=runs, steps=1, seed=5)
    got = sim.ever_adopted[3]
    assert abs(got - expected) <= Z * math.sqrt(expected * (1 - expected) / runs)
    assert sim.adopters[:, 0].tolist() == [3] * runs
    np.testing.assert_array_equal(sim.ever_adopted[:3], 1.0)


# ---------------------------------------------------------------------------- complex contagion
def test_complex_needs_k_adopting_contacts() -> None:
    g = _graph(list("abc"), [("a", "b"), ("b", "c")])
    one = simulate(g, _pos(g, ["a"]), SpreadModel(kind="complex"), runs=20, steps=5)
    assert one.ever_adopted.tolist() == [1.0, 0.0, 0.0]  # b sees one adopter only: never
    assert one.adopters.max() == 1
    two = simulate(g, _pos(g, ["a", "c"]), SpreadModel(kind="complex"), runs=20, steps=5)
    assert two.mean.tolist() == [2.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    k1 = simulate(g, _pos(g, ["a"]), SpreadModel(kind="complex", threshold=1), runs=3, steps=3)
    assert k1.adopters[0].tolist() == [1, 2, 3, 3]


def test_complex_k_three() -> None:
    # x has four contacts; it needs three of them to adopt
    g = _graph(list("abcdx"), [(c, "x") for c in "abcd"])
    model = SpreadModel.parse("complex:k=3")
    assert simulate(g, _pos(g, list("ab")), model, runs=5).ever_adopted[4] == 0.0
    assert simulate(g, _pos(g, list("abc")), model, runs=5).ever_adopted[4] == 1.0


@pytest.mark.parametrize(("theta", "contacts", "needed"), [(0.5, 4, 2), (0.3, 10, 3), (0.25, 4, 1)])
def test_complex_fraction(theta: float, contacts: int, needed: int) -> None:
    leaves = [f"l{i:02d}" for i in range(contacts)]
    g = _graph([*leaves, "x"], [(leaf, "x") for leaf in leaves])
    model = SpreadModel(kind="complex", fraction=theta)
    x = g.index.get_loc("x")
    below = simulate(g, _pos(g, leaves[: needed - 1]), model, runs=5, steps=3)
    assert below.ever_adopted[x] == 0.0
    enough = simulate(g, _pos(g, leaves[:needed]), model, runs=5, steps=3)
    assert enough.ever_adopted[x] == 1.0
    assert enough.tree.loc[enough.tree.person_id == "x", "step"].tolist() == [1]


def test_complex_per_person_thresholds() -> None:
    g = _graph(list("abc"), [("a", "b"), ("b", "c")])
    runs = 20_000
    # k_b = max(1, round(N(2, 1))) <= 1 with probability Phi(-0.5)
    sim = simulate(g, _pos(g, ["a"]), SpreadModel(kind="complex", threshold_sd=0.5), runs=runs)
    p = 0.5 * math.erfc(0.5 / math.sqrt(2))
    assert abs(sim.ever_adopted[1] - p) <= Z * math.sqrt(p * (1 - p) / runs)
    # theta_x ~ N(0.5, 0.2) clipped: one of four contacts suffices when theta_x <= 0.25
    star = _graph(list("abcdx"), [(c, "x") for c in "abcd"])
    model = SpreadModel(kind="complex", fraction=0.5, threshold_sd=0.2)
    sim = simulate(star, _pos(star, ["a"]), model, runs=runs, steps=1)
    p = 0.5 * math.erfc(1.25 / math.sqrt(2))
    assert abs(sim.ever_adopted[4] - p) <= Z * math.sqrt(p * (1 - p) / runs)


# ---------------------------------------------------------------------------- abandonment
@pytest.mark.parametrize("kind", ["ic", "lt", "complex"])
def test_abandonment_lowers_reach(kind: str) -> None:
    G = nx.watts_strogatz_graph(300, 6, 0.1, seed=1)
    g = OrgGraph.from_networkx(G)
    seeds = np.arange(0, 300, 15)
    base = SpreadModel(kind=kind, prob="uniform:0.15", threshold=2)  # type: ignore[arg-type]
    kept = simulate(g, seeds, base, runs=300, steps=26, seed=2)
    dropped = simulate(g, seeds, SpreadModel(**{**base.__dict__, "abandonment": 0.3}), runs=300)
    assert dropped.final_reach.mean() < kept.final_reach.mean()
    assert dropped.mean[-1] < kept.mean[-1]
    # without abandonment adopters never decrease
    assert np.all(np.diff(kept.adopters, axis=1) >= 0)


def test_abandonment_without_support() -> None:
    g = _graph(list("ab"), [("a", "b")])
    alone = simulate(g, _pos(g, ["a"]), SpreadModel(prob="uniform:0", abandonment=1.0), runs=4)
    assert alone.adopters[0].tolist()[:3] == [1, 0, 0]
    # ic: a passes the practice on and drops; b, left alone, drops too; a never re-adopts
    ic = simulate(g, _pos(g, ["a"]), SpreadModel(prob="uniform:1", abandonment=1.0), runs=2)
    assert ic.adopters[0].tolist()[:5] == [1, 1, 0, 0, 0]
    assert ic.tree.person_id.tolist() == ["a", "b"]
    # complex (k = 1): a and b keep re-adopting from each other, one week each
    model = SpreadModel(kind="complex", threshold=1, abandonment=1.0)
    cc = simulate(g, _pos(g, ["a"]), model, runs=2, steps=5)
    assert cc.adopters[0].tolist() == [1, 1, 1, 1, 1, 1]
    assert cc.tree.person_id.tolist() == ["a", "b", "a", "b", "a", "b"]
    assert cc.tree.step.tolist() == [0, 1, 2, 3, 4, 5]
    assert cc.tree.source_id.tolist() == [None, "a", "b", "a", "b", "a"]
    assert cc.ever_adopted.tolist() == [1.0, 1.0]
    # reinforced adopters never drop
    pair = simulate(g, _pos(g, ["a", "b"]), SpreadModel(abandonment=1.0), runs=3)
    assert pair.adopters.min() == 2


def _reference_curve(
    graph: OrgGraph, seeds: Sequence[int], model: SpreadModel, steps: int, rng: np.random.Generator
) -> list[int]:
    """One run of the documented dynamics, written plainly (sets, one step at a time)."""
    n = graph.n
    contacts = [
        graph.und_indices[graph.und_indptr[v] : graph.und_indptr[v + 1]].tolist() for v in range(n)
    ]
    arcs = _arcs(graph)
    p = dict(zip(arcs, arc_probabilities(graph, model.prob).tolist(), strict=True))
    b = dict(zip(arcs, lt_weights(graph, model.prob).tolist(), strict=True))
    sd = model.threshold_sd
    if model.kind == "lt":
        need = rng.random(n)
    elif model.fraction is None:
        k = model.threshold
        need = np.maximum(1, np.floor(rng.normal(k, sd * k, n) + 0.5)) if sd else np.full(n, k)
    else:
        theta = (
            np.clip(rng.normal(model.fraction, sd, n), 0, 1) if sd else np.full(n, model.fraction)
        )
        degree = np.array([len(c) for c in contacts])
        need = np.maximum(1, np.ceil(theta * degree - 1e-9))
    adopted, ever, last = set(seeds), set(seeds), set(seeds)
    curve = [len(adopted)]
    for _ in range(steps):
        new: set[int] = set()
        if model.kind == "ic":
            for u in sorted(last):
                for v in contacts[u]:
                    if v not in ever and v not in new and rng.random() < p[(u, v)]:
                        new.add(v)
        else:
            for v in range(n):
                if v in adopted:
                    continue
                support = [u for u in contacts[v] if u in adopted]
                if model.kind == "lt":
                    total = sum(b[(u, v)] for u in support)
                    if total > 0 and total >= need[v]:
                        new.add(v)
                elif len(support) >= need[v]:
                    new.add(v)
        alone = [u for u in sorted(adopted) if not any(c in adopted for c in contacts[u])]
        drops = {u for u in alone if rng.random() < model.abandonment}
        adopted = (adopted - drops) | new
        ever |= new
        last = new
        curve.append(len(adopted))
    return curve


@pytest.mark.parametrize(
    "spec",
    [
        "ic:delta=0.4",
        "lt:delta=0.4",
        "complex:k=1,delta=0.4",
        "complex:theta=0.5,sd=0.2,delta=0.3",
        "complex:k=2,sd=0.5",
    ],
)
def test_matches_a_plain_reference_implementation(spec: str) -> None:
    # a sparse ring-like graph, where adopters are often left without support
    G = nx.connected_watts_strogatz_graph(30, 2, 0.2, seed=6)
    rng = np.random.default_rng(1)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.integers(1, 5))
    g = OrgGraph.from_networkx(G)
    model = dataclasses.replace(SpreadModel.parse(spec), prob="tie-weight:0.5")
    seeds, steps, runs = [0, 10, 20], 8, 1500
    reference = np.array([_reference_curve(g, seeds, model, steps, rng) for _ in range(runs)])
    sim = simulate(g, seeds, model, runs=4000, steps=steps, seed=2)
    se = np.sqrt(_curve_se(sim) ** 2 + (reference.std(axis=0, ddof=1) / math.sqrt(runs)) ** 2)
    _close(sim.mean, reference.mean(axis=0), se)
    if model.abandonment:  # and abandonment matters here
        kept = simulate(
            g, seeds, dataclasses.replace(model, abandonment=0.0), runs=4000, steps=steps
        )
        assert np.any(kept.mean > sim.mean + 10 * se)


# ---------------------------------------------------------------------------- cascade tree
def _check_tree(g: OrgGraph, sim: Simulation, kind: str) -> None:
    tree = sim.tree
    G = g.to_networkx(directed=False)
    adopted_at = {}
    for row in tree.itertuples(index=False):
        if row.source_id is None:
            assert row.step == 0
        else:
            assert G.has_edge(row.person_id, row.source_id)
            source_step = adopted_at[row.source_id]
            if kind == "ic":
                assert source_step == row.step - 1
            else:
                assert source_step <= row.step - 1
                # the strongest tie among the contacts adopting at the previous step
                adopters = [c for c, s in adopted_at.items() if s <= row.step - 1]
                best = max(
                    G[row.person_id][c]["weight"] for c in adopters if G.has_edge(row.person_id, c)
                )
                assert G[row.person_id][row.source_id]["weight"] == best
        adopted_at.setdefault(row.person_id, row.step)
    assert tree.person_id.is_unique  # no abandonment: one adoption each
    assert tree.step.is_monotonic_increasing
    counts = [(tree.step <= t).sum() for t in range(sim.steps + 1)]
    assert counts == sim.adopters[0].tolist()  # tree_run = 0


@pytest.mark.parametrize("kind", ["ic", "lt", "complex"])
def test_tree_sources_adopted_one_step_earlier(kind: str) -> None:
    rng = np.random.default_rng(3)
    G = nx.connected_watts_strogatz_graph(120, 6, 0.2, seed=3)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.integers(1, 9))
    g = OrgGraph.from_networkx(G)
    model = SpreadModel(kind=kind, prob="tie-weight:0.3", threshold=2)  # type: ignore[arg-type]
    sim = simulate(g, np.arange(0, 120, 10), model, runs=20, steps=10, seed=1)
    assert len(sim.tree) > 12
    _check_tree(g, sim, kind)


def test_tree_of_another_run_matches_its_curve() -> None:
    g = OrgGraph.from_networkx(nx.barabasi_albert_graph(200, 2, seed=4))
    model = SpreadModel(prob="uniform:0.2")
    for run in (0, 7, 19):
        sim = simulate(g, [0, 1, 2], model, runs=20, steps=8, seed=3, tree_run=run)
        counts = [(sim.tree.step <= t).sum() for t in range(9)]
        assert counts == sim.adopters[run].tolist()


# ---------------------------------------------------------------------------- reproducibility
def test_same_seed_same_result() -> None:
    g = OrgGraph.from_networkx(nx.barabasi_albert_graph(300, 3, seed=0))
    for model in (
        SpreadModel(),
        SpreadModel.parse("lt:delta=0.1"),
        SpreadModel.parse("complex:k=2,sd=0.3"),
    ):
        a = simulate(g, [0, 5, 9], model, runs=50, seed=11)
        b = simulate(g, [0, 5, 9], model, runs=50, seed=11)
        np.testing.assert_array_equal(a.adopters, b.adopters)
        np.testing.assert_array_equal(a.ever_adopted, b.ever_adopted)
        pd.testing.assert_frame_equal(a.tree, b.tree)
    c = simulate(g, [0, 5, 9], SpreadModel(prob="uniform:0.1"), runs=50, seed=12)
    d = simulate(g, [0, 5, 9], SpreadModel(prob="uniform:0.1"), runs=50, seed=13)
    assert not np.array_equal(c.adopters, d.adopters)


def test_results_do_not_depend_on_thread_count() -> None:
    g = OrgGraph.from_networkx(nx.barabasi_albert_graph(500, 3, seed=2))
    probs = arc_probabilities(g, "uniform:0.15")
    before = numba.get_num_threads()
    results = []
    try:
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            sims = [
                simulate(g, [0, 1], SpreadModel.parse(m), runs=101, steps=12, seed=4)
                for m in ("ic:delta=0.1", "lt", "complex:theta=0.2,sd=0.1")
            ]
            sizes = cascade_sizes(g.und_indptr, g.und_indices, probs, np.array([0, 1]), 101, 4)
            results.append((sims, sizes))
    finally:
        numba.set_num_threads(before)
    (first, sizes1), (second, sizes2) = results[0], results[-1]
    np.testing.assert_array_equal(sizes1, sizes2)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.adopters, b.adopters)
        np.testing.assert_array_equal(a.ever_adopted, b.ever_adopted)


def test_cascade_sizes_equal_simulate() -> None:
    g = OrgGraph.from_networkx(nx.barabasi_albert_graph(400, 2, seed=5))
    seeds = np.array([3, 3, 17, 40])  # a repeated seed counts once
    probs = arc_probabilities(g, "uniform:0.3")
    sizes = cascade_sizes(g.und_indptr, g.und_indices, probs, seeds, 200, 21)
    sim = simulate(g, seeds, SpreadModel(prob="uniform:0.3"), runs=200, steps=g.n, seed=21)
    np.testing.assert_array_equal(sizes, sim.final_reach)
    assert sim.adopters[0, 0] == 3
    assert sizes.dtype == np.int64


# ---------------------------------------------------------------------------- result fields
def test_summary_fields() -> None:
    g = OrgGraph.from_networkx(nx.barabasi_albert_graph(100, 2, seed=1))
    sim = simulate(g, [0], SpreadModel(prob="uniform:0.3"), runs=400, steps=6, seed=0)
    assert sim.adopters.shape == (400, 7)
    assert sim.adopters.dtype == np.int64
    np.testing.assert_allclose(sim.mean, sim.adopters.mean(axis=0))
    np.testing.assert_allclose(sim.p05, np.quantile(sim.adopters, 0.05, axis=0))
    np.testing.assert_allclose(sim.p95, np.quantile(sim.adopters, 0.95, axis=0))
    np.testing.assert_array_equal(sim.final_reach, sim.adopters[:, -1])
    assert sim.ever_adopted.shape == (100,)
    assert sim.ever_adopted.min() >= 0.0 and sim.ever_adopted.max() == 1.0
    # no abandonment: the expected final reach is the sum of the adoption probabilities
    assert sim.ever_adopted.sum() == pytest.approx(sim.final_reach.mean())
    assert sim.standard_error() == pytest.approx(sim.final_reach.std(ddof=1) / 20)
    assert (sim.runs, sim.steps, sim.seed) == (400, 6, 0)
    assert list(sim.tree.columns) == ["person_id", "step", "source_id"]
    one = simulate(g, [0], runs=1)
    assert math.isnan(one.standard_error())


def test_degenerate_inputs() -> None:
    empty = OrgGraph.from_frames(
        pd.DataFrame({"person_id": pd.Series([], dtype=object)}),
        pd.DataFrame({"source": [], "target": []}),
    )
    for kind in ("ic", "lt", "complex"):
        sim = simulate(empty, [], SpreadModel(kind=kind), runs=3, steps=2)  # type: ignore[arg-type]
        assert sim.adopters.tolist() == [[0, 0, 0]] * 3
        assert len(sim.tree) == 0
    lonely = _graph(list("abc"), [])
    sim = simulate(lonely, np.array([1]), SpreadModel.parse("lt"), runs=3, steps=2)
    assert sim.mean.tolist() == [1.0, 1.0, 1.0]
    assert sim.ever_adopted.tolist() == [0.0, 1.0, 0.0]
    assert simulate(lonely, [], runs=2).adopters.sum() == 0
    assert cascade_sizes(
        np.array([0]),
        np.array([], dtype=np.int64),
        np.array([]),
        np.array([], dtype=np.int64),
        2,
        0,
    ).tolist() == [0, 0]


def test_opted_out_seeds_are_accepted() -> None:
    g = _graph(list("abc"), [("a", "b"), ("b", "c")], opted_out=[False, False, True])
    sim = simulate(g, _pos(g, ["c"]), SpreadModel(prob="uniform:1"), runs=2)
    assert sim.ever_adopted.tolist() == [0.0, 0.0, 1.0]  # opted out: no ties, goes nowhere


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runs": 0}, "runs must be an integer >= 1, got 0"),
        ({"runs": 2.5}, "runs must be an integer >= 1"),
        ({"steps": 0}, "steps must be an integer >= 1, got 0"),
        ({"steps": True}, "steps must be an integer >= 1"),
        ({"tree_run": 5, "runs": 5}, "tree_run must be a run number in [0, 5), got 5"),
        ({"tree_run": -1}, "tree_run must be an integer >= 0"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"seeds": [3]}, "seed positions must lie in [0, 3) for this graph of 3 people; got [3]"),
        ({"seeds": [-1, 0]}, "seed positions must lie in [0, 3)"),
        ({"seeds": [0.5]}, "seeds must be a one-dimensional array of integer positions"),
        ({"seeds": [[0]]}, "seeds must be a one-dimensional array of integer positions"),
        ({"model": "ic"}, "model must be a SpreadModel"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    g = _graph(list("abc"), [("a", "b")])
    args: dict[str, object] = {"seeds": [0], **kwargs}
    with pytest.raises(ValueError) as info:
        simulate(g, **args)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_bad_model_specs() -> None:
    with pytest.raises(ValueError, match=r"1\.5 is not between 0 and 1"):
        SpreadModel(prob="uniform:1.5")
    with pytest.raises(ValueError, match="'x' is not a number"):
        SpreadModel(prob="tie-weight:x")
    with pytest.raises(ValueError, match="unknown model 'sir'"):
        SpreadModel.parse("sir")
    with pytest.raises(ValueError, match="must be an OrgGraph"):
        simulate(nx.path_graph(3), [0])  # type: ignore[arg-type]


def test_cascade_sizes_checks() -> None:
    indptr, indices = np.array([0, 1, 2]), np.array([1, 0])
    ok = {"probs": np.array([0.5, 0.5]), "seeds": np.array([0]), "runs": 3, "seed": 0}
    with pytest.raises(ValueError, match="indptr must start at 0"):
        cascade_sizes(np.array([1, 2]), indices, **ok)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 2\)"):
        cascade_sizes(indptr, np.array([1, 2]), **ok)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one value per arc"):
        cascade_sizes(indptr, indices, np.array([0.5]), np.array([0]), 3, 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        cascade_sizes(indptr, indices, np.array([0.5, np.nan]), np.array([0]), 3, 0)
    with pytest.raises(ValueError, match="seed positions must lie"):
        cascade_sizes(indptr, indices, np.array([0.5, 0.5]), np.array([2]), 3, 0)
    with pytest.raises(ValueError, match="runs must be an integer >= 1"):
        cascade_sizes(indptr, indices, np.array([0.5, 0.5]), np.array([0]), 0, 0)


# ---------------------------------------------------------------------------- reach_by
def _org() -> OrgGraph:
    ids = [f"p{i:02d}" for i in range(16)]
    department = ["ops"] * 6 + ["sales"] * 5 + ["hr"] * 2 + ["it"] * 1 + [None, ""]
    opted = [False] * 5 + [True] + [False] * 10  # p05 (ops) opted out
    edges = [(ids[i], ids[i + 1]) for i in range(15)]
    return _graph(ids, edges, department=department, opted_out=opted)


def test_reach_by_groups() -> None:
    g = _org()
    sim = simulate(g, [0, 10], SpreadModel(prob="uniform:0.5"), runs=200, steps=6, seed=1)
    table = sim.reach_by(g, "department", min_group_size=2)
    assert list(table.columns) == ["group", "size", "expected_adopters", "share"]
    assert table.group.tolist() == ["hr", "ops", "sales", UNKNOWN_GROUP, "(groups under 2)"]
    assert table["size"].tolist() == [2, 5, 5, 2, 1]
    ever = sim.ever_adopted
    expected = [ever[11:13].sum(), ever[0:5].sum(), ever[6:11].sum(), ever[14:16].sum(), ever[13]]
    np.testing.assert_allclose(table.expected_adopters, expected)
    np.testing.assert_allclose(table.share, table.expected_adopters / table["size"])
    # the default size: every group but ops and sales is folded, the unknown one too
    default = sim.reach_by(g, "department")
    assert default.group.tolist() == ["ops", "sales", "(groups under 5)"]
    assert default["size"].tolist() == [5, 5, 5]
    assert default.expected_adopters.sum() == pytest.approx(ever.sum() - ever[5])


def test_reach_by_numbers_and_errors() -> None:
    g = _graph(list("abcdef"), [("a", "b")], level=[1.0, 1.0, 2.0, 2.0, np.nan, 1.0])
    sim = simulate(g, [0], SpreadModel(prob="uniform:1"), runs=2)
    table = sim.reach_by(g, "level", min_group_size=1)
    assert table.group.tolist() == ["1", "2", UNKNOWN_GROUP]
    assert table.expected_adopters.tolist() == [2.0, 0.0, 0.0]
    with pytest.raises(MissingColumnError, match="the people have no office column"):
        sim.reach_by(g, "office")
    with pytest.raises(ValueError, match="pass the graph that was simulated"):
        sim.reach_by(_org(), "department")

"""Shortest-path metrics: exact mode against networkx, sampled mode against the exact values."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.network import OrgGraph
from peerweave.network.paths import PathMetrics, brandes, path_metrics

TOL = 1e-9


def _graph(G: Any) -> OrgGraph:
    return OrgGraph.from_networkx(G)


def _frames_graph(ids: list[str], edges: list[tuple[str, str]], **people: list[Any]) -> OrgGraph:
    frame = pd.DataFrame({"person_id": ids, **people})
    ties = pd.DataFrame(edges, columns=["source", "target"], dtype=object)
    return OrgGraph.from_frames(frame, ties)


def _random_graph(n: int, m: int, seed: int) -> OrgGraph:
    """Random multigraph-ish frames (duplicates, self-loops and both directions occur)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"p{i:05d}" for i in range(n)], dtype=object)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    ties = pd.DataFrame({"source": ids[src], "target": ids[dst]})
    return OrgGraph.from_frames(pd.DataFrame({"person_id": ids}), ties)


def _reference(graph: OrgGraph) -> tuple[np.ndarray, np.ndarray, float]:
    """networkx on the undirected view: normalized betweenness, harmonic / (n-1), mean length."""
    G = graph.to_networkx(directed=False)
    n = graph.n
    ids = graph.ids.tolist()
    bc = nx.betweenness_centrality(G, normalized=True)
    hc = nx.harmonic_centrality(G)
    between = np.array([bc[v] for v in ids], dtype=np.float64)
    harmonic = np.array([hc[v] / (n - 1) if n > 1 else 0.0 for v in ids], dtype=np.float64)
    total, pairs = 0, 0
    for _, lengths in nx.all_pairs_shortest_path_length(G):
        total += sum(lengths.values())
        pairs += len(lengths) - 1
    apl = total / pairs if pairs else math.nan
    if n > 1 and nx.is_connected(G):
        assert apl == pytest.approx(nx.average_shortest_path_length(G), abs=TOL)
    return between, harmonic, apl


def _check_exact(graph: OrgGraph) -> PathMetrics:
    pm = path_metrics(graph)
    between, harmonic, apl = _reference(graph)
    assert pm.exact
    assert pm.sources == graph.n
    assert pm.error_bound == 0.0
    assert pm.betweenness.shape == pm.harmonic.shape == (graph.n,)
    assert pm.betweenness.dtype == pm.harmonic.dtype == np.float64
    np.testing.assert_allclose(pm.betweenness, between, rtol=0, atol=TOL)
    np.testing.assert_allclose(pm.harmonic, harmonic, rtol=0, atol=TOL)
    if math.isnan(apl):
        assert math.isnan(pm.average_path_length)
    else:
        assert pm.average_path_length == pytest.approx(apl, abs=TOL)
    return pm


# ---------------------------------------------------------------------------- exact mode


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_match_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 80))
    m = int(rng.integers(0, 3 * n))
    _check_exact(_graph(nx.gnm_random_graph(n, m, seed=seed)))


@pytest.mark.parametrize("seed", range(3))
def test_random_frames_with_duplicates_and_self_loops(seed: int) -> None:
    _check_exact(_random_graph(120, 300, seed))


@pytest.mark.parametrize("seed", range(3))
def test_directed_input_uses_the_undirected_view(seed: int) -> None:
    G = nx.gnp_random_graph(40, 0.06, seed=seed, directed=True)
    pm = _check_exact(_graph(G))
    ids = _graph(G).ids.tolist()
    bc = nx.betweenness_centrality(G.to_undirected(as_view=True), normalized=True)
    np.testing.assert_allclose(pm.betweenness, [bc[int(v)] for v in ids], rtol=0, atol=TOL)


def test_empty_graph() -> None:
    pm = path_metrics(_frames_graph([], []))
    assert pm.betweenness.shape == pm.harmonic.shape == (0,)
    assert pm.exact and pm.sources == 0 and pm.error_bound == 0.0
    assert math.isnan(pm.average_path_length)
    sampled = path_metrics(_frames_graph([], []), exact_max=0)
    assert sampled.exact and sampled.sources == 0


def test_single_node() -> None:
    pm = _check_exact(_frames_graph(["a"], []))
    assert pm.betweenness.tolist() == [0.0] and pm.harmonic.tolist() == [0.0]
    assert math.isnan(pm.average_path_length)


def test_two_nodes() -> None:
    pm = _check_exact(_frames_graph(["a", "b"], [("a", "b")]))
    assert pm.betweenness.tolist() == [0.0, 0.0]
    assert pm.harmonic.tolist() == [1.0, 1.0]
    assert pm.average_path_length == 1.0
    apart = _check_exact(_frames_graph(["a", "b"], []))
    assert apart.harmonic.tolist() == [0.0, 0.0] and math.isnan(apart.average_path_length)


def test_no_edges() -> None:
    pm = _check_exact(_frames_graph(list("abcde"), []))
    assert not pm.betweenness.any() and not pm.harmonic.any()
    assert math.isnan(pm.average_path_length)


def test_isolates_and_several_components() -> None:
    G = nx.disjoint_union_all(
        [nx.path_graph(5), nx.star_graph(4), nx.complete_graph(4), nx.cycle_graph(7)]
    )
    G.add_nodes_from(range(100, 104))  # isolates
    pm = _check_exact(_graph(G))
    isolates = [i for i, v in enumerate(_graph(G).ids) if int(v) >= 100]
    assert not pm.harmonic[isolates].any() and not pm.betweenness[isolates].any()


def test_opted_out_people_are_isolates() -> None:
    graph = _frames_graph(
        list("abcd"),
        [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")],
        opted_out=[False, False, True, False],
    )
    pm = _check_exact(graph)
    assert pm.harmonic[2] == 0.0 and pm.betweenness[2] == 0.0
    # a is the middle of the path b - a - d: one pair of the (n-1)(n-2)/2 = 3 with n = 4
    assert pm.betweenness[0] == pytest.approx(1 / 3)


def test_star() -> None:
    pm = _check_exact(_graph(nx.star_graph(9)))
    ids = _graph(nx.star_graph(9)).ids.tolist()
    centre = ids.index("0")
    assert pm.betweenness[centre] == pytest.approx(1.0)
    assert pm.harmonic[centre] == pytest.approx(1.0)
    assert pm.average_path_length == pytest.approx((2 * 9 + 2 * 9 * 8) / (10 * 9))


def test_path() -> None:
    n = 12
    pm = _check_exact(_graph(nx.path_graph(n)))
    assert pm.average_path_length == pytest.approx((n + 1) / 3)


@pytest.mark.parametrize("make", [nx.complete_graph, nx.cycle_graph])
def test_complete_and_cycle(make: Any) -> None:
    _check_exact(_graph(make(9)))


def test_grid_with_many_shortest_paths() -> None:
    _check_exact(_graph(nx.grid_2d_graph(7, 8)))


@pytest.mark.parametrize(
    "G",
    [
        nx.cycle_graph(301),  # many BFS levels (the kernel keeps levels modulo 3)
        nx.lollipop_graph(12, 60),
        nx.random_labeled_tree(150, seed=2),
        nx.barbell_graph(15, 4),
        nx.hypercube_graph(6),
    ],
    ids=["long-cycle", "lollipop", "tree", "barbell", "hypercube"],
)
def test_deep_and_structured_graphs(G: Any) -> None:
    _check_exact(_graph(G))


# ---------------------------------------------------------------------------- raw kernel


def test_brandes_kernel_on_a_subset_of_sources() -> None:
    graph = _graph(nx.gnm_random_graph(60, 130, seed=3))
    G = graph.to_networkx(directed=False)
    sources = np.array([0, 5, 7, 30, 59])
    between, harmonic, dist_sum, pairs = brandes(graph.und_indptr, graph.und_indices, sources)
    names = graph.ids[sources].tolist()
    # networkx halves undirected subset betweenness; the kernel returns the plain sum
    ref = nx.betweenness_centrality_subset(G, names, list(G), normalized=False)
    np.testing.assert_allclose(between, [2 * ref[v] for v in graph.ids], rtol=0, atol=TOL)
    h_ref = np.zeros(graph.n)
    total, count = 0, 0
    for s in names:
        for v, d in nx.single_source_shortest_path_length(G, s).items():
            if d:
                h_ref[graph.index.get_loc(v)] += 1.0 / d
                total += d
                count += 1
    np.testing.assert_allclose(harmonic, h_ref, rtol=0, atol=TOL)
    assert (dist_sum, pairs) == (total, count)
    assert isinstance(dist_sum, int) and isinstance(pairs, int)


def test_brandes_kernel_edge_cases() -> None:
    indptr, indices = np.array([0, 1, 2, 2]), np.array([1, 0])  # edge 0 - 1, isolate 2
    b, h, dsum, pairs = brandes(indptr, indices, np.array([], dtype=np.int64))
    assert b.tolist() == h.tolist() == [0.0, 0.0, 0.0] and (dsum, pairs) == (0, 0)
    b, h, dsum, pairs = brandes(indptr, indices, np.array([2]))
    assert h.tolist() == [0.0, 0.0, 0.0] and (dsum, pairs) == (0, 0)
    b, h, dsum, pairs = brandes(indptr, indices, np.array([0]))
    assert h.tolist() == [0.0, 1.0, 0.0] and (dsum, pairs) == (1, 1)
    b, h, dsum, pairs = brandes(np.array([0]), np.array([], dtype=np.int64), np.array([]))
    assert b.shape == (0,) and (dsum, pairs) == (0, 0)


@pytest.mark.parametrize(
    ("indptr", "indices", "sources", "message"),
    [
        ([], [], [], "indptr"),
        ([1, 1], [], [0], "indptr"),
        ([0, 2, 1], [1, 0], [0], "indptr"),
        ([0, 1, 3], [1, 0], [0], "indptr"),
        ([0, 1, 2], [1, 2], [0], "indices"),
        ([0, 1, 2], [1, -1], [0], "indices"),
        ([0, 1, 2], [1, 0], [2], "sources"),
        ([0, 1, 2], [1, 0], [-1], "sources"),
    ],
)
def test_brandes_rejects_a_malformed_csr(
    indptr: list[int], indices: list[int], sources: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        brandes(
            np.array(indptr, dtype=np.int64),
            np.array(indices, dtype=np.int64),
            np.array(sources, dtype=np.int64),
        )


def test_result_does_not_depend_on_thread_count() -> None:
    import numba

    graph = _random_graph(300, 900, 11)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = path_metrics(graph)
    finally:
        numba.set_num_threads(before)
    many = path_metrics(graph)
    np.testing.assert_allclose(one.betweenness, many.betweenness, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(one.harmonic, many.harmonic, rtol=1e-12, atol=1e-15)
    assert one.average_path_length == many.average_path_length


# ---------------------------------------------------------------------------- sampled mode


def test_sampled_mode_fields_and_reproducibility() -> None:
    graph = _random_graph(400, 1200, 5)
    a = path_metrics(graph, exact_max=100, pivots=64, delta=0.05, seed=7)
    b = path_metrics(graph, exact_max=100, pivots=64, delta=0.05, seed=7)
    c = path_metrics(graph, exact_max=100, pivots=64, delta=0.05, seed=8)
    assert not a.exact and a.sources == 64 and a.delta == 0.05
    assert a.error_bound == pytest.approx(math.sqrt(math.log(2 * 400 / 0.05) / (2 * 64)))
    np.testing.assert_array_equal(a.betweenness, b.betweenness)
    np.testing.assert_array_equal(a.harmonic, b.harmonic)
    assert a.average_path_length == b.average_path_length
    assert not np.array_equal(a.harmonic, c.harmonic)


def test_enough_pivots_is_exact() -> None:
    graph = _graph(nx.gnm_random_graph(50, 120, seed=1))
    pm = path_metrics(graph, exact_max=10, pivots=50)
    assert pm.exact and pm.sources == 50 and pm.error_bound == 0.0
    np.testing.assert_allclose(pm.betweenness, path_metrics(graph).betweenness, atol=TOL)


def test_sampled_mode_is_unbiased() -> None:
    graph = _random_graph(500, 1500, 21)
    exact = path_metrics(graph)
    runs = [path_metrics(graph, exact_max=0, pivots=100, seed=s) for s in range(30)]
    mean_b = np.mean([r.betweenness for r in runs], axis=0)
    mean_h = np.mean([r.harmonic for r in runs], axis=0)
    mean_l = np.mean([r.average_path_length for r in runs])

    def rel_l1(estimate: np.ndarray, truth: np.ndarray) -> float:
        return float(np.abs(estimate - truth).sum() / truth.sum())

    # totals and the smooth metrics are within about 1 % after 30 runs
    assert mean_b.sum() == pytest.approx(exact.betweenness.sum(), rel=0.02)
    assert rel_l1(mean_h, exact.harmonic) < 0.01
    assert mean_l == pytest.approx(exact.average_path_length, rel=0.01)
    # per-node betweenness is noisy (~27 % L1 for one run); averaging shrinks the error
    # roughly like 1 / sqrt(runs), as it should without bias
    single = np.mean([rel_l1(r.betweenness, exact.betweenness) for r in runs])
    assert rel_l1(mean_b, exact.betweenness) < min(0.08, 0.3 * single)
    top = np.argsort(exact.betweenness)[-10:]
    np.testing.assert_allclose(mean_b[top], exact.betweenness[top], rtol=0.15)


def test_sampled_error_is_within_the_bound() -> None:
    graph = _random_graph(2000, 6000, 4)
    exact = path_metrics(graph)
    for seed in range(3):
        pm = path_metrics(graph, exact_max=1000, pivots=200, delta=0.1, seed=seed)
        assert not pm.exact and pm.sources == 200
        assert 0.0 < pm.error_bound < 1.0
        assert np.abs(pm.betweenness - exact.betweenness).max() <= pm.error_bound
        assert np.abs(pm.harmonic - exact.harmonic).max() <= pm.error_bound
        assert pm.average_path_length == pytest.approx(exact.average_path_length, rel=0.05)


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pivots": 0}, "pivots"),
        ({"pivots": -3}, "pivots"),
        ({"pivots": 2.5}, "pivots"),
        ({"delta": 0.0}, "delta"),
        ({"delta": 1.0}, "delta"),
        ({"delta": -0.1}, "delta"),
        ({"delta": math.nan}, "delta"),
        ({"exact_max": -1}, "exact_max"),
    ],
)
def test_invalid_arguments(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        path_metrics(_frames_graph(["a"], []), **options)

"""Brokerage: constraint and effective size vs networkx, cut-off dependents vs brute force."""

from __future__ import annotations

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from peerweave.network import OrgGraph
from peerweave.network.brokerage import brokerage, cut_off


def _name(i: int) -> str:
    return f"p{i:07d}"  # zero-padded, so sorted ids = insertion order = positions


def _graph(G: nx.Graph) -> OrgGraph:
    """``OrgGraph`` of a networkx graph on nodes ``0..n-1`` (position ``i`` is node ``i``)."""
    return OrgGraph.from_networkx(nx.relabel_nodes(G, _name))


def _reference(graph: OrgGraph) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """networkx on the undirected view, in position order (isolates' effective size as 0).

    ``nodes=`` forces networkx's per-node effective size: its all-nodes sparse path
    normalises by column maxima on weighted graphs (networkx PR #8906). Its all-nodes
    constraint is right (and much faster than the per-node one).
    """
    G = graph.to_networkx(directed=False)
    c = nx.constraint(G, weight="weight")
    e = nx.effective_size(G, nodes=list(G), weight="weight")
    constraint = np.array([c[pid] for pid in graph.ids], dtype=np.float64)
    size = np.array([e[pid] for pid in graph.ids], dtype=np.float64)
    isolated = np.diff(graph.und_indptr) == 0
    assert np.isnan(size[isolated]).all()
    size[isolated] = 0.0
    return constraint, size


def _check(graph: OrgGraph) -> None:
    constraint, size = brokerage(graph)
    ref_c, ref_e = _reference(graph)
    assert constraint.dtype == np.float64 and size.dtype == np.float64
    assert constraint.shape == size.shape == (graph.n,)
    np.testing.assert_allclose(constraint, ref_c, rtol=1e-9, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(size, ref_e, rtol=1e-9, atol=1e-12)
    isolated = np.diff(graph.und_indptr) == 0
    assert np.isnan(constraint[isolated]).all() and not np.isnan(constraint[~isolated]).any()


def _random_weighted(seed: int) -> nx.Graph:
    """gnp components of random sizes and densities, random weights, plus isolates."""
    rng = np.random.default_rng(seed)
    G = nx.Graph()
    for _ in range(int(rng.integers(1, 4))):
        size = int(rng.integers(2, 20))
        part = nx.gnp_random_graph(size, float(rng.uniform(0.1, 0.6)), seed=int(rng.integers(1e9)))
        G = nx.disjoint_union(G, part)
    G.add_nodes_from(range(len(G), len(G) + int(rng.integers(0, 4))))
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.uniform(0.1, 5.0))
    return G


# ---------------------------------------------------------------------------- brokerage
@pytest.mark.parametrize("seed", range(20))
def test_brokerage_matches_networkx_on_random_weighted_graphs(seed: int) -> None:
    _check(_graph(_random_weighted(seed)))


def test_brokerage_matches_networkx_sparse_formulas_on_a_larger_graph() -> None:
    """networkx's all-nodes (sparse) formulas, effective size with the row-max fix of PR #8906."""
    rng = np.random.default_rng(11)
    G = nx.gnm_random_graph(400, 2400, seed=5)
    G.add_nodes_from(range(400, 410))
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.uniform(0.1, 5.0))
    graph = _graph(G)
    constraint, size = brokerage(graph)
    c = nx.constraint(G, weight="weight")
    np.testing.assert_allclose(constraint, [c[i] for i in range(len(G))], rtol=1e-9, equal_nan=True)
    mutual = nx.adjacency_matrix(G, nodelist=range(len(G)), weight="weight").toarray()
    mutual = mutual + mutual.T
    active = mutual.sum(axis=1) > 0
    p = np.zeros_like(mutual)
    m = np.zeros_like(mutual)
    p[active] = mutual[active] / mutual[active].sum(axis=1, keepdims=True)
    m[active] = mutual[active] / mutual[active].max(axis=1, keepdims=True)
    expected = ((p > 0) * (1.0 - p @ m.T)).sum(axis=1)
    np.testing.assert_allclose(size, expected, rtol=1e-9, atol=1e-12)


def test_brokerage_of_directed_asymmetric_ties_is_that_of_the_undirected_view() -> None:
    rng = np.random.default_rng(7)
    D = nx.gnp_random_graph(30, 0.15, seed=3, directed=True)  # many one-way and mutual arcs
    for u, v in D.edges:
        D[u][v]["weight"] = float(rng.uniform(0.5, 4.0))
    D.add_node(30)
    graph = _graph(D)
    assert graph.m == D.number_of_edges()
    mutual = sum(D.has_edge(v, u) for u, v in D.edges)
    assert 0 < mutual < D.number_of_edges()  # both one-way and two-way ties
    _check(graph)
    # networkx on the directed graph uses mutual weights w(u, v) + w(v, u): same values
    named = nx.relabel_nodes(D, _name)
    c = nx.constraint(named, weight="weight")
    e = nx.effective_size(named, nodes=list(named), weight="weight")
    constraint, size = brokerage(graph)
    np.testing.assert_allclose(constraint, [c[p] for p in graph.ids], rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(size[:-1], [e[p] for p in graph.ids[:-1]], rtol=1e-9)


@pytest.mark.parametrize("k", [1, 2, 5, 17])
def test_star(k: int) -> None:
    graph = _graph(nx.star_graph(k))
    _check(graph)
    constraint, size = brokerage(graph)
    np.testing.assert_allclose(constraint, [1.0 / k] + [1.0] * k)
    np.testing.assert_allclose(size, [float(k)] + [1.0] * k)


@pytest.mark.parametrize("n", [2, 3, 4, 10])
def test_path(n: int) -> None:
    graph = _graph(nx.path_graph(n))
    _check(graph)
    constraint, size = brokerage(graph)
    np.testing.assert_allclose(constraint, [1.0] + [0.5] * (n - 2) + [1.0])
    np.testing.assert_allclose(size, [1.0] + [2.0] * (n - 2) + [1.0])


@pytest.mark.parametrize("n", [2, 3, 4, 9])
def test_complete(n: int) -> None:
    graph = _graph(nx.complete_graph(n))
    _check(graph)
    constraint, size = brokerage(graph)
    d = n - 1
    np.testing.assert_allclose(constraint, d * (1 / d + (d - 1) / d**2) ** 2)
    np.testing.assert_allclose(size, 1.0)


def test_weighted_complete_graph() -> None:
    G = nx.complete_graph(6)
    for i, (u, v) in enumerate(G.edges):
        G[u][v]["weight"] = 1.0 + i
    _check(_graph(G))


def test_empty_single_and_edgeless_graphs() -> None:
    empty = OrgGraph.from_frames(
        pd.DataFrame({"person_id": pd.Series([], dtype=object)}),
        pd.DataFrame(
            {"source": pd.Series([], dtype=object), "target": pd.Series([], dtype=object)}
        ),
    )
    constraint, size = brokerage(empty)
    assert constraint.shape == size.shape == (0,)
    assert cut_off(empty).shape == (0,)
    for n in (1, 3):
        graph = _graph(nx.empty_graph(n))
        constraint, size = brokerage(graph)
        assert np.isnan(constraint).all() and size.tolist() == [0.0] * n
        assert cut_off(graph).tolist() == [0] * n


def test_zero_weight_ties_are_not_contacts() -> None:
    G = nx.path_graph(4)
    nx.set_edge_attributes(G, 1.0, "weight")
    with_zero = G.copy()
    with_zero.add_edge(0, 3, weight=0.0)
    c0, e0 = brokerage(_graph(G))
    c1, e1 = brokerage(_graph(with_zero))
    np.testing.assert_allclose(c1, c0)
    np.testing.assert_allclose(e1, e0)
    assert cut_off(_graph(with_zero)).tolist() == [0, 0, 0, 0]  # but it still connects


# ---------------------------------------------------------------------------- cut_off
def _brute_cut_off(G: nx.Graph) -> list[int]:
    out = []
    for v in range(len(G)):
        component = nx.node_connected_component(G, v)
        rest = G.subgraph(component - {v})
        largest = max((len(p) for p in nx.connected_components(rest)), default=0)
        out.append(len(component) - 1 - largest)
    return out


def _random_cut_graph(seed: int) -> nx.Graph:
    """Random trees, sparse gnp graphs and unions of both, with a few isolates."""
    rng = np.random.default_rng(1000 + seed)
    G = nx.Graph()
    for _ in range(int(rng.integers(1, 4))):
        size = int(rng.integers(1, 25))
        kind = seed % 3
        if kind == 0:
            part = nx.random_labeled_tree(size, seed=int(rng.integers(1e9)))
        else:
            p = float(rng.uniform(0.02, 0.3)) if kind == 1 else 1.5 / size
            part = nx.gnp_random_graph(size, p, seed=int(rng.integers(1e9)))
        G = nx.disjoint_union(G, part)
    G.add_nodes_from(range(len(G), len(G) + int(rng.integers(0, 3))))
    order = rng.permutation(len(G))  # scatter the components over the positions
    return nx.relabel_nodes(G, {i: int(order[i]) for i in range(len(G))})


@pytest.mark.parametrize("batch", range(4))
def test_cut_off_matches_brute_force_on_random_graphs(batch: int) -> None:
    for seed in range(batch * 50, (batch + 1) * 50):
        G = _random_cut_graph(seed)
        result = cut_off(_graph(G))
        assert result.dtype == np.int64
        assert result.tolist() == _brute_cut_off(G), seed


@pytest.mark.parametrize(
    "G",
    [
        nx.path_graph(7),
        nx.cycle_graph(6),
        nx.star_graph(5),
        nx.barbell_graph(4, 3),
        nx.lollipop_graph(5, 4),
        nx.complete_graph(5),
        nx.balanced_tree(2, 4),
        nx.disjoint_union(nx.path_graph(5), nx.star_graph(3)),
    ],
    ids=["path", "cycle", "star", "barbell", "lollipop", "complete", "tree", "two-parts"],
)
def test_cut_off_known_shapes(G: nx.Graph) -> None:
    assert cut_off(_graph(G)).tolist() == _brute_cut_off(G)


def _long_path(n: int) -> OrgGraph:
    """The path 0 - 1 - ... - (n-1), its CSR views built directly (from_frames takes seconds)."""
    ids = np.char.zfill(np.arange(n).astype(str), 7).astype(object)  # sorted, as OrgGraph's
    k = np.arange(n - 1, dtype=np.int64)
    src, dst = np.concatenate([k, k + 1]), np.concatenate([k + 1, k])
    order = np.lexsort((dst, src))
    und_indptr = np.zeros(n + 1, dtype=np.int64)
    und_indptr[1:] = np.cumsum(np.bincount(src, minlength=n))
    out_indptr = np.concatenate([[0], np.arange(1, n, dtype=np.int64), [n - 1]])
    in_indptr = np.concatenate([[0, 0], np.arange(1, n, dtype=np.int64)])
    return OrgGraph(
        ids=ids,
        index=pd.Index(ids, dtype=object, name="person_id"),
        people=pd.DataFrame({"person_id": ids}),
        indptr=out_indptr,
        indices=k + 1,
        weights=np.ones(n - 1),
        in_indptr=in_indptr,
        in_indices=k,
        in_weights=np.ones(n - 1),
        und_indptr=und_indptr,
        und_indices=dst[order],
        und_weights=np.ones(2 * (n - 1)),
    )


def test_long_path_helper_matches_from_frames() -> None:
    direct = _long_path(12)
    ids = direct.ids.tolist()
    built = OrgGraph.from_frames(
        pd.DataFrame({"person_id": ids}), pd.DataFrame({"source": ids[:-1], "target": ids[1:]})
    )
    assert built.ids.tolist() == ids
    for name in ("indptr", "indices", "weights", "in_indptr", "in_indices", "in_weights"):
        np.testing.assert_array_equal(getattr(built, name), getattr(direct, name))
    for name in ("und_indptr", "und_indices", "und_weights"):
        np.testing.assert_array_equal(getattr(built, name), getattr(direct, name))


def test_cut_off_deep_path_needs_no_recursion() -> None:
    n = 1_000_000
    graph = _long_path(n)
    result = cut_off(graph)
    k = np.arange(n)
    assert result[499_999] == 499_999
    np.testing.assert_array_equal(result, np.minimum(k, n - 1 - k))
    constraint, size = brokerage(graph)
    assert constraint[0] == constraint[-1] == 1.0 and (constraint[1:-1] == 0.5).all()
    assert size[0] == size[-1] == 1.0 and (size[1:-1] == 2.0).all()

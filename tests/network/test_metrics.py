"""Person metrics checked against networkx on small graphs of every awkward shape."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.network.graph import OrgGraph
from peerweave.network.metrics import (
    METRIC_COLUMNS,
    MetricOptions,
    eigenvector,
    leiden,
    pagerank,
    person_metrics,
)


def _random_graph(
    n: int, p: float, seed: int, *, isolates: int = 0, loops: bool = False
) -> OrgGraph:
    rng = np.random.default_rng(seed)
    src, dst = np.nonzero(rng.random((n, n)) < p)
    if loops:
        extra = rng.integers(0, n, 3)
        src, dst = np.r_[src, extra], np.r_[dst, extra]
    ids = [f"p{i:03d}" for i in range(n + isolates)]
    people = pd.DataFrame({"person_id": ids})
    ties = pd.DataFrame(
        {
            "source": [ids[i] for i in src],
            "target": [ids[j] for j in dst],
            "weight": rng.uniform(0.2, 5.0, len(src)),
        }
    )
    return OrgGraph.from_frames(people, ties)


def _two_blobs(seed: int) -> OrgGraph:
    """Two dense random groups joined by one tie, plus isolates: disconnected pieces too."""
    a = nx.gnp_random_graph(15, 0.4, seed=seed, directed=True)
    b = nx.gnp_random_graph(12, 0.5, seed=seed + 1, directed=True)
    g = nx.disjoint_union(a, b)
    g.add_edge(0, 20)
    g.add_nodes_from([100, 101])
    g.add_edge(102, 103)
    rng = np.random.default_rng(seed)
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.uniform(0.5, 3.0))
    return OrgGraph.from_networkx(g)


GRAPHS = {
    "random-directed": lambda: _random_graph(40, 0.08, 1),
    "random-isolates-loops": lambda: _random_graph(30, 0.1, 2, isolates=4, loops=True),
    "dense": lambda: _random_graph(20, 0.5, 3),
    "disconnected": lambda: _two_blobs(4),
    "star": lambda: OrgGraph.from_networkx(nx.star_graph(8)),
    "path": lambda: OrgGraph.from_networkx(nx.path_graph(9)),
}


def _by_position(graph: OrgGraph, values: dict[str, float]) -> np.ndarray:
    return np.array([values[pid] for pid in graph.ids], dtype=float)


@pytest.fixture(params=sorted(GRAPHS))
def graph(request: pytest.FixtureRequest) -> OrgGraph:
    return GRAPHS[request.param]()


def test_degrees_and_strength(graph: OrgGraph) -> None:
    t = person_metrics(graph).table
    d, u = graph.to_networkx(), graph.to_networkx(directed=False)
    assert list(t.columns[: len(METRIC_COLUMNS)]) == list(METRIC_COLUMNS)
    np.testing.assert_array_equal(t["degree"], _by_position(graph, dict(u.degree())))
    np.testing.assert_array_equal(t["in_degree"], _by_position(graph, dict(d.in_degree())))
    np.testing.assert_array_equal(t["out_degree"], _by_position(graph, dict(d.out_degree())))
    np.testing.assert_allclose(
        t["strength"], _by_position(graph, dict(u.degree(weight="weight"))), rtol=1e-12
    )


def test_pagerank_matches_networkx(graph: OrgGraph) -> None:
    ref = nx.pagerank(graph.to_networkx(), alpha=0.85, weight="weight", tol=1e-13, max_iter=10_000)
    ours = pagerank(graph)
    np.testing.assert_allclose(ours, _by_position(graph, ref), atol=1e-9)
    assert ours.sum() == pytest.approx(1.0)


def test_eigenvector_matches_networkx(graph: OrgGraph) -> None:
    """networkx refuses disconnected graphs (the answer is not unique in general); the
    leading eigenvector lives on the piece with the largest eigenvalue, zero elsewhere."""
    u = graph.to_networkx(directed=False)
    ours = eigenvector(graph)
    pieces = [p for p in nx.connected_components(u) if len(p) > 1]
    radius = [max(np.linalg.eigvalsh(nx.to_numpy_array(u.subgraph(p)))) for p in pieces]
    main = u.subgraph(pieces[int(np.argmax(radius))])
    ref = nx.eigenvector_centrality_numpy(main, weight="weight")
    top = max(abs(v) for v in ref.values())
    expected = np.array([abs(ref.get(pid, 0.0)) / top for pid in graph.ids])
    np.testing.assert_allclose(ours, expected, atol=1e-6)


def test_clustering_and_core_match_networkx(graph: OrgGraph) -> None:
    t = person_metrics(graph).table
    u = graph.to_networkx(directed=False)
    np.testing.assert_allclose(t["clustering"], _by_position(graph, nx.clustering(u)), atol=1e-12)
    np.testing.assert_array_equal(t["core"], _by_position(graph, nx.core_number(u)))


def test_path_and_brokerage_columns_match_networkx(graph: OrgGraph) -> None:
    t = person_metrics(graph).table
    u = graph.to_networkx(directed=False)
    np.testing.assert_allclose(
        t["betweenness"], _by_position(graph, nx.betweenness_centrality(u)), atol=1e-9
    )
    harmonic = _by_position(graph, nx.harmonic_centrality(u)) / max(graph.n - 1, 1)
    np.testing.assert_allclose(t["harmonic"], harmonic, atol=1e-9)
    ref_constraint = _by_position(graph, nx.constraint(u, weight="weight"))
    np.testing.assert_allclose(t["constraint"], ref_constraint, atol=1e-9, equal_nan=True)
    # nodes= takes networkx's per-node path: its all-nodes shortcut mis-normalises weights
    ref_size = _by_position(graph, nx.effective_size(u, nodes=list(u), weight="weight"))
    np.testing.assert_allclose(t["effective_size"], np.nan_to_num(ref_size), atol=1e-9)


def test_leiden_partition_and_modularity(graph: OrgGraph) -> None:
    labels, q = leiden(graph, seed=1)
    u = graph.to_networkx(directed=False)
    has_ties = np.diff(graph.und_indptr) > 0
    assert (labels[~has_ties] == -1).all()
    assert (labels[has_ties] >= 0).all()
    sizes = np.bincount(labels[has_ties])
    assert (np.diff(sizes) <= 0).all(), "communities are numbered by size"
    parts = [set(graph.ids[labels == c]) for c in range(sizes.size)]
    tied = u.subgraph(graph.ids[has_ties])
    assert q == pytest.approx(nx.community.modularity(tied, parts, weight="weight"), abs=1e-9)
    louvain = nx.community.louvain_communities(tied, weight="weight", seed=1)
    assert q >= nx.community.modularity(tied, louvain, weight="weight") - 0.02
    again, _ = leiden(graph, seed=1)
    np.testing.assert_array_equal(labels, again)


def test_resolution_changes_the_number_of_communities() -> None:
    g = OrgGraph.from_networkx(nx.connected_caveman_graph(6, 5))
    few = person_metrics(g, MetricOptions(resolution=0.05)).communities
    many = person_metrics(g, MetricOptions(resolution=1.0)).communities
    assert few < many == 6


def test_zachary_karate_club_known_values() -> None:
    """Zachary (1977): Brandes et al. (2008) prove the maximum modularity is 0.4198 (4
    communities); the published betweenness of the instructor (node 0) is 0.4376 and of the
    administrator (node 33) 0.3041."""
    plain = OrgGraph.from_networkx(nx.Graph(list(nx.karate_club_graph().edges())))
    best = max(leiden(plain, seed=s)[1] for s in range(5))
    assert best == pytest.approx(0.4198, abs=5e-4)
    t = person_metrics(plain).table.set_index("person_id")
    assert t.loc["0", "betweenness"] == pytest.approx(0.4376, abs=5e-4)
    assert t.loc["33", "betweenness"] == pytest.approx(0.3041, abs=5e-4)


def test_krackhardt_kite_known_values() -> None:
    """Krackhardt (1990), 'Assessing the political landscape': Diane has the most ties (6),
    Heather the highest betweenness (14 of 36 pairs = 0.389), Fernando and Garth the
    highest closeness (harmonic closeness puts Diane first, Fernando and Garth next, tied)."""
    names = [
        "Andre",
        "Beverly",
        "Carol",
        "Diane",
        "Ed",
        "Fernando",
        "Garth",
        "Heather",
        "Ike",
        "Jane",
    ]
    kite = nx.relabel_nodes(nx.krackhardt_kite_graph(), dict(enumerate(names)))
    t = person_metrics(OrgGraph.from_networkx(kite)).table.set_index("person_id")
    assert t["degree"].idxmax() == "Diane" and t.loc["Diane", "degree"] == 6
    assert t["betweenness"].idxmax() == "Heather"
    assert t.loc["Heather", "betweenness"] == pytest.approx(14 / 36, abs=1e-12)
    assert t["harmonic"].nlargest(3).index[0] == "Diane"
    assert set(t["harmonic"].nlargest(3).index[1:]) == {"Fernando", "Garth"}
    assert t.loc["Fernando", "harmonic"] == pytest.approx(6.833333333333333 / 9)
    assert t.loc["Jane", "core"] == 1 and t.loc["Diane", "core"] == 3


def test_empty_and_tieless_graphs_give_documented_results() -> None:
    empty = OrgGraph.from_frames(
        pd.DataFrame({"person_id": []}), pd.DataFrame({"source": [], "target": []})
    )
    m = person_metrics(empty)
    assert m.table.empty and m.communities == 0
    lone = OrgGraph.from_frames(
        pd.DataFrame({"person_id": ["a", "b"]}), pd.DataFrame({"source": [], "target": []})
    )
    m = person_metrics(lone)
    assert m.communities == 0 and np.isnan(m.modularity)
    assert m.table["constraint"].isna().all(), "constraint is undefined without contacts"
    numeric = m.table.drop(columns=["person_id", "constraint", "opted_out"])
    assert not numeric.isna().any().any()
    assert m.notes and "no ties" in m.notes[0]


def test_opted_out_people_have_no_ties_in_any_metric() -> None:
    people = pd.DataFrame({"person_id": list("abcd"), "opted_out": [False, True, False, False]})
    ties = pd.DataFrame({"source": list("abca"), "target": list("bcdc")})
    t = person_metrics(OrgGraph.from_frames(people, ties)).table.set_index("person_id")
    assert t.loc["b", "degree"] == 0 and t.loc["b", "opted_out"]
    assert t.loc["b", "betweenness"] == 0 and t.loc["b", "community"] == -1


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="resolution"):
        MetricOptions(resolution=0)
    with pytest.raises(ValueError, match="damping"):
        MetricOptions(damping=1.0)

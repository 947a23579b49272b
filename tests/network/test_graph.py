"""OrgGraph: CSR views, filters, opt-outs and converters, checked against networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.errors import MissingColumnError, PeerweaveError, ValidationError
from peerweave.network import MissingDependencyError, OrgGraph


def _people(ids: list[str], opted: list[bool] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"person_id": ids, "department": [f"d{i % 3}" for i in range(len(ids))]})
    frame["opted_out"] = opted if opted is not None else [False] * len(ids)
    return frame


def _ties(rows: list[tuple[str, str, str, float]], **windows: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["source", "target", "kind", "weight"])
    for name, values in windows.items():
        frame[name] = pd.to_datetime(pd.Series(values, dtype=object))
    return frame


def _random(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, nx.DiGraph]:
    """Random people with isolates, ties with self-loops and parallel kinds, and the truth."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    ids = [f"p{i:03d}" for i in rng.permutation(n)]
    active = ids[: max(1, n - 5)]  # the last few are isolates
    m = int(rng.integers(0, 4 * n))
    src = rng.choice(active, m)
    dst = rng.choice(active, m)
    kinds = rng.choice(["collaboration", "advice"], m)
    weights = rng.random(m).round(3) + 0.1
    ties = pd.DataFrame({"source": src, "target": dst, "kind": kinds, "weight": weights})
    truth = nx.DiGraph()
    truth.add_nodes_from(ids)
    for s, t, w in zip(src, dst, weights, strict=True):
        if s == t:
            continue
        old = truth.get_edge_data(s, t, default={"weight": 0.0})["weight"]
        truth.add_edge(s, t, weight=old + w)
    return _people(ids), ties, truth


@pytest.mark.parametrize("seed", range(8))
def test_degrees_and_strengths_match_networkx(seed: int) -> None:
    people, ties, truth = _random(seed)
    g = OrgGraph.from_frames(people, ties)
    order = g.ids.tolist()
    assert order == sorted(order)
    assert g.n == truth.number_of_nodes()
    assert g.m == truth.number_of_edges()
    assert g.out_degree().tolist() == [truth.out_degree(v) for v in order]
    assert g.in_degree().tolist() == [truth.in_degree(v) for v in order]
    np.testing.assert_allclose(g.out_strength(), [truth.out_degree(v, "weight") for v in order])
    np.testing.assert_allclose(g.in_strength(), [truth.in_degree(v, "weight") for v in order])
    assert g.indptr[-1] == g.in_indptr[-1] == g.m
    assert g.weights.dtype == np.float64
    # the transpose holds the same arcs
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    dst = np.repeat(np.arange(g.n), np.diff(g.in_indptr))
    out_arcs = sorted(zip(src.tolist(), g.indices.tolist(), g.weights.tolist(), strict=True))
    in_arcs = sorted(zip(g.in_indices.tolist(), dst.tolist(), g.in_weights.tolist(), strict=True))
    assert out_arcs == in_arcs


@pytest.mark.parametrize("seed", range(4))
def test_undirected_view_sums_both_directions(seed: int) -> None:
    people, ties, truth = _random(seed)
    g = OrgGraph.from_frames(people, ties)
    und = truth.to_undirected()
    for u, v in und.edges:
        und[u][v]["weight"] = (
            truth.get_edge_data(u, v, {"weight": 0.0})["weight"]
            + (truth.get_edge_data(v, u, {"weight": 0.0})["weight"])
        )
    rows = np.repeat(np.arange(g.n), np.diff(g.und_indptr))
    got = {
        (g.ids[r], g.ids[c]): w for r, c, w in zip(rows, g.und_indices, g.und_weights, strict=True)
    }
    assert len(got) == 2 * und.number_of_edges()
    for (u, v), w in got.items():
        assert w == pytest.approx(und[u][v]["weight"])
        assert got[(v, u)] == w


def test_parallel_kinds_are_summed_and_self_loops_dropped() -> None:
    ties = _ties(
        [
            ("a", "b", "advice", 1.0),
            ("a", "b", "collaboration", 2.5),
            ("a", "a", "advice", 9.0),
            ("b", "a", "advice", 1.0),
        ]
    )
    g = OrgGraph.from_frames(_people(["a", "b"]), ties)
    assert g.m == 2
    assert g.weights.tolist() == [3.5, 1.0]
    assert g.und_weights.tolist() == [4.5, 4.5]


def test_kind_filter() -> None:
    ties = _ties([("a", "b", "advice", 1.0), ("b", "c", "coaching", 2.0)])
    people = _people(["a", "b", "c"])
    assert OrgGraph.from_frames(people, ties, kinds=["advice"]).m == 1
    assert OrgGraph.from_frames(people, ties, kinds=["advice", "coaching"]).m == 2
    assert OrgGraph.from_frames(people, ties, kinds=["friendship"]).m == 0
    assert OrgGraph.from_frames(people, ties, kinds=[]).m == 0


def test_kind_filter_without_kind_column_uses_the_default_kind() -> None:
    ties = pd.DataFrame({"source": ["a"], "target": ["b"]})
    people = _people(["a", "b"])
    assert OrgGraph.from_frames(people, ties, kinds=["collaboration"]).m == 1
    assert OrgGraph.from_frames(people, ties, kinds=["advice"]).m == 0
    assert OrgGraph.from_frames(people, ties).weights.tolist() == [1.0]


def test_window_filter_keeps_overlapping_and_open_windows() -> None:
    ties = _ties(
        [
            ("a", "b", "advice", 1.0),  # January
            ("b", "c", "advice", 1.0),  # March
            ("c", "a", "advice", 1.0),  # no window
            ("a", "c", "advice", 1.0),  # from February, open end
        ],
        window_start=["2024-01-01", "2024-03-01", None, "2024-02-01"],
        window_end=["2024-01-31", "2024-03-31", None, None],
    )
    people = _people(["a", "b", "c"])

    def arcs(**window: object) -> set[tuple[str, str]]:
        g = OrgGraph.from_frames(people, ties, **window)  # type: ignore[arg-type]
        rows = np.repeat(np.arange(g.n), np.diff(g.indptr))
        return {(g.ids[r], g.ids[c]) for r, c in zip(rows, g.indices, strict=True)}

    assert arcs() == {("a", "b"), ("b", "c"), ("c", "a"), ("a", "c")}
    assert arcs(start="2024-01-15", end="2024-02-01") == {("a", "b"), ("c", "a")}
    # end is exclusive: a tie starting on `end` is left out
    assert arcs(start="2024-01-15", end="2024-03-01") == {("a", "b"), ("c", "a"), ("a", "c")}
    assert arcs(start="2024-04-01") == {("c", "a"), ("a", "c")}
    assert arcs(end=pd.Timestamp("2024-01-10")) == {("a", "b"), ("c", "a")}


def test_opted_out_people_stay_as_isolates() -> None:
    ties = _ties([("a", "b", "advice", 1.0), ("b", "c", "advice", 1.0), ("c", "a", "advice", 1.0)])
    people = _people(["a", "b", "c"], opted=[False, True, False])
    g = OrgGraph.from_frames(people, ties)
    assert g.n == 3
    assert g.m == 1
    b = g.index.get_loc("b")
    assert g.out_degree()[b] == g.in_degree()[b] == 0
    assert np.diff(g.und_indptr)[b] == 0
    assert g.people.loc[b, "opted_out"]
    assert OrgGraph.from_frames(people, ties, include_opted_out=True).m == 3
    assert "b" in g.to_networkx()
    assert g.to_networkx().degree("b") == 0


def test_opted_out_may_be_missing_or_nullable() -> None:
    ties = _ties([("a", "b", "advice", 1.0)])
    assert OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b"]}), ties).m == 1
    people = pd.DataFrame(
        {"person_id": ["a", "b"], "opted_out": pd.array([pd.NA, True], dtype="boolean")}
    )
    assert OrgGraph.from_frames(people, ties).m == 0


def test_unknown_endpoints_are_dropped_and_counted() -> None:
    ties = _ties(
        [
            ("a", "b", "advice", 1.0),
            ("a", "zz", "advice", 1.0),
            ("yy", "b", "advice", 1.0),
            ("yy", "zz", "advice", 1.0),
        ]
    )
    g = OrgGraph.from_frames(_people(["a", "b"]), ties)
    assert g.m == 1
    assert g.dropped_ties == 3


def test_people_sorted_and_attributes_aligned() -> None:
    people = _people(["c", "a", "b"])
    people["status"] = ["active", "left", "active"]
    people["_row"] = [2, 3, 4]
    g = OrgGraph.from_frames(people, _ties([]))
    assert g.ids.tolist() == ["a", "b", "c"]
    assert g.people["person_id"].tolist() == ["a", "b", "c"]
    assert g.people["status"].tolist() == ["left", "active", "active"]
    assert "_row" not in g.people.columns
    assert g.index.get_indexer(["c", "a", "x"]).tolist() == [2, 0, -1]
    assert not g.indptr.flags.writeable


def test_empty_people() -> None:
    g = OrgGraph.from_frames(pd.DataFrame({"person_id": []}), _ties([("a", "b", "advice", 1.0)]))
    assert (g.n, g.m, g.dropped_ties) == (0, 0, 1)
    assert g.indptr.tolist() == g.in_indptr.tolist() == g.und_indptr.tolist() == [0]
    assert g.out_degree().size == g.in_strength().size == 0
    assert g.to_networkx().number_of_nodes() == 0


def test_no_ties() -> None:
    g = OrgGraph.from_frames(_people(["a", "b"]), pd.DataFrame({"source": [], "target": []}))
    assert (g.n, g.m) == (2, 0)
    assert g.out_strength().tolist() == g.in_degree().tolist() == [0, 0]


def test_everyone_opted_out() -> None:
    ties = _ties([("a", "b", "advice", 1.0), ("b", "a", "advice", 1.0)])
    g = OrgGraph.from_frames(_people(["a", "b"], opted=[True, True]), ties)
    assert (g.n, g.m) == (2, 0)
    assert g.und_indices.size == 0


def test_duplicate_person_id_is_an_input_error() -> None:
    with pytest.raises(ValidationError, match="'a' appears more than once"):
        OrgGraph.from_frames(_people(["a", "b", "a"]), _ties([]))


def test_missing_columns_are_input_errors() -> None:
    with pytest.raises(MissingColumnError, match="person_id"):
        OrgGraph.from_frames(pd.DataFrame({"id": ["a"]}), _ties([]))
    with pytest.raises(MissingColumnError, match="target"):
        OrgGraph.from_frames(_people(["a"]), pd.DataFrame({"source": ["a"]}))


@pytest.mark.parametrize("seed", range(4))
def test_networkx_round_trip(seed: int) -> None:
    people, ties, truth = _random(seed)
    g = OrgGraph.from_frames(people, ties)
    G = g.to_networkx()
    assert G.nodes[g.ids[0]]["department"] == g.people.loc[0, "department"]
    assert set(G.edges) == set(truth.edges)
    back = OrgGraph.from_networkx(G)
    assert back.ids.tolist() == g.ids.tolist()
    for name in ("indptr", "indices", "in_indptr", "in_indices", "und_indptr", "und_indices"):
        np.testing.assert_array_equal(getattr(back, name), getattr(g, name))
    np.testing.assert_allclose(back.weights, g.weights)
    np.testing.assert_allclose(back.und_weights, g.und_weights)
    assert back.people["department"].tolist() == g.people["department"].tolist()


def test_undirected_networkx_graphs_give_both_directions() -> None:
    G = nx.Graph()
    G.add_edge("a", "b", weight=2.0)
    g = OrgGraph.from_networkx(G)
    assert g.m == 2
    assert g.to_networkx(directed=False)["a"]["b"]["weight"] == 4.0


def test_to_igraph_matches() -> None:
    pytest.importorskip("igraph")
    people, ties, _ = _random(3)
    g = OrgGraph.from_frames(people, ties)
    ig = g.to_igraph()
    assert ig.vcount() == g.n
    assert ig.ecount() == g.m
    assert ig.outdegree() == g.out_degree().tolist()
    np.testing.assert_allclose(ig.strength(mode="in", weights="weight"), g.in_strength())
    assert g.to_igraph(directed=False).ecount() == g.und_indices.size // 2


def test_to_igraph_without_igraph_is_a_friendly_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> object:
        if name == "igraph":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(MissingDependencyError, match="pip install python-igraph") as info:
        OrgGraph.from_frames(_people(["a"]), _ties([])).to_igraph()
    assert isinstance(info.value, PeerweaveError)


def test_to_networkit_matches() -> None:
    nk = pytest.importorskip("networkit")
    people, ties, _ = _random(4)
    g = OrgGraph.from_frames(people, ties)
    G = g.to_networkit()
    assert (G.numberOfNodes(), G.numberOfEdges()) == (g.n, g.m)
    assert [G.degreeOut(i) for i in range(g.n)] == g.out_degree().tolist()
    assert nk.graphtools.size(g.to_networkit(directed=False))[1] == g.und_indices.size // 2
    src, dst, w = g.edge_arrays()
    assert [G.weight(int(u), int(v)) for u, v in zip(src[:20], dst[:20], strict=True)] == w[
        :20
    ].tolist()

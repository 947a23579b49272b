"""Groups, whole network and formal vs informal, checked by hand and against networkx/igraph."""

from __future__ import annotations

import math

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.errors import MissingColumnError
from peerweave.network import OrgGraph
from peerweave.network.groups import (
    MIN_GROUP_SIZE,
    OTHER_GROUPS,
    SMALL_GROUPS,
    FormalInformal,
    GroupReport,
    WholeNetwork,
    _nmi,
    _triangles,
    formal_vs_informal,
    group_report,
    whole_network,
)

TABLE_COLUMNS = [
    "group",
    "size",
    "internal_ties",
    "external_ties",
    "density",
    "external_share",
    "ei_index",
    "silo_rank",
]


def _graph(people: dict[str, list[object]], edges: list[tuple[str, str]]) -> OrgGraph:
    ties = pd.DataFrame(edges, columns=["source", "target"], dtype=object)
    return OrgGraph.from_frames(pd.DataFrame(people), ties)


def _two_departments() -> OrgGraph:
    """x = a, b, c (triangle), y = d, e, f (path d - e - f), one cross tie c - d."""
    people = {"person_id": list("abcdef"), "department": list("xxxyyy")}
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("c", "d")]
    return _graph(people, edges)


def _random(
    seed: int, n: int | None = None, m: int | None = None
) -> tuple[OrgGraph, nx.Graph, nx.DiGraph, list[str]]:
    """A random graph with opted-out people, isolates, departments and levels; the networkx
    views restricted to active people, and the active ids."""
    rng = np.random.default_rng(seed)
    n = n if n is not None else int(rng.integers(8, 60))
    ids = [f"p{i:03d}" for i in range(n)]
    opted = rng.random(n) < 0.1
    people = pd.DataFrame(
        {
            "person_id": ids,
            "manager_id": [ids[int(j)] if j >= 0 else None for j in rng.integers(-3, n, n)],
            "department": rng.choice(["ops", "eng", "hr", "law"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "level": rng.integers(1, 6, n),
            "opted_out": opted,
        }
    )
    m = m if m is not None else int(rng.integers(0, 4 * n))
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    ties = pd.DataFrame(
        {
            "source": [ids[i] for i in src],
            "target": [ids[j] for j in dst],
            "weight": rng.random(m).round(2) + 0.5,
        }
    )
    g = OrgGraph.from_frames(people, ties)
    active = [pid for pid, o in zip(ids, opted, strict=True) if not o]
    directed = g.to_networkx().subgraph(active).copy()
    undirected = g.to_networkx(directed=False).subgraph(active).copy()
    return g, undirected, directed, active


# ---------------------------------------------------------------------------- group_report
def test_two_departments_known_figures() -> None:
    r = group_report(_two_departments(), "department", min_group_size=3)
    assert isinstance(r, GroupReport)
    assert r.attribute == "department" and r.min_group_size == 3 and r.suppressed_groups == 0
    assert list(r.table.columns) == TABLE_COLUMNS
    t = r.table.set_index("group")
    assert t.loc["x", "size"] == 3 and t.loc["y", "size"] == 3
    assert t.loc["x", "internal_ties"] == 3 and t.loc["y", "internal_ties"] == 2
    assert t.loc["x", "external_ties"] == 1 and t.loc["y", "external_ties"] == 1
    assert t.loc["x", "density"] == pytest.approx(1.0)
    assert t.loc["y", "density"] == pytest.approx(2 / 3)
    assert t.loc["x", "external_share"] == pytest.approx(1 / 4)
    assert t.loc["x", "ei_index"] == pytest.approx((1 - 3) / 4)
    assert t.loc["y", "ei_index"] == pytest.approx((1 - 2) / 3)
    assert r.table["group"].tolist() == ["x", "y"]  # x is the more inward: silo rank 1
    assert r.table["silo_rank"].tolist() == [1, 2]
    assert r.matrix.to_numpy().tolist() == [[3, 1], [1, 2]]
    assert r.matrix.index.tolist() == ["x", "y"] == r.matrix.columns.tolist()


def test_ei_index_extremes_and_equal_ranks() -> None:
    # one department, all ties internal → E-I = -1; an isolated group → NaN, ranked last
    people = {"person_id": list("abcdefgh"), "team": ["t"] * 4 + ["u"] * 2 + ["v"] * 2}
    edges = [("a", "b"), ("c", "d"), ("e", "f"), ("g", "h")]
    r = group_report(_graph(people, edges), "team", min_group_size=2)
    t = r.table.set_index("group")
    assert t["ei_index"].tolist() == [-1.0, -1.0, -1.0]
    assert r.table["silo_rank"].tolist() == [1, 1, 1]  # ties share a rank
    people = {"person_id": list("abcdef"), "team": list("ttttuu")}
    r = group_report(_graph(people, [("a", "b")]), "team", min_group_size=2)
    assert r.table["group"].tolist() == ["t", "u"]
    assert r.table["ei_index"].iloc[0] == -1.0 and math.isnan(r.table["ei_index"].iloc[1])
    assert r.table["silo_rank"].tolist() == [1, 2]
    assert r.table["density"].tolist() == pytest.approx([1 / 6, 0.0])


def test_small_groups_are_suppressed_and_folded() -> None:
    # big1: 5 people, big2: 6 people (one opted out → 5 active), tiny: 3, pair: 2 (1 opted out)
    ids = [f"p{i:02d}" for i in range(16)]
    dept = ["big1"] * 5 + ["big2"] * 6 + ["tiny"] * 3 + ["pair"] * 2
    opted = [False] * 10 + [True] + [False] * 3 + [False, True]
    people = {"person_id": ids, "department": dept, "opted_out": opted}
    edges = [(ids[i], ids[i + 1]) for i in range(4)]  # big1 path: 4 internal
    edges += [(ids[5], ids[6]), (ids[4], ids[5])]  # big2 internal, big1 - big2
    edges += [(ids[11], ids[12]), (ids[12], ids[13])]  # tiny internal 2
    edges += [(ids[14], ids[11]), (ids[0], ids[12])]  # pair - tiny, big1 - tiny
    edges += [(ids[10], ids[0])]  # the opted-out person's tie is dropped by the graph
    r = group_report(_graph(people, edges), "department")
    assert r.min_group_size == MIN_GROUP_SIZE == 5
    assert r.suppressed_groups == 2
    # big1: I 4, E 2 → E-I -1/3; big2: I 1, E 1 → 0
    assert r.table["group"].tolist() == ["big1", "big2"]
    assert "tiny" not in r.table["group"].tolist() and "pair" not in r.table["group"].tolist()
    small = SMALL_GROUPS.format(n=5)
    assert small == "(groups under 5)"
    assert r.matrix.index.tolist() == ["big1", "big2", small]
    assert r.matrix.loc[small, small] == 3  # tiny internal 2 + pair - tiny 1
    assert r.matrix.loc["big1", small] == r.matrix.loc[small, "big1"] == 1
    assert r.matrix.loc["big1", "big1"] == 4 and r.matrix.loc["big1", "big2"] == 1
    t = r.table.set_index("group")
    assert t.loc["big2", "size"] == 5
    assert t.loc["big1", "external_ties"] == 2
    text = r.table.to_string() + r.matrix.to_string()
    assert "tiny" not in text and "pair" not in text


def test_everything_suppressed_and_threshold_one() -> None:
    r = group_report(_two_departments(), "department")
    assert r.table.empty and list(r.table.columns) == TABLE_COLUMNS
    assert r.suppressed_groups == 2
    assert r.matrix.to_numpy().tolist() == [[6]]
    one = group_report(_graph({"person_id": ["a"], "d": ["x"]}, []), "d", min_group_size=1)
    assert one.table["size"].tolist() == [1] and math.isnan(one.table["density"].iloc[0])


def test_missing_values_are_left_out_of_groups() -> None:
    people = {
        "person_id": list("abcdefg"),
        "location": ["Oslo", "Oslo", " Oslo ", None, "", "Rome", "Rome"],
    }
    edges = [("a", "b"), ("a", "d"), ("e", "f"), ("c", "g")]
    r = group_report(_graph(people, edges), "location", min_group_size=2)
    t = r.table.set_index("group")
    assert sorted(t.index) == ["Oslo", "Rome"]
    assert t.loc["Oslo", "size"] == 3  # " Oslo " is stripped; None and "" are missing
    assert t.loc["Oslo", "internal_ties"] == 1
    assert t.loc["Oslo", "external_ties"] == 2  # to d (missing) and to g (Rome)
    assert t.loc["Rome", "external_ties"] == 2  # to e (missing) and to c
    assert r.matrix.loc["Oslo", "Rome"] == 1  # the matrix only counts edges with two values


def test_numeric_attribute_labels_are_text() -> None:
    people = {"person_id": list("abcd"), "floor": [1.0, 1.0, 2.0, np.nan]}
    r = group_report(_graph(people, [("a", "c")]), "floor", min_group_size=1)
    assert r.table["group"].tolist() == ["1", "2"]


def test_missing_column_names_it_and_lists_the_available_ones() -> None:
    with pytest.raises(MissingColumnError) as info:
        group_report(_two_departments(), "team")
    problem = info.value.problems[0]
    assert problem.column == "team"
    assert problem.fix is not None and "department" in problem.fix and "person_id" in problem.fix


@pytest.mark.parametrize("seed", range(6))
def test_group_report_matches_brute_force(seed: int) -> None:
    g, und, _, active = _random(seed)
    dept = dict(zip(g.people["person_id"], g.people["department"], strict=True))
    r = group_report(g, "department", min_group_size=3)
    sizes = pd.Series([dept[v] for v in active]).value_counts()
    shown = sorted(d for d, s in sizes.items() if s >= 3)
    assert sorted(r.table["group"]) == shown
    assert r.suppressed_groups == int((sizes < 3).sum())
    for row in r.table.itertuples():
        members = {v for v in active if dept[v] == row.group}
        internal = sum(1 for u, v in und.edges if u in members and v in members)
        external = sum(1 for u, v in und.edges if (u in members) != (v in members))
        assert (row.size, row.internal_ties, row.external_ties) == (
            len(members),
            internal,
            external,
        )
        assert row.density == pytest.approx(internal / (len(members) * (len(members) - 1) / 2))
        if internal + external:
            assert row.ei_index == pytest.approx((external - internal) / (external + internal))
    assert r.table["ei_index"].is_monotonic_increasing or r.table["ei_index"].isna().any()
    m = r.matrix.to_numpy()
    assert (m == m.T).all()
    assert int(np.triu(m).sum()) == und.number_of_edges()
    assert (np.diff(r.table["silo_rank"].to_numpy()) >= 0).all()


# ---------------------------------------------------------------------------- whole_network
@pytest.mark.parametrize("seed", range(8))
def test_whole_network_matches_networkx(seed: int) -> None:
    g, und, directed, active = _random(seed)
    w = whole_network(g)
    assert isinstance(w, WholeNetwork)
    assert (w.people, w.active_people, w.ties) == (g.n, len(active), g.m)
    assert w.edges == und.number_of_edges()
    assert w.density == pytest.approx(nx.density(directed))
    if g.m:
        assert w.reciprocity == pytest.approx(nx.reciprocity(directed))
    else:
        assert math.isnan(w.reciprocity)
    parts = list(nx.connected_components(und))
    assert w.components == len(parts)
    assert w.largest_component_share == pytest.approx(max(map(len, parts)) / len(active))
    if any(d >= 2 for _, d in und.degree):
        assert w.global_clustering == pytest.approx(nx.transitivity(und))
    else:
        assert math.isnan(w.global_clustering)
    assert w.average_clustering == pytest.approx(nx.average_clustering(und, nodes=active))
    if und.number_of_edges():
        dept = nx.attribute_assortativity_coefficient(und, "department")
        assert w.assortativity["department"] == pytest.approx(dept)
        level = nx.numeric_assortativity_coefficient(und, "level")
        assert w.assortativity["level"] == pytest.approx(level)


def test_assortativity_skips_missing_values() -> None:
    g, _, _, _ = _random(3, n=40, m=120)
    people = g.people.copy()
    people.loc[::4, "department"] = None
    people.loc[1::5, "level"] = pd.NA
    g2 = OrgGraph.from_frames(people, _ties_of(g))
    w = whole_network(g2)
    dept_nodes = [v for v, d in g2.to_networkx(directed=False).nodes(data="department") if d]
    level_nodes = [v for v, d in g2.to_networkx(directed=False).nodes(data="level") if d]
    und2 = g2.to_networkx(directed=False)
    expect = nx.attribute_assortativity_coefficient(und2.subgraph(dept_nodes), "department")
    assert w.assortativity["department"] == pytest.approx(expect)
    expect = nx.numeric_assortativity_coefficient(und2.subgraph(level_nodes), "level")
    assert w.assortativity["level"] == pytest.approx(expect)


def _ties_of(g: OrgGraph) -> pd.DataFrame:
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    return pd.DataFrame(
        {"source": g.ids[src], "target": g.ids[g.indices], "weight": np.asarray(g.weights)}
    )


def test_whole_network_hand_made() -> None:
    w = whole_network(_two_departments())
    assert (w.people, w.active_people, w.ties, w.edges) == (6, 6, 6, 6)
    assert w.density == pytest.approx(6 / 30) and w.reciprocity == 0.0
    assert (w.components, w.largest_component_share) == (1, 1.0)
    # triangle abc; triples: a 1, b 1, c 3, d 1, e 1 → 3 / 7
    assert w.global_clustering == pytest.approx(3 / 7)
    assert w.average_clustering == pytest.approx((1 + 1 + 1 / 3) / 6)
    assert set(w.assortativity) == {"department"}  # no level column


def test_whole_network_degenerate_cases() -> None:
    empty = whole_network(_graph({"person_id": []}, []))
    assert (empty.people, empty.active_people, empty.components, empty.edges) == (0, 0, 0, 0)
    for value in (
        empty.density,
        empty.reciprocity,
        empty.largest_component_share,
        empty.global_clustering,
        empty.average_clustering,
    ):
        assert math.isnan(value)
    assert empty.assortativity == {}

    people = {
        "person_id": list("abcd"),
        "department": ["x", "x", "x", "y"],
        "level": [2, 2, 2, 5],
        "opted_out": [False, False, False, True],
    }
    lonely = whole_network(_graph(people, []))
    assert (lonely.active_people, lonely.components, lonely.largest_component_share) == (
        3,
        3,
        1 / 3,
    )
    assert lonely.density == 0.0 and math.isnan(lonely.reciprocity)
    assert math.isnan(lonely.global_clustering) and lonely.average_clustering == 0.0
    assert lonely.assortativity == {}  # one department / level among active people

    people["opted_out"] = [False] * 4
    pair = whole_network(_graph(people, [("a", "b"), ("b", "a")]))
    assert pair.reciprocity == 1.0 and pair.components == 3
    assert pair.assortativity == {}  # the only edge joins equal values: undefined, omitted

    one = whole_network(_graph({"person_id": ["a"], "opted_out": [True]}, []))
    assert one.active_people == 0 and one.components == 0


def test_whole_network_uses_given_clustering() -> None:
    g = _two_departments()
    w = whole_network(g, clustering=np.array([1.0, 0.5, np.nan, 0.0, 0.0, 0.0]))
    assert w.average_clustering == pytest.approx(1.5 / 5)
    assert w.global_clustering == pytest.approx(3 / 7)
    with pytest.raises(ValueError, match="shape"):
        whole_network(g, clustering=np.zeros(3))


@pytest.mark.parametrize("seed", range(6))
def test_triangles_match_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    G = nx.gnp_random_graph(n, float(rng.uniform(0.05, 0.6)), seed=seed)
    G.add_edges_from((0, v) for v in range(1, n, 2))  # a hub
    g = OrgGraph.from_networkx(nx.relabel_nodes(G, {v: f"{v:03d}" for v in G}))
    tri = _triangles(np.asarray(g.und_indptr), np.asarray(g.und_indices))
    assert tri.tolist() == [nx.triangles(G, v) for v in range(n)]


# ---------------------------------------------------------------------------- formal_vs_informal
def _formal_people() -> dict[str, list[object]]:
    return {
        "person_id": list("abcdefgh"),
        "manager_id": [None, "a", "a", "a", "d", "d", "d", "h"],
        "department": list("xxxyyyyx"),
        "opted_out": [False] * 6 + [True, False],
    }


def test_formal_vs_informal_hand_made() -> None:
    # ties: a-b, c→a (lines with ties), e→d (line), c-e, c-f (c mostly outside x), h alone
    edges = [("a", "b"), ("b", "a"), ("c", "a"), ("e", "d"), ("c", "e"), ("c", "f"), ("g", "d")]
    g = _graph(_formal_people(), edges)
    f = formal_vs_informal(g, np.array([0, 0, 0, 1, 1, 1, 7, 2]))
    assert isinstance(f, FormalInformal)
    # lines: b→a, c→a, d→a, e→d, f→d (g opted out, h manages itself)
    assert (f.reporting_lines, f.lines_with_tie) == (5, 3)
    assert f.line_share == pytest.approx(0.6)
    assert list(f.managers.columns) == ["manager_id", "reports", "reports_without_tie"]
    assert f.managers.to_dict("list") == {
        "manager_id": ["a", "d"],
        "reports": [3, 2],
        "reports_without_tie": [1, 1],
    }
    assert f.outside_department.to_dict("list") == {
        "person_id": ["f", "c"],
        "department": ["y", "x"],
        "outside_share": [1.0, pytest.approx(2 / 3)],
    }
    # active people a b c d e f h: communities 0 0 0 1 1 1 2, departments x x x y y y x
    expect = ig.compare_communities([0, 0, 0, 1, 1, 1, 2], [0, 0, 0, 1, 1, 1, 0], method="nmi")
    assert f.community_department_nmi == pytest.approx(expect)


def test_formal_vs_informal_managers_sorted() -> None:
    ids = [f"p{i}" for i in range(9)]
    people = {
        "person_id": ids,
        "manager_id": [None, "p0", "p0", "p0", "p1", "p1", "p2", "p2", "p2"],
        "department": ["x"] * 9,
    }
    g = _graph(people, [("p3", "p0"), ("p6", "p2")])
    f = formal_vs_informal(g, np.zeros(9, dtype=np.int64))
    # equal reports without tie (2): more reports first, then manager id
    assert f.managers.to_dict("list") == {
        "manager_id": ["p0", "p2", "p1"],
        "reports": [3, 3, 2],
        "reports_without_tie": [2, 2, 2],
    }
    assert (f.reporting_lines, f.lines_with_tie) == (8, 2)


def test_formal_vs_informal_sorts_by_missing_ties_then_reports() -> None:
    ids = [f"p{i}" for i in range(7)]
    people = {"person_id": ids, "manager_id": [None, "p0", "p0", "p0", "p6", "p6", None]}
    g = _graph(people, [("p1", "p0")])
    f = formal_vs_informal(g, np.zeros(7, dtype=np.int64))
    assert f.managers.to_dict("list") == {
        "manager_id": ["p0", "p6"],
        "reports": [3, 2],
        "reports_without_tie": [2, 2],
    }


def test_no_manager_or_department_columns() -> None:
    g = _graph({"person_id": list("abc")}, [("a", "b")])
    f = formal_vs_informal(g, np.array([0, 0, 1]))
    assert (f.reporting_lines, f.lines_with_tie) == (0, 0)
    assert math.isnan(f.line_share) and math.isnan(f.community_department_nmi)
    assert f.managers.empty and list(f.managers.columns) == [
        "manager_id",
        "reports",
        "reports_without_tie",
    ]
    assert f.outside_department.empty
    assert list(f.outside_department.columns) == ["person_id", "department", "outside_share"]


def test_constant_department_and_unknown_managers() -> None:
    people = {
        "person_id": list("abcd"),
        "manager_id": ["zz", "a", "b", ""],
        "department": ["x", "x", "x", "x"],
    }
    g = _graph(people, [("a", "b"), ("c", "d")])
    f = formal_vs_informal(g, np.array([0, 0, 1, 1]))
    assert f.community_department_nmi == 0.0
    assert ig.compare_communities([0, 0, 1, 1], [0, 0, 0, 0], method="nmi") == 0.0
    assert formal_vs_informal(g, np.zeros(4, dtype=np.int64)).community_department_nmi == 1.0
    assert (f.reporting_lines, f.lines_with_tie) == (2, 1)
    assert f.outside_department.empty
    r = group_report(g, "department", min_group_size=1)
    assert r.table["ei_index"].tolist() == [-1.0]
    with pytest.raises(ValueError, match="labels"):
        formal_vs_informal(g, np.zeros(3, dtype=np.int64))


def test_integer_manager_ids() -> None:
    people = pd.DataFrame({"person_id": ["1", "2", "3"], "manager_id": [np.nan, 1.0, 1.0]})
    ties = pd.DataFrame({"source": ["2"], "target": ["1"]})
    f = formal_vs_informal(OrgGraph.from_frames(people, ties), np.zeros(3, dtype=np.int64))
    assert (f.reporting_lines, f.lines_with_tie) == (2, 1)


@pytest.mark.parametrize("seed", range(10))
def test_nmi_matches_igraph(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    a = rng.integers(0, int(rng.integers(1, 6)), n)
    b = np.where(rng.random(n) < 0.5, a, rng.integers(0, int(rng.integers(1, 6)), n)) * 7 - 3
    expect = ig.compare_communities(a.tolist(), b.tolist(), method="nmi")
    assert _nmi(a, b) == pytest.approx(expect, abs=1e-12)
    assert math.isnan(_nmi(a[:0], b[:0]))


@pytest.mark.parametrize("seed", range(4))
def test_formal_vs_informal_random(seed: int) -> None:
    g, und, _, active = _random(seed)
    rng = np.random.default_rng(seed)
    comm = rng.integers(0, 4, g.n)
    f = formal_vs_informal(g, comm)
    people = g.people.set_index("person_id")
    act = set(active)
    lines = [
        (p, mgr) for p, mgr in people["manager_id"].items() if p in act and mgr in act and mgr != p
    ]
    tied = [und.has_edge(p, mgr) for p, mgr in lines]
    assert f.reporting_lines == len(lines) and f.lines_with_tie == sum(tied)
    lacking = pd.Series([m for (_, m), t in zip(lines, tied, strict=True) if not t])
    assert dict(zip(f.managers["manager_id"], f.managers["reports_without_tie"], strict=True)) == (
        lacking.value_counts().to_dict()
    )
    assert (np.diff(f.managers["reports_without_tie"].to_numpy()) <= 0).all()
    pos = [g.index.get_loc(v) for v in active]
    expect = ig.compare_communities(
        comm[pos].tolist(), pd.factorize(people.loc[active, "department"])[0].tolist(), "nmi"
    )
    assert f.community_department_nmi == pytest.approx(expect)
    shares = {}
    for v in active:
        total = sum(d["weight"] for _, d in und[v].items())
        away = sum(
            d["weight"]
            for u, d in und[v].items()
            if people.loc[u, "department"] != people.loc[v, "department"]
        )
        if total and away / total > 0.5:
            shares[v] = away / total
    out = f.outside_department
    got = dict(zip(out["person_id"], out["outside_share"], strict=True))
    assert got.keys() == shares.keys()
    for v, s in shares.items():
        assert got[v] == pytest.approx(s)
    assert out["outside_share"].is_monotonic_decreasing


def test_matrix_names_at_most_the_largest_groups() -> None:
    sizes = [9, 8, 7, 6, 5, 2]
    people = [(f"p{g}_{i}", f"g{g}") for g, size in enumerate(sizes) for i in range(size)]
    ids = [p for p, _ in people]
    frame = pd.DataFrame({"person_id": ids, "team": [t for _, t in people]})
    ties = pd.DataFrame({"source": ids, "target": ids[1:] + ids[:1]})
    graph = OrgGraph.from_frames(frame, ties)
    full = group_report(graph, "team")
    capped = group_report(graph, "team", matrix_max_groups=2)
    assert list(capped.matrix.index) == ["g0", "g1", OTHER_GROUPS, SMALL_GROUPS.format(n=5)]
    assert np.triu(capped.matrix.to_numpy()).sum() == np.triu(full.matrix.to_numpy()).sum()
    assert capped.table.equals(full.table)

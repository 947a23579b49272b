"""manager_cycles and hierarchy_depth against networkx on random forests with planted cycles."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.org.hierarchy import hierarchy_depth, manager_cycles, manager_index


def random_org(seed: int, n: int, n_cycles: int) -> tuple[list[str], list[str | None]]:
    """A random forest of ``n`` people, some with unknown managers, and planted cycles.

    Each planted cycle takes a few people and points them at one another; people below
    them stay attached, so some sit *under* a cycle without being on it.
    """
    rng = np.random.default_rng(seed)
    ids = [f"p{i:05d}" for i in rng.permutation(n)]
    managers: list[str | None] = [None] * n
    for i in range(1, n):
        roll = rng.random()
        if roll < 0.03:
            managers[i] = None  # another root
        elif roll < 0.05:
            managers[i] = f"ghost{i}"  # unknown manager: a root for the hierarchy
        else:
            managers[i] = ids[int(rng.integers(0, i))]
    taken: set[int] = set()
    for _ in range(n_cycles):
        size = int(rng.integers(1, 6))
        pool = [i for i in rng.permutation(n).tolist() if i not in taken][:size]
        taken.update(pool)
        for a, b in zip(pool, pool[1:] + pool[:1], strict=True):
            managers[a] = ids[b]
    return ids, managers


def reference(ids: list[str], managers: list[str | None]) -> tuple[list[list[str]], list[int]]:
    """Cycles (rotated to start at the smallest id, sorted) and depths, computed by networkx."""
    known = set(ids)
    graph = nx.DiGraph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((p, m) for p, m in zip(ids, managers, strict=True) if m in known)
    cycles = []
    for cycle in nx.simple_cycles(graph):
        first = cycle.index(min(cycle))
        cycles.append(cycle[first:] + cycle[:first])
    # In a functional graph (one manager each) the cycles are exactly the nodes that lead
    # into a cycle: they have no root to reach.
    roots = [p for p, m in zip(ids, managers, strict=True) if m not in known]
    reversed_graph = graph.reverse(copy=False)
    depth = dict.fromkeys(ids, -1)
    for root in roots:
        for node, d in nx.shortest_path_length(reversed_graph, source=root).items():
            depth[node] = d
    return sorted(cycles), [depth[p] for p in ids]


@pytest.mark.parametrize(
    ("seed", "n", "n_cycles"),
    [
        (0, 1, 0),
        (1, 2, 1),
        (2, 10, 0),
        (3, 10, 2),
        (4, 50, 3),
        (5, 200, 5),
        (6, 500, 0),
        (7, 1000, 10),
        (8, 2000, 25),
        (9, 2000, 1),
        (10, 1500, 40),
    ],
)
def test_against_networkx(seed, n, n_cycles):
    ids, managers = random_org(seed, n, n_cycles)
    expected_cycles, expected_depth = reference(ids, managers)
    series = pd.Series(managers, dtype="string")
    assert manager_cycles(ids, series) == expected_cycles
    assert hierarchy_depth(ids, series).tolist() == expected_depth


def test_long_chain_and_a_long_cycle():
    n = 2000
    ids = [f"n{i}" for i in range(n)]
    chain = pd.Series([None, *ids[:-1]], dtype="string")
    assert hierarchy_depth(ids, chain).tolist() == list(range(n))
    assert manager_cycles(ids, chain) == []
    ring = pd.Series([*ids[1:], ids[0]], dtype="string")
    cycles = manager_cycles(ids, ring)
    assert len(cycles) == 1 and sorted(cycles[0]) == sorted(ids)
    assert cycles[0][0] == min(ids)
    assert (hierarchy_depth(ids, ring) == -1).all()


def test_empty_input():
    empty = pd.Series([], dtype="string")
    assert manager_cycles([], empty) == []
    assert hierarchy_depth([], empty).tolist() == []
    assert manager_index([], empty).tolist() == []


def test_all_roots():
    ids = ["a", "b", "c"]
    for managers in ([None, None, None], ["", "x", None]):
        series = pd.Series(managers, dtype="string")
        assert manager_cycles(ids, series) == []
        assert hierarchy_depth(ids, series).tolist() == [0, 0, 0]
        assert manager_index(ids, series).tolist() == [-1, -1, -1]


def test_self_manager_and_people_under_a_cycle():
    ids = ["a", "b", "c", "d", "e"]
    managers = pd.Series(["a", "a", "e", "c", None], dtype="string")
    assert manager_cycles(ids, managers) == [["a"]]
    assert hierarchy_depth(ids, managers).tolist() == [-1, -1, 1, 2, 0]


def test_cycle_order_follows_the_managers():
    # c reports to a, a to b, b to c: starting from the smallest id, follow the managers.
    ids = ["c", "a", "b"]
    assert manager_cycles(ids, pd.Series(["a", "b", "c"], dtype="string")) == [["a", "b", "c"]]


def test_accepts_series_and_plain_text_managers():
    ids = pd.Series(["x", "y"])
    assert hierarchy_depth(ids, pd.Series([None, "x"], dtype=object)).tolist() == [0, 1]

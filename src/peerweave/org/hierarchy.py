"""The formal hierarchy: manager cycles and depth, computed on arrays (no per-person loop)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["hierarchy_depth", "manager_cycles", "manager_index", "subordinates"]


def manager_index(person_ids: Sequence[str] | pd.Series, manager_ids: pd.Series) -> np.ndarray:
    """Position of each person's manager in ``person_ids``; -1 for none or unknown.

    >>> manager_index(pd.Series(["a", "b", "c"]), pd.Series([None, "a", "zz"])).tolist()
    [-1, 0, -1]
    """
    ids = pd.Index(pd.Series(person_ids, dtype="string"))
    managers = pd.Series(manager_ids, dtype="string")
    return np.asarray(ids.get_indexer(managers.fillna("\x00")), dtype=np.int64)


def _ancestor_after(parent: np.ndarray, steps_log2: int) -> np.ndarray:
    """Ancestor 2**steps_log2 steps up (-1 once past the root), by pointer doubling."""
    up = parent.copy()
    for _ in range(steps_log2):
        nxt = np.where(up >= 0, up[np.maximum(up, 0)], -1)
        up = nxt
    return up


def manager_cycles(
    person_ids: Sequence[str] | pd.Series, manager_ids: pd.Series
) -> list[list[str]]:
    """Every manager cycle (A reports to B, B reports to A …), each listed once.

    Runs in O(n log n) by pointer doubling: after ``2**k >= n`` steps up, anyone still
    below someone sits on or under a cycle.

    >>> manager_cycles(["a", "b", "c", "d"], pd.Series(["b", "a", "a", None]))
    [['a', 'b']]
    >>> manager_cycles(["x"], pd.Series(["x"]))
    [['x']]
    """
    ids = np.asarray(pd.Series(person_ids, dtype="string").to_numpy(dtype=object))
    n = len(ids)
    if n == 0:
        return []
    parent = manager_index(pd.Series(ids, dtype="string"), manager_ids)
    k = max(1, int(np.ceil(np.log2(n))) + 1)
    far = _ancestor_after(parent, k)
    on_or_under = np.flatnonzero(far >= 0)
    if on_or_under.size == 0:
        return []
    # far[v] lies on the cycle v leads into; walk each distinct cycle once (cycles are few).
    cycles: list[list[str]] = []
    seen: set[int] = set()
    for start in np.unique(far[on_or_under]).tolist():
        if start in seen:
            continue
        members = [start]
        node = int(parent[start])
        while node != start:
            members.append(node)
            node = int(parent[node])
        seen.update(members)
        names = [str(ids[m]) for m in members]
        first = names.index(min(names))
        cycles.append(names[first:] + names[:first])
    return sorted(cycles)


def hierarchy_depth(person_ids: Sequence[str] | pd.Series, manager_ids: pd.Series) -> np.ndarray:
    """Steps from each person up to the top of their chain (0 for a root; -1 on a cycle).

    >>> hierarchy_depth(["ceo", "vp", "ic"], pd.Series([None, "ceo", "vp"])).tolist()
    [0, 1, 2]
    """
    parent = manager_index(pd.Series(person_ids, dtype="string"), manager_ids)
    rounds = max(1, int(np.ceil(np.log2(max(len(parent), 2)))) + 1)
    up = parent.copy()
    depth = (parent >= 0).astype(np.int64)
    for _ in range(rounds):
        has = up >= 0
        safe = np.maximum(up, 0)
        depth, up = depth + np.where(has, depth[safe], 0), np.where(has, up[safe], -1)
    depth[up >= 0] = -1
    return depth


def subordinates(person_ids: Sequence[str] | pd.Series, manager_ids: pd.Series) -> np.ndarray:
    """How many people report to each person, directly or through others (0 on a cycle).

    One vectorised pass per hierarchy level, deepest first.

    >>> subordinates(["ceo", "vp", "ic", "ic2"], pd.Series([None, "ceo", "vp", "vp"])).tolist()
    [3, 2, 0, 0]
    """
    parent = manager_index(pd.Series(person_ids, dtype="string"), manager_ids)
    depth = hierarchy_depth(person_ids, manager_ids)
    below = np.zeros(len(parent), dtype=np.int64)
    for d in range(int(depth.max(initial=0)), 0, -1):
        at = np.flatnonzero(depth == d)
        np.add.at(below, parent[at], below[at] + 1)
    return below

"""The formal organization: hierarchy, departments, levels, places, names and planted roles.

People are held in depth-first (pre-order) order, so every subtree, and so every
department, is one contiguous index range: ``[i, sub_end[i])``. Index 0 is the CEO.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from peerweave.ingest.synthetic._data import (
    CULTURES,
    DEPARTMENTS,
    HQ_CANDIDATES,
    LOCAL_CULTURES,
    LOCATIONS,
    RELATED_DEPARTMENTS,
)

__all__ = ["Org", "build_org", "row_choice"]

Arr = npt.NDArray[Any]

MIN_SPAN = 3
MAX_SPAN = 12


@dataclass(frozen=True)
class Org:
    """Every person-level array of the formal organization, in depth-first order."""

    n: int
    dept_names: tuple[str, ...]  # functional departments 0..D-1; the CEO has index D
    parent: Arr  # manager index, -1 for the CEO
    depth: Arr
    dept: Arr
    level: Arr
    sub_end: Arr  # subtree of i is [i, sub_end[i])
    kids_ptr: Arr  # direct reports of i are kids[kids_ptr[i]:kids_ptr[i + 1]]
    kids: Arr
    dept_lo: Arr
    dept_hi: Arr
    affinity: Arr  # (D + 1) x (D + 1): how much two departments work together
    loc: Arr  # index into loc_names
    loc_names: tuple[str, ...]
    hq: str
    first: Arr  # index into the flat list of first names
    last: Arr
    hire_day: Arr  # days since 1970-01-01
    id_num: Arr  # 1..n, in order of hire
    influencer: Arr
    broker: Arr
    broker_targets: Arr  # (n_brokers, 5) department indices, -1 padded, brokers ascending
    isolated: Arr  # members of the isolated team
    isolated_leader: int
    opted_out: Arr

    @property
    def n_kids(self) -> Arr:
        """Number of direct reports of each person."""
        return np.diff(self.kids_ptr)

    @property
    def is_manager(self) -> Arr:
        """Whether each person has direct reports."""
        return self.n_kids > 0


def row_choice(cum: Arr, rows: Arr, u: Arr) -> Arr:
    """Draw one category per row of ``cum`` (cumulative probabilities, last column 1)."""
    chosen: Arr = (u[:, None] >= cum[rows]).sum(axis=1)
    return chosen.clip(0, cum.shape[1] - 1)


def _cumulative(weights: Arr) -> Arr:
    cum = np.cumsum(weights / weights.sum(axis=-1, keepdims=True), axis=-1)
    cum[..., -1] = 1.0
    return cum


def n_departments(n: int) -> int:
    """Functional departments for ``n`` people: 4 at 20 people, 12 from about 60,000."""
    d = int(2 * math.log10(n) + 2.0)
    return max(1, min(12, d, (n - 2) // 4))


def _spans(c: int, k: int, rng: np.random.Generator) -> Arr:
    """Split ``c`` reports among ``k`` managers, each getting 3 to 12."""
    spans = np.full(k, MIN_SPAN, dtype=np.int64)
    extra = c - MIN_SPAN * k
    if extra > 0:
        w = rng.gamma(4.0, size=k)
        spans += rng.multinomial(extra, w / w.sum())
    while (over := spans > MAX_SPAN).any():
        excess = int((spans[over] - MAX_SPAN).sum())
        spans[over] = MAX_SPAN
        room = (MAX_SPAN - spans).astype(np.float64)
        spans += rng.multinomial(excess, room / room.sum())
    return spans


def _tree(sizes: Arr, rng: np.random.Generator) -> tuple[Arr, Arr, Arr]:
    """Grow each department layer by layer under its head; breadth-first ids."""
    n = int(sizes.sum()) + 1
    d_count = len(sizes)
    parent = np.full(n, -1, dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    dept = np.full(n, d_count, dtype=np.int64)
    heads = np.arange(1, d_count + 1)
    parent[heads] = 0
    depth[heads] = 1
    dept[heads] = np.arange(d_count)
    nxt = d_count + 1
    for d in range(d_count):
        cur = heads[d : d + 1]
        left = int(sizes[d]) - 1
        layer = 1
        while left > 0:
            c = min(left, max(MIN_SPAN, round(len(cur) * rng.uniform(4.5, 7.5))))
            if 0 < left - c < MIN_SPAN:
                c = left
            k_lo = -(-c // MAX_SPAN)
            k_hi = min(len(cur), c // MIN_SPAN)
            k = min(max(round(c / rng.uniform(4.5, 8.0)), k_lo), k_hi)
            managers = np.sort(rng.choice(cur, size=k, replace=False))
            new = np.arange(nxt, nxt + c)
            parent[new] = np.repeat(managers, _spans(c, k, rng))
            depth[new] = layer + 1
            dept[new] = d
            nxt += c
            left -= c
            cur = new
            layer += 1
    return parent, depth, dept


def _preorder(parent: Arr, depth: Arr) -> tuple[Arr, Arr]:
    """Depth-first position and subtree size of each node of a breadth-first tree."""
    n = len(parent)
    size = np.ones(n, dtype=np.int64)
    by_depth = [np.flatnonzero(depth == d) for d in range(int(depth.max()) + 1)]
    for nodes in reversed(by_depth[1:]):
        size += np.bincount(parent[nodes], weights=size[nodes], minlength=n).astype(np.int64)
    pre = np.zeros(n, dtype=np.int64)
    for nodes in by_depth[1:]:
        order = nodes[np.argsort(parent[nodes], kind="stable")]
        p = parent[order]
        s = size[order]
        before = np.cumsum(s) - s
        first = np.r_[True, p[1:] != p[:-1]]
        base = np.maximum.accumulate(np.where(first, before, 0))
        pre[order] = pre[p] + 1 + before - base
    return pre, size


def _levels(parent: Arr, depth: Arr, n_kids: Arr, rng: np.random.Generator) -> Arr:
    """ICs 1–3; a manager one above their most senior report (at least 4); heads ≥ 6."""
    n = len(parent)
    level = rng.choice(np.array([1, 2, 3]), size=n, p=[0.38, 0.38, 0.24]).astype(np.int64)
    top = np.zeros(n, dtype=np.int64)
    for d in range(int(depth.max()), -1, -1):
        nodes = np.flatnonzero(depth == d)
        managers = nodes[n_kids[nodes] > 0]
        floor = 6 if d == 1 else 4
        level[managers] = np.maximum(floor, top[managers] + 1)
        if d > 0:
            np.maximum.at(top, parent[nodes], level[nodes])
    return level


def _affinity(d_count: int) -> Arr:
    names = [d.name for d in DEPARTMENTS[:d_count]]
    aff = np.ones((d_count + 1, d_count + 1))
    for a, b in RELATED_DEPARTMENTS:
        if a in names and b in names:
            i, j = names.index(a), names.index(b)
            aff[i, j] = aff[j, i] = 6.0
    return aff


def _locations(
    n: int, dept: Arr, parent: Arr, dept_size: Arr, rng: np.random.Generator
) -> tuple[Arr, tuple[str, ...], str]:
    """A few cities per department (headquarters first); teams sit mostly together."""
    names = tuple(LOCATIONS)
    hq = str(rng.choice(np.array(HQ_CANDIDATES)))
    d_count = len(dept_size)
    width = 1 + max(len(d.locations) for d in DEPARTMENTS)
    ids = np.zeros((d_count + 1, width), dtype=np.int64)
    weights = np.zeros((d_count + 1, width))
    ids[:, 0] = names.index(hq)
    weights[:, 0] = 1.0
    for d in range(d_count):
        options = [c for c in DEPARTMENTS[d].locations if c != hq]
        rng.shuffle(options)
        extra = min(len(options), int(dept_size[d]) // 250 + int(rng.integers(0, 2)))
        chosen = [names.index(c) for c in options[:extra]]
        ids[d, 1 : 1 + extra] = chosen
        weights[d, 0] = 0.35 if extra else 1.0
        weights[d, 1 : 1 + extra] = 0.65 * rng.dirichlet(np.full(extra, 2.0)) if extra else 0.0
    cum = _cumulative(weights)
    own = ids[dept, row_choice(cum, dept, rng.random(n))]
    team_loc = own.copy()
    team_loc[0] = names.index(hq)
    with_team = (rng.random(n) < 0.85) & (parent >= 0)
    loc = np.where(with_team, team_loc[np.maximum(parent, 0)], own)
    loc[0] = names.index(hq)
    return loc, names, hq


def _names(loc: Arr, loc_names: tuple[str, ...], rng: np.random.Generator) -> tuple[Arr, Arr]:
    """First and last name indices, drawn from the name cultures common where people sit."""
    n = len(loc)
    c_names = [c.name for c in CULTURES]
    mix = np.full((len(loc_names), len(CULTURES)), 0.15 / len(CULTURES))
    for i, city in enumerate(loc_names):
        for name, share in LOCAL_CULTURES[city].items():
            mix[i, c_names.index(name)] += 0.85 * share
    culture = row_choice(_cumulative(mix), loc, rng.random(n))
    first_n = np.array([len(c.first) for c in CULTURES])
    last_n = np.array([len(c.last) for c in CULTURES])
    first_off = np.r_[0, np.cumsum(first_n)[:-1]]
    last_off = np.r_[0, np.cumsum(last_n)[:-1]]
    last_culture = np.where(rng.random(n) < 0.1, rng.integers(0, len(CULTURES), size=n), culture)
    first = first_off[culture] + (rng.random(n) * first_n[culture]).astype(np.int64)
    last = last_off[last_culture] + (rng.random(n) * last_n[last_culture]).astype(np.int64)
    return first, last


def _pick(candidates: Arr, count: int, rng: np.random.Generator) -> Arr:
    count = min(count, len(candidates))
    return np.sort(rng.choice(candidates, size=count, replace=False))


def build_org(n: int, start_day: int, rng: np.random.Generator) -> Org:
    """Build the formal organization of ``n`` people and choose its planted roles."""
    d_count = n_departments(n)
    w = np.array([d.weight for d in DEPARTMENTS[:d_count]]) * rng.lognormal(0, 0.2, d_count)
    sizes = 4 + rng.multinomial(n - 1 - 4 * d_count, w / w.sum())
    bfs_parent, bfs_depth, bfs_dept = _tree(sizes, rng)
    pre, bfs_size = _preorder(bfs_parent, bfs_depth)
    parent = np.full(n, -1, dtype=np.int64)
    parent[pre[1:]] = pre[bfs_parent[1:]]
    depth = np.empty(n, dtype=np.int64)
    depth[pre] = bfs_depth
    dept = np.empty(n, dtype=np.int64)
    dept[pre] = bfs_dept
    sub_end = np.empty(n, dtype=np.int64)
    sub_end[pre] = pre + bfs_size
    kids = np.argsort(parent[1:], kind="stable") + 1
    n_kids = np.bincount(parent[1:], minlength=n)
    kids_ptr = np.r_[0, np.cumsum(n_kids)]
    level = _levels(parent, depth, n_kids, rng)

    head_of = np.flatnonzero(depth == 1)  # ascending, one per department, in order
    dept_lo, dept_hi = head_of, sub_end[head_of]

    # planted structure
    is_mgr = n_kids > 0
    n_mgr_kids = np.bincount(parent[1:][is_mgr[1:]], minlength=n)
    leaf_team = is_mgr & (n_mgr_kids == 0) & (n_kids >= 4)
    pref = leaf_team & (depth >= 2) & (n_kids >= 5) & (n_kids <= 9)
    if pref.any() or leaf_team.any():
        leader = int(rng.choice(np.flatnonzero(pref if pref.any() else leaf_team)))
    else:  # cannot happen for n >= 20 (some department has a head and 4+ reports)
        leader = int(np.argmax(np.where(n_mgr_kids == 0, n_kids, 0)))
    isolated = np.zeros(n, dtype=bool)
    isolated[kids[kids_ptr[leader] : kids_ptr[leader + 1]]] = True

    ic = ~is_mgr & (depth >= 2) & ~isolated
    influencer = np.zeros(n, dtype=bool)
    influencer[_pick(np.flatnonzero(ic), max(2, round(0.005 * n)), rng)] = True
    level[influencer] = np.where(rng.random(int(influencer.sum())) < 0.45, 1, 2)

    free = (depth >= 2) & ~isolated & ~influencer
    free[leader] = False
    broker = np.zeros(n, dtype=bool)
    broker_idx = _pick(np.flatnonzero(free), max(2, round(0.01 * n)), rng)
    broker[broker_idx] = True
    aff = _affinity(d_count)
    bd = dept[broker_idx]
    keys = -np.log(aff[bd][:, :d_count]) + rng.gumbel(size=(len(bd), d_count))
    keys[np.arange(len(bd)), bd] = -np.inf
    top = np.argsort(-keys, axis=1)[:, :5]
    reach = rng.integers(3, 6, size=len(bd))[:, None]
    broker_targets = np.where(
        (np.arange(top.shape[1])[None, :] < np.minimum(reach, d_count - 1)), top, -1
    )

    ordinary = ~isolated & ~influencer & ~broker
    ordinary[0] = False
    opted_out = np.zeros(n, dtype=bool)
    opted_out[_pick(np.flatnonzero(ordinary), max(1, round(0.01 * n)), rng)] = True

    loc, loc_names, hq = _locations(n, dept, parent, sizes, rng)
    first, last = _names(loc, loc_names, rng)

    company_age = min(25.0, 6.0 + 3.0 * math.log10(n))
    tenure = 0.02 + rng.gamma(1.6, 1.0 + 0.45 * (level - 1))
    tenure = np.where(tenure > company_age, rng.uniform(0.3, 1.0, n) * company_age, tenure)
    tenure[0] = rng.uniform(5.0, company_age)
    hire_day = start_day - 1 - np.round(tenure * 365.25).astype(np.int64)
    order = np.lexsort((rng.random(n), hire_day))
    id_num = np.empty(n, dtype=np.int64)
    id_num[order] = np.arange(1, n + 1)

    return Org(
        n=n,
        dept_names=tuple(d.name for d in DEPARTMENTS[:d_count]),
        parent=parent,
        depth=depth,
        dept=dept,
        level=level,
        sub_end=sub_end,
        kids_ptr=kids_ptr,
        kids=kids,
        dept_lo=dept_lo,
        dept_hi=dept_hi,
        affinity=aff,
        loc=loc,
        loc_names=loc_names,
        hq=hq,
        first=first,
        last=last,
        hire_day=hire_day,
        id_num=id_num,
        influencer=influencer,
        broker=broker,
        broker_targets=broker_targets,
        isolated=isolated,
        isolated_leader=leader,
        opted_out=opted_out,
    )

"""Groups, the whole network, and the formal hierarchy against the informal network.

Three reports on an :class:`~peerweave.network.graph.OrgGraph`, all computed on arrays
(numpy ``bincount`` / sorting, and small Numba kernels for connected components, edge
lookups and triangles), so they take seconds on a million people:

* :func:`group_report`: ties inside and between the groups of one attribute (department,
  team, location…): density, external share and Krackhardt & Stern's E-I index per group,
  and the group x group matrix of ties. Groups with fewer than ``min_group_size`` active
  members are never named: they are left out of the table and folded into
  :data:`SMALL_GROUPS` in the matrix.
* :func:`whole_network`: size, density, reciprocity, components, clustering and
  assortativity (Newman 2003) of the whole graph.
* :func:`formal_vs_informal`: how many reporting lines carry an informal tie, which
  managers have reports they never talk to, how closely communities follow departments
  (NMI, Danon et al. 2005), and who mostly works outside their department.

People who opted out (``opted_out`` true) are nodes without ties; here they are not
*active*: they count in no group size, density denominator, component or mean.
Ties are read on the undirected view (``und_*``: one edge per pair of people who have a
tie in either direction).

Examples
--------
>>> g = _example()
>>> group_report(g, "department", min_group_size=3).table[["group", "ei_index"]]
  group  ei_index
0     x -0.500000
1     y -0.333333
>>> whole_network(g).components, formal_vs_informal(g, np.zeros(g.n, dtype=np.int64)).line_share
(1, 0.6)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import MissingColumnError, Problem
from peerweave.network.graph import OrgGraph

__all__ = [
    "MATRIX_MAX_GROUPS",
    "MIN_GROUP_SIZE",
    "OTHER_GROUPS",
    "SMALL_GROUPS",
    "FormalInformal",
    "GroupReport",
    "WholeNetwork",
    "formal_vs_informal",
    "group_report",
    "whole_network",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Smallest group (active members with a value) named in any output.
MIN_GROUP_SIZE = 5
#: Most groups the group-to-group matrix names; the rest share :data:`OTHER_GROUPS`.
MATRIX_MAX_GROUPS = 100
#: Label of the matrix row/column of the groups beyond ``matrix_max_groups``.
OTHER_GROUPS = "(other groups)"
#: Label of the matrix row/column that holds every group smaller than the minimum.
SMALL_GROUPS = "(groups under {n})"

_PEOPLE_SOURCE = "people"


# ---------------------------------------------------------------------------- kernels
@numba.njit(cache=True, nogil=True)
def _components_kernel(indptr: IntArray, indices: IntArray) -> IntArray:  # pragma: no cover
    """Connected-component label of every node of a symmetric CSR graph (iterative DFS)."""
    n = indptr.shape[0] - 1
    label = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)  # every node is pushed at most once
    c = 0
    for s in range(n):
        if label[s] >= 0:
            continue
        label[s] = c
        stack[0] = s
        top = 1
        while top > 0:
            top -= 1
            u = stack[top]
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if label[v] < 0:
                    label[v] = c
                    stack[top] = v
                    top += 1
        c += 1
    return label


@numba.njit(cache=True, nogil=True, parallel=True)
def _triangles_kernel(
    indptr: IntArray, indices: IntArray, threads: int
) -> IntArray:  # pragma: no cover - compiled
    """Triangles through every node of a simple symmetric CSR graph.

    Forward algorithm (Schank & Wagner 2005): each edge is oriented from the lower to the
    higher (degree, position), so every out-list has at most sqrt(2 m) entries; a triangle
    is then found exactly once, from its lowest node ``u``, as ``u → v → w`` with ``w``
    marked as an out-neighbour of ``u``. Parallel over interleaved chunks of nodes, with one
    accumulator row and one mark array per chunk (no races).
    """
    n = indptr.shape[0] - 1
    deg = indptr[1:] - indptr[:-1]
    counts = np.zeros(n, dtype=np.int64)
    for u in numba.prange(n):
        du = deg[u]
        c = 0
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            dv = deg[v]
            if du < dv or (du == dv and u < v):
                c += 1
        counts[u] = c
    optr = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        optr[u + 1] = optr[u] + counts[u]
    out = np.empty(optr[n], dtype=np.int64)
    for u in numba.prange(n):
        du = deg[u]
        k = optr[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            dv = deg[v]
            if du < dv or (du == dv and u < v):
                out[k] = v
                k += 1
    chunks = max(1, min(threads, n))
    acc = np.zeros((chunks, n), dtype=np.int64)
    for c in numba.prange(chunks):
        mark = np.zeros(n, dtype=np.bool_)
        for u in range(c, n, chunks):
            for e in range(optr[u], optr[u + 1]):
                mark[out[e]] = True
            for e in range(optr[u], optr[u + 1]):
                v = out[e]
                for f in range(optr[v], optr[v + 1]):
                    w = out[f]
                    if mark[w]:
                        acc[c, u] += 1
                        acc[c, v] += 1
                        acc[c, w] += 1
            for e in range(optr[u], optr[u + 1]):
                mark[out[e]] = False
    tri: IntArray = acc.sum(axis=0)
    return tri


@numba.njit(cache=True, nogil=True)
def _has_edge_kernel(
    indptr: IntArray, indices: IntArray, a: IntArray, b: IntArray
) -> BoolArray:  # pragma: no cover - compiled
    """Whether ``b[i]`` is in the (sorted) CSR row of ``a[i]``: one binary search each."""
    found = np.zeros(a.shape[0], dtype=np.bool_)
    for i in range(a.shape[0]):
        lo = indptr[a[i]]
        hi = indptr[a[i] + 1]
        target = b[i]
        while lo < hi:
            mid = (lo + hi) >> 1
            if indices[mid] < target:
                lo = mid + 1
            else:
                hi = mid
        found[i] = lo < indptr[a[i] + 1] and indices[lo] == target
    return found


def _triangles(indptr: IntArray, indices: IntArray) -> IntArray:
    """Triangles through each node (see :func:`_triangles_kernel`); at most 16 chunks, so
    the accumulators stay under 16 x 8 bytes per node."""
    threads = min(numba.get_num_threads(), 16)  # read here: inside a kernel it is uncachable
    tri: IntArray = np.asarray(_triangles_kernel(indptr, indices, threads), dtype=np.int64)
    return tri


# ---------------------------------------------------------------------------- helpers
def _edges(graph: OrgGraph) -> tuple[IntArray, IntArray, FloatArray]:
    """Undirected edges ``u < v`` with their weights, sorted by ``(u, v)``."""
    src = np.repeat(np.arange(graph.n, dtype=np.int64), np.diff(graph.und_indptr))
    upper = src < graph.und_indices
    return src[upper], graph.und_indices[upper], graph.und_weights[upper]


def _whole_floats_as_ints(s: pd.Series) -> pd.Series:
    """A float column of whole numbers (ids or codes read beside blanks) as ``Int64``."""
    if not pd.api.types.is_float_dtype(s.dtype):
        return s
    x = s.dropna().to_numpy(dtype=np.float64)
    if np.all(np.isfinite(x) & (np.abs(x) < 2.0**53)) and np.all(x == np.floor(x)):
        return s.astype("Int64")
    return s


def _codes(values: pd.Series, keep: BoolArray) -> tuple[IntArray, list[str]]:
    """Group code per position (-1 where missing, blank or not kept) and the sorted labels.

    Text is stripped and blanks count as missing; a float column holding whole numbers
    (ids read beside blanks) is read as integers, so labels are ``"3"``, not ``"3.0"``.
    """
    s = _whole_floats_as_ints(values.reset_index(drop=True))
    if not pd.api.types.is_numeric_dtype(s.dtype):
        s = s.astype("string").str.strip()
        s = s.mask(s == "")
    codes, uniques = pd.factorize(s, sort=True, use_na_sentinel=True)
    out = np.where(keep, np.asarray(codes, dtype=np.int64), -1)
    return out, pd.Index(uniques).astype(str).tolist()


def _divide(
    num: npt.NDArray[np.float64 | np.int64], den: npt.NDArray[np.float64 | np.int64]
) -> FloatArray:
    """``num / den`` with NaN where ``den == 0`` (no warning)."""
    num_f = np.asarray(num, dtype=np.float64)
    den_f = np.asarray(den, dtype=np.float64)
    out = np.full(num_f.shape, np.nan, dtype=np.float64)
    np.divide(num_f, den_f, out=out, where=den_f != 0)
    return out


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


# ---------------------------------------------------------------------------- groups
@dataclass(frozen=True, eq=False)
class GroupReport:
    """Ties within and between the groups of one attribute.

    ``table`` has one row per group with at least ``min_group_size`` active members,
    sorted by ``silo_rank``: ``group`` (label as text), ``size``, ``internal_ties`` (I:
    undirected edges with both ends in the group), ``external_ties`` (E: edges with exactly
    one end in it, including edges to people whose value is missing), ``density`` =
    I / (size (size - 1) / 2), ``external_share`` = E / (E + I), ``ei_index`` = (E - I) /
    (E + I) (Krackhardt & Stern 1988, "Informal networks and organizational crises"; -1 all
    inward, +1 all outward; NaN when E + I = 0) and ``silo_rank`` (1 = lowest E-I, the most
    inward group; equal indices share a rank; NaN indices rank last).

    ``matrix`` counts undirected edges between groups (symmetric; the diagonal holds internal
    edges); named groups come in label order, then ``SMALL_GROUPS.format(n=min_group_size)``
    when some group was suppressed (its diagonal includes edges between two different small
    groups). Edges to people without a value are not in the matrix.

    >>> r = group_report(_example(), "department", min_group_size=3)
    >>> r.table[["group", "size", "internal_ties", "external_ties", "density", "silo_rank"]]
      group  size  internal_ties  external_ties   density  silo_rank
    0     x     3              3              1  1.000000          1
    1     y     3              2              1  0.666667          2
    >>> r.matrix
    department  x  y
    department
    x           3  1
    y           1  2
    """

    attribute: str
    table: pd.DataFrame
    matrix: pd.DataFrame
    suppressed_groups: int
    min_group_size: int


def group_report(
    graph: OrgGraph,
    attribute: str,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    matrix_max_groups: int = MATRIX_MAX_GROUPS,
) -> GroupReport:
    """Group table and group x group matrix of ``attribute`` (see :class:`GroupReport`).

    Per group: density I / (size (size - 1) / 2) and E-I index (E - I) / (E + I) of its
    internal (I) and external (E) undirected ties (Krackhardt & Stern 1988).

    Members are active people (not opted out) with a non-blank value. Groups with fewer
    than ``min_group_size`` members are not named anywhere: they are counted in
    ``suppressed_groups`` and folded into ``SMALL_GROUPS.format(n=min_group_size)``.

    The matrix names at most ``matrix_max_groups`` groups (the largest; a team per manager
    in a million-person organization would otherwise need a matrix of 10^10 cells); the
    others share the row :data:`OTHER_GROUPS`.

    Raises :class:`~peerweave.errors.MissingColumnError` when the people have no such
    column.

    >>> r = group_report(_example(), "department")  # both departments have 3 people < 5
    >>> len(r.table), r.suppressed_groups, r.matrix.to_dict()
    (0, 2, {'(groups under 5)': {'(groups under 5)': 6}})
    >>> group_report(_example(), "office")
    Traceback (most recent call last):
    ...
    peerweave.errors.MissingColumnError: people: 1 problem
      column office: the people have no office column (fix: group by one of: person_id, manager_id, department, level, opted_out)
    """
    if attribute not in graph.people.columns:
        available = ", ".join(str(c) for c in graph.people.columns)
        raise MissingColumnError(
            _PEOPLE_SOURCE,
            Problem(
                f"the people have no {attribute} column",
                column=attribute,
                fix=f"group by one of: {available}",
            ),
        )
    codes, labels = _codes(graph.people[attribute], graph.active())
    k = len(labels)
    sizes = np.bincount(codes[codes >= 0], minlength=k)
    u, v, _ = _edges(graph)
    cu, cv = codes[u], codes[v]
    same = (cu == cv) & (cu >= 0)
    internal = np.bincount(cu[same], minlength=k)
    cross = cu != cv
    external = np.bincount(cu[cross & (cu >= 0)], minlength=k) + np.bincount(
        cv[cross & (cv >= 0)], minlength=k
    )
    shown = sizes >= max(min_group_size, 1)
    small = (sizes > 0) & ~shown
    suppressed = int(small.sum())

    size = sizes[shown]
    i_ties, e_ties = internal[shown], external[shown]
    total = i_ties + e_ties
    ei = _divide(e_ties - i_ties, total)
    table = pd.DataFrame(
        {
            "group": pd.Series(np.asarray(labels, dtype=object)[shown], dtype=object),
            "size": size.astype(np.int64),
            "internal_ties": i_ties.astype(np.int64),
            "external_ties": e_ties.astype(np.int64),
            "density": _divide(i_ties, size * (size - 1) / 2),
            "external_share": _divide(e_ties, total),
            "ei_index": ei,
        }
    )
    rank = table["ei_index"].rank(method="min", na_option="bottom")
    table["silo_rank"] = rank.to_numpy(dtype=np.int64)
    table = table.sort_values(["silo_rank", "group"], kind="stable").reset_index(drop=True)

    # matrix: shown groups in label order (the largest matrix_max_groups of them; the rest
    # in OTHER_GROUPS), then one slot for every small group
    shown_idx = np.flatnonzero(shown)
    named = np.zeros(k, dtype=bool)
    keep = shown_idx[np.argsort(-sizes[shown_idx], kind="stable")[:matrix_max_groups]]
    named[np.sort(keep)] = True
    others = shown & ~named
    extra = [OTHER_GROUPS] if others.any() else []
    if suppressed:
        extra.append(SMALL_GROUPS.format(n=min_group_size))
    n_named = int(named.sum())
    slots = n_named + len(extra)
    slot = np.full(k, -1, dtype=np.int64)
    slot[named] = np.arange(n_named, dtype=np.int64)
    slot[others] = n_named
    slot[small] = slots - 1
    both = (cu >= 0) & (cv >= 0)
    a, b = slot[cu[both]], slot[cv[both]]
    counts = np.bincount(a * slots + b, minlength=slots * slots).reshape(slots, slots)
    counts = counts + counts.T - np.diag(np.diag(counts))
    names = [*np.asarray(labels, dtype=object)[named].tolist(), *extra]
    axis = pd.Index(names, dtype=object, name=attribute)
    matrix = pd.DataFrame(counts.astype(np.int64), index=axis, columns=axis.copy())
    return GroupReport(
        attribute=attribute,
        table=table,
        matrix=matrix,
        suppressed_groups=suppressed,
        min_group_size=min_group_size,
    )


# ---------------------------------------------------------------------------- whole network
@dataclass(frozen=True, eq=False)
class WholeNetwork:
    """Headline figures of the whole graph; "active" people are those not opted out.

    ``density`` = ties / (a (a - 1)) for a active people (NaN if a < 2); ``reciprocity`` =
    share of arcs whose reverse also exists = 2 (ties - edges) / ties (as
    ``networkx.reciprocity``; NaN without ties); ``components`` and
    ``largest_component_share`` (of active people, NaN if none) are over active people on
    the undirected view, isolates included; ``global_clustering`` = transitivity =
    3 x triangles / connected triples (NaN when there is no connected triple, where
    networkx returns 0); ``average_clustering`` = mean local clustering over active people
    (degree < 2 counts as 0, as ``networkx.average_clustering``; NaN if none).
    ``assortativity`` (Newman 2003, "Mixing patterns in networks"): ``"department"``
    (nominal) and ``"level"`` (numeric, Pearson over edge ends), over edges whose two ends
    have a value; a key is omitted when the column is absent, has fewer than two distinct
    values among active people, or the coefficient is undefined (no such edge, or every
    edge end has the same value).

    >>> w = whole_network(_example())
    >>> w.people, w.active_people, w.ties, w.edges, round(w.density, 4), round(w.reciprocity, 4)
    (7, 6, 7, 6, 0.2333, 0.2857)
    >>> w.components, w.largest_component_share, round(w.global_clustering, 4)  # 3 x 1 / 7
    (1, 1.0, 0.4286)
    >>> round(w.average_clustering, 4)  # (1 + 1 + 1/3 + 0 + 0 + 0) / 6
    0.3889
    >>> {k: round(r, 4) for k, r in w.assortativity.items()}
    {'department': 0.6571, 'level': 0.3898}
    """

    people: int
    active_people: int
    ties: int
    edges: int
    density: float
    reciprocity: float
    components: int
    largest_component_share: float
    global_clustering: float
    average_clustering: float
    assortativity: dict[str, float] = field(default_factory=dict)


def _nominal_assortativity(cu: IntArray, cv: IntArray) -> float | None:
    """Newman's r = (sum_i e_ii - sum_i a_i^2) / (1 - sum_i a_i^2), or None if undefined."""
    if cu.size == 0:
        return None
    ends = np.bincount(np.concatenate([cu, cv]))
    if np.count_nonzero(ends) < 2:
        return None
    a = ends / (2.0 * cu.size)
    aa = float(np.dot(a, a))
    trace = float(np.count_nonzero(cu == cv)) / cu.size
    return (trace - aa) / (1.0 - aa)


def _numeric_assortativity(x: FloatArray, y: FloatArray) -> float | None:
    """Pearson correlation of the values at the two ends of each edge, counted both ways."""
    if x.size == 0:
        return None
    mu = (x.sum() + y.sum()) / (2.0 * x.size)
    dx, dy = x - mu, y - mu
    var = float(np.dot(dx, dx) + np.dot(dy, dy))
    if var == 0.0:
        return None
    return float(2.0 * np.dot(dx, dy) / var)


def _assortativity(
    graph: OrgGraph, active: BoolArray, u: IntArray, v: IntArray
) -> dict[str, float]:
    out: dict[str, float] = {}
    people = graph.people
    if "department" in people.columns:
        codes, _ = _codes(people["department"], active)
        if np.unique(codes[codes >= 0]).size >= 2:
            cu, cv = codes[u], codes[v]
            known = (cu >= 0) & (cv >= 0)
            r = _nominal_assortativity(cu[known], cv[known])
            if r is not None:
                out["department"] = r
    if "level" in people.columns:
        level = pd.to_numeric(people["level"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        valid = active & ~np.isnan(level)
        if np.unique(level[valid]).size >= 2:
            known = valid[u] & valid[v]
            r = _numeric_assortativity(level[u[known]], level[v[known]])
            if r is not None:
                out["level"] = r
    return out


def whole_network(graph: OrgGraph, *, clustering: FloatArray | None = None) -> WholeNetwork:
    """Size, density, reciprocity, components, clustering and assortativity of ``graph``.

    Transitivity 3 x triangles / connected triples; assortativity r = (sum_i e_ii -
    sum_i a_i^2) / (1 - sum_i a_i^2) for departments and the Pearson correlation of the
    levels at both ends of each edge (Newman 2003).

    ``clustering``: per-position local clustering already computed (e.g. the person
    metrics' column); when given, ``average_clustering`` is its mean over active people
    (NaN entries skipped) instead of the unweighted local clustering computed here.
    See :class:`WholeNetwork` for the definitions.

    >>> w = whole_network(_example(), clustering=np.array([1.0, 1, 1, 1, 1, 1, 0]))
    >>> w.average_clustering, round(w.global_clustering, 4)
    (1.0, 0.4286)
    """
    n = graph.n
    active = graph.active()
    a = int(active.sum())
    m = graph.m
    edges = int(graph.und_indices.size // 2)
    indptr = np.ascontiguousarray(graph.und_indptr, dtype=np.int64)
    indices = np.ascontiguousarray(graph.und_indices, dtype=np.int64)

    label = _components_kernel(indptr, indices)
    comp_sizes = np.bincount(label[active], minlength=1) if a else np.zeros(1, dtype=np.int64)
    components = int(np.count_nonzero(comp_sizes))

    deg = np.diff(indptr).astype(np.float64)
    tri = _triangles(indptr, indices).astype(np.float64)
    triples = deg * (deg - 1.0) / 2.0
    total_triples = float(triples.sum())
    if clustering is None:
        local = _divide(tri, triples)
        local[np.isnan(local)] = 0.0
    else:
        local = np.asarray(clustering, dtype=np.float64)
        if local.shape != (n,):
            raise ValueError(f"clustering has shape {local.shape}; expected ({n},)")
    chosen = local[active]
    chosen = chosen[~np.isnan(chosen)]

    u, v, _ = _edges(graph)
    return WholeNetwork(
        people=n,
        active_people=a,
        ties=m,
        edges=edges,
        density=_ratio(float(m), float(a) * (a - 1)),
        reciprocity=_ratio(2.0 * (m - edges), float(m)),
        components=components,
        largest_component_share=_ratio(float(comp_sizes.max()), float(a)),
        global_clustering=_ratio(float(tri.sum()), total_triples),
        average_clustering=_ratio(float(chosen.sum()), float(chosen.size)),
        assortativity=_assortativity(graph, active, u, v),
    )


# ---------------------------------------------------------------------------- formal vs informal
@dataclass(frozen=True, eq=False)
class FormalInformal:
    """The formal hierarchy and departments against the informal network.

    ``reporting_lines``: active people whose ``manager_id`` is another active person of the
    graph; ``lines_with_tie``: of those, with a tie either way between the two;
    ``line_share`` = lines_with_tie / reporting_lines (NaN if no line). ``managers``:
    ``manager_id``, ``reports`` (reporting lines), ``reports_without_tie``, for managers with
    at least one report they have no tie with, most such reports first.
    ``community_department_nmi``: normalized mutual information 2 I(C; D) / (H(C) + H(D))
    (Danon et al. 2005, "Comparing community structure identification"; igraph
    ``compare_communities(method="nmi")``) between communities and departments over active
    people with a department: NaN without a department column or such people; 0.0 when
    exactly one side is a single group (e.g. one department); 1.0 when both are (igraph's
    convention). ``outside_department``: ``person_id``, ``department``, ``outside_share`` =
    share of a person's undirected tie strength, to people with a department, going to other
    departments; only people above 0.5, highest first.

    >>> f = formal_vs_informal(_example(), np.array([0, 0, 0, 1, 1, 1, 2]))
    >>> f.reporting_lines, f.lines_with_tie, f.line_share, f.community_department_nmi
    (5, 3, 0.6, 1.0)
    >>> f.managers
      manager_id  reports  reports_without_tie
    0          a        3                    1
    1          d        2                    1
    >>> len(f.outside_department)
    0
    """

    reporting_lines: int
    lines_with_tie: int
    line_share: float
    managers: pd.DataFrame
    community_department_nmi: float
    outside_department: pd.DataFrame


def _nmi(a: IntArray, b: IntArray) -> float:
    """NMI with arithmetic-mean normalization, as igraph ``compare_communities``."""
    n = a.size
    if n == 0:
        return math.nan
    ia = np.unique(a, return_inverse=True)[1].astype(np.int64).ravel()
    ib = np.unique(b, return_inverse=True)[1].astype(np.int64).ravel()
    ka, kb = int(ia.max()) + 1, int(ib.max()) + 1
    if ka == 1 or kb == 1:
        return 1.0 if ka == kb else 0.0
    joint = np.unique(ia * kb + ib, return_counts=True)[1].astype(np.float64) / n
    pa = np.bincount(ia).astype(np.float64) / n
    pb = np.bincount(ib).astype(np.float64) / n
    ha = -float(np.dot(pa, np.log(pa)))
    hb = -float(np.dot(pb, np.log(pb)))
    hj = -float(np.dot(joint, np.log(joint)))
    return min(1.0, max(0.0, 2.0 * (ha + hb - hj) / (ha + hb)))


def _manager_positions(graph: OrgGraph) -> IntArray:
    managers = _whole_floats_as_ints(graph.people["manager_id"].reset_index(drop=True))
    text = managers.astype("string").str.strip().fillna("\x00")
    return np.asarray(
        graph.index.get_indexer(pd.Index(text.to_numpy(dtype=object), dtype=object)), dtype=np.int64
    )


def formal_vs_informal(graph: OrgGraph, communities: IntArray) -> FormalInformal:
    """Reporting lines with informal ties, community/department NMI, outside workers.

    NMI = 2 I(C; D) / (H(C) + H(D)) over active people with a department (Danon et al.
    2005).

    ``communities`` holds a community label per position (any integers). Without a
    ``manager_id`` column: 0 lines, NaN share, empty ``managers``. Without a ``department``
    column: NaN NMI, empty ``outside_department``. See :class:`FormalInformal`.

    >>> import pandas as pd
    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b"]}),
    ...                          pd.DataFrame({"source": ["a"], "target": ["b"]}))
    >>> f = formal_vs_informal(g, np.array([0, 0]))
    >>> f.reporting_lines, f.line_share, f.community_department_nmi, list(f.managers.columns)
    (0, nan, nan, ['manager_id', 'reports', 'reports_without_tie'])
    """
    n = graph.n
    comm = np.asarray(communities).ravel()
    if comm.shape != (n,):
        raise ValueError(f"communities has {comm.size} labels; the graph has {n} people")
    active = graph.active()
    people = graph.people

    # ------------------------------------------------ reporting lines
    lines_total = lines_tied = 0
    managers = pd.DataFrame(
        {
            "manager_id": pd.Series([], dtype=object),
            "reports": pd.Series([], dtype=np.int64),
            "reports_without_tie": pd.Series([], dtype=np.int64),
        }
    )
    if "manager_id" in people.columns and n:
        boss = _manager_positions(graph)
        safe = np.maximum(boss, 0)
        line = (boss >= 0) & (boss != np.arange(n)) & active & active[safe]
        who = np.flatnonzero(line)
        head = boss[who]
        tied = _has_edge_kernel(
            np.ascontiguousarray(graph.und_indptr, dtype=np.int64),
            np.ascontiguousarray(graph.und_indices, dtype=np.int64),
            who.astype(np.int64),
            head.astype(np.int64),
        )
        lines_total, lines_tied = int(who.size), int(tied.sum())
        reports = np.bincount(head, minlength=n)
        lacking = np.bincount(head[~tied], minlength=n)
        pos = np.flatnonzero(lacking > 0)
        order = np.lexsort((graph.ids[pos].astype(str), -reports[pos], -lacking[pos]))
        pos = pos[order]
        managers = pd.DataFrame(
            {
                "manager_id": pd.Series(graph.ids[pos], dtype=object),
                "reports": reports[pos].astype(np.int64),
                "reports_without_tie": lacking[pos].astype(np.int64),
            }
        )

    # ------------------------------------------------ departments
    nmi = math.nan
    outside = pd.DataFrame(
        {
            "person_id": pd.Series([], dtype=object),
            "department": pd.Series([], dtype=object),
            "outside_share": pd.Series([], dtype=np.float64),
        }
    )
    if "department" in people.columns:
        dept, _ = _codes(people["department"], active)
        known = dept >= 0
        nmi = _nmi(comm[known], dept[known])
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.und_indptr))
        dst = graph.und_indices
        w = graph.und_weights
        both = (dept[src] >= 0) & (dept[dst] >= 0)
        strength = np.bincount(src[both], weights=w[both], minlength=n)
        away = both & (dept[src] != dept[dst])
        outward = np.bincount(src[away], weights=w[away], minlength=n)
        share = _divide(outward, strength)
        pick = np.flatnonzero(known & (strength > 0) & (share > 0.5))
        order = np.lexsort((graph.ids[pick].astype(str), -share[pick]))
        pick = pick[order]
        outside = pd.DataFrame(
            {
                "person_id": pd.Series(graph.ids[pick], dtype=object),
                "department": pd.Series(
                    people["department"].to_numpy(dtype=object)[pick], dtype=object
                ),
                "outside_share": share[pick],
            }
        )

    return FormalInformal(
        reporting_lines=lines_total,
        lines_with_tie=lines_tied,
        line_share=_ratio(float(lines_tied), float(lines_total)),
        managers=managers,
        community_department_nmi=nmi,
        outside_department=outside,
    )


def _example() -> OrgGraph:
    """The doctests' graph: departments x = a, b, c (a triangle) and y = d, e, f (a path),
    one cross tie c → d; g (y) opted out. Managers: a ← b, c, d; d ← e, f, g.
    """
    people = pd.DataFrame(
        {
            "person_id": list("abcdefg"),
            "manager_id": [None, "a", "a", "a", "d", "d", "d"],
            "department": list("xxxyyyy"),
            "level": [3, 2, 2, 2, 1, 1, 1],
            "opted_out": [False] * 6 + [True],
        }
    )
    ties = pd.DataFrame(
        {
            "source": list("abbcdecg"),
            "target": list("bacaefdd"),
        }
    )
    return OrgGraph.from_frames(people, ties)

r"""Brokerage: Burt's structural-hole measures and the people a departure would cut off.

Structural holes (Burt 1992) are computed on the **undirected, weighted** view of an
:class:`OrgGraph` (``und_indptr`` / ``und_indices`` / ``und_weights``: the weight of an edge is
the sum of both directions of the tie). For a person ``i`` with contacts ``N(i)`` (neighbours
joined by a positive weight ``w``), strength ``s_i = sum_{k in N(i)} w_ik`` and the largest
tie ``max_i = max_{k in N(i)} w_ik``, the proportional tie strengths are

.. math::

    p_{ij} = w_{ij} / s_i, \qquad m_{jq} = w_{jq} / \max_j \quad (0 \text{ when } q \notin N(j)).

* **Constraint** (Burt 1992, ch. 2): how much ``i``'s contacts are invested in each other,

  .. math::

      c_i = \sum_{j \in N(i)} \Big(p_{ij} + \sum_{q \in N(i),\, q \ne j} p_{iq}\, p_{qj}\Big)^2,

  low when the contacts are many and unconnected (``1 / |N(i)|`` for the hub of a star:
  many structural holes), ``1`` for a single contact, and up to above ``1`` in a dense,
  closed network. Equal to ``networkx.constraint(G_und, weight="weight")``.
  Undefined (``nan``) for isolates: no contacts.
* **Effective size** (Burt 1992, with Borgatti's 1997 weighted form): the number of
  contacts minus their redundancy,

  .. math::

      e_i = \sum_{j \in N(i)} \Big(1 - \sum_{q \in N(i)} p_{iq}\, m_{jq}\Big),

  which is ``networkx.effective_size(G_und, nodes=G_und, weight="weight")``; with unit
  weights it reduces to Borgatti's ``|N(i)| - 2 t / |N(i)|`` (``t`` ties among the
  contacts). Undefined for isolates (no contacts; networkx gives ``nan``): reported as
  ``0.0``, the size of an empty network. (networkx 3.6's all-nodes sparse path, taken when
  ``nodes`` is omitted, divides ``w_jq`` by the maximum of *column* ``q`` instead of row
  ``j`` and so disagrees on weighted graphs: networkx pull request #8906.)

Since networkx normalises *mutual* weights (``w(u, v) + w(v, u)``), a directed graph gives
the same values as its undirected view. One parallel Numba kernel handles every node: it
marks ``N(i)`` in a per-thread bitset (``n / 8`` bytes, cache-friendly), then walks the row
of each contact ``j``, finding each common contact ``q`` in the sorted row of ``i``; the cost
is ``O(sum_j deg(j)^2)`` time and ``O(n)`` memory per thread. Ties of weight ``<= 0`` are
not contacts (tie weights are positive counts).

**Cut-off dependents.** ``cut_off(v) = |C(v)| - 1 - max piece`` where ``C(v)`` is ``v``'s
connected component and the pieces are the connected components of ``C(v) - {v}``: the
number of people who would be separated from the largest remaining part if ``v`` left.
It is non-zero exactly at articulation points. One iterative (explicit stack) depth-first
search (Hopcroft & Tarjan 1973) records discovery times ``disc``, low links ``low`` and
subtree sizes; the pieces of ``C(v) - {v}`` are the DFS subtrees of the children ``c`` of
``v`` with ``low[c] >= disc[v]``, plus, unless ``v`` is the root of its DFS tree, the rest of
the component. ``O(n + m)`` time and memory, no recursion (a path of a million people is fine).

References
----------
* R. S. Burt (1992). *Structural Holes: The Social Structure of Competition.* Harvard
  University Press.
* S. P. Borgatti (1997). Structural holes: unpacking Burt's redundancy measures.
  *Connections* 20(1): 35-38.
* J. Hopcroft & R. Tarjan (1973). Algorithm 447: efficient algorithms for graph
  manipulation. *Communications of the ACM* 16(6): 372-378.

Examples
--------
A star: the hub brokers between three unconnected contacts; removing it isolates them.

>>> import pandas as pd
>>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": ["h", "x", "y", "z"]}),
...                          pd.DataFrame({"source": ["h", "h", "h"], "target": ["x", "y", "z"]}))
>>> constraint, size = brokerage(g)
>>> constraint.round(4).tolist(), size.tolist(), cut_off(g).tolist()
([0.3333, 1.0, 1.0, 1.0], [3.0, 1.0, 1.0, 1.0], [2, 0, 0, 0])
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from peerweave.network.graph import OrgGraph

__all__ = ["brokerage", "cut_off"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@numba.njit(cache=True, nogil=True)
def _strength_and_max(
    indptr: IntArray, weights: FloatArray, n: int
) -> tuple[FloatArray, FloatArray]:
    """Per node: sum and maximum of the positive edge weights (0 when there are none)."""
    strength = np.zeros(n, dtype=np.float64)
    largest = np.zeros(n, dtype=np.float64)
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            w = weights[e]
            if w > 0.0:
                strength[i] += w
                if w > largest[i]:
                    largest[i] = w
    return strength, largest


@numba.njit(cache=True, nogil=True, parallel=True)
def _brokerage_kernel(
    indptr: IntArray, indices: IntArray, weights: FloatArray, threads: int
) -> tuple[FloatArray, FloatArray]:
    """Constraint and effective size of every node of a symmetric CSR (see the module doc)."""
    n = indptr.shape[0] - 1
    constraint = np.full(n, np.nan, dtype=np.float64)
    size = np.zeros(n, dtype=np.float64)
    if n == 0:
        return constraint, size
    strength, largest = _strength_and_max(indptr, weights, n)
    chunks = max(1, min(threads, n))
    # one bitset per chunk marks the contacts of the node being processed: n / 8 bytes, small
    # enough to stay in cache, unlike a dense array of the p_iq (the lookups are random)
    marks = np.zeros((chunks, (n >> 6) + 1), dtype=np.uint64)
    one = np.uint64(1)
    for c in numba.prange(chunks):
        mark = marks[c]
        for i in range(c, n, chunks):  # interleaved nodes balance hubs across chunks
            s_i = strength[i]
            if s_i <= 0.0:
                continue
            start, stop = indptr[i], indptr[i + 1]
            for e in range(start, stop):
                if weights[e] > 0.0:
                    q = indices[e]
                    mark[q >> 6] |= one << np.uint64(q & 63)
            c_i = 0.0
            e_i = 0.0
            for e in range(start, stop):
                w_ij = weights[e]
                if w_ij <= 0.0:
                    continue
                j = indices[e]
                indirect = 0.0  # sum_q w_iq w_qj / s_q over common contacts q
                redundancy = 0.0  # sum_q w_iq w_jq
                at = start  # rows are sorted: common contacts come in increasing order
                for f in range(indptr[j], indptr[j + 1]):
                    q = indices[f]
                    if mark[q >> 6] & (one << np.uint64(q & 63)):  # q is a contact of i (not i)
                        w_jq = weights[f]
                        if w_jq > 0.0:
                            while indices[at] < q:
                                at += 1
                            w_iq = weights[at]
                            indirect += w_iq * w_jq / strength[q]
                            redundancy += w_iq * w_jq
                total = (w_ij + indirect) / s_i
                c_i += total * total
                e_i += 1.0 - redundancy / (s_i * largest[j])
            constraint[i] = c_i
            size[i] = e_i
            for e in range(start, stop):
                mark[indices[e] >> 6] = 0
    return constraint, size


def brokerage(graph: OrgGraph) -> tuple[FloatArray, FloatArray]:
    """Burt's constraint and effective size per person, weighted, on the undirected view.

    Returns ``(constraint, effective_size)``, arrays aligned to positions: constraint as
    ``networkx.constraint(G_und, weight="weight")`` (``nan`` for isolates: undefined, no
    contacts), effective size as networkx's per-node ``effective_size(G_und, nodes=G_und,
    weight="weight")`` (``0.0`` for isolates: undefined, no contacts). Formulas in the
    module docstring.

    >>> import pandas as pd
    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b", "c", "d"]}),
    ...                          pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "a"],
    ...                                        "weight": [1.0, 1.0, 2.0]}))
    >>> constraint, size = brokerage(g)
    >>> constraint.round(4).tolist(), size.round(4).tolist()
    ([1.0031, 1.3889, 1.0031, nan], [1.1667, 1.0, 1.1667, 0.0])
    """
    result: tuple[FloatArray, FloatArray] = _brokerage_kernel(
        graph.und_indptr,
        graph.und_indices,
        graph.und_weights,
        # read here: numba.get_num_threads() inside a kernel makes it uncachable
        numba.get_num_threads(),
    )
    return result


@numba.njit(cache=True, nogil=True)
def _cut_off_kernel(indptr: IntArray, indices: IntArray) -> IntArray:
    """Iterative Hopcroft–Tarjan DFS: people cut off from the largest piece, per node."""
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.int64)
    disc = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    sub = np.zeros(n, dtype=np.int64)  # DFS subtree sizes
    sep_sum = np.zeros(n, dtype=np.int64)  # total size of the child subtrees split off
    sep_max = np.zeros(n, dtype=np.int64)  # largest child subtree split off
    parent = np.full(n, -1, dtype=np.int64)
    cursor = np.empty(n, dtype=np.int64)  # next edge to explore, per node
    order = np.empty(n, dtype=np.int64)  # nodes by discovery time
    stack = np.empty(n, dtype=np.int64)
    clock = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        first = clock
        disc[root] = clock
        low[root] = clock
        order[clock] = root
        clock += 1
        sub[root] = 1
        cursor[root] = indptr[root]
        top = 0
        stack[0] = root
        while top >= 0:
            v = stack[top]
            if cursor[v] < indptr[v + 1]:
                w = indices[cursor[v]]
                cursor[v] += 1
                if disc[w] < 0:
                    parent[w] = v
                    disc[w] = clock
                    low[w] = clock
                    order[clock] = w
                    clock += 1
                    sub[w] = 1
                    cursor[w] = indptr[w]
                    top += 1
                    stack[top] = w
                elif w != parent[v] and disc[w] < low[v]:
                    low[v] = disc[w]  # simple graph: the tree edge is the only edge to parent
            else:
                top -= 1
                if top >= 0:
                    u = stack[top]
                    if low[v] < low[u]:
                        low[u] = low[v]
                    sub[u] += sub[v]
                    if low[v] >= disc[u]:
                        sep_sum[u] += sub[v]
                        if sub[v] > sep_max[u]:
                            sep_max[u] = sub[v]
        component = clock - first
        for t in range(first, clock):
            v = order[t]
            rest = component - 1 - sep_sum[v]  # the part above v (0 for the root)
            largest = sep_max[v] if sep_max[v] > rest else rest
            out[v] = component - 1 - largest
    return out


def cut_off(graph: OrgGraph) -> IntArray:
    """People cut off from the largest remaining part of their component if each person left.

    ``cut_off[v] = |C(v)| - 1 - (size of the largest connected piece of C(v) - {v})`` on the
    undirected view; ``0`` for non-articulation points and isolates. Iterative Hopcroft–Tarjan
    depth-first search in Numba, ``O(n + m)``.

    >>> import pandas as pd
    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abcde")}),
    ...                          pd.DataFrame({"source": list("abcd"), "target": list("bcde")}))
    >>> cut_off(g).tolist()
    [0, 1, 2, 1, 0]
    """
    result: IntArray = _cut_off_kernel(graph.und_indptr, graph.und_indices)
    return result

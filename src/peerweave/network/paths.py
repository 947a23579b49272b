r"""Shortest-path metrics in one parallel Numba Brandes pass: betweenness, harmonic, path length.

All distances are hop counts on the **undirected** view of an :class:`OrgGraph`
(``und_indptr`` / ``und_indices``; tie weights are ignored). One breadth-first search per
source ``s`` yields the distances ``d(s, v)``, the numbers of shortest paths ``sigma_s(v)``
and, walking the search order backwards, Brandes' dependencies

.. math::

    \delta_s(v) = \sum_{w:\, d(s,w) = d(s,v) + 1} \frac{\sigma_s(v)}{\sigma_s(w)}\,(1 + \delta_s(w)),

so that the betweenness of ``v`` is ``sum_s delta_s(v)`` (Brandes 2001). In the same pass the
kernel adds ``1 / d(s, v)`` to the harmonic sum of ``v`` and ``d(s, v)`` to the total distance.

Formulas (``n`` nodes, ``S`` the set of sources, ``k = |S|``):

* ``betweenness(v) = c * sum_{s in S} delta_s(v) / ((n - 1)(n - 2))`` for ``n > 2`` (0
  otherwise), which is networkx's ``betweenness_centrality(G, normalized=True)`` for an
  undirected ``G``: summing over every source counts each unordered pair twice, so the raw
  undirected value is half the sum and its normalization multiplies by ``2 / ((n-1)(n-2))``;
* ``harmonic(v) = c * sum_{s in S, d(s,v) < inf, s != v} 1 / d(s, v) / (n - 1)`` for ``n > 1``
  (0 otherwise): networkx's ``harmonic_centrality(G) / (n - 1)`` (Marchiori & Latora 2000;
  Rochat 2009), in ``[0, 1]``;
* ``average_path_length = sum d(s, v) / #{(s, v): s in S, v != s reachable from s}``, the mean
  over reachable ordered pairs (networkx's ``average_shortest_path_length`` on a connected
  graph), ``nan`` when no pair is reachable.

Exact mode (``n <= exact_max``, or ``pivots >= n``) uses every node as a source and ``c = 1``;
the cost is ``O(n m)`` time, plus about ``25 n + 8 m`` bytes of work arrays per thread for
``m`` undirected edges (see :func:`brandes`).

Sampled mode (Brandes & Pich 2007, "Centrality estimation in large networks") draws
``k = min(pivots, n)`` pivots uniformly without replacement (``numpy.random.default_rng(seed)``)
and scales by ``c = n / k``: each node is a pivot with probability ``k / n`` and a source
contributes nothing to itself, so both estimates are unbiased. The average path length is
the ratio estimate over the pivots' reachable pairs. Writing the normalized betweenness (or
harmonic) of ``v`` as ``n / (n - 1)`` times the population mean of a per-source term in
``[0, 1]`` (``delta_s(v) / (n - 2)``, resp. ``1 / d(s, v)``), Hoeffding's inequality (Hoeffding
1963, which also holds when sampling without replacement) and a union bound over the ``n``
nodes give, with probability at least ``1 - delta``, for every node at once,

.. math::

    |\hat b(v) - b(v)| \le \varepsilon = \sqrt{\ln(2n / \delta) / (2k)}

(up to the factor ``n / (n - 1)``, negligible in sampled mode), and the same holds for the
normalized harmonic centrality; ``error_bound`` reports ``epsilon``.

References
----------
* U. Brandes (2001). A faster algorithm for betweenness centrality. J. Math. Sociol. 25(2).
* U. Brandes & C. Pich (2007). Centrality estimation in large networks. Int. J. Bifurcation
  and Chaos 17(7).
* W. Hoeffding (1963). Probability inequalities for sums of bounded random variables.
  J. Amer. Statist. Assoc. 58(301).
* M. Marchiori & V. Latora (2000). Harmony in the small-world. Physica A 285(3-4);
  Y. Rochat (2009). Closeness centrality extended to unconnected graphs: the harmonic
  centrality index. ASNA 2009.

Examples
--------
>>> import pandas as pd
>>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b", "c"]}),
...                          pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]}))
>>> pm = path_metrics(g)
>>> pm.betweenness.tolist(), pm.harmonic.tolist(), pm.average_path_length
([0.0, 1.0, 0.0], [0.75, 1.0, 0.75], 1.3333333333333333)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
from llvmlite import ir  # type: ignore[import-untyped]
from numba.core import cgutils as _numba_cgutils
from numba.core import types
from numba.extending import intrinsic

from peerweave.network.graph import OrgGraph

__all__ = ["PathMetrics", "brandes", "path_metrics"]

_cgutils: Any = _numba_cgutils  # numba's code-generation helpers are untyped

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


_AHEAD = 8  # how many nodes ahead in the BFS order the kernel prefetches their data
_AHEAD_ARCS = 32  # how many successor entries ahead the dependency pass prefetches


def _prefetch_intrinsic(typingctx: Any, array: Any, index: Any) -> Any:
    """``_prefetch(a, i)``: hint the CPU to load ``a[i]`` into cache (LLVM ``llvm.prefetch``).

    A hint only: it never faults and never changes a result. The searches of a large graph
    are bound by cache misses on rows met in random order; issuing the loads of the next
    few rows early lets them overlap (more than twice as fast on a million nodes).
    """
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = context.cast(builder, args[1], idxty, types.intp)
        ptr = _cgutils.get_item_pointer(context, builder, aryty, ary, [idx], wraparound=False)
        ptr = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        # unmangled name: LLVM's auto-upgrade names it for typed (p0i8) or opaque (p0) pointers
        fn = _cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch")
        # read, high temporal locality, data cache
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


_prefetch: Any = intrinsic(_prefetch_intrinsic)


@numba.njit(cache=True, nogil=True, parallel=True)
def _brandes_kernel(
    indptr: Any, indices: Any, sources: Any, threads: int
) -> tuple[FloatArray, int, int]:  # pragma: no cover - compiled
    """Sums over ``sources``: interleaved ``[dep(0), 1/d(0), dep(1), 1/d(1), ...]``, distances, pairs.

    ``indptr`` int64, ``indices`` int32 (a symmetric CSR), ``sources`` int64. The sources are
    cut into ``min(threads, k)`` contiguous chunks, one per parallel iteration, each with its
    own accumulator row and work arrays (allocated once per chunk; after a search only the
    visited entries are reset, so a source costs O(visited nodes + their arcs), not O(n)).

    Per node the search keeps ``code`` = 0 (unseen) or 1 + level mod 3 (a neighbour of a node
    at level L is at level L - 1, L or L + 1, so three codes suffice, and the array is small
    enough to stay in cache), ``sigma`` = number of shortest paths from the source, and
    records, in BFS order, each node's successors on the shortest-path DAG (``succ``), so the
    dependency pass reads them sequentially instead of scanning every arc again. The
    dependency pass overwrites ``sigma[v]`` with ``(1 + delta(v)) / sigma(v)``, which is all
    the predecessors of ``v`` need: ``delta(u) = sigma(u) * sum over successors v of that``.
    """
    n = indptr.shape[0] - 1
    last_arc = max(indices.shape[0] - 1, 0)
    k = sources.shape[0]
    chunks = max(1, min(threads, k))
    acc = np.zeros((chunks, 2 * n), dtype=np.float64)
    dist_sums = np.zeros(chunks, dtype=np.int64)
    pair_counts = np.zeros(chunks, dtype=np.int64)
    for c in numba.prange(chunks):
        first = c * k // chunks
        stop = (c + 1) * k // chunks
        if first >= stop:
            continue
        row = acc[c]
        code = np.zeros(n, dtype=np.uint8)
        sigma = np.zeros(n, dtype=np.float64)
        order = np.empty(n, dtype=np.int32)  # BFS order (queue, then stack)
        bounds = np.empty(n + 2, dtype=np.int64)  # level L is order[bounds[L]:bounds[L + 1]]
        succ = np.empty(indices.shape[0], dtype=np.int32)  # DAG successors, in BFS order
        nsucc = np.empty(n, dtype=np.int32)  # how many successors order[j] has in succ
        dist_sum = 0
        pairs = 0
        for i in range(first, stop):
            s = sources[i]
            code[s] = 1
            sigma[s] = 1.0
            order[0] = s
            tail = 1
            lo = 0
            hi = 1
            level = 0
            bounds[0] = 0
            bounds[1] = 1
            ns = 0
            # Forward: BFS level by level, counting shortest paths.
            while lo < hi:
                cnext = np.uint8((level + 1) % 3 + 1)
                for j in range(lo, hi):
                    if j + 2 * _AHEAD < hi:
                        _prefetch(indptr, order[j + 2 * _AHEAD])
                    if j + _AHEAD < hi:
                        u = order[j + _AHEAD]
                        _prefetch(sigma, u)
                        _prefetch(indices, min(indptr[u], last_arc))
                        _prefetch(indices, min(indptr[u] + 16, last_arc))
                    v = order[j]
                    sv = sigma[v]
                    start = ns
                    for e in range(indptr[v], indptr[v + 1]):
                        w = indices[e]
                        cw = code[w]
                        if cw == 0:
                            code[w] = cnext
                            order[tail] = w
                            tail += 1
                            sigma[w] = sv
                            succ[ns] = w
                            ns += 1
                        elif cw == cnext:
                            sigma[w] += sv
                            succ[ns] = w
                            ns += 1
                    nsucc[j] = ns - start
                lo = hi
                hi = tail
                level += 1
                bounds[level + 1] = tail
            # Backward: dependencies, deepest level first (levels 1 .. level - 1 are non-empty).
            ahead = ns
            for lev in range(level - 1, 0, -1):
                inverse = 1.0 / lev
                bottom = bounds[lev]
                for j in range(bounds[lev + 1] - 1, bottom - 1, -1):
                    if j - _AHEAD >= bottom:
                        u = order[j - _AHEAD]
                        _prefetch(sigma, u)
                        _prefetch(row, 2 * u)
                    while ahead > 0 and ahead > ns - _AHEAD_ARCS:
                        ahead -= 1
                        _prefetch(sigma, succ[ahead])
                    v = order[j]
                    total = 0.0
                    for q in range(ns - nsucc[j], ns):
                        total += sigma[succ[q]]
                    ns -= nsucc[j]
                    sv = sigma[v]
                    dep = sv * total
                    sigma[v] = (1.0 + dep) / sv
                    row[2 * v] += dep
                    row[2 * v + 1] += inverse
                dist_sum += lev * (bounds[lev + 1] - bottom)
            pairs += tail - 1
            for j in range(tail):
                v = order[j]
                code[v] = 0
                sigma[v] = 0.0
        dist_sums[c] = dist_sum
        pair_counts[c] = pairs
    return acc.sum(axis=0), dist_sums.sum(), pair_counts.sum()


def _readonly(a: npt.ArrayLike, dtype: type[np.integer[Any]]) -> npt.NDArray[Any]:
    """A read-only contiguous view, so the kernel is compiled for one array type only."""
    out = np.ascontiguousarray(a, dtype=dtype).view()
    out.setflags(write=False)
    return out


def brandes(
    indptr: IntArray, indices: IntArray, sources: IntArray
) -> tuple[FloatArray, FloatArray, int, int]:
    """One BFS per source on a symmetric CSR graph: raw, unscaled sums over the sources.

    Returns ``(between_raw, harmonic_raw, dist_sum, pairs)``: ``between_raw[v]`` is the sum
    of Brandes' dependencies ``delta_s(v)`` over the sources (each unordered pair counted from
    both ends when every node is a source), ``harmonic_raw[v]`` the sum of ``1 / d(s, v)``,
    ``dist_sum`` the total distance and ``pairs`` the number of ordered pairs ``(s, v)``,
    ``v != s``, reachable from a source. Runs in parallel over contiguous chunks of
    ``sources`` (one accumulator row per Numba thread); besides the CSR it needs about
    ``25 n + 4 m`` bytes per thread (``m`` = ``len(indices)``). Raises ``ValueError`` on a
    malformed CSR or a source out of range.

    >>> indptr, indices = np.array([0, 1, 3, 4]), np.array([1, 0, 2, 1])  # path 0 - 1 - 2
    >>> b, h, dsum, pairs = brandes(indptr, indices, np.arange(3))
    >>> b.tolist(), h.tolist(), dsum, pairs
    ([0.0, 2.0, 0.0], [1.5, 2.0, 1.5], 8, 6)
    """
    ptr, idx, src = np.asarray(indptr), np.asarray(indices), np.asarray(sources)
    n = len(ptr) - 1
    # the kernel does not check bounds: a malformed CSR would crash the process, not raise
    if ptr.ndim != 1 or n < 0 or ptr[0] != 0 or ptr[-1] != len(idx) or np.any(np.diff(ptr) < 0):
        raise ValueError("indptr must start at 0, never decrease and end at len(indices)")
    if n >= np.iinfo(np.int32).max:
        raise ValueError(f"brandes supports fewer than 2**31 - 1 nodes, got {n}")
    if len(idx) and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"indices must lie in [0, {n})")
    if len(src) and (src.min() < 0 or src.max() >= n):
        raise ValueError(f"sources must lie in [0, {n})")
    sums, dist_sum, pairs = _brandes_kernel(
        _readonly(ptr, np.int64),
        _readonly(idx, np.int32),
        _readonly(src, np.int64),
        # read here: numba.get_num_threads() inside a kernel makes it uncachable
        numba.get_num_threads(),
    )
    return (
        np.ascontiguousarray(sums[0::2]),
        np.ascontiguousarray(sums[1::2]),
        int(dist_sum),
        int(pairs),
    )


@dataclass(frozen=True, eq=False)
class PathMetrics:
    """Betweenness, harmonic centrality and average path length of an :class:`OrgGraph`.

    Arrays are aligned to graph positions. ``error_bound`` is 0 when ``exact``; otherwise
    the Hoeffding + union bound ``sqrt(ln(2 n / delta) / (2 k))`` that holds, with
    probability ``1 - delta``, for every node's normalized betweenness (and, separately,
    harmonic centrality).

    >>> import pandas as pd
    >>> pm = path_metrics(OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b"]}),
    ...                   pd.DataFrame({"source": ["a"], "target": ["b"]})))
    >>> pm.exact, pm.sources, pm.error_bound, pm.harmonic.tolist()
    (True, 2, 0.0, [1.0, 1.0])
    """

    #: Normalized like networkx ``betweenness_centrality(G_undirected, normalized=True)``.
    betweenness: FloatArray
    #: networkx ``harmonic_centrality(G_undirected) / (n - 1)`` (0 when ``n <= 1``).
    harmonic: FloatArray
    #: Mean hop distance over reachable ordered pairs ``u != v`` (``nan`` if there are none).
    average_path_length: float
    #: True when every node was a source.
    exact: bool
    #: Number of BFS sources used.
    sources: int
    #: 0.0 when exact, else ``sqrt(ln(2 n / delta) / (2 k))``.
    error_bound: float
    #: Failure probability the bound was computed for.
    delta: float


def path_metrics(
    graph: OrgGraph,
    *,
    exact_max: int = 20_000,
    pivots: int = 1024,
    delta: float = 0.1,
    seed: int = 0,
) -> PathMetrics:
    """Betweenness, harmonic centrality and average path length on the undirected hop graph.

    Exact (Brandes 2001) when ``graph.n <= exact_max``; otherwise ``k = min(pivots, n)``
    pivots drawn without replacement with ``numpy.random.default_rng(seed)`` and estimates
    scaled by ``n / k`` (Brandes & Pich 2007). See the module docstring for the formulas.

    Raises
    ------
    ValueError
        ``pivots < 1``, ``delta`` outside ``(0, 1)`` or ``exact_max < 0``.

    Examples
    --------
    >>> import pandas as pd
    >>> star = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abcd")}),
    ...                             pd.DataFrame({"source": list("aaa"), "target": list("bcd")}))
    >>> pm = path_metrics(star)
    >>> pm.betweenness.tolist(), pm.exact, round(pm.average_path_length, 4)
    ([1.0, 0.0, 0.0, 0.0], True, 1.5)
    >>> approx = path_metrics(star, exact_max=0, pivots=2, seed=1)
    >>> approx.exact, approx.sources, round(approx.error_bound, 3)
    (False, 2, 1.047)
    """
    if isinstance(pivots, bool) or not isinstance(pivots, int | np.integer) or pivots < 1:
        raise ValueError(f"pivots must be an integer >= 1, got {pivots!r}")
    if isinstance(exact_max, bool) or not isinstance(exact_max, int | np.integer) or exact_max < 0:
        raise ValueError(f"exact_max must be an integer >= 0, got {exact_max!r}")
    if not (isinstance(delta, int | float | np.floating) and 0.0 < float(delta) < 1.0):
        raise ValueError(f"delta must be a number strictly between 0 and 1, got {delta!r}")

    n = graph.n
    k = min(int(pivots), n)
    exact = n <= exact_max or k >= n
    if exact:
        sources = np.arange(n, dtype=np.int64)
        k = n
    else:
        rng = np.random.default_rng(seed)
        sources = np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)

    between_sum, harmonic_sum, dist_sum, pairs = brandes(
        graph.und_indptr, graph.und_indices, sources
    )
    scale = 1.0 if exact else n / k
    betweenness = (
        between_sum * (scale / ((n - 1) * (n - 2))) if n > 2 else np.zeros(n, dtype=np.float64)
    )
    harmonic = harmonic_sum * (scale / (n - 1)) if n > 1 else np.zeros(n, dtype=np.float64)
    return PathMetrics(
        betweenness=betweenness,
        harmonic=harmonic,
        average_path_length=dist_sum / pairs if pairs else math.nan,
        exact=exact,
        sources=k,
        error_bound=0.0 if exact else math.sqrt(math.log(2 * n / delta) / (2 * k)),
        delta=float(delta),
    )

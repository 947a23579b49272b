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
the cost is ``O(n m)`` time and ``O(n)`` memory per thread.

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

from peerweave.network.graph import OrgGraph

__all__ = ["PathMetrics", "brandes", "path_metrics"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@numba.njit(cache=True, nogil=True, parallel=True)
def _brandes_kernel(
    indptr: Any, indices: Any, sources: Any, threads: int
) -> tuple[FloatArray, FloatArray, int, int]:  # pragma: no cover - compiled
    n = indptr.shape[0] - 1
    k = sources.shape[0]
    chunks = max(1, min(threads, k))
    between = np.zeros((chunks, max(n, 0)), dtype=np.float64)
    harmonic = np.zeros((chunks, max(n, 0)), dtype=np.float64)
    dist_sums = np.zeros(chunks, dtype=np.int64)
    pair_counts = np.zeros(chunks, dtype=np.int64)
    for c in numba.prange(chunks):
        lo = c * k // chunks
        hi = (c + 1) * k // chunks
        if lo >= hi:
            continue
        # Work arrays, allocated once per chunk; after each search only the visited entries
        # are reset, so a source costs O(visited nodes + their arcs), not O(n).
        dist = np.full(n, -1, dtype=np.int64)
        sigma = np.zeros(n, dtype=np.float64)
        delta = np.zeros(n, dtype=np.float64)
        order = np.empty(n, dtype=np.int64)  # BFS queue, read backwards as the stack
        dist_sum = 0
        pairs = 0
        for i in range(lo, hi):
            s = sources[i]
            dist[s] = 0
            sigma[s] = 1.0
            order[0] = s
            head = 0
            tail = 1
            while head < tail:
                v = order[head]
                head += 1
                dn = dist[v] + 1
                sv = sigma[v]
                for e in range(indptr[v], indptr[v + 1]):
                    w = indices[e]
                    if dist[w] < 0:
                        dist[w] = dn
                        order[tail] = w
                        tail += 1
                        sigma[w] = sv
                    elif dist[w] == dn:
                        sigma[w] += sv
            # Dependencies in reverse BFS order, pulled from the successors (already final).
            for j in range(tail - 1, 0, -1):
                v = order[j]
                dn = dist[v] + 1
                acc = 0.0
                for e in range(indptr[v], indptr[v + 1]):
                    w = indices[e]
                    if dist[w] == dn:
                        acc += (1.0 + delta[w]) / sigma[w]
                d = sigma[v] * acc
                delta[v] = d
                between[c, v] += d
                harmonic[c, v] += 1.0 / (dn - 1)
                dist_sum += dn - 1
            pairs += tail - 1
            for j in range(tail):
                v = order[j]
                dist[v] = -1
                sigma[v] = 0.0
                delta[v] = 0.0
        dist_sums[c] = dist_sum
        pair_counts[c] = pairs
    return between.sum(axis=0), harmonic.sum(axis=0), dist_sums.sum(), pair_counts.sum()


def _readonly_int64(a: npt.ArrayLike) -> IntArray:
    """A read-only int64 view, so the kernel is compiled for one array type only."""
    out = np.ascontiguousarray(a, dtype=np.int64).view()
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
    ``sources`` (one accumulator row per Numba thread).

    >>> indptr, indices = np.array([0, 1, 3, 4]), np.array([1, 0, 2, 1])  # path 0 - 1 - 2
    >>> b, h, dsum, pairs = brandes(indptr, indices, np.arange(3))
    >>> b.tolist(), h.tolist(), dsum, pairs
    ([0.0, 2.0, 0.0], [1.5, 2.0, 1.5], 8, 6)
    """
    between, harmonic, dist_sum, pairs = _brandes_kernel(
        _readonly_int64(indptr),
        _readonly_int64(indices),
        _readonly_int64(sources),
        # read here: numba.get_num_threads() inside a kernel makes it uncachable
        numba.get_num_threads(),
    )
    return between, harmonic, int(dist_sum), int(pairs)


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
    exact_max: int = 50_000,
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

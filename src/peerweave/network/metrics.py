"""Person metrics: who is central, who bridges, who sits on the edge — one row per person.

Every metric is computed once for the whole graph with compiled code (scipy's sparse
kernels and ARPACK, igraph's C core, the Numba kernels of :mod:`~peerweave.network.paths`
and :mod:`~peerweave.network.brokerage`); none loops over people in Python.

==================  ===========================================================  ==========
column              definition (view of the graph)                               reference
==================  ===========================================================  ==========
``degree``          distinct contacts, either direction (undirected)
``in_degree``       people who tie to the person (directed)
``out_degree``      people the person ties to (directed)
``strength``        sum of tie weights, both directions (``in + out``)           Barrat 2004
``pagerank``        stationary share of a random walk that follows ties in       Brin & Page
                    proportion to weight and jumps anywhere with probability     1998
                    ``1 − α`` (α = 0.85); people without out-ties jump uniformly
``eigenvector``     leading eigenvector of the weighted undirected adjacency,    Bonacich
                    scaled so that the most central person has 1                 1972
``betweenness``     share of shortest paths between others through the person    Brandes
                    (hops, undirected; normalised by ``(n−1)(n−2)/2``), exact    2001
                    or estimated from sampled sources (see ``paths``)
``harmonic``        ``Σ 1/d(v, u) / (n − 1)``, hops, undirected                  Marchiori &
                                                                                 Latora 2000
``clustering``      share of pairs of contacts who are themselves in contact     Watts &
                    (undirected, unweighted; 0 with fewer than two contacts)     Strogatz 98
``constraint``      Burt's constraint, weighted (undirected); empty for people   Burt 1992
                    without contacts
``effective_size``  Burt's effective size, Borgatti's weighted form              Borgatti 97
``core``            k-core number (undirected)                                   Seidman 83
``community``       Leiden communities maximising modularity (weighted,          Traag et al.
                    undirected, seeded, ``resolution``); numbered by size, the   2019
                    largest 0; ``-1`` for people without ties
==================  ===========================================================  ==========

Examples
--------
>>> people = pd.DataFrame({"person_id": list("abcde")})
>>> ties = pd.DataFrame({"source": list("abcda"), "target": list("bcdab")})
>>> table = person_metrics(OrgGraph.from_frames(people, ties)).table
>>> table[["person_id", "degree", "in_degree", "core", "community"]].values.tolist()
[['a', 2, 1, 2, 0], ['b', 2, 1, 2, 0], ['c', 2, 1, 2, 1], ['d', 2, 1, 2, 1], ['e', 0, 0, 0, -1]]
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from peerweave.network.brokerage import brokerage
from peerweave.network.graph import OrgGraph
from peerweave.network.paths import PathMetrics, path_metrics

__all__ = [
    "METRIC_COLUMNS",
    "MetricOptions",
    "PersonMetrics",
    "eigenvector",
    "leiden",
    "pagerank",
    "person_metrics",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The per-person columns, in export order.
METRIC_COLUMNS = (
    "person_id",
    "degree",
    "in_degree",
    "out_degree",
    "strength",
    "pagerank",
    "eigenvector",
    "betweenness",
    "harmonic",
    "clustering",
    "constraint",
    "effective_size",
    "core",
    "community",
)


@dataclass(frozen=True)
class MetricOptions:
    """Parameters of :func:`person_metrics`.

    >>> MetricOptions(resolution=0.5).resolution
    0.5
    """

    #: Leiden resolution γ: above 1 finds more, smaller communities; below 1 fewer, larger.
    resolution: float = 1.0
    #: Seed of every random choice (Leiden, sampled sources); same seed, same result.
    seed: int = 0
    #: Betweenness and harmonic closeness are exact up to this many people, sampled beyond.
    exact_max: int = 20_000
    #: Sources sampled for betweenness/harmonic beyond ``exact_max``.
    pivots: int = 1024
    #: Failure probability of the stated error bound of sampled betweenness.
    delta: float = 0.1
    #: PageRank damping factor α.
    damping: float = 0.85

    def __post_init__(self) -> None:
        if not self.resolution > 0:
            raise ValueError(f"resolution must be above 0, got {self.resolution}")
        if not 0 < self.damping < 1:
            raise ValueError(f"damping must be between 0 and 1, got {self.damping}")


@dataclass(frozen=True)
class PersonMetrics:
    """The metrics of every person (``table``, one row per graph position) and their context.

    >>> m = person_metrics(OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b"]}),
    ...                                         pd.DataFrame({"source": ["a"], "target": ["b"]})))
    >>> m.communities, round(m.modularity, 3), m.paths.exact
    (1, 0.0, True)
    """

    table: pd.DataFrame
    paths: PathMetrics
    modularity: float
    communities: int
    notes: tuple[str, ...] = field(default_factory=tuple)


def _arcs(graph: OrgGraph) -> tuple[IntArray, IntArray, FloatArray]:
    rows = np.repeat(np.arange(graph.n, dtype=np.int64), np.diff(graph.indptr))
    return rows, np.asarray(graph.indices), np.asarray(graph.weights)


def _undirected_matrix(graph: OrgGraph) -> sp.csr_matrix:
    return sp.csr_matrix(
        (
            np.asarray(graph.und_weights),
            np.asarray(graph.und_indices),
            np.asarray(graph.und_indptr),
        ),
        shape=(graph.n, graph.n),
    )


def pagerank(
    graph: OrgGraph, *, damping: float = 0.85, tol: float = 1e-12, max_iter: int = 1000
) -> FloatArray:
    """Weighted directed PageRank by power iteration on the sparse transition matrix.

    Same definition as ``networkx.pagerank`` (dangling people jump uniformly); sums to 1.

    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abc")}),
    ...     pd.DataFrame({"source": ["a", "b"], "target": ["c", "c"]}))
    >>> np.round(pagerank(g), 3).tolist()
    [0.213, 0.213, 0.574]
    """
    n = graph.n
    if n == 0:
        return np.zeros(0)
    rows, cols, w = _arcs(graph)
    out = graph.out_strength()
    dangling = out <= 0
    scale = np.where(dangling, 0.0, 1.0 / np.where(dangling, 1.0, out))
    # transposed transition matrix: x_new = P^T x
    pt = sp.csr_matrix((w * scale[rows], (cols, rows)), shape=(n, n))
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = damping * (pt @ x + x[dangling].sum() / n) + (1.0 - damping) / n
        err = float(np.abs(new - x).sum())
        x = new
        if err < tol:
            break
    return np.asarray(x / x.sum(), dtype=np.float64)


def eigenvector(graph: OrgGraph) -> FloatArray:
    """Leading eigenvector of the weighted undirected adjacency, scaled to a maximum of 1.

    Zeros when there are no ties. Equal to ``networkx.eigenvector_centrality_numpy`` on the
    undirected view divided by its maximum.

    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abcd")}),
    ...     pd.DataFrame({"source": ["a", "a", "a"], "target": ["b", "c", "d"]}))
    >>> np.round(eigenvector(g), 3).tolist()
    [1.0, 0.577, 0.577, 0.577]
    """
    n = graph.n
    if graph.m == 0:
        return np.zeros(n)
    a = _undirected_matrix(graph)
    if n <= 64:
        values, vectors = np.linalg.eigh(a.toarray())
        vec = vectors[:, int(np.argmax(values))]
    else:
        rng = np.random.default_rng(0)
        start = rng.random(n) + 0.5
        _, vectors = spla.eigsh(a, k=1, which="LA", v0=start, tol=1e-12, maxiter=100_000)
        vec = vectors[:, 0]
    vec = np.abs(vec)  # the Perron vector is one-signed; ARPACK may return it negated
    vec[vec < 1e-14 * vec.max()] = 0.0
    return np.asarray(vec / vec.max(), dtype=np.float64)


def leiden(
    graph: OrgGraph, *, resolution: float = 1.0, seed: int = 0, igraph_graph: Any = None
) -> tuple[IntArray, float]:
    """Leiden communities (weighted modularity, undirected) and the partition's modularity.

    Communities are numbered by size (0 = largest); people without ties get ``-1`` and are
    left out of the modularity (they contribute nothing to it). Reproducible for a seed.

    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abcdefg")}),
    ...     pd.DataFrame({"source": list("abdeac"), "target": list("bcefd" "a")}))
    >>> labels, q = leiden(g)
    >>> labels.tolist(), round(q, 3)
    ([0, 0, 0, 1, 1, 1, -1], 0.319)
    """
    n = graph.n
    labels = np.full(n, -1, dtype=np.int64)
    if graph.m == 0:
        return labels, float("nan")
    g = igraph_graph if igraph_graph is not None else graph.to_igraph(directed=False)
    ig.set_random_number_generator(random.Random(seed))
    try:
        part = g.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=resolution,
            n_iterations=2,  # igraph's default; iterating to convergence took 15 min at 1M people
        )
    finally:
        ig.set_random_number_generator(random)  # igraph's default: the random module
    raw = np.asarray(part.membership, dtype=np.int64)
    q = float(g.modularity(part.membership, weights="weight", resolution=resolution))
    has_ties = np.diff(graph.und_indptr) > 0
    sizes = np.bincount(raw[has_ties], minlength=int(raw.max()) + 1)
    order = np.lexsort((np.arange(len(sizes)), -sizes))  # by size desc, then first label
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    labels[has_ties] = rank[raw[has_ties]]
    return labels, q


def person_metrics(graph: OrgGraph, options: MetricOptions | None = None) -> PersonMetrics:
    """Compute every person metric (see the module table) in one pass over the graph.

    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abc")}),
    ...     pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]}))
    >>> t = person_metrics(g).table
    >>> t["betweenness"].tolist(), t["constraint"].round(2).tolist()
    ([0.0, 1.0, 0.0], [1.0, 0.5, 1.0])
    """
    options = options or MetricOptions()
    n = graph.n
    notes: list[str] = []
    degree = np.diff(graph.und_indptr)
    paths = path_metrics(
        graph,
        exact_max=options.exact_max,
        pivots=options.pivots,
        delta=options.delta,
        seed=options.seed,
    )
    constraint, effective_size = brokerage(graph)
    if graph.m:
        g = graph.to_igraph(directed=False)
        clustering = np.asarray(g.transitivity_local_undirected(mode="zero"), dtype=np.float64)
        core = np.asarray(g.coreness(), dtype=np.int64)
        community, modularity = leiden(
            graph, resolution=options.resolution, seed=options.seed, igraph_graph=g
        )
        del g
    else:
        clustering = np.zeros(n)
        core = np.zeros(n, dtype=np.int64)
        community, modularity = np.full(n, -1, dtype=np.int64), float("nan")
        if n:
            notes.append(
                "no ties to analyse: every metric is 0 (constraint empty) and no communities"
            )
    opted = ~graph.active()
    table = pd.DataFrame(
        {
            "person_id": graph.ids,
            "degree": degree,
            "in_degree": graph.in_degree(),
            "out_degree": graph.out_degree(),
            "strength": graph.in_strength() + graph.out_strength(),
            "pagerank": pagerank(graph, damping=options.damping),
            "eigenvector": eigenvector(graph),
            "betweenness": paths.betweenness,
            "harmonic": paths.harmonic,
            "clustering": clustering,
            "constraint": constraint,
            "effective_size": effective_size,
            "core": core,
            "community": community,
            "opted_out": opted,
        }
    )
    if not paths.exact:
        notes.append(
            f"betweenness and harmonic closeness estimated from {paths.sources:,} sampled "
            f"people (more than {options.exact_max:,} people); error at most "
            f"{paths.error_bound:.3f} (normalised) with probability {1 - paths.delta:.0%}"
        )
    communities = int(community.max()) + 1 if n and community.max() >= 0 else 0
    return PersonMetrics(
        table=table,
        paths=paths,
        modularity=modularity,
        communities=communities,
        notes=tuple(notes),
    )

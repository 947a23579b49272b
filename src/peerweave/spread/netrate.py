r"""Who influences whom, inferred from the timing of adoptions: NetRate.

A **cascade** is one practice spreading: who adopted and when (``time``, in weeks since the
cascade began), observed up to a horizon ``T``. Across cascades, a person who keeps
adopting shortly after a given contact is probably influenced by them. NetRate
(Gomez-Rodriguez, Balduzzi & Schölkopf 2011) makes this precise: each adopter ``j`` passes
the practice to contact ``i`` after a random delay with density ``f(Δ; α_ji)``, the
transmission **rate** ``α_ji ≥ 0`` being the strength of the influence of ``j`` on ``i``
(``α_ji = 0``: none); ``i`` adopts at the first such arrival. Its likelihood separates by
target person, and each person's part is **concave** in the rates of their contacts:

    ℓ_i(α) = Σ_{c: i adopted} log( Σ_{j: t_j < t_i} α_ji H(t_i − t_j) )
           − Σ_{c: i adopted} Σ_{j: t_j < t_i} α_ji ψ(t_i − t_j)
           − Σ_{c: i did not adopt by T} Σ_{j adopted} α_ji ψ(T − t_j)

(the hazard and the log-survival of the transmission model, per unit of rate):

=============  ==========================================  ================  =================
model          delay density ``f(Δ; α)``                   ``H(Δ)``          ``ψ(Δ)``
=============  ==========================================  ================  =================
exponential    ``α e^{−αΔ}``                               ``1``             ``Δ``
power-law      ``(α/δ) (Δ/δ)^{−1−α}`` for ``Δ ≥ δ``         ``1/Δ``           ``log(Δ/δ)``
rayleigh       ``α Δ e^{−αΔ²/2}``                          ``Δ``             ``Δ²/2``
=============  ==========================================  ================  =================

(power-law: no transmission faster than ``δ``, one day by default). Candidate influencers
are restricted to contacts in the collaboration network (both directions of every tie of
the undirected view of an :class:`~peerweave.network.graph.OrgGraph`): influence travels
along working relationships, and restricting the candidates keeps each person's problem
small. :func:`infer_influence` maximises each ``ℓ_i`` with a real solver, SciPy's L-BFGS-B
with the bounds ``α ≥ 0`` and the analytic gradient
``∇ℓ_i = Σ_c a_c / (a_c · α) − b`` (vectorised per person; one independent problem per
person, spread over worker processes with ``workers > 1``). The statistics
``a_c`` and ``b`` are gathered for every person in one compiled pass over the cascades
(Numba). A contact who never adopted before ``i`` in a cascade where ``i`` adopted has no
evidence of influence and gets ``α = 0`` without solving; a person with no contact
adopting before them (a cascade's first adopters) starts a cascade and is not explained.

The result: inferred **ties** ``source, target, strength`` (``α``, per week: ``1/α`` is the
expected delay, in weeks, if the source alone influenced the target) above ``threshold``,
and the **influencers in fact**: people whose adoption most often precedes their contacts',
ranked by the total strength of their inferred ties, with the number of cascades in which
they adopted before a contact who followed.

:func:`simulate_cascades` draws cascades from known rates (continuous-time independent
cascade: first arrival along every tie, by Dijkstra's algorithm over random delays), to
test the inference where the truth is known; :func:`score_recovery` gives precision and
recall against that truth.

References
----------
* M. Gomez-Rodriguez, D. Balduzzi & B. Schölkopf (2011). Uncovering the temporal dynamics of
  diffusion networks. *ICML 2011*.
* M. Gomez-Rodriguez, J. Leskovec & A. Krause (2010). Inferring networks of diffusion and
  influence. *KDD 2010*.
* R. H. Byrd, P. Lu, J. Nocedal & C. Zhu (1995). A limited memory algorithm for bound
  constrained optimization. *SIAM Journal on Scientific Computing* 16(5) (L-BFGS-B).

Examples
--------
>>> g = _chain()
>>> rates = true_rates(g, {("a", "b"): 1.0, ("b", "c"): 1.0})
>>> cascades = simulate_cascades(g, rates, cascades=300, horizon=5.0, seed=1, sources=[0])
>>> inf = infer_influence(g, cascades, horizon=5.0)
>>> inf.ties[["source", "target"]].values.tolist()
[['a', 'b'], ['b', 'c']]
>>> inf.ties["strength"].round(0).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from peerweave.errors import InputError, MissingColumnError, Problem
from peerweave.network.graph import OrgGraph
from peerweave.spread.adoption import _moment, step_length

__all__ = [
    "DEFAULT_THRESHOLD",
    "TRANSMISSION_MODELS",
    "Influence",
    "cascades_from_adoptions",
    "infer_influence",
    "reverse_arcs",
    "score_recovery",
    "simulate_cascades",
    "true_rates",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: The transmission models (delay distributions) NetRate can assume.
TRANSMISSION_MODELS = ("exponential", "power-law", "rayleigh")
_MODEL_CODES = {"exponential": 0, "power-law": 1, "rayleigh": 2}
#: Inferred ties weaker than this rate (per week) are not reported.
DEFAULT_THRESHOLD = 0.05
#: The power-law model's shortest delay ``δ``, in weeks (one day).
DEFAULT_DELTA = 1.0 / 7.0
_FLOOR = 1e-300  # keeps log(a · α) finite at the boundary


# ---------------------------------------------------------------------------- arcs
def reverse_arcs(indptr: npt.ArrayLike, indices: npt.ArrayLike) -> IntArray:
    """For a symmetric CSR graph, the position of each entry's reverse: ``u → v`` ↦ ``v → u``.

    >>> reverse_arcs(np.array([0, 1, 3, 4]), np.array([1, 0, 2, 1])).tolist()  # 0 - 1 - 2
    [1, 0, 3, 2]
    """
    ptr = np.asarray(indptr, dtype=np.int64)
    idx = np.asarray(indices, dtype=np.int64)
    n = len(ptr) - 1
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    order = np.lexsort((idx, src))  # entries sorted by (row, column): their own positions
    key = np.lexsort((src, idx))  # the reverse pairs (column, row) in the same order
    out = np.empty(len(idx), dtype=np.int64)
    out[key] = order
    if len(idx) and not (np.array_equal(src[out], idx) and np.array_equal(idx[out], src)):
        raise ValueError("the graph is not symmetric: pass the undirected view")
    return out


def true_rates(graph: OrgGraph, rates: Mapping[tuple[str, str], float]) -> FloatArray:
    """Rates per arc of the undirected view (entry ``j`` of row ``u``: ``u → und_indices[j]``)
    from ``{(source_id, target_id): rate}``; unnamed arcs get 0.

    Raises ``ValueError`` for a pair that is not a tie of the graph.

    >>> true_rates(_chain(), {("a", "b"): 2.0}).tolist()  # arcs a→b, b→a, b→c, c→b
    [2.0, 0.0, 0.0, 0.0]
    """
    indptr = np.asarray(graph.und_indptr, dtype=np.int64)
    indices = np.asarray(graph.und_indices, dtype=np.int64)
    out = np.zeros(len(indices), dtype=np.float64)
    for (source, target), rate in rates.items():
        u, v = graph.index.get_indexer(pd.Index([source, target], dtype=object))
        row = indices[indptr[u] : indptr[u + 1]] if u >= 0 else np.zeros(0, dtype=np.int64)
        hit = np.flatnonzero(row == v) if v >= 0 else np.zeros(0, dtype=np.int64)
        if not len(hit):
            raise ValueError(f"{source!r} → {target!r} is not a tie of the graph")
        out[indptr[u] + hit[0]] = float(rate)
    return out


# ---------------------------------------------------------------------------- cascades
@numba.njit(cache=True, nogil=True)
def _heap_push(keys: Any, items: Any, size: int, key: float, item: int) -> int:  # pragma: no cover
    i = size
    keys[i] = key
    items[i] = item
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= keys[i]:
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        items[parent], items[i] = items[i], items[parent]
        i = parent
    return size + 1


@numba.njit(cache=True, nogil=True)
def _heap_pop(keys: Any, items: Any, size: int) -> tuple[float, int, int]:  # pragma: no cover
    key, item = keys[0], items[0]
    size -= 1
    keys[0], items[0] = keys[size], items[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and keys[left + 1] < keys[left]:
            child = left + 1
        if keys[i] <= keys[child]:
            break
        keys[child], keys[i] = keys[i], keys[child]
        items[child], items[i] = items[i], items[child]
        i = child
    return key, item, size


@numba.njit(cache=True, nogil=True)
def _cascades_kernel(
    indptr: Any,
    indices: Any,
    rates: Any,
    sources: Any,
    horizon: float,
    model: int,
    delta: float,
    seed: int,
) -> tuple[Any, Any, Any]:  # pragma: no cover - compiled
    """Continuous-time cascades from each row of ``sources`` (-1: none); first arrivals by
    Dijkstra's algorithm over delays drawn when an adopter's tie is first examined."""
    np.random.seed(seed)
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    best = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    touched = np.empty(n + sources.shape[1] + m, dtype=np.int64)
    keys = np.empty(m + sources.shape[1] + 1, dtype=np.float64)
    items = np.empty(m + sources.shape[1] + 1, dtype=np.int64)
    cap = 1024
    out_c = np.empty(cap, dtype=np.int64)
    out_v = np.empty(cap, dtype=np.int64)
    out_t = np.empty(cap, dtype=np.float64)
    count = 0
    for c in range(sources.shape[0]):
        size = 0
        nt = 0
        for s in range(sources.shape[1]):
            v = sources[c, s]
            if v >= 0 and best[v] > 0.0:
                best[v] = 0.0
                touched[nt] = v
                nt += 1
                size = _heap_push(keys, items, size, 0.0, v)
        while size > 0:
            t, u, size = _heap_pop(keys, items, size)
            if done[u]:
                continue
            done[u] = True
            if count == cap:
                cap *= 2
                c2 = np.empty(cap, dtype=np.int64)
                v2 = np.empty(cap, dtype=np.int64)
                t2 = np.empty(cap, dtype=np.float64)
                c2[:count] = out_c[:count]
                v2[:count] = out_v[:count]
                t2[:count] = out_t[:count]
                out_c, out_v, out_t = c2, v2, t2
            out_c[count] = c
            out_v[count] = u
            out_t[count] = t
            count += 1
            for j in range(indptr[u], indptr[u + 1]):
                r = rates[j]
                w = indices[j]
                if r <= 0.0 or done[w]:
                    continue
                x = 1.0 - np.random.random()  # in (0, 1]
                if model == 0:
                    wait = -math.log(x) / r
                elif model == 1:
                    wait = delta * x ** (-1.0 / r)
                else:
                    wait = math.sqrt(-2.0 * math.log(x) / r)
                arrival = t + wait
                if arrival < horizon and arrival < best[w]:
                    if best[w] == np.inf:
                        touched[nt] = w
                        nt += 1
                    best[w] = arrival
                    size = _heap_push(keys, items, size, arrival, w)
        for a in range(nt):
            best[touched[a]] = np.inf
            done[touched[a]] = False
    return out_c[:count].copy(), out_v[:count].copy(), out_t[:count].copy()


def _check_model(model: str) -> int:
    if model not in _MODEL_CODES:
        raise ValueError(
            f"unknown transmission model {model!r}; use one of {', '.join(TRANSMISSION_MODELS)}"
        )
    return _MODEL_CODES[model]


def simulate_cascades(
    graph: OrgGraph,
    rates: npt.ArrayLike,
    *,
    cascades: int,
    horizon: float,
    model: str = "exponential",
    sources: int | Sequence[int] = 1,
    seed: int = 0,
    delta: float = DEFAULT_DELTA,
) -> pd.DataFrame:
    """Draw ``cascades`` cascades of the continuous-time model with the given ``rates``.

    ``rates``: one per arc of the undirected view (entry ``j`` of row ``u`` is
    ``u → und_indices[j]``; :func:`true_rates`). Each cascade starts at time 0 from
    ``sources`` people drawn at random among those who did not opt out (or from the given
    positions); every adopter ``u`` passes it to each contact ``v`` after a delay drawn from
    the ``model`` (rate ``rates[u → v]``; power-law with shortest delay ``delta``); a person
    adopts at the first arrival, if before ``horizon``. Reproducible for a ``seed``.

    Returns ``cascade, person_id, time`` sorted by cascade and time.

    >>> g = _chain()
    >>> c = simulate_cascades(g, np.ones(4), cascades=2, horizon=100.0, sources=[0])
    >>> c["person_id"].tolist(), bool(c["time"].is_monotonic_increasing)
    (['a', 'b', 'c', 'a', 'b', 'c'], False)
    """
    n = graph.n
    r = np.asarray(rates, dtype=np.float64)
    if r.shape != (len(graph.und_indices),):
        raise ValueError(f"rates must have one value per arc ({len(graph.und_indices)})")
    if not np.all(np.isfinite(r) & (r >= 0)):
        raise ValueError("rates must be finite and >= 0")
    if cascades < 1:
        raise ValueError(f"cascades must be >= 1, got {cascades}")
    if not horizon > 0:
        raise ValueError(f"horizon must be > 0, got {horizon}")
    if not delta > 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    code = _check_model(model)
    rng = np.random.default_rng(seed)
    if isinstance(sources, int | np.integer):
        pool = np.flatnonzero(graph.active())
        if sources < 1 or sources > len(pool):
            raise ValueError(f"sources must be between 1 and {len(pool)}, got {sources}")
        start = np.stack(
            [rng.choice(pool, size=int(sources), replace=False) for _ in range(cascades)]
        )
    else:
        given = np.asarray(sources, dtype=np.int64)
        if given.ndim != 1 or len(given) == 0 or given.min() < 0 or given.max() >= n:
            raise ValueError(f"sources must be positions in [0, {n})")
        start = np.tile(given, (cascades, 1))
    c, v, t = _cascades_kernel(
        np.asarray(graph.und_indptr, dtype=np.int64),
        np.asarray(graph.und_indices, dtype=np.int64),
        r,
        start.astype(np.int64),
        float(horizon),
        code,
        float(delta),
        int(rng.integers(2**31)),
    )
    return pd.DataFrame(
        {
            "cascade": c,
            "person_id": pd.Series(np.asarray(graph.ids, dtype=object)[v], dtype=object),
            "time": t,
        }
    )


def cascades_from_adoptions(
    adoptions: Mapping[str, pd.DataFrame],
    *,
    started_at: Mapping[str, object],
    now: object,
    step: str | pd.Timedelta = "W",
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Cascades (``cascade, person_id, time``) and horizons from initiatives' adoptions.

    ``adoptions[name]`` is an initiative's adoption frame (``person_id, adopted_at``),
    ``started_at[name]`` its start; times are in steps (weeks) since the start, and each
    horizon is ``now`` in the same unit.

    >>> a = pd.DataFrame({"person_id": ["x", "y"],
    ...                   "adopted_at": pd.to_datetime(["2025-01-06 00:00", "2025-01-09 12:00"])})
    >>> frame, horizon = cascades_from_adoptions({"wiki": a}, started_at={"wiki": "2025-01-06"},
    ...                                          now="2025-02-03")
    >>> frame["time"].tolist(), horizon
    ([0.0, 0.5], {'wiki': 4.0})
    """
    length = step_length(step)
    end = _moment(now, "now")
    frames: list[pd.DataFrame] = []
    horizons: dict[str, float] = {}
    for name, frame in adoptions.items():
        if name not in started_at:
            raise ValueError(f"no start given for initiative {name!r}")
        start = _moment(started_at[name], f"started_at[{name!r}]")
        horizons[str(name)] = (end - start) / length
        when = pd.to_datetime(frame["adopted_at"])
        frames.append(
            pd.DataFrame(
                {
                    "cascade": str(name),
                    "person_id": frame["person_id"].astype(str).to_numpy(dtype=object),
                    "time": ((when - start) / length).to_numpy(dtype=np.float64),
                }
            )
        )
    if not frames:
        return pd.DataFrame({"cascade": [], "person_id": [], "time": []}), horizons
    return pd.concat(frames, ignore_index=True), horizons


# ---------------------------------------------------------------------------- statistics
@numba.njit(cache=True, nogil=True)
def _terms_kernel(
    indptr: Any,
    indices: Any,
    reverse: Any,
    ptr: Any,
    nodes: Any,
    times: Any,
    horizons: Any,
    model: int,
    delta: float,
) -> tuple[Any, Any, Any, Any, Any, Any, Any]:  # pragma: no cover - compiled
    """One pass over the cascades: ``b[q]`` (the rate's linear coefficient) for every
    target-side arc ``q``; the log-term entries ``(target, cascade, q, H)``; per person the
    cascades in which they adopted before a contact who followed, and those contacts."""
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    b = np.zeros(m, dtype=np.float64)
    tm = np.full(n, np.inf)
    preceded = np.zeros(n, dtype=np.int64)
    followed = np.zeros(n, dtype=np.int64)
    cap = 1024
    e_i = np.empty(cap, dtype=np.int64)
    e_c = np.empty(cap, dtype=np.int64)
    e_q = np.empty(cap, dtype=np.int64)
    e_h = np.empty(cap, dtype=np.float64)
    count = 0
    for c in range(ptr.shape[0] - 1):
        horizon = horizons[c]
        for a in range(ptr[c], ptr[c + 1]):
            tm[nodes[a]] = times[a]
        for a in range(ptr[c], ptr[c + 1]):
            j = nodes[a]
            tj = times[a]
            after = 0
            for e in range(indptr[j], indptr[j + 1]):
                i = indices[e]
                ti = tm[i]
                if ti <= tj:
                    continue
                q = reverse[e]
                if ti < np.inf:
                    gap = ti - tj
                    after += 1
                else:
                    gap = horizon - tj
                if model == 0:
                    psi = gap
                    h = 1.0
                elif model == 1:
                    if gap > delta:
                        psi = math.log(gap / delta)
                        h = 1.0 / gap
                    else:
                        psi = 0.0
                        h = 0.0
                else:
                    psi = 0.5 * gap * gap
                    h = gap
                b[q] += psi
                if ti < np.inf and h > 0.0:
                    if count == cap:
                        cap *= 2
                        i2 = np.empty(cap, dtype=np.int64)
                        c2 = np.empty(cap, dtype=np.int64)
                        q2 = np.empty(cap, dtype=np.int64)
                        h2 = np.empty(cap, dtype=np.float64)
                        i2[:count] = e_i[:count]
                        c2[:count] = e_c[:count]
                        q2[:count] = e_q[:count]
                        h2[:count] = e_h[:count]
                        e_i, e_c, e_q, e_h = i2, c2, q2, h2
                    e_i[count] = i
                    e_c[count] = c
                    e_q[count] = q
                    e_h[count] = h
                    count += 1
            if after > 0:
                preceded[j] += 1
                followed[j] += after
        for a in range(ptr[c], ptr[c + 1]):
            tm[nodes[a]] = np.inf
    return (
        b,
        e_i[:count].copy(),
        e_c[:count].copy(),
        e_q[:count].copy(),
        e_h[:count].copy(),
        preceded,
        followed,
    )


# ---------------------------------------------------------------------------- solver
@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run SciPy's BLAS on one thread while solving: the problems are tiny, and OpenBLAS's
    threads waking up for each of them cost far more than the work (measured: 12 times
    slower on a busy 2-core machine). No-op when the library does not say how."""
    try:
        import scipy.linalg._fblas as fblas

        lib = ctypes.CDLL(fblas.__file__)
    except (ImportError, OSError):  # pragma: no cover - another SciPy build
        yield
        return
    for prefix in ("scipy_openblas", "openblas"):
        get = getattr(lib, f"{prefix}_get_num_threads", None)
        put = getattr(lib, f"{prefix}_set_num_threads", None)
        if get is not None and put is not None:
            before = int(get())
            put(1)
            try:
                yield
            finally:
                put(before)
            return
    yield


def _node_objective(x: FloatArray, a: FloatArray, b: FloatArray) -> tuple[float, FloatArray]:
    """Minus ``ℓ_i`` and its gradient: ``−Σ log(a·x) + b·x``."""
    z = np.maximum(a @ x, _FLOOR)
    return float(-np.log(z).sum() + b @ x), (b - a.T @ (1.0 / z))


def _solve_batch(
    batch: Sequence[tuple[IntArray, IntArray, FloatArray, FloatArray, int]], tolerance: float
) -> list[tuple[FloatArray, float, bool]]:
    """Solve each person's problem (see :func:`_solve_one`), BLAS on one thread."""
    with _one_blas_thread():
        return [_solve_one(*problem, tolerance) for problem in batch]


def _solve_one(
    col_of: IntArray,
    row_of: IntArray,
    h: FloatArray,
    b_local: FloatArray,
    n_rows: int,
    tolerance: float,
) -> tuple[FloatArray, float, bool]:
    """One person's problem by L-BFGS-B: entry ``e`` puts ``h[e]`` in row ``row_of[e]``
    (a cascade where they adopted) and column ``col_of[e]`` (a contact who adopted before);
    ``b_local`` are the columns' linear coefficients. Returns the rates, ``ℓ_i`` and
    whether the solver met its tolerance."""
    a = np.zeros((n_rows, len(b_local)), dtype=np.float64)
    a[row_of, col_of] = h
    # start on the identity every optimum satisfies, b·x = rows (the log term is
    # homogeneous of degree one), with each rate in proportion to its evidence
    x0 = np.count_nonzero(a, axis=0) / np.maximum(b_local, 1e-12)
    x0 *= n_rows / max(float(b_local @ x0), 1e-300)
    res = optimize.minimize(
        _node_objective,
        x0,
        args=(a, b_local),
        jac=True,
        method="L-BFGS-B",
        bounds=optimize.Bounds(0.0, np.inf),
        options={"ftol": tolerance, "gtol": 1e-8, "maxiter": 1000},
    )
    return np.asarray(res.x, dtype=np.float64), -float(res.fun), bool(res.success)


@dataclass(frozen=True, eq=False)
class Influence:
    """Influence inferred by NetRate (:func:`infer_influence`).

    ``ties``: ``source, target, strength`` (rate ``α`` per week) of the arcs at or above
    ``threshold``, strongest first. ``influencers``: ``person_id, strength`` (sum of their
    inferred ties' rates), ``ties`` (how many), ``cascades_preceded`` (cascades in which
    they adopted before a contact who then adopted), ``contacts_followed`` (such contacts,
    over all cascades), strongest first, people with neither left out. ``rates``: ``α`` of
    every arc of the undirected view (entry ``j`` of row ``u``: ``u → und_indices[j]``).
    ``log_likelihood``: the maximised ``Σ_i ℓ_i``; ``people_solved``: people with a problem
    to solve, ``not_converged`` those whose solver stopped before its tolerance.
    """

    ties: pd.DataFrame
    influencers: pd.DataFrame
    rates: FloatArray
    model: str
    cascades: int
    threshold: float
    log_likelihood: float
    people_solved: int
    not_converged: int
    notes: tuple[str, ...] = ()


def _horizons(horizon: float | Mapping[Any, float] | pd.Series, labels: pd.Index) -> FloatArray:
    if isinstance(horizon, Mapping | pd.Series):
        table = pd.Series(horizon, dtype=np.float64) if isinstance(horizon, Mapping) else horizon
        values = table.reindex(labels)
        if values.isna().any():
            missing = [str(x) for x in labels[values.isna().to_numpy()][:5]]
            raise ValueError(f"no horizon for cascade(s) {', '.join(missing)}")
        out = values.to_numpy(dtype=np.float64)
    else:
        out = np.full(len(labels), float(horizon), dtype=np.float64)
    if not np.all(out > 0):
        raise ValueError("every horizon must be > 0")
    return np.asarray(out, dtype=np.float64)


def infer_influence(
    graph: OrgGraph,
    cascades: pd.DataFrame,
    *,
    horizon: float | Mapping[Any, float] | pd.Series,
    model: str = "exponential",
    threshold: float = DEFAULT_THRESHOLD,
    delta: float = DEFAULT_DELTA,
    workers: int = 1,
    tolerance: float = 1e-10,
) -> Influence:
    """Infer who influences whom from ``cascades`` (``cascade, person_id, time``) by NetRate.

    ``time``: when each person adopted, in weeks since the cascade began (one row per person
    and cascade; a repeat keeps the earliest); ``horizon``: when observation stopped, one
    number or one per cascade (a mapping or Series by cascade); adoptions at or after it are
    ignored. ``model``: :data:`TRANSMISSION_MODELS`; ``delta``: the power-law's shortest
    delay. Candidate influencers are each person's contacts in ``graph``. ``workers > 1``
    solves the people's problems in that many processes. Adoptions by people not in the
    graph are left out (noted).

    Raises :class:`~peerweave.errors.MissingColumnError` for a missing column,
    ``ValueError`` for malformed arguments.

    >>> g = _chain()
    >>> frame = pd.DataFrame({"cascade": [1, 1, 2, 2], "person_id": ["a", "b", "b", "c"],
    ...                       "time": [0.0, 1.0, 0.0, 2.0]})
    >>> inf = infer_influence(g, frame, horizon=4.0)
    >>> inf.ties.round(3).values.tolist()
    [['a', 'b', 1.0], ['b', 'c', 0.2]]
    >>> inf.influencers[["person_id", "cascades_preceded"]].values.tolist()
    [['a', 1], ['b', 1]]
    """
    missing = [c for c in ("cascade", "person_id", "time") if c not in cascades.columns]
    if missing:
        raise MissingColumnError(
            "cascades",
            [
                Problem(f"there is no {c} column", column=c, fix=f"add a {c} column")
                for c in missing
            ],
        )
    code = _check_model(model)
    if not threshold >= 0:
        raise ValueError(f"threshold must be >= 0, got {threshold}")
    if not delta > 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    notes: list[str] = []
    labels = pd.Index(pd.unique(cascades["cascade"]))
    codes = labels.get_indexer(pd.Index(cascades["cascade"]))
    horizons = _horizons(horizon, labels)
    positions = graph.index.get_indexer(pd.Index(cascades["person_id"].astype(str), dtype=object))
    times = pd.to_numeric(cascades["time"], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(times).any():
        raise InputError(
            "cascades",
            Problem("some times are not numbers", column="time", fix="give times in weeks"),
        )
    outside = int((positions < 0).sum())
    if outside:
        notes.append(f"{outside:,} adoptions by people not in the network were left out")
    keep = (positions >= 0) & (times < horizons[codes])
    late = int(((positions >= 0) & ~keep).sum())
    if late:
        notes.append(f"{late:,} adoptions at or after their cascade's horizon were left out")
    frame = pd.DataFrame({"c": codes[keep], "v": positions[keep], "t": times[keep]})
    frame = frame.sort_values(["c", "t", "v"], kind="stable").drop_duplicates(["c", "v"])
    ptr = np.zeros(len(labels) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(frame["c"].to_numpy(), minlength=len(labels)))
    indptr = np.asarray(graph.und_indptr, dtype=np.int64)
    indices = np.asarray(graph.und_indices, dtype=np.int64)
    reverse = reverse_arcs(indptr, indices)
    b, e_i, e_c, e_q, e_h, preceded, followed = _terms_kernel(
        indptr,
        indices,
        reverse,
        ptr,
        frame["v"].to_numpy(dtype=np.int64),
        frame["t"].to_numpy(dtype=np.float64),
        horizons,
        code,
        float(delta),
    )
    alpha = np.zeros(len(indices), dtype=np.float64)  # target-side: entry q of row i is j → i
    order = np.lexsort((e_c, e_i))
    e_i, e_c, e_q, e_h = e_i[order], e_c[order], e_q[order], e_h[order]
    bounds = np.flatnonzero(np.diff(e_i)) + 1
    starts = np.concatenate([[0], bounds]) if len(e_i) else np.zeros(0, dtype=np.int64)
    stops = np.concatenate([bounds, [len(e_i)]]) if len(e_i) else np.zeros(0, dtype=np.int64)
    problems: list[tuple[IntArray, IntArray, FloatArray, FloatArray, int]] = []
    targets: list[IntArray] = []
    for s0, s1 in zip(starts.tolist(), stops.tolist(), strict=True):
        q = e_q[s0:s1]
        cols, col_of = np.unique(q, return_inverse=True)
        c = e_c[s0:s1]
        new_row = np.concatenate([[True], c[1:] != c[:-1]])
        row_of = np.cumsum(new_row) - 1
        problems.append((col_of, row_of, e_h[s0:s1], b[cols], int(row_of[-1]) + 1))
        targets.append(cols)
    solved: list[tuple[FloatArray, float, bool]] = []
    if workers == 1 or len(problems) < 2 * workers:
        solved = _solve_batch(problems, tolerance)
    else:
        size = math.ceil(len(problems) / (4 * workers))
        batches = [problems[k : k + size] for k in range(0, len(problems), size)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for part in pool.map(_solve_batch, batches, [tolerance] * len(batches)):
                solved.extend(part)
    total = 0.0
    failed = 0
    for cols, (x, value, ok) in zip(targets, solved, strict=True):
        alpha[cols] = x
        total += value
        failed += 0 if ok else 1
    rates = alpha[reverse]  # source-side: entry j of row u is u → und_indices[j]
    src = np.repeat(np.arange(graph.n, dtype=np.int64), np.diff(indptr))
    strong = rates >= threshold if threshold > 0 else rates > 0
    ids = np.asarray(graph.ids, dtype=object)
    ties = pd.DataFrame(
        {
            "source": ids[src[strong]],
            "target": ids[indices[strong]],
            "strength": rates[strong],
        }
    )
    ties = ties.sort_values(
        ["strength", "source", "target"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)
    strength = np.bincount(src[strong], weights=rates[strong], minlength=graph.n)
    count = np.bincount(src[strong], minlength=graph.n)
    who = (strength > 0) | (preceded > 0)
    influencers = pd.DataFrame(
        {
            "person_id": ids[who],
            "strength": strength[who],
            "ties": count[who].astype(np.int64),
            "cascades_preceded": preceded[who].astype(np.int64),
            "contacts_followed": followed[who].astype(np.int64),
        }
    )
    influencers = influencers.sort_values(
        ["strength", "cascades_preceded", "person_id"],
        ascending=[False, False, True],
        kind="stable",
    ).reset_index(drop=True)
    if failed:
        notes.append(f"the solver stopped before its tolerance for {failed:,} people")
    return Influence(
        ties=ties,
        influencers=influencers,
        rates=rates,
        model=model,
        cascades=len(labels),
        threshold=float(threshold),
        log_likelihood=total,
        people_solved=len(problems),
        not_converged=failed,
        notes=tuple(notes),
    )


def score_recovery(
    inferred: npt.ArrayLike, truth: npt.ArrayLike, *, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, float]:
    """Precision and recall of inferred ties (rate ``>= threshold``) against true ones (rate > 0).

    Both are per-arc arrays in the same order (``Influence.rates``, :func:`true_rates`).

    >>> score_recovery([0.9, 0.0, 0.2, 0.0], [1.0, 0.0, 0.0, 0.5], threshold=0.1)
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5, 'inferred': 2, 'true': 2, 'correct': 1}
    """
    found = np.asarray(inferred, dtype=np.float64) >= threshold
    real = np.asarray(truth, dtype=np.float64) > 0
    correct = int((found & real).sum())
    precision = correct / int(found.sum()) if found.any() else math.nan
    recall = correct / int(real.sum()) if real.any() else math.nan
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else math.nan
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "inferred": int(found.sum()),
        "true": int(real.sum()),
        "correct": correct,
    }


def _chain() -> OrgGraph:
    """Three people in a line: a - b - c."""
    return OrgGraph.from_frames(
        pd.DataFrame({"person_id": ["a", "b", "c"]}),
        pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]}),
    )

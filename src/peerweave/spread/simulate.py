r"""Monte-Carlo simulation of a contagion model: adoption curves, reach, and a cascade tree.

:func:`simulate` runs ``runs`` independent realisations of a :class:`SpreadModel` on the
undirected view of an :class:`OrgGraph` for ``steps`` weeks. Seeds adopt at step 0; at each
step ``t + 1``:

1. **adoptions**, decided on the adopters of step ``t``: in ``ic`` each person who adopted at
   step ``t`` tries each contact who never adopted, once, succeeding with probability
   ``p_uv``; in ``lt`` a person adopts when the in-weights of their adopting contacts reach
   their threshold; in ``complex`` when their adopting contacts reach ``k_v`` (or
   ``θ_v·deg(v)``);
2. **abandonment** (``δ > 0``): each adopter of step ``t`` none of whose contacts adopted at
   step ``t`` drops the practice with probability ``δ``;

so the adopters of step ``t + 1`` are those of step ``t``, minus the drops, plus the new
adopters. ``adopters[r, t]`` counts the current adopters of run ``r`` at step ``t``.

**Compiled and parallel.** One Numba kernel runs the realisations in parallel, cut into one
contiguous chunk of runs per thread, each chunk with its own work arrays and its own row of
per-person counts. A run costs what its cascade reaches, not ``n``: one byte per person
holds a stamp of the run that last reached them and their state (cleared once every 15
runs); a person's counters are zeroed when the run first reaches them; the rows of the
people about to be processed are prefetched. A person's threshold in a run is a hash of the
run's key and the person's position: recomputed at each use in ``lt`` (cheaper than a cache
miss), computed once when the run first reaches them in ``complex``. Memory: ``8 runs
(steps + 1)`` bytes for the curves, plus, per thread, ``13 n`` bytes (``ic``), ``17 n``
(``complex`` with one ``k``) or ``21 n`` (``lt``, or ``complex`` with per-person thresholds),
and up to ``16 n`` more with abandonment.

**Reproducible.** Run ``r`` draws its random numbers from its own SplitMix64 stream (Steele,
Lea & Flood 2014, "Fast splittable pseudorandom number generators") keyed by
``(seed, r)``, so results do not depend on the number of threads, and the cascade tree of
run ``tree_run`` (replayed alone) is exactly the run counted in the curves. Arc
probabilities and ``δ`` are rounded to multiples of ``2^-31`` (0 and 1 stay exact).
:func:`cascade_sizes`, the bare ``ic`` kernel, draws the same numbers: its sizes equal
``simulate(...).final_reach`` when ``steps`` is long enough.

**Cascade tree.** For one run, every adoption: who, at which step, and from whom. In ``ic``
the source is the contact whose attempt succeeded; in ``lt`` and ``complex`` (where several
contacts together tip a person over) the adopting contact of the previous step with the
strongest tie (the first in position order among equals). A person who dropped the
practice and adopted again appears once per adoption.

Examples
--------
>>> import pandas as pd
>>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b", "c", "d"]}),
...                          pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "d"]}))
>>> sim = simulate(g, [0], SpreadModel(prob="uniform:1"), runs=10, steps=4)
>>> sim.mean.tolist(), sim.final_reach.tolist()[:3], sim.ever_adopted.tolist()
([1.0, 2.0, 3.0, 4.0, 4.0], [4, 4, 4], [1.0, 1.0, 1.0, 1.0])
>>> sim.tree
  person_id  step source_id
0         a     0      None
1         b     1         a
2         c     2         b
3         d     3         c
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import MissingColumnError, Problem
from peerweave.network.graph import OrgGraph
from peerweave.network.groups import MIN_GROUP_SIZE, SMALL_GROUPS
from peerweave.network.paths import _prefetch
from peerweave.spread.model import SpreadModel, arc_probabilities, lt_weights

__all__ = ["UNKNOWN_GROUP", "Simulation", "cascade_sizes", "simulate"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Label of the people whose attribute is missing in :meth:`Simulation.reach_by`.
UNKNOWN_GROUP = "(unknown)"

_IC, _LT, _COMPLEX = 0, 1, 2
_KIND_CODES = {"ic": _IC, "lt": _LT, "complex": _COMPLEX}

# tag[v] (one byte per person) = (stamp << 4) | state bits; the stamp (1..15) names the run of
# the chunk that last reached v, so a tag below ``stamp << 4`` means "not reached in this run"
# and the array is cleared only once every 15 runs
_STAMPS = 15
_ADOPTED = 1  # adopter now
_EVER = 2  # adopted at some step of this run
_PENDING = 4  # adopts at the step being computed
_UNREINFORCED = 8  # listed among the adopters without an adopting contact
_MARKS = 255  # stamps of cascade_sizes' one-byte marks
_AHEAD = 8  # how many people ahead in a list the kernels prefetch their rows

_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64 increment (golden ratio)
_RUN_GAMMA = np.uint64(0xD1B54A32D192ED03)
_THRESHOLD_SALT = np.uint64(0x5851F42D4C957F2D)
_SECOND_SALT = np.uint64(0x2545F4914F6CDD1D)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11, _S33 = np.uint64(11), np.uint64(33)
_UNIT = 2.0**-53
_ONE31 = 2.0**31


# ---------------------------------------------------------------------------- random numbers
@numba.njit(cache=True, nogil=True)
def _mix(z: Any) -> Any:  # pragma: no cover - compiled
    """SplitMix64's finaliser: a bijection of 64-bit words that scrambles every bit."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True, nogil=True)
def _run_key(base: Any, run: int) -> Any:  # pragma: no cover - compiled
    """The first state of run ``run``'s stream (``base`` = the seed as a 64-bit word)."""
    return _mix(_mix(base) + np.uint64(run) * _RUN_GAMMA)


@numba.njit(cache=True, nogil=True)
def _unit(z: Any) -> float:  # pragma: no cover - compiled
    """A uniform number in [0, 1) from the top 53 bits of ``z``."""
    return float(z >> _S11) * _UNIT


@numba.njit(cache=True, nogil=True)
def _threshold(
    kind: int, key2: Any, v: int, k: float, theta: float, sd: float, indptr: Any
) -> float:  # pragma: no cover - compiled
    """Person ``v``'s threshold in a run: a hash of the run's ``key2`` and ``v``.

    ``lt``: uniform in [0, 1). ``complex``: the number of adopting contacts needed, ``k``
    or ``ceil(θ·deg)`` (at least 1), drawn from a normal law when ``sd > 0``. Computed
    again at each use rather than stored: cheaper than a cache miss.
    """
    if kind == _COMPLEX and sd == 0.0 and theta < 0.0:
        return k
    z = _mix(key2 + np.uint64(v) * _GAMMA)
    u1 = _unit(z)
    if kind == _LT:
        return u1
    if sd > 0.0:
        u2 = _unit(_mix(z ^ _SECOND_SALT))
        normal = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
        if theta < 0.0:
            return max(1.0, math.floor(k + sd * k * normal + 0.5))
        theta = min(1.0, max(0.0, theta + sd * normal))
    # the tolerance keeps 0.3 * 10 (3.0000000000000004 in floating point) at 3
    degree = indptr[v + 1] - indptr[v]
    return max(1.0, float(math.ceil(theta * degree - 1e-9)))


@numba.njit(cache=True, nogil=True)
def _record(
    ev_p: Any, ev_t: Any, ev_s: Any, n_ev: int, v: int, t: int, src: int
) -> tuple[Any, Any, Any]:  # pragma: no cover - compiled
    """Append the adoption ``(v, t, src)`` to the event arrays, doubling them when full."""
    if n_ev == ev_p.shape[0]:
        size = 2 * n_ev + 16
        p2 = np.empty(size, dtype=np.int64)
        t2 = np.empty(size, dtype=np.int64)
        s2 = np.empty(size, dtype=np.int64)
        p2[:n_ev] = ev_p[:n_ev]
        t2[:n_ev] = ev_t[:n_ev]
        s2[:n_ev] = ev_s[:n_ev]
        ev_p, ev_t, ev_s = p2, t2, s2
    ev_p[n_ev] = v
    ev_t[n_ev] = t
    ev_s[n_ev] = src
    return ev_p, ev_t, ev_s


# ---------------------------------------------------------------------------- one run
@numba.njit(cache=True, nogil=True)
def _prefetch_rows(
    indptr: Any, indices: Any, arcs: Any, people: Any, a: int, count: int
) -> None:  # pragma: no cover - compiled
    """While working on ``people[a]``, ask the CPU for the rows of the people a little
    further in the list: their ``indptr`` entry, then their contacts and arc values.

    The rows of people met in random order are cache misses; issuing them early lets the
    loads overlap (a hint only: it never changes a result).
    """
    if a + 2 * _AHEAD < count:
        _prefetch(indptr, people[a + 2 * _AHEAD])
    if a + _AHEAD < count:
        j = indptr[people[a + _AHEAD]]
        if j < indices.shape[0]:
            _prefetch(indices, j)
        if j < arcs.shape[0]:
            _prefetch(arcs, j)


@numba.njit(cache=True, nogil=True)
def _ic_step(
    indptr: Any,
    indices: Any,
    arc_thr: Any,
    joined: Any,
    nj: int,
    joining: Any,
    tag: Any,
    base: int,
    s: Any,
    record: bool,
    ev_p: Any,
    ev_t: Any,
    ev_s: Any,
    n_ev: int,
    t: int,
) -> tuple[int, Any, int, Any, Any, Any]:  # pragma: no cover - compiled
    """``ic`` adoptions at step ``t``: each of ``joined[:nj]`` tries each contact who never
    adopted; lists the successes in ``joining``, marked pending. Returns their number, the
    random state and the events. One random number is drawn per arc, whether or not its
    target could still adopt."""
    nn = 0
    for a in range(nj):
        _prefetch_rows(indptr, indices, arc_thr, joined, a, nj)
        u = joined[a]
        for j in range(indptr[u], indptr[u + 1]):
            # branch-free test: a draw for every arc, then one rarely taken branch
            v = indices[j]
            x = tag[v]
            s += _GAMMA
            hit = ((_mix(s) >> _S33) < arc_thr[j]) & ((x < base) | (x & (_EVER | _PENDING) == 0))
            if hit:
                tag[v] = max(x, base) | _PENDING  # below base: not reached yet in this run
                joining[nn] = v
                nn += 1
                if record:
                    ev_p, ev_t, ev_s = _record(ev_p, ev_t, ev_s, n_ev, v, t, u)
                    n_ev += 1
    return nn, s, n_ev, ev_p, ev_t, ev_s


@numba.njit(cache=True, nogil=True)
def _push(
    indptr: Any,
    indices: Any,
    weights: Any,
    arc_b: Any,
    kind: int,
    key2: Any,
    k: float,
    theta: float,
    sd: float,
    cnt: Any,
    acc: Any,
    use_cnt: bool,
    use_acc: bool,
    use_need: bool,
    joined: Any,
    nj: int,
    joining: Any,
    tag: Any,
    base: int,
    detect: bool,
    record: bool,
    ev_p: Any,
    ev_t: Any,
    ev_s: Any,
    n_ev: int,
    t: int,
) -> tuple[int, int, Any, Any, Any]:  # pragma: no cover - compiled
    """Add the adoptions of ``joined[:nj]`` to their contacts' counts (``cnt``) and in-weight
    sums (``acc``, ``lt``); with ``detect`` (``lt``/``complex``), list in ``joining`` (marked
    pending) the contacts who are not adopters and now reach their threshold: they adopt at
    step ``t``. Returns their number and the events. In ``complex`` with per-person
    thresholds (``use_need``), ``acc[w]`` holds ``w``'s threshold instead, computed when the
    run first reaches ``w``.

    Only the contacts of new adopters see their support grow, and support only grows here
    (the droppers were pulled before), so checking them as they are pushed finds every
    person over their threshold once the support of step ``t - 1`` is complete.
    """
    nn = 0
    for a in range(nj):
        _prefetch_rows(indptr, indices, arc_b, joined, a, nj)
        u = joined[a]
        for j in range(indptr[u], indptr[u + 1]):
            w = indices[j]
            x = tag[w]
            if x < base:  # first reached in this run
                x = base
                tag[w] = base
                if use_cnt:
                    cnt[w] = 0
                if use_acc:
                    acc[w] = 0.0
                elif use_need:
                    acc[w] = _threshold(kind, key2, w, k, theta, sd, indptr)
            if use_cnt:
                cnt[w] += 1
            if use_acc:
                acc[w] += arc_b[j]
            if not detect or x & (_ADOPTED | _PENDING):
                continue
            if kind == _LT:
                total = acc[w]
                if total <= 0.0 or total < _threshold(kind, key2, w, k, theta, sd, indptr):
                    continue
            elif cnt[w] < (acc[w] if use_need else k):
                continue
            tag[w] = x | _PENDING
            joining[nn] = w
            nn += 1
            if record:  # the adopting contact with the strongest tie
                source = -1
                strongest = -np.inf
                for q in range(indptr[w], indptr[w + 1]):
                    y = indices[q]
                    if tag[y] >= base and tag[y] & _ADOPTED and weights[q] > strongest:
                        strongest = weights[q]
                        source = y
                ev_p, ev_t, ev_s = _record(ev_p, ev_t, ev_s, n_ev, w, t, source)
                n_ev += 1
    return nn, n_ev, ev_p, ev_t, ev_s


@numba.njit(cache=True, nogil=True)
def _list_if_alone(
    v: int, base: int, tag: Any, cnt: Any, alone: Any, nz: int
) -> int:  # pragma: no cover - compiled
    """Append adopter ``v`` to ``alone`` if none of their contacts adopts (once); new length."""
    x = tag[v]
    if x >= base and x & _ADOPTED and not x & _UNREINFORCED and cnt[v] == 0:
        tag[v] = x | _UNREINFORCED
        alone[nz] = v
        nz += 1
    return nz


@numba.njit(cache=True, nogil=True)
def _run(
    indptr: Any,
    indices: Any,
    weights: Any,
    arc_thr: Any,
    arc_b: Any,
    kind: int,
    k: float,
    theta: float,
    sd: float,
    delta_thr: Any,
    seeds: Any,
    steps: int,
    key: Any,
    stamp: int,
    tag: Any,
    cnt: Any,
    acc: Any,
    joined: Any,
    joining: Any,
    dropping: Any,
    alone: Any,
    alone_next: Any,
    curve: Any,
    ever_row: Any,
    record: bool,
    ev_p: Any,
    ev_t: Any,
    ev_s: Any,
) -> tuple[int, Any, Any, Any]:  # pragma: no cover - compiled
    """One realisation: fills ``curve`` (steps + 1) and adds 1 to ``ever_row[v]`` for each
    person who adopts; with ``record``, returns the adoption events ``(n, person, step,
    source)``.

    ``tag`` holds each person's state (see ``_STAMPS``); ``cnt[v]`` counts ``v``'s adopting
    contacts (``complex``, or any model with abandonment) and ``acc[v]`` sums their
    in-weights (``lt``) or holds ``v``'s threshold (``complex`` unless every threshold is
    ``k``); a person's entries are set when the run first reaches them.
    ``joined`` lists the people who adopted at the current step, ``joining`` those adopting
    at the next, ``dropping`` those abandoning at the next, ``alone`` the adopters without
    an adopting contact (the only ones who may abandon).
    """
    s = key
    key2 = _mix(key ^ _THRESHOLD_SALT)
    base = stamp << 4
    abandon = delta_thr > np.uint64(0)
    use_cnt = kind == _COMPLEX or abandon
    use_acc = kind == _LT
    use_need = kind == _COMPLEX and (sd > 0.0 or theta >= 0.0)
    n_ev = 0
    nj = 0
    for i in range(seeds.shape[0]):
        v = seeds[i]
        x = tag[v]
        if x < base:
            x = base
            tag[v] = base
            if use_cnt:
                cnt[v] = 0
            if use_acc:
                acc[v] = 0.0
            elif use_need:
                acc[v] = _threshold(kind, key2, v, k, theta, sd, indptr)
        if x & _ADOPTED:
            continue  # a repeated seed
        tag[v] = x | _ADOPTED | _EVER
        ever_row[v] += 1
        joined[nj] = v
        nj += 1
        if record:
            ev_p, ev_t, ev_s = _record(ev_p, ev_t, ev_s, n_ev, v, 0, -1)
            n_ev += 1
    count = nj
    curve[0] = count
    nd = 0
    nz = 0
    t = 0
    while True:
        # apply the changes of step t: droppers pull back, then joiners push to their
        # contacts; in lt and complex this finds who adopts at step t + 1
        for a in range(nd):
            u = dropping[a]
            for j in range(indptr[u], indptr[u + 1]):
                w = indices[j]
                cnt[w] -= 1
                if use_acc:
                    acc[w] -= arc_b[j]
        nn = 0
        if use_cnt or use_acc:
            nn, n_ev, ev_p, ev_t, ev_s = _push(
                indptr, indices, weights, arc_b, kind, key2, k, theta, sd, cnt, acc, use_cnt,
                use_acc, use_need, joined, nj, joining, tag, base, kind != _IC and t < steps,
                record,
                ev_p, ev_t, ev_s, n_ev, t + 1,
            )  # fmt: skip
        if abandon:
            # adopters of step t without an adopting contact: the previous ones still alone,
            # the new adopters, and the contacts of the droppers
            for a in range(nz):
                tag[alone[a]] &= ~_UNREINFORCED
            nz2 = 0
            for a in range(nz):
                nz2 = _list_if_alone(alone[a], base, tag, cnt, alone_next, nz2)
            for a in range(nj):
                nz2 = _list_if_alone(joined[a], base, tag, cnt, alone_next, nz2)
            for a in range(nd):
                u = dropping[a]
                for j in range(indptr[u], indptr[u + 1]):
                    nz2 = _list_if_alone(indices[j], base, tag, cnt, alone_next, nz2)
            alone, alone_next = alone_next, alone
            nz = nz2
        if t == steps:
            break
        if nj == 0 and nz == 0:  # nothing can change any more
            curve[t + 1 :] = count
            break
        if kind == _IC:  # adoptions at step t + 1, decided on the adopters of step t
            nn, s, n_ev, ev_p, ev_t, ev_s = _ic_step(
                indptr, indices, arc_thr, joined, nj, joining, tag, base, s,
                record, ev_p, ev_t, ev_s, n_ev, t + 1,
            )  # fmt: skip
        # abandonment at step t + 1, among the adopters of step t left without support
        nd = 0
        if abandon:
            for a in range(nz):
                s += _GAMMA
                if (_mix(s) >> _S33) < delta_thr:
                    u = alone[a]
                    dropping[nd] = u
                    nd += 1
                    tag[u] &= ~_ADOPTED
        for a in range(nn):
            v = joining[a]
            x = tag[v]
            if not x & _EVER:
                ever_row[v] += 1
            tag[v] = (x & ~_PENDING) | _ADOPTED | _EVER
        count += nn - nd
        t += 1
        curve[t] = count
        joined, joining = joining, joined
        nj = nn
    return n_ev, ev_p, ev_t, ev_s


# ---------------------------------------------------------------------------- kernels
@numba.njit(cache=True, nogil=True, parallel=True)
def _simulate_kernel(
    indptr: Any,
    indices: Any,
    weights: Any,
    arc_thr: Any,
    arc_b: Any,
    kind: int,
    k: float,
    theta: float,
    sd: float,
    delta_thr: Any,
    seeds: Any,
    steps: int,
    runs: int,
    base: Any,
    threads: int,
) -> tuple[IntArray, IntArray]:  # pragma: no cover - compiled
    """``runs`` realisations in parallel over ``min(threads, runs)`` contiguous chunks.

    Returns the curves ``(runs, steps + 1)`` and, per person, the number of runs in which
    they adopted.
    """
    n = indptr.shape[0] - 1
    chunks = max(1, min(threads, runs))
    adopters = np.zeros((runs, steps + 1), dtype=np.int64)
    ever = np.zeros((chunks, n), dtype=np.int32)
    abandon = delta_thr > np.uint64(0)
    n_cnt = n if kind == _COMPLEX or abandon else 0
    n_acc = n if kind == _LT or (kind == _COMPLEX and (sd > 0.0 or theta >= 0.0)) else 0
    for c in numba.prange(chunks):
        first = c * runs // chunks
        stop = (c + 1) * runs // chunks
        tag = np.zeros(n, dtype=np.uint8)
        cnt = np.zeros(n_cnt, dtype=np.int32)
        acc = np.zeros(n_acc, dtype=np.float64)
        joined = np.empty(n, dtype=np.int32)
        joining = np.empty(n, dtype=np.int32)
        dropping = np.empty(n if abandon else 0, dtype=np.int32)
        alone = np.empty(n if abandon else 0, dtype=np.int32)
        alone_next = np.empty(n if abandon else 0, dtype=np.int32)
        none = np.empty(0, dtype=np.int64)
        for r in range(first, stop):
            stamp = (r - first) % _STAMPS + 1
            if stamp == 1 and r > first:
                tag[:] = 0
            _run(
                indptr, indices, weights, arc_thr, arc_b, kind, k, theta, sd, delta_thr,
                seeds, steps, _run_key(base, r), stamp, tag, cnt, acc,
                joined, joining, dropping, alone, alone_next, adopters[r], ever[c],
                False, none, none, none,
            )  # fmt: skip
    total = np.zeros(n, dtype=np.int64)
    for c in range(chunks):
        total += ever[c]
    return adopters, total


@numba.njit(cache=True, nogil=True)
def _tree_kernel(
    indptr: Any,
    indices: Any,
    weights: Any,
    arc_thr: Any,
    arc_b: Any,
    kind: int,
    k: float,
    theta: float,
    sd: float,
    delta_thr: Any,
    seeds: Any,
    steps: int,
    run: int,
    base: Any,
) -> tuple[IntArray, IntArray, IntArray]:  # pragma: no cover - compiled
    """Replay run ``run`` alone and return its adoptions: person, step, source (-1: seed)."""
    n = indptr.shape[0] - 1
    size = seeds.shape[0] + 16
    n_ev, ev_p, ev_t, ev_s = _run(
        indptr, indices, weights, arc_thr, arc_b, kind, k, theta, sd, delta_thr, seeds,
        steps, _run_key(base, run), 1, np.zeros(n, dtype=np.uint8),
        np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.float64),
        np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32),
        np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32),
        np.zeros(steps + 1, dtype=np.int64), np.zeros(n, dtype=np.int32), True,
        np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64),
        np.empty(size, dtype=np.int64),
    )  # fmt: skip
    return ev_p[:n_ev].copy(), ev_t[:n_ev].copy(), ev_s[:n_ev].copy()


@numba.njit(cache=True, nogil=True, parallel=True)
def _cascade_kernel(
    indptr: Any, indices: Any, arc_thr: Any, seeds: Any, runs: int, base: Any, threads: int
) -> IntArray:  # pragma: no cover - compiled
    """Final sizes of ``runs`` independent cascades with no step limit (FIFO search).

    Processing the queue in order visits the people of step ``t`` before those of step
    ``t + 1`` in the order :func:`_run` lists them, so both draw the same random numbers.
    ``mark[v]`` (one byte) is the stamp of the last run that reached ``v``.
    """
    n = indptr.shape[0] - 1
    chunks = max(1, min(threads, runs))
    sizes = np.zeros(runs, dtype=np.int64)
    for c in numba.prange(chunks):
        first = c * runs // chunks
        stop = (c + 1) * runs // chunks
        mark = np.zeros(n, dtype=np.uint8)
        queue = np.empty(n, dtype=np.int32)
        for r in range(first, stop):
            cur = (r - first) % _MARKS + 1
            if cur == 1 and r > first:
                mark[:] = 0
            s = _run_key(base, r)
            tail = 0
            for i in range(seeds.shape[0]):
                v = seeds[i]
                if mark[v] != cur:
                    mark[v] = cur
                    queue[tail] = v
                    tail += 1
            head = 0
            while head < tail:
                _prefetch_rows(indptr, indices, arc_thr, queue, head, tail)
                u = queue[head]
                head += 1
                for j in range(indptr[u], indptr[u + 1]):
                    v = indices[j]
                    s += _GAMMA
                    if ((_mix(s) >> _S33) < arc_thr[j]) & (mark[v] != cur):
                        mark[v] = cur
                        queue[tail] = v
                        tail += 1
            sizes[r] = tail
    return sizes


# ---------------------------------------------------------------------------- checks
def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _seed_word(seed: object) -> np.uint64:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    return np.uint64(int(seed) % 2**64)


def _frozen(a: npt.ArrayLike, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A read-only contiguous array, so each kernel is compiled for one array type only."""
    out = np.ascontiguousarray(a, dtype=dtype).view()
    out.setflags(write=False)
    return out


def _seed_positions(seeds: npt.ArrayLike, n: int) -> IntArray:
    arr = np.asarray(seeds)
    if arr.size == 0:
        return _frozen(np.zeros(0), np.int64)
    if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) and arr.dtype != np.bool_):
        raise ValueError(
            "seeds must be a one-dimensional array of integer positions "
            "(use graph.index.get_indexer(person_ids) to turn ids into positions)"
        )
    bad = arr[(arr < 0) | (arr >= n)]
    if bad.size:
        raise ValueError(
            f"seed positions must lie in [0, {n}) for this graph of {n} people; "
            f"got {bad[:5].tolist()}"
        )
    return _frozen(arr, np.int64)


def _to31(p: FloatArray) -> npt.NDArray[np.uint32]:
    """Probabilities as 31-bit integer thresholds: an event fires when ``draw >> 33 < t``.

    ``t = round(p 2^31)``, so each probability is rounded to a multiple of ``2^-31`` (0 and
    1 exactly); four bytes an arc instead of eight.
    """
    return _frozen(np.rint(np.asarray(p, dtype=np.float64) * _ONE31), np.uint32)


def _check_csr(indptr: npt.ArrayLike, indices: npt.ArrayLike) -> tuple[IntArray, Any]:
    ptr, idx = np.asarray(indptr), np.asarray(indices)
    n = len(ptr) - 1
    # the kernels do not check bounds: a malformed CSR would crash the process, not raise
    if ptr.ndim != 1 or n < 0 or ptr[0] != 0 or ptr[-1] != len(idx) or np.any(np.diff(ptr) < 0):
        raise ValueError("indptr must start at 0, never decrease and end at len(indices)")
    if n >= np.iinfo(np.int32).max:
        raise ValueError(f"the simulator supports fewer than 2**31 - 1 people, got {n}")
    if len(idx) and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"indices must lie in [0, {n})")
    return _frozen(ptr, np.int64), _frozen(idx, np.int32)


# ---------------------------------------------------------------------------- API
def cascade_sizes(
    indptr: IntArray,
    indices: IntArray,
    probs: FloatArray,
    seeds: IntArray,
    runs: int,
    seed: int,
) -> IntArray:
    """Final sizes of ``runs`` independent cascades (``ic``, no step limit): the raw kernel.

    ``indptr``/``indices`` is a CSR graph (symmetric for the undirected view, but any
    directed CSR works), ``probs[j]`` the probability of arc ``j``. Parallel over runs and
    reproducible for a ``seed`` whatever the number of threads; the same random numbers as
    :func:`simulate`. Raises ``ValueError`` on a malformed CSR, probabilities outside
    ``[0, 1]``, seeds out of range or ``runs < 1``.

    >>> indptr, indices = np.array([0, 1, 3, 4]), np.array([1, 0, 2, 1])  # path 0 - 1 - 2
    >>> cascade_sizes(indptr, indices, np.ones(4), np.array([0]), runs=3, seed=0).tolist()
    [3, 3, 3]
    >>> sizes = cascade_sizes(indptr, indices, np.full(4, 0.5), np.array([1]), 4000, seed=1)
    >>> round(float(sizes.mean()), 1)  # 1 + 0.5 + 0.5
    2.0
    """
    ptr, idx = _check_csr(indptr, indices)
    n = len(ptr) - 1
    p = np.asarray(probs, dtype=np.float64)
    if p.shape != idx.shape:
        raise ValueError(f"probs must have one value per arc ({len(idx)}), got shape {p.shape}")
    if p.size and not (np.all(p >= 0.0) and np.all(p <= 1.0)):  # also rejects nan
        raise ValueError("probs must lie between 0 and 1")
    runs = _count("runs", runs, 1)
    sizes: IntArray = _cascade_kernel(
        ptr,
        idx,
        _to31(p),
        _seed_positions(seeds, n),
        runs,
        _seed_word(seed),
        # read here: numba.get_num_threads() inside a kernel makes it uncachable
        numba.get_num_threads(),
    )
    return sizes


@dataclass(frozen=True, eq=False)
class Simulation:
    """The result of :func:`simulate`.

    ``adopters[r, t]`` is the number of current adopters of run ``r`` at step ``t``
    (after abandonment); ``mean``, ``p05`` and ``p95`` summarise it over runs per step
    (quantiles linearly interpolated, as ``numpy.quantile``); ``final_reach`` is its last
    column (the distribution of the final reach); ``ever_adopted[v]`` the share of runs in
    which person ``v`` adopted at some step; ``tree`` the adoptions of run ``tree_run``:
    ``person_id``, ``step``, ``source_id`` (``None`` for seeds).

    >>> sim = simulate(_example(), [0], SpreadModel(prob="uniform:0.5"), runs=200, seed=3)
    >>> sim.adopters.shape, sim.final_reach.shape, sim.ever_adopted.shape
    ((200, 27), (200,), (7,))
    >>> bool(sim.p05[-1] <= sim.mean[-1] <= sim.p95[-1]), float(sim.ever_adopted[0])
    (True, 1.0)
    """

    adopters: IntArray
    mean: FloatArray
    p05: FloatArray
    p95: FloatArray
    final_reach: IntArray
    ever_adopted: FloatArray
    tree: pd.DataFrame
    runs: int
    steps: int
    seed: int
    model: SpreadModel

    def standard_error(self) -> float:
        """Standard error of the mean final reach (``nan`` with a single run).

        >>> sim = simulate(_example(), [0], SpreadModel(prob="uniform:1"), runs=5)
        >>> sim.standard_error()  # every run reaches the whole component
        0.0
        """
        if self.runs < 2:
            return math.nan
        return float(np.std(self.final_reach, ddof=1) / math.sqrt(self.runs))

    def reach_by(
        self, graph: OrgGraph, attribute: str, *, min_group_size: int = MIN_GROUP_SIZE
    ) -> pd.DataFrame:
        """Expected reach per group of ``attribute`` (``department``, ``location``…).

        Columns ``group``, ``size`` (members), ``expected_adopters`` (sum of the members'
        ``ever_adopted``: the expected number who adopt at some step) and ``share``
        (``expected_adopters / size``). Members are people who did not opt out; people
        without a value are in :data:`UNKNOWN_GROUP`. Groups (the unknown one included)
        with fewer than ``min_group_size`` members are not named: they are folded into one
        row ``"(groups under N)"``. Rows: named groups in label order, then the unknown,
        then the folded groups.

        Raises :class:`~peerweave.errors.MissingColumnError` when the people have no such
        column, ``ValueError`` when ``graph`` is not the simulated one.

        >>> sim = simulate(_example(), [0], SpreadModel(prob="uniform:1"), runs=5)
        >>> sim.reach_by(_example(), "department", min_group_size=2)
                      group  size  expected_adopters  share
        0                 x     3                3.0    1.0
        1                 y     2                2.0    1.0
        2  (groups under 2)     1                0.0    0.0
        """
        if graph.n != len(self.ever_adopted):
            raise ValueError(
                f"this simulation has {len(self.ever_adopted)} people and the graph {graph.n}:"
                " pass the graph that was simulated"
            )
        if attribute not in graph.people.columns:
            available = ", ".join(str(c) for c in graph.people.columns)
            raise MissingColumnError(
                "people",
                Problem(
                    f"the people have no {attribute} column",
                    column=attribute,
                    fix=f"group by one of: {available}",
                ),
            )
        values = graph.people[attribute].reset_index(drop=True)
        if pd.api.types.is_float_dtype(values.dtype):
            x = values.dropna().to_numpy(dtype=np.float64)
            if np.all(np.isfinite(x) & (np.abs(x) < 2.0**53) & (x == np.floor(x))):
                values = values.astype("Int64")  # whole numbers read beside blanks: "3", not "3.0"
        text = values.astype("string").str.strip()
        labels = text.mask(text == "").fillna(UNKNOWN_GROUP).astype(object)
        active = np.ones(graph.n, dtype=bool)
        if "opted_out" in graph.people.columns:
            opted = graph.people["opted_out"].astype("boolean").fillna(False)
            active = ~opted.to_numpy(dtype=bool)
        frame = pd.DataFrame({"group": labels, "adopted": self.ever_adopted})[active]
        table = frame.groupby("group", sort=True).agg(
            size=("adopted", "size"), expected_adopters=("adopted", "sum")
        )
        small_label = SMALL_GROUPS.format(n=min_group_size)
        small = table["size"] < min_group_size
        unknown = table.index == UNKNOWN_GROUP
        parts = [table[~small & ~unknown], table[~small & unknown]]
        if small.any():
            folded = table[small].sum().to_frame(small_label).T
            parts.append(folded)
        out = pd.concat([p for p in parts if len(p)]) if len(table) else table
        out = out.rename_axis("group").reset_index()
        out["group"] = out["group"].astype(object)
        out["size"] = out["size"].astype(np.int64)
        out["expected_adopters"] = out["expected_adopters"].astype(np.float64)
        out["share"] = out["expected_adopters"] / out["size"]
        return out


def simulate(
    graph: OrgGraph,
    seeds: npt.ArrayLike,
    model: SpreadModel = SpreadModel(),
    *,
    runs: int = 1000,
    steps: int = 26,
    seed: int = 0,
    tree_run: int = 0,
) -> Simulation:
    """Simulate ``runs`` realisations of ``model`` for ``steps`` weeks from ``seeds``.

    ``seeds`` are graph positions (``graph.index.get_indexer(ids)``); repeats count once.
    Any position is accepted: keeping opted-out people out of the seeds is the caller's job.
    See the module docstring for the dynamics, and :class:`Simulation` for the result.

    Raises
    ------
    ValueError
        ``runs < 1``, ``steps < 1``, ``tree_run`` not in ``[0, runs)``, a seed position
        outside ``[0, n)``, or a bad probability mapping in ``model.prob``.

    Examples
    --------
    >>> g = _example()
    >>> sim = simulate(g, [0, 1], SpreadModel("complex", prob="uniform:1"), runs=3, steps=3)
    >>> sim.adopters[0].tolist()  # c and d each see both a and b; e sees c and d
    [2, 4, 5, 5]
    >>> sim.tree.source_id.tolist()  # strongest adopting contact (ties: the first)
    [None, None, 'a', 'a', 'c']
    >>> simulate(g, [9])
    Traceback (most recent call last):
    ...
    ValueError: seed positions must lie in [0, 7) for this graph of 7 people; got [9]
    """
    if not isinstance(graph, OrgGraph):
        raise ValueError(f"graph must be an OrgGraph, got {type(graph).__name__}")
    if not isinstance(model, SpreadModel):
        raise ValueError(f"model must be a SpreadModel, got {model!r}")
    runs = _count("runs", runs, 1)
    steps = _count("steps", steps, 1)
    tree_run = _count("tree_run", tree_run, 0)
    if tree_run >= runs:
        raise ValueError(f"tree_run must be a run number in [0, {runs}), got {tree_run}")
    base = _seed_word(seed)
    n = graph.n
    positions = _seed_positions(seeds, n)
    indptr, indices = _check_csr(graph.und_indptr, graph.und_indices)
    weights = _frozen(graph.und_weights, np.float64)
    kind = _KIND_CODES[model.kind]
    arc_thr = _frozen(np.zeros(0), np.uint32)
    arc_b = _frozen(np.zeros(0), np.float64)
    if kind == _IC:
        arc_thr = _to31(arc_probabilities(graph, model.prob))
    elif kind == _LT:
        arc_b = _frozen(lt_weights(graph, model.prob), np.float64)
    theta = -1.0 if model.fraction is None else float(model.fraction)
    params = (
        kind,
        float(model.threshold),
        theta,
        float(model.threshold_sd),
        np.uint64(round(float(model.abandonment) * _ONE31)),
        positions,
        steps,
    )
    adopters, ever = _simulate_kernel(
        indptr, indices, weights, arc_thr, arc_b, *params, runs, base, numba.get_num_threads()
    )
    person, step, source = _tree_kernel(
        indptr, indices, weights, arc_thr, arc_b, *params, tree_run, base
    )
    ids = np.asarray(graph.ids, dtype=object)
    source_ids = np.full(len(source), None, dtype=object)
    known = source >= 0
    source_ids[known] = ids[source[known]]
    tree = pd.DataFrame(
        {
            "person_id": pd.Series(ids[person], dtype=object),
            "step": pd.Series(step, dtype=np.int64),
            "source_id": pd.Series(source_ids, dtype=object),
        }
    )
    adopters = np.asarray(adopters, dtype=np.int64)
    p05, p95 = np.quantile(adopters, [0.05, 0.95], axis=0)
    return Simulation(
        adopters=adopters,
        mean=adopters.mean(axis=0),
        p05=np.asarray(p05, dtype=np.float64),
        p95=np.asarray(p95, dtype=np.float64),
        final_reach=adopters[:, -1].copy(),
        ever_adopted=np.asarray(ever, dtype=np.float64) / runs,
        tree=tree,
        runs=runs,
        steps=steps,
        seed=int(seed),
        model=model,
    )


def _example() -> OrgGraph:
    """Seven people: a and b both know c and d; c and d know e; f - g is apart.

    Departments: a b c in x, d e in y, f g in z; g opted out (so f is alone).
    """
    people = pd.DataFrame(
        {
            "person_id": list("abcdefg"),
            "department": ["x", "x", "x", "y", "y", "z", "z"],
            "opted_out": [False] * 6 + [True],
        }
    )
    ties = pd.DataFrame(
        {
            "source": ["a", "a", "b", "b", "c", "d", "f"],
            "target": ["c", "d", "c", "d", "e", "e", "g"],
        }
    )
    return OrgGraph.from_frames(people, ties)

r"""Champion selection by influence maximization over reverse-reachable sets: OPIM-C and IMM.

Given a budget of ``k`` champions, :func:`select_champions` looks for the people whose
adoption, spreading under the independent cascade (``ic``) or linear threshold (``lt``)
model of :mod:`peerweave.spread.model`, reaches the most colleagues in expectation. It runs
OPIM-C (Tang, Tang, Xiao & Yuan 2018) by default, or IMM (Tang, Shi & Xiao 2015) with the
correction of Chen (2018); both give the same (1 − 1/e − ε) guarantee, described below.

**Reverse-reachable (RR) sets.** Pick a person ``v`` uniformly among the people the
practice can reach (everyone but the opted-out, who have no ties and are never seeds) and
draw a random live-edge world *backwards* from ``v``: under ``ic`` a reverse breadth-first
search in which each arc ``u → v`` into a reached person is live with probability ``p_uv``
(:func:`~peerweave.spread.model.arc_probabilities`); under ``lt`` a reverse random walk in
which each reached person picks at most one contact ``u`` with probability ``b_uv``
(:func:`~peerweave.spread.model.lt_weights`) and the walk stops at a person with no pick or
at a person already on it. The people met form the RR set ``R``; for any seed set ``S``,
``n · Pr[S ∩ R ≠ ∅]`` is its expected reach ``σ(S)`` (Borgs, Brautbar, Chayes & Lucier 2014),
so the share ``F_R(S)`` of ``θ`` sampled sets that ``S`` touches estimates ``σ(S) / n``, and
choosing ``S`` is a maximum-coverage problem, solved greedily (lazy evaluation over exact
coverage counts, with an inverted index person → sets). Here ``n`` is the number of people
who are not opted out.

On the undirected view every tie ``{u, v}`` gives two arcs; the probability of ``u → v``
sits at the entry of ``v`` in ``u``'s row. A reverse search scans ``v``'s row, so each entry
``(v, u)`` is mapped to its twin ``(u, v)`` once (``reverse``) and the probabilities of the
arcs *into* each person are laid out along its row. When every arc into a person has the
same probability (always under ``weighted-cascade`` and ``uniform:P``), the live ones are
found by geometric skips instead of one draw per arc.

**IMM** (ε, ℓ; ``n`` people, ``k`` champions, of whom ``k_f`` forced; ``C`` the number of
seed sets the algorithm may return, ``log C = log binom(n_c, k - k_f)`` for ``n_c``
eligible people not forced in):

* ``ℓ' = ℓ + log 2 / log n`` — each of the two phases below fails with probability at most
  ``n^-ℓ'``, so both hold with probability at least ``1 - 2 n^-ℓ' = 1 - n^-ℓ``;
* sampling phase (Tang et al. Algorithm 2, martingale bounds): with ``ε' = √2 ε`` and

  .. math::

      λ' = \frac{(2 + \tfrac{2}{3} ε') (\log C + ℓ' \log n + \log \log_2 n)\, n}{ε'^2},

  for ``i = 1, 2, …, ⌊log₂ n⌋ - 1``: ``x = n / 2^i``, grow the sample to ``⌈λ' / x⌉`` RR sets,
  select ``S_i`` greedily (with every constraint below); stop at the first ``i`` with
  ``n F(S_i) ≥ (1 + ε') x`` and set ``LB = n F(S_i) / (1 + ε')``. ``LB`` is then raised to at
  least ``k`` (the champions themselves always adopt, so ``OPT ≥ k``);
* final phase: ``θ = ⌈λ* / LB⌉`` with

  .. math::

      λ^* = \frac{2n \left((1 - 1/e)\,α + β\right)^2}{ε^2},\quad
      α = \sqrt{ℓ' \log n + \log 2},\quad
      β = \sqrt{(1 - 1/e)(\log C + ℓ' \log n + \log 2)};

  **θ fresh RR sets are drawn, independent of the sampling phase** (the fix Chen 2018
  proposes: regenerate the RR sets of the final selection), and the champions are chosen
  greedily on them. In the original IMM the final
  sets reuse the sampling phase's, so ``θ`` is a random variable that depends on the very
  sets it counts and the martingale bound the proof invokes does not apply (Chen 2018);
  with fresh sets ``θ`` is fixed given the first phase and the Chernoff bounds of Tang et
  al.'s Theorem 1 hold as stated.

**OPIM-C** (the default) draws two independent samples, ``R1`` to choose and ``R2`` to
judge, starting with ``θ₀ = θ_max ε² k / n`` sets each, where

.. math::

    θ_{max} = \frac{2n\left(ρ\sqrt{a} + \sqrt{ρ(\log C + a)}\right)^2}{ε^2 k},\quad
    a = \log 6 + ℓ \log n

and ``ρ`` is greedy's ratio (``1 − 1/e``, or ``1/2`` under binding group limits). Each round
chooses ``S`` greedily on ``R1`` and bounds, with ``a' = log(3 i_max) + ℓ log n`` for
``i_max`` rounds, the reach of ``S`` from below on ``R2`` and the optimum from above on
``R1``:

.. math::

    σ^-(S) = \left(\left(\sqrt{Λ_2(S) + 2a'/9} - \sqrt{a'/2}\right)^2 - a'/18\right)
    \frac{n}{θ},\qquad
    σ^+(O) = \left(\sqrt{Λ_1^+ + a'/2} + \sqrt{a'/2}\right)^2 \frac{n}{θ},

where ``Λ₂(S)`` counts the sets of ``R2`` that ``S`` touches and ``Λ₁⁺ = min(Λ₁(S)/ρ, Λ₁(S) +
Σ`` of the ``k`` largest marginal gains left``)`` bounds the optimum's coverage of ``R1``
(submodularity: ``f(O) ≤ f(S) + Σ_{v∈O} Δ(v | S)``). When ``σ⁻/σ⁺ ≥ ρ − ε`` the set is
returned; otherwise both samples double, and the last round (at least ``θ_max`` sets) meets
the bound by the worst-case analysis. The ratio ``σ⁻/σ⁺`` reached is reported
(``ChampionSelection.achieved``): a guarantee certified for this organization, usually
above the worst case. Because OPIM-C may stop on few sets, the champions' reach and marginal
gains are then estimated on ``R2`` grown by the stopping rule of Dagum, Karp, Luby & Ross
(2000) until the reach is known within ``ε/2``. On a 100,000-person synthetic organization
(weighted cascade, ``k = 50``, ``ε = 0.1``) OPIM-C drew 0.8 million sets where IMM drew 3.5
million.

**Guarantee.** With probability at least ``1 - 1/n^ℓ`` the expected reach of the returned
set is at least ``(1 - 1/e - ε)`` times the best possible among the sets the constraints
allow. With forced champions (``include``) the greedy starts from them: the bound is
relative to the best set that contains them (greedy on ``f(I ∪ ·)``, still monotone
submodular). With group limits (``at_least`` / ``at_most``) the feasible sets are the
independent sets of a matroid (``|S ∩ g| ≤ at_most_g`` and ``Σ_g max(|S ∩ g|,
at_least_g) ≤ k``: a partition matroid with lower bounds, El Halabi et al. 2020) and greedy
over a matroid guarantees only ``1/2`` (Fisher, Nemhauser & Wolsey 1978), so the bound is
``1/2 - ε``; the same ``θ`` suffices because ``λ*`` only grows with the greedy ratio it is
built for. ``ChampionSelection.guarantee`` says which bound holds. Greedy picks the
eligible person covering the most uncovered sets, skipping full groups and, once the
remaining slots equal the unmet minimums, taking only people of groups still short;
ties go to the lower position.

**Reproducibility.** RR set ``i`` of phase ``f`` draws its random numbers from its own
SplitMix64 stream (Steele, Lea & Flood 2014), seeded from ``(seed, f, i)``; sets are made in
parallel over chunks (Numba), so the result does not depend on the number of threads.

**Memory.** Members of RR sets and the inverted index are ``int32`` (8 bytes per member in
all); per set, its size (``int32``), offset (``int64``) and a covered flag; IMM's two phases
never coexist, OPIM-C's two samples do (each may use half the budget). The peak is about ``θ · (17 + 8 · mean RR set size)`` bytes plus the graph
and ``8 n`` bytes per thread. The mean RR set size is the mean reach of one random seed:
small when cascades die out (weighted cascade: about 15 on a synthetic organization), a
large share of ``n`` when they are supercritical. Before growing the sample, and after each
batch of sets, the projected need is compared with ``MEMORY_SHARE`` of the memory available
at the start; a run that would not fit stops with a :class:`~peerweave.errors.PeerweaveError`
saying what to change (a larger ε, smaller probabilities).

References
----------
* Y. Tang, Y. Shi & X. Xiao (2015). Influence maximization in near-linear time: a martingale
  approach. *SIGMOD 2015*.
* J. Tang, X. Tang, X. Xiao & J. Yuan (2018). Online processing algorithms for influence
  maximization. *SIGMOD 2018*.
* P. Dagum, R. Karp, M. Luby & S. Ross (2000). An optimal algorithm for Monte Carlo
  estimation. *SIAM J. Comput.* 29(5).
* W. Chen (2018). An issue in the martingale analysis of the influence maximization
  algorithm IMM. *CSoNet 2018*; arXiv:1808.09363.
* C. Borgs, M. Brautbar, J. Chayes & B. Lucier (2014). Maximizing social influence in nearly
  optimal time. *SODA 2014*.
* D. Kempe, J. Kleinberg & É. Tardos (2003). Maximizing the spread of influence through a
  social network. *KDD 2003*.
* M. L. Fisher, G. L. Nemhauser & L. A. Wolsey (1978). An analysis of approximations for
  maximizing submodular set functions II. *Math. Programming Study* 8.
* M. El Halabi, S. Mitrović, A. Norouzi-Fard, J. Tardos & J. Tarnawski (2020). Fairness in
  streaming submodular maximization: algorithms and hardness. *NeurIPS 2020*.
* G. L. Steele, D. Lea & C. H. Flood (2014). Fast splittable pseudorandom number generators.
  *OOPSLA 2014*.

Examples
--------
>>> import pandas as pd
>>> people = pd.DataFrame({"person_id": list("abcdefg")})
>>> ties = pd.DataFrame({"source": list("aaaaeg"), "target": list("bcdfbe")})
>>> g = OrgGraph.from_frames(people, ties)          # a star around a, and b - e - g
>>> pick = select_champions(g, 2, seed=1)
>>> g.ids[pick.positions].tolist(), pick.rr_sets > 0
(['a', 'e'], True)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numba
import numpy as np
import numpy.typing as npt

from peerweave.errors import ConstraintError, PeerweaveError
from peerweave.network.graph import OrgGraph
from peerweave.network.paths import _prefetch
from peerweave.spread.model import arc_probabilities, lt_weights

__all__ = ["ChampionSelection", "select_champions"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_U64 = 0xFFFFFFFFFFFFFFFF
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2^-53

#: Most RR sets one run may hold (the inverted index stores set numbers as int32).
MAX_RR_SETS = 2**31 - 2
#: Share of the memory available at the start that the RR sets may take.
MEMORY_SHARE = 0.7
#: Target number of members one chunk of RR sets writes per kernel call (64 MB of int32).
_CHUNK_MEMBERS = 1 << 24
_E1 = 1.0 - 1.0 / math.e
_AHEAD = 4  # how many places ahead in a BFS queue the kernel prefetches rows
_AHEAD_MEMBERS = 16  # how many members ahead the inverted index prefetches


# ---------------------------------------------------------------------------------- kernels
@numba.njit(cache=True, nogil=True)
def _mix(z: Any) -> Any:  # pragma: no cover - compiled
    """SplitMix64's finalizer: a bijective, well-mixing map of 64-bit words."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@numba.njit(cache=True, nogil=True)
def _uniform(state: Any) -> tuple[float, Any]:  # pragma: no cover - compiled
    """Next SplitMix64 output as a double in ``[0, 1)``, and the new state."""
    state = state + _GOLDEN
    return (_mix(state) >> _S11) * _TO_UNIT, state


@numba.njit(cache=True, nogil=True)
def _twins(indptr: Any, indices: Any) -> Any:  # pragma: no cover - compiled
    """For a symmetric CSR with sorted rows: ``reverse[j]`` = the entry ``(v, u)`` of ``(u, v)``.

    Rows are read in order, so the entries ``(v, u)`` of a fixed ``v`` are met in increasing
    ``u``, which is the order of row ``v``: a cursor per row finds every twin in O(m).
    """
    n = indptr.shape[0] - 1
    cursor = indptr[:-1].copy()
    reverse = np.empty(indices.shape[0], dtype=np.int64)
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            reverse[j] = cursor[v]
            cursor[v] += 1
    return reverse


@numba.njit(cache=True, nogil=True)
def _row_cumsum(indptr: Any, values: Any) -> Any:  # pragma: no cover - compiled
    """Running sums of ``values`` within each row; a row summing to 1 (± 1e-9) ends at 1.0."""
    out = np.empty(values.shape[0], dtype=np.float64)
    for v in range(indptr.shape[0] - 1):
        total = 0.0
        for j in range(indptr[v], indptr[v + 1]):
            total += values[j]
            out[j] = total
        if indptr[v + 1] > indptr[v] and abs(total - 1.0) <= 1e-9:
            out[indptr[v + 1] - 1] = 1.0
    return out


@numba.njit(cache=True, nogil=True)
def _ic_set(
    indptr: Any,
    indices: Any,
    in_prob: Any,
    row_logq: Any,
    cascade: bool,
    root: int,
    state: Any,
    out: Any,
    pos: int,
    mark: Any,
) -> tuple[int, Any]:  # pragma: no cover - compiled
    """One IC RR set by reverse BFS from ``root``, written to ``out[pos:]``: (end or -1, state).

    With ``cascade`` (weighted cascade) every arc into ``v`` has probability ``1 / deg(v)``;
    otherwise ``row_logq[v]`` is ``log(1 - p)`` when every arc into ``v`` has the same
    probability ``p`` and ``nan`` when they differ (``in_prob[j]`` is the probability of the
    arc from ``indices[j]`` into ``v``). Equal probabilities are sampled by geometric skips
    between live arcs (``-inf``: all live, ``0``: none), others by one draw per arc. The BFS
    queue is ``out`` itself; rows of the nodes a few places ahead in it are prefetched.
    ``mark`` (all zero on entry and on return) flags the members. Returns -1 when ``out``
    is full.
    """
    cap = out.shape[0]
    if pos >= cap:
        return -1, state
    out[pos] = root
    mark[root] = 1
    head = pos
    tail = pos + 1
    while head < tail:
        if head + 2 * _AHEAD < tail:
            _prefetch(indptr, out[head + 2 * _AHEAD])
            if not cascade:
                _prefetch(row_logq, out[head + 2 * _AHEAD])
        if head + _AHEAD < tail:
            _prefetch(indices, indptr[out[head + _AHEAD]])
        v = out[head]
        head += 1
        lo = indptr[v]
        hi = indptr[v + 1]
        if cascade:
            d = hi - lo
            logq = math.log1p(-1.0 / d) if d > 1 else (-np.inf if d == 1 else 0.0)
        else:
            logq = row_logq[v]
        if logq == logq:  # same probability on every arc into v
            if logq == 0.0:
                continue
            j = lo - 1
            while True:
                if logq == -np.inf:
                    j += 1
                else:
                    u01, state = _uniform(state)
                    skip = math.log(1.0 - u01) / logq
                    if skip >= hi - j:
                        break
                    j += 1 + int(skip)
                if j >= hi:
                    break
                w = indices[j]
                if mark[w] == 0:
                    if tail >= cap:
                        tail = -1
                        break
                    mark[w] = 1
                    out[tail] = w
                    tail += 1
        else:
            for j in range(lo, hi):
                w = indices[j]
                if mark[w] != 0:
                    continue
                u01, state = _uniform(state)
                if u01 < in_prob[j]:
                    if tail >= cap:
                        tail = -1
                        break
                    mark[w] = 1
                    out[tail] = w
                    tail += 1
        if tail < 0:
            head = cap  # full: unmark what was written, report it
            break
    end = tail if tail >= 0 else cap
    for q in range(pos, end):
        mark[out[q]] = 0
    return tail, state


@numba.njit(cache=True, nogil=True)
def _lt_set(
    indptr: Any,
    indices: Any,
    in_cum: Any,
    root: int,
    state: Any,
    out: Any,
    pos: int,
    mark: Any,
) -> tuple[int, Any]:  # pragma: no cover - compiled
    """One LT RR set by reverse random walk from ``root``: (end or -1 when full, state).

    ``in_cum`` holds the running sums, along ``v``'s row, of the in-weights ``b_uv``; the
    walk moves to the first ``u`` whose running sum exceeds a uniform draw, and stops when
    the draw exceeds the row's total (no live in-arc), at a person with no contacts, or on
    meeting a person already in the set. ``mark`` is all zero on entry and on return.
    """
    cap = out.shape[0]
    if pos >= cap:
        return -1, state
    out[pos] = root
    mark[root] = 1
    tail = pos + 1
    v = root
    while True:
        lo = indptr[v]
        hi = indptr[v + 1]
        if lo == hi:
            break
        u01, state = _uniform(state)
        if u01 >= in_cum[hi - 1]:
            break
        a = lo
        b = hi - 1
        while a < b:
            mid = (a + b) >> 1
            if in_cum[mid] > u01:
                b = mid
            else:
                a = mid + 1
        w = indices[a]
        if mark[w] != 0:
            break
        if tail >= cap:
            tail = -1
            break
        mark[w] = 1
        out[tail] = w
        tail += 1
        v = w
    end = tail if tail >= 0 else cap
    for q in range(pos, end):
        mark[out[q]] = 0
    return tail, state


@numba.njit(cache=True, nogil=True, parallel=True)
def _rr_kernel(
    indptr: Any,
    indices: Any,
    in_prob: Any,
    row_logq: Any,
    in_cum: Any,
    lt: bool,
    cascade: bool,
    roots: Any,
    key: Any,
    starts: Any,
    stops: Any,
    capacity: int,
) -> tuple[Any, Any, Any, Any]:  # pragma: no cover - compiled
    """RR sets ``starts[c] .. stops[c] - 1`` for every chunk ``c``, one chunk per iteration.

    Set ``i`` uses the random stream seeded by ``_mix(key ^ _mix(i))``: its content depends
    on ``i`` only, never on the chunking. Chunk ``c`` writes its members to ``buf[c]`` and
    stops early when the buffer (``capacity`` members) is full. Returns ``(buf, sizes,
    done, used)``: ``sizes`` (the chunks' sets back to back) the size of each set made,
    ``done[c]`` how many sets chunk ``c`` completed and ``used[c]`` how many members it wrote.
    """
    n = indptr.shape[0] - 1
    n_roots = roots.shape[0]
    chunks = starts.shape[0]
    offsets = np.zeros(chunks + 1, dtype=np.int64)
    for c in range(chunks):
        offsets[c + 1] = offsets[c] + stops[c] - starts[c]
    buf = np.empty((chunks, capacity), dtype=np.int32)
    sizes = np.zeros(offsets[chunks], dtype=np.int32)
    done = np.zeros(chunks, dtype=np.int64)
    used = np.zeros(chunks, dtype=np.int64)
    for c in numba.prange(chunks):
        out = buf[c]
        mark = np.zeros(n, dtype=np.uint8)
        pos = 0
        made = 0
        for i in range(starts[c], stops[c]):
            state = _mix(key ^ _mix(np.uint64(i)))
            u01, state = _uniform(state)
            root = roots[min(int(u01 * n_roots), n_roots - 1)]
            if lt:
                end, state = _lt_set(indptr, indices, in_cum, root, state, out, pos, mark)
            else:
                end, state = _ic_set(
                    indptr, indices, in_prob, row_logq, cascade, root, state, out, pos, mark
                )
            if end < 0:
                break
            sizes[offsets[c] + made] = end - pos
            pos = end
            made += 1
        done[c] = made
        used[c] = pos
    return buf, sizes, done, used


@numba.njit(cache=True, nogil=True, parallel=True)
def _invert(
    members: Any, set_ptr: Any, n: int, threads: int
) -> tuple[Any, Any]:  # pragma: no cover
    """Inverted index: ``sets[ptr[v]:ptr[v + 1]]`` are the RR sets holding ``v``, ascending.

    A parallel counting sort: the sets are cut into ``threads`` contiguous chunks; each
    counts its members per person, the counts become per-chunk write cursors (chunk ``c``
    writes after chunks ``< c`` in every person's list), and each chunk fills its part.
    Both passes read ``members`` in order and prefetch the counters (and list slots) of the
    members ``_AHEAD_MEMBERS`` places ahead: the random accesses are what costs.
    """
    n_sets = set_ptr.shape[0] - 1
    chunks = max(1, min(threads, n_sets))
    cursor = np.zeros((chunks, n), dtype=np.int64)
    for c in numba.prange(chunks):
        row = cursor[c]
        hi = set_ptr[(c + 1) * n_sets // chunks]
        for q in range(set_ptr[c * n_sets // chunks], hi):
            if q + _AHEAD_MEMBERS < hi:
                _prefetch(row, members[q + _AHEAD_MEMBERS])
            row[members[q]] += 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        running = ptr[v]
        for c in range(chunks):
            count = cursor[c, v]
            cursor[c, v] = running
            running += count
        ptr[v + 1] = running
    sets = np.empty(set_ptr[n_sets], dtype=np.int32)
    for c in numba.prange(chunks):
        row = cursor[c]
        s = c * n_sets // chunks
        hi = set_ptr[(c + 1) * n_sets // chunks]
        for q in range(set_ptr[s], hi):
            while q >= set_ptr[s + 1]:
                s += 1
            if q + 2 * _AHEAD_MEMBERS < hi:
                _prefetch(row, members[q + 2 * _AHEAD_MEMBERS])
            if q + _AHEAD_MEMBERS < hi:
                _prefetch(sets, row[members[q + _AHEAD_MEMBERS]])
            v = members[q]
            sets[row[v]] = s
            row[v] += 1
    return ptr, sets


@numba.njit(cache=True, nogil=True)
def _sift_down(heap: Any, size: int, i: int) -> None:  # pragma: no cover - compiled
    item = heap[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] > heap[child]:
            child += 1
        if heap[child] <= item:
            break
        heap[i] = heap[child]
        i = child
    heap[i] = item


@numba.njit(cache=True, nogil=True)
def _cover(
    v: int, members: Any, set_ptr: Any, inv_ptr: Any, inv: Any, covered: Any, coverage: Any
) -> int:  # pragma: no cover - compiled
    """Mark the uncovered sets holding ``v`` covered, update coverage counts; return how many."""
    gained = 0
    for q in range(inv_ptr[v], inv_ptr[v + 1]):
        s = inv[q]
        if covered[s]:
            continue
        covered[s] = True
        gained += 1
        for r in range(set_ptr[s], set_ptr[s + 1]):
            coverage[members[r]] -= 1
    return gained


@numba.njit(cache=True, nogil=True)
def _greedy(
    members: Any,
    set_ptr: Any,
    inv_ptr: Any,
    inv: Any,
    candidate: Any,
    forced: Any,
    k: int,
    code: Any,
    cap: Any,
    need: Any,
) -> tuple[Any, Any, int, Any]:  # pragma: no cover - compiled
    """Greedy maximum coverage under group limits: ``(chosen, gains, covered sets, coverage)``.

    ``forced`` are taken first, in order. Then, lazily: a max-heap holds ``coverage << 32 |
    (2^32 - 1 - v)`` for every candidate (ties to the lower position); the top is taken if
    its key is current, re-keyed if stale (coverage only falls, so a stale key is an upper
    bound and a current top is the true maximum), and dropped if ``v``'s group ``code[v]``
    is full (``cap``) or, when the slots left equal the unmet minimums (``need``), if the
    group is not short — both conditions are permanent once they hold. ``coverage`` is, at
    the end, every person's exact marginal gain (uncovered sets holding them).
    """
    n = candidate.shape[0]
    n_sets = set_ptr.shape[0] - 1
    coverage = inv_ptr[1:] - inv_ptr[:-1]
    covered = np.zeros(n_sets, dtype=np.bool_)
    chosen = np.empty(k, dtype=np.int64)
    gains = np.empty(k, dtype=np.int64)
    taken = np.zeros(cap.shape[0], dtype=np.int64)
    unmet = 0
    for g in range(need.shape[0]):
        unmet += need[g]
    picked = 0
    total = 0
    for f in range(forced.shape[0]):
        v = forced[f]
        gained = _cover(v, members, set_ptr, inv_ptr, inv, covered, coverage)
        chosen[picked] = v
        gains[picked] = gained
        total += gained
        picked += 1
        g = code[v]
        if taken[g] < need[g]:
            unmet -= 1
        taken[g] += 1
    low = np.int64(0xFFFFFFFF)
    heap = np.empty(n, dtype=np.int64)
    size = 0
    for v in range(n):
        if candidate[v]:
            heap[size] = (coverage[v] << 32) | (low - v)
            size += 1
    for i in range(size // 2 - 1, -1, -1):
        _sift_down(heap, size, i)
    while picked < k and size > 0:
        top = heap[0]
        v = low - (top & low)
        g = code[v]
        if taken[g] >= cap[g] or (k - picked <= unmet and taken[g] >= need[g]):
            size -= 1
            heap[0] = heap[size]
            _sift_down(heap, size, 0)
            continue
        current = (coverage[v] << 32) | (low - v)
        if current != top:
            heap[0] = current
            _sift_down(heap, size, 0)
            continue
        size -= 1
        heap[0] = heap[size]
        _sift_down(heap, size, 0)
        gained = _cover(v, members, set_ptr, inv_ptr, inv, covered, coverage)
        chosen[picked] = v
        gains[picked] = gained
        total += gained
        picked += 1
        if taken[g] < need[g]:
            unmet -= 1
        taken[g] += 1
    return chosen[:picked], gains[:picked], total, coverage


@numba.njit(cache=True, nogil=True, parallel=True)
def _first_rank(members: Any, set_ptr: Any, rank: Any, k: int) -> Any:  # pragma: no cover
    """Sets first covered by each of ``k`` chosen people, in their order of choice.

    ``rank[v]`` is ``v``'s place among the chosen (``k`` for the others); a set counts for
    the lowest place among its members. The sum is the number of sets covered; entry ``i``
    is the ``i``-th champion's marginal gain on these sets.
    """
    n_sets = set_ptr.shape[0] - 1
    first = np.full(n_sets, k, dtype=np.int64)
    for s in numba.prange(n_sets):
        best = k
        for r in range(set_ptr[s], set_ptr[s + 1]):
            best = min(best, rank[members[r]])
        first[s] = best
    return np.bincount(first, minlength=k + 1)[:k]


# ---------------------------------------------------------------------------------- python
@dataclass(frozen=True, eq=False)
class ChampionSelection:
    """The champions IMM chose, in order of selection, with what each one adds.

    >>> import pandas as pd
    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abc")}),
    ...                          pd.DataFrame({"source": ["a", "a"], "target": ["b", "c"]}))
    >>> pick = select_champions(g, 1)
    >>> pick.positions.tolist(), round(pick.estimated_reach), pick.model
    ([0], 3, 'ic')
    >>> pick.guarantee.split(" with")[0]
    '(1 − 1/e − ε) of the optimum'
    """

    #: Chosen people (graph positions) in order of selection; forced ones first.
    positions: IntArray
    #: Estimated extra expected adopters each adds: ``n × coverage gain / θ``.
    marginal_gain: FloatArray
    #: Expected adopters of the whole set (IMM estimate, seeds included).
    estimated_reach: float
    #: ``θ``: RR sets the final selection used.
    rr_sets: int
    epsilon: float
    ell: float
    #: ``"ic"`` or ``"lt"``.
    model: str
    #: The approximation guarantee that holds, in words.
    guarantee: str
    #: ``"opim-c"`` or ``"imm"``: the algorithm that chose.
    method: str = "imm"
    #: OPIM-C only: the ratio to the optimum certified on this instance (with the same
    #: probability as the guarantee), usually well above the worst-case bound.
    achieved: float | None = None


@dataclass(frozen=True, eq=False)
class _Influence:
    """The graph laid out for RR sets: CSR (int32 columns) and the arcs *into* each row."""

    indptr: IntArray
    indices: npt.NDArray[np.int32]
    in_prob: FloatArray
    row_logq: FloatArray
    in_cum: FloatArray
    lt: bool
    cascade: bool  # ic with p = 1 / deg(v) on every arc: the kernel derives it from degrees
    roots: npt.NDArray[np.int32]


def _influence(graph: OrgGraph, model: str, prob: str, roots: IntArray) -> _Influence:
    indptr = np.ascontiguousarray(graph.und_indptr, dtype=np.int64)
    indices = np.ascontiguousarray(graph.und_indices, dtype=np.int32)
    n = graph.n
    empty = np.zeros(0, dtype=np.float64)
    reverse = _twins(indptr, indices) if len(indices) else np.zeros(0, dtype=np.int64)
    at_roots = np.ascontiguousarray(roots, dtype=np.int32)
    if model == "lt":
        b = np.asarray(lt_weights(graph, prob), dtype=np.float64)
        in_cum = _row_cumsum(indptr, b[reverse]) if len(indices) else empty
        return _Influence(indptr, indices, empty, empty, in_cum, True, False, at_roots)
    p = np.asarray(arc_probabilities(graph, prob), dtype=np.float64)
    in_prob = np.ascontiguousarray(p[reverse])
    degree = np.diff(indptr)
    if np.array_equal(in_prob, 1.0 / np.repeat(degree, degree).astype(np.float64)):
        return _Influence(indptr, indices, empty, empty, empty, False, True, at_roots)
    row_logq = np.full(n, np.nan, dtype=np.float64)
    nonempty = np.flatnonzero(degree > 0)
    if len(nonempty):
        lo = np.minimum.reduceat(in_prob, indptr[nonempty])
        hi = np.maximum.reduceat(in_prob, indptr[nonempty])
        same = lo == hi
        with np.errstate(divide="ignore"):
            row_logq[nonempty[same]] = np.log1p(-np.clip(lo[same], 0.0, 1.0))
    row_logq[degree == 0] = 0.0  # nothing flows in
    return _Influence(indptr, indices, in_prob, row_logq, empty, False, False, at_roots)


def _stream_key(seed: int, phase: int) -> np.uint64:
    """A 64-bit key per (seed, phase), mixed in Python exactly as the kernel mixes."""

    def mix(z: int) -> int:
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _U64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _U64
        return z ^ (z >> 31)

    return np.uint64(mix((mix(int(seed) & _U64) + 0x9E3779B97F4A7C15 * (phase + 1)) & _U64))


class _OverBudget(Exception):
    """Growing the sample as asked would take more memory than the budget."""

    def __init__(self, needed: float, mean: float) -> None:
        super().__init__(needed, mean)
        self.needed = needed
        self.mean = mean


def _memory_budget() -> float:
    """Bytes the RR sets may take: ``MEMORY_SHARE`` of the memory available now."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return MEMORY_SHARE * int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return MEMORY_SHARE * os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return math.inf


class _Sample:
    """RR sets ``0 .. count - 1`` of one random stream, stored flat: sizes and members (int32).

    Sets are stored in the order the chunks finish them, not by number: every result
    (coverage counts, greedy picks, gains) depends only on which sets there are.
    """

    def __init__(
        self, inf: _Influence, key: np.uint64, threads: int, budget: float, mean: float = 4.0
    ) -> None:
        self.inf = inf
        self.budget = budget
        self.key = key
        self.threads = max(1, threads)
        self.sizes = np.zeros(0, dtype=np.int32)
        self.members = np.zeros(0, dtype=np.int32)
        self.count = 0  # sets made
        self.length = 0  # members in use (``members`` may be longer)
        self.mean = mean  # mean set size so far, to size buffers

    def _reserve(self, sets: int, members: int) -> None:
        # ndarray.resize reallocates in place (mremap for large blocks): no second copy
        if sets > len(self.sizes):
            self.sizes.resize(sets, refcheck=False)
        if members > len(self.members):
            self.members.resize(members, refcheck=False)

    def _check(self, target: int) -> None:
        """Raise :class:`_OverBudget` if ``target`` sets of the mean size would not fit.

        Per member: 4 bytes stored and 4 in the inverted index; per set: 4 (size), 8 (offset)
        and 1 (covered flag).
        """
        needed = 8.0 * self.mean * target + 17.0 * target
        if needed > self.budget:
            raise _OverBudget(needed, self.mean)

    def grow(self, target: int) -> None:
        """Make sets ``count .. target - 1``; :class:`_OverBudget` if they would not fit."""
        if target <= self.count:
            return
        self._check(target)
        n = self.inf.indptr.shape[0] - 1
        first = self.count
        self._reserve(target, self.length + int(1.05 * self.mean * (target - first)) + 1024)
        per_chunk = max(1, int(_CHUNK_MEMBERS / max(self.mean, 1.0)))
        per_chunk = min(per_chunk, max(1, -(-(target - first) // self.threads)))
        pending = [(lo, min(lo + per_chunk, target)) for lo in range(first, target, per_chunk)]
        pending.reverse()  # a stack: pop() takes the lowest range first
        floor = min(n, 1 << 16) + 1
        while pending:
            batch = [pending.pop() for _ in range(min(self.threads, len(pending)))]
            longest = max(hi - lo for lo, hi in batch)
            capacity = max(int(1.5 * self.mean * longest) + 1024, floor)
            buf, sizes, done, used = _rr_kernel(
                self.inf.indptr,
                self.inf.indices,
                self.inf.in_prob,
                self.inf.row_logq,
                self.inf.in_cum,
                self.inf.lt,
                self.inf.cascade,
                self.inf.roots,
                self.key,
                np.array([lo for lo, _ in batch], dtype=np.int64),
                np.array([hi for _, hi in batch], dtype=np.int64),
                capacity,
            )
            self._reserve(target, self.length + int(used.sum()))
            offset = 0
            stalled = False
            for c, (lo, hi) in enumerate(batch):
                d, u = int(done[c]), int(used[c])
                self.sizes[self.count : self.count + d] = sizes[offset : offset + d]
                self.members[self.length : self.length + u] = buf[c, :u]
                self.count += d
                self.length += u
                if lo + d < hi:
                    pending.append((lo + d, hi))
                    stalled |= d == 0
                offset += hi - lo
            if stalled:  # a set larger than the buffer: allow larger ones
                floor = min(2 * floor, n + 1)
            del buf, sizes
            self.mean = max(1.0, self.length / max(self.count, 1))
            self._check(target)

    def _set_ptr(self) -> IntArray:
        set_ptr = np.zeros(self.count + 1, dtype=np.int64)
        np.cumsum(self.sizes[: self.count], out=set_ptr[1:])
        return set_ptr

    def gains(self, chosen: IntArray) -> IntArray:
        """Sets first covered by each of ``chosen`` (positions, in order) among those made."""
        k = len(chosen)
        rank = np.full(self.inf.indptr.shape[0] - 1, k, dtype=np.int64)
        rank[chosen] = np.arange(k)
        return np.asarray(_first_rank(self.members[: self.length], self._set_ptr(), rank, k))

    def select(
        self, forced: IntArray, candidate: BoolArray, k: int, groups: _Groups
    ) -> tuple[IntArray, IntArray, int, IntArray]:
        """Greedy selection on the sets made so far: ``(chosen, gains, covered, coverage)``.

        ``coverage`` is each person's marginal gain (sets they would newly cover) after the
        selection: what an upper bound of the optimum needs.
        """
        n = self.inf.indptr.shape[0] - 1
        set_ptr = self._set_ptr()
        members = self.members[: self.length]
        inv_ptr, inv = _invert(members, set_ptr, n, self.threads)
        chosen, gains, covered, coverage = _greedy(
            members,
            set_ptr,
            inv_ptr,
            inv,
            candidate,
            forced,
            k,
            groups.code,
            groups.cap,
            groups.need,
        )
        return chosen, gains, int(covered), coverage


@dataclass(frozen=True)
class _Groups:
    code: npt.NDArray[np.int32]  # group code per position
    cap: IntArray  # at most per code
    need: IntArray  # at least per code
    limited: bool  # some at_least / at_most can bind


def _ids(graph: OrgGraph, positions: IntArray, limit: int = 5) -> str:
    names = [str(x) for x in graph.ids[positions[:limit]]]
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return ", ".join(names) + more


def _counts(label: str, value: Mapping[int, int] | None) -> dict[int, int]:
    out: dict[int, int] = {}
    for g, m in (value or {}).items():
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 0:
            raise ValueError(f"{label}[{g!r}] must be a whole number >= 0, got {m!r}")
        if not isinstance(g, int | np.integer) or isinstance(g, bool):
            raise ValueError(f"{label} keys must be group labels (integers), got {g!r}")
        out[int(g)] = int(m)
    return out


def _check_constraints(
    graph: OrgGraph,
    k: int,
    opted: BoolArray,
    excluded: BoolArray,
    include: IntArray,
    groups: IntArray | None,
    at_least: Mapping[int, int] | None,
    at_most: Mapping[int, int] | None,
) -> _Groups:
    """Raise :class:`ConstraintError` unless some set meets every constraint; group arrays."""
    n = graph.n
    both = include[excluded[include]]
    if len(both):
        raise ConstraintError(
            f"{_ids(graph, both)} {'is' if len(both) == 1 else 'are'} both forced in (include) "
            "and excluded; remove them from one of the two lists"
        )
    out = include[opted[include]]
    if len(out):
        raise ConstraintError(
            f"{_ids(graph, out)} opted out of the analysis and cannot be a champion; "
            "remove them from include"
        )
    if len(include) > k:
        raise ConstraintError(
            f"include forces {len(include)} champions but k = {k}; raise k to at least "
            f"{len(include)} or shorten include"
        )
    eligible = ~opted & ~excluded
    n_eligible = int(eligible.sum())
    if k > n_eligible:
        raise ConstraintError(
            f"k = {k} but only {n_eligible} of {n} people can be champions "
            f"({int(opted.sum())} opted out, {int((excluded & ~opted).sum())} excluded); "
            f"lower k to at most {n_eligible} or exclude fewer people"
        )
    lows = _counts("at_least", at_least)
    highs = _counts("at_most", at_most)
    if groups is None:
        if lows or highs:
            raise ValueError("at_least and at_most need groups (a group label per person)")
        return _Groups(
            np.zeros(n, dtype=np.int32),
            np.array([k], dtype=np.int64),
            np.zeros(1, dtype=np.int64),
            False,
        )
    labels = np.asarray(groups)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"groups must be {n} integer labels, one per person")
    named = np.array(sorted(set(lows) | set(highs)), dtype=np.int64)
    uniq, inverse = np.unique(np.concatenate([labels.astype(np.int64), named]), return_inverse=True)
    code: npt.NDArray[np.int32] = np.ascontiguousarray(inverse[:n], dtype=np.int32)
    g_count = len(uniq)
    pool = np.bincount(code[eligible], minlength=g_count)  # includes are eligible
    forced = np.bincount(code[include], minlength=g_count)
    need = np.zeros(g_count, dtype=np.int64)
    cap = np.full(g_count, n + k, dtype=np.int64)  # no limit
    where = {int(label): i for i, label in enumerate(uniq.tolist())}
    for label, m in lows.items():
        need[where[label]] = m
    for label, m in highs.items():
        cap[where[label]] = m
    for i, label in enumerate(uniq.tolist()):
        if need[i] > pool[i]:
            raise ConstraintError(
                f"at_least asks for {need[i]} champions from group {label}, which has only "
                f"{pool[i]} people who can be champions; lower at_least for group {label} to "
                f"at most {pool[i]}"
            )
        if need[i] > cap[i]:
            raise ConstraintError(
                f"group {label}: at_least {need[i]} is more than at_most {cap[i]}; lower "
                "at_least or raise at_most"
            )
        if forced[i] > cap[i]:
            raise ConstraintError(
                f"include forces {forced[i]} champions from group {label} but at_most allows "
                f"{cap[i]}; raise at_most for group {label} or shorten include"
            )
    low_total = int(np.maximum(need, forced).sum())
    if low_total > k:
        raise ConstraintError(
            f"the group minimums (at_least, counting forced champions) need {low_total} "
            f"champions but k = {k}; raise k to {low_total} or lower at_least"
        )
    high_total = int(np.minimum(cap, pool).sum())
    if k > high_total:
        raise ConstraintError(
            f"at most {high_total} champions can be chosen under the at_most limits and the "
            f"exclusions but k = {k}; lower k to {high_total} or raise at_most"
        )
    # the 1/2 bound applies only when a limit can bind
    binding = bool((need > forced).any() or (cap < np.minimum(pool, k)).any())
    return _Groups(code, cap, need, binding)


def _log_binom(n: int, k: int) -> float:
    if k < 0 or k > n:
        return 0.0
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _guarantee(
    epsilon: float,
    ell: float,
    n: int,
    k: int,
    forced: int,
    limited: bool,
    model: str,
    achieved: float | None = None,
) -> str:
    if k == forced:
        return "no choice was left: every champion was forced in (include)"
    if limited:
        head = "1/2 − ε (greedy over a partition matroid) of the optimum under the group limits"
        ratio = 0.5 - epsilon
    else:
        head = "(1 − 1/e − ε) of the optimum"
        ratio = _E1 - epsilon
    scope = f" among sets containing the {forced} forced champions" if forced else ""
    if ratio <= 0:
        return f"none: {head} is not positive at ε = {epsilon:g}; lower epsilon"
    certified = max(ratio, achieved) if achieved is not None else ratio
    extra = (
        f" (certified on this organization: {achieved:.1%})"
        if achieved is not None and achieved > ratio
        else ""
    )
    return (
        f"{head}{scope} with probability ≥ 1 − 1/n^ℓ (ε = {epsilon:g}, ℓ = {ell:g}, n = {n} "
        f"people who can adopt): expected reach at least {certified:.1%} of the best "
        f"possible under the {model.upper()} model{extra}"
    )


def _opted_out(graph: OrgGraph) -> BoolArray:
    if "opted_out" not in graph.people.columns:
        return np.zeros(graph.n, dtype=bool)
    return np.asarray(
        graph.people["opted_out"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    )


def select_champions(
    graph: OrgGraph,
    k: int,
    *,
    model: Literal["ic", "lt"] = "ic",
    prob: str = "weighted-cascade",
    epsilon: float = 0.1,
    ell: float = 1.0,
    seed: int = 0,
    exclude: BoolArray | None = None,
    include: IntArray | None = None,
    groups: IntArray | None = None,
    at_least: Mapping[int, int] | None = None,
    at_most: Mapping[int, int] | None = None,
    method: Literal["opim-c", "imm"] = "opim-c",
) -> ChampionSelection:
    """Choose ``k`` champions maximizing expected reach under ``ic`` or ``lt`` (OPIM-C or IMM).

    See the module docstring for the algorithm, the number of RR sets and the guarantee.

    Parameters
    ----------
    graph
        The organization; contagion runs on its undirected view.
    k
        Number of champions, forced ones (``include``) included.
    model, prob
        ``"ic"`` or ``"lt"``, and the probability mapping of :mod:`peerweave.spread.model`.
    epsilon, ell
        Accuracy ``ε`` in ``(0, 1)`` and confidence ``ℓ > 0``: the guarantee holds with
        probability at least ``1 - 1/n^ℓ``. Halving ``ε`` quadruples the work.
    seed
        Seed of the random streams; the same seed gives the same champions.
    exclude
        Boolean mask of people who must not be chosen (on leave...). Opted-out people
        (``graph.people["opted_out"]``) are never chosen.
    include
        Positions of people who must be chosen (volunteers), taken first, in this order
        (repeats are dropped); they count toward ``k`` and the group limits.
    groups, at_least, at_most
        A group label (integer) per person, and the least / most champions per label.
    method
        ``"opim-c"`` (default: stops as soon as the guarantee is certified) or ``"imm"``
        (the number of sets fixed in advance by the worst case); the same guarantee.

    Raises
    ------
    ConstraintError
        The constraints cannot all hold (the message says which to relax): ``k`` larger than
        the people who can be champions, ``include`` larger than ``k`` or overlapping
        ``exclude`` or the opted-out, minimums adding up to more than ``k``, a minimum larger
        than its group's eligible people, ``at_least > at_most``...
    PeerweaveError
        The run would need more than ``MAX_RR_SETS`` RR sets, or more memory than
        ``MEMORY_SHARE`` of what is available; the message says what to change (raise
        ``epsilon``; under a supercritical cascade, where a random person is reached from a
        large share of the organization, lower the probabilities).
    ValueError
        A malformed argument (``k < 0``, ``epsilon`` outside ``(0, 1)``, unknown model...).

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"person_id": list("abcdefgh"), "unit": [0, 0, 0, 0, 0, 1, 1, 1]})
    >>> ties = pd.DataFrame({"source": list("aaaaff"), "target": list("bcdegh")})
    >>> g = OrgGraph.from_frames(people, ties)       # two stars: a and f at their centres
    >>> select_champions(g, 2).positions.tolist()
    [0, 5]
    >>> unit = g.people["unit"].to_numpy()
    >>> select_champions(g, 2, groups=unit, at_most={1: 0}).positions.tolist()
    [0, 1]
    >>> select_champions(g, 2, include=[6], model="lt").positions.tolist()
    [6, 0]
    >>> select_champions(g, 3, groups=unit, at_least={0: 2, 1: 2})
    Traceback (most recent call last):
    ...
    peerweave.errors.ConstraintError: the group minimums (at_least, counting forced champions) need 4 champions but k = 3; raise k to 4 or lower at_least
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError(f"k must be a whole number >= 0, got {k!r}")
    k = int(k)
    if model not in ("ic", "lt"):
        raise ValueError(
            f"IMM chooses champions for the ic and lt models only, got {model!r}; complex "
            "contagion has no such guarantee (use a heuristic strategy)"
        )
    if not (isinstance(epsilon, int | float | np.floating) and 0.0 < float(epsilon) < 1.0):
        raise ValueError(f"epsilon must be a number strictly between 0 and 1, got {epsilon!r}")
    if not (isinstance(ell, int | float | np.floating) and 0.0 < float(ell) < math.inf):
        raise ValueError(f"ell must be a number > 0, got {ell!r}")
    if method not in ("opim-c", "imm"):
        raise ValueError(f"method must be 'opim-c' or 'imm', got {method!r}")
    epsilon, ell = float(epsilon), float(ell)
    n = graph.n
    opted = _opted_out(graph)
    if exclude is None:
        excluded = np.zeros(n, dtype=bool)
    else:
        excluded = np.asarray(exclude)
        if excluded.shape != (n,) or excluded.dtype != np.bool_:
            raise ValueError(f"exclude must be a boolean mask of {n} people")
    forced = np.zeros(0, dtype=np.int64)
    if include is not None:
        raw = np.asarray(include).reshape(-1)
        if raw.size and not np.issubdtype(raw.dtype, np.integer):
            raise ValueError("include must hold graph positions (integers)")
        raw = raw.astype(np.int64)
        if raw.size and (raw.min() < 0 or raw.max() >= n):
            raise ValueError(f"include positions must lie in [0, {n})")
        _, first = np.unique(raw, return_index=True)
        forced = raw[np.sort(first)]
    limits = _check_constraints(graph, k, opted, excluded, forced, groups, at_least, at_most)
    prob_text = str(prob)
    if k == 0:
        arc_probabilities(graph, prob_text)  # still reject a bad mapping
        return ChampionSelection(
            positions=np.zeros(0, dtype=np.int64),
            marginal_gain=np.zeros(0, dtype=np.float64),
            estimated_reach=0.0,
            rr_sets=0,
            epsilon=epsilon,
            ell=ell,
            model=model,
            guarantee="exact: no champion to choose (k = 0)",
        )

    roots = np.flatnonzero(~opted).astype(np.int64)
    n_r = len(roots)  # ≥ k ≥ 1 after the checks
    candidate = ~opted & ~excluded
    candidate[forced] = False
    n_c, k_c = int(candidate.sum()), k - len(forced)
    inf = _influence(graph, model, prob_text, roots)
    threads = int(numba.get_num_threads())

    budget = _memory_budget()
    log_c = _log_binom(n_c, k_c)
    task = _Task(inf, forced, candidate, k, limits, seed, threads, budget, n_r, log_c)
    try:
        if method == "imm":
            outcome = _imm(task, epsilon, ell)
        else:
            outcome = _opim_c(task, epsilon, ell, _greedy_ratio(limits))
    except _OverBudget as over:
        share = over.mean / n_r
        if share > 0.01:
            advice = (
                f"a colleague is reached, on average, from {over.mean:,.0f} people "
                f"({share:.0%} of those who can adopt): the cascade spreads to a large part "
                "of the organization from almost anyone, so the choice of champions matters "
                f"little under these probabilities; use smaller ones (than {prob_text!r}), "
                "the lt model, or raise epsilon"
            )
        else:
            advice = "raise epsilon (twice the epsilon needs a quarter of the sets) or lower k"
        raise PeerweaveError(
            f"choosing {k} champions among {n_r} people under {model} with {prob_text!r} "
            f"would need about {over.needed / 2**30:,.1f} GiB of reverse-reachable sets, more "
            f"than the {budget / 2**30:,.1f} GiB allowed ({MEMORY_SHARE:.0%} of the memory "
            f"available); {advice}"
        ) from None
    if len(outcome.chosen) < k:  # cannot happen after _check_constraints; kept as a safeguard
        raise ConstraintError(f"only {len(outcome.chosen)} of {k} champions could be chosen")
    scale = n_r / outcome.theta
    return ChampionSelection(
        positions=outcome.chosen.astype(np.int64),
        marginal_gain=outcome.gains.astype(np.float64) * scale,
        estimated_reach=float(outcome.hit * scale),
        rr_sets=outcome.rr_sets,
        epsilon=epsilon,
        ell=ell,
        model=model,
        guarantee=_guarantee(
            epsilon, ell, n_r, k, len(forced), limits.limited, model, outcome.achieved
        ),
        method=method,
        achieved=outcome.achieved,
    )


@dataclass(frozen=True)
class _Task:
    """What both algorithms need: the influence layout, the choice to make and the budget."""

    inf: _Influence
    forced: IntArray
    candidate: BoolArray
    k: int
    limits: _Groups
    seed: int
    threads: int
    budget: float
    n: int  # people who can adopt (RR roots)
    log_c: float  # log of the number of seed sets the algorithm may return

    def sample(self, phase: int, mean: float = 4.0, share: float = 1.0) -> _Sample:
        """An empty sample of stream ``phase`` allowed ``share`` of the memory budget."""
        key = _stream_key(self.seed, phase)
        return _Sample(self.inf, key, self.threads, share * self.budget, mean)

    def select(self, sample: _Sample) -> tuple[IntArray, IntArray, int, IntArray]:
        return sample.select(self.forced, self.candidate, self.k, self.limits)


@dataclass(frozen=True)
class _Outcome:
    chosen: IntArray
    gains: IntArray
    hit: int  # sets of the estimating sample the champions cover
    theta: int  # size of the estimating sample
    rr_sets: int  # sets drawn in all
    achieved: float | None  # the approximation ratio certified on this instance (OPIM-C)


def _greedy_ratio(limits: _Groups) -> float:
    """The ratio greedy guarantees: 1 − 1/e, or 1/2 when group limits can bind."""
    return 0.5 if limits.limited else _E1


def _imm(task: _Task, epsilon: float, ell: float) -> _Outcome:
    """IMM with fresh final sets (module docstring): the number of sets fixed in advance."""
    n_r, k = task.n, task.k
    # ℓ' = ℓ + log 2 / log n splits the failure probability between the two phases
    log_n = math.log(max(n_r, 2))
    ell1 = ell + math.log(2.0) / log_n
    eps1 = math.sqrt(2.0) * epsilon
    lam_prime = (
        (2.0 + 2.0 / 3.0 * eps1)
        * (task.log_c + ell1 * log_n + math.log(max(math.log2(max(n_r, 2)), 1.0)))
        * n_r
        / eps1**2
    )
    alpha = math.sqrt(ell1 * log_n + math.log(2.0))
    beta = math.sqrt(_E1 * (task.log_c + ell1 * log_n + math.log(2.0)))
    lam_star = 2.0 * n_r * (_E1 * alpha + beta) ** 2 / epsilon**2

    # sampling phase (Tang et al. Algorithm 2): a lower bound LB of the optimum
    lower = 1.0
    sample = task.sample(0)
    drawn = 0
    for i in range(1, max(1, math.floor(math.log2(max(n_r, 1))))):
        x = n_r / 2.0**i
        theta_i = math.ceil(lam_prime / x)
        if theta_i > MAX_RR_SETS:
            break
        sample.grow(theta_i)
        _, _, hit, _ = task.select(sample)
        estimate = n_r * hit / sample.count
        if estimate >= (1.0 + eps1) * x:
            lower = estimate / (1.0 + eps1)
            break
    mean, drawn = sample.mean, sample.count
    del sample
    lower = max(lower, float(k))  # every champion adopts: OPT ≥ k

    # final phase: θ fresh RR sets, independent of the ones above (Chen 2018)
    theta = max(1, math.ceil(lam_star / lower))
    if theta > MAX_RR_SETS:
        raise PeerweaveError(
            f"choosing {k} champions among {n_r} people at ε = {epsilon:g} needs "
            f"{theta:,} reverse-reachable sets, more than {MAX_RR_SETS:,}; raise epsilon"
        )
    final = task.sample(1, mean)
    final.grow(theta)
    chosen, gains, hit, _ = task.select(final)
    return _Outcome(chosen, gains, hit, theta, drawn + theta, None)


ESTIMATE_MAX_SETS = 1 << 22


def _estimate(
    judge: _Sample, chosen: IntArray, judged: IntArray, epsilon: float, log_inv_delta: float
) -> IntArray:
    """Grow ``judge`` until the champions' reach is known within ``ε/2`` (relative).

    OPIM-C may stop on a few hundred sets: enough to certify the choice, too few to say
    its reach well. The stopping rule of Dagum, Karp, Luby & Ross (2000) — sample until
    ``Υ = 1 + 4(e − 2) ln(2/δ)(1 + ε')/ε'²`` sets are covered — gives the reach within
    ``ε' = ε/2`` with probability ≥ 1 − δ. The sample is independent of the choice, so this
    is sound; it stops early at ``ESTIMATE_MAX_SETS`` sets or when memory runs short (the
    estimate is then as good as those sets make it).
    """
    eps_e = epsilon / 2.0
    target = 1.0 + 4.0 * (math.e - 2.0) * (math.log(2.0) + log_inv_delta) * (1 + eps_e) / eps_e**2
    while judged.sum() < target and judge.count < ESTIMATE_MAX_SETS:
        hits = max(int(judged.sum()), 1)
        want = math.ceil(judge.count * min(8.0, 1.1 * target / hits))
        try:
            judge.grow(min(max(want, judge.count + 1), ESTIMATE_MAX_SETS))
        except _OverBudget:
            break
        judged = judge.gains(chosen)
    return judged


def _opim_c(task: _Task, epsilon: float, ell: float, ratio: float) -> _Outcome:
    """OPIM-C (Tang, Tang, Xiao & Yuan 2018): stop as soon as the ratio is certified.

    Two independent samples: ``R1`` chooses, ``R2`` estimates. After each greedy on ``R1``
    the chosen set's reach gets a lower bound from ``R2`` and the optimum an upper bound from
    ``R1`` (both hold together with probability ≥ 1 − δ); when their ratio reaches the
    target ``ratio − ε`` the set is returned, else both samples double, up to ``θ_max``,
    where the target holds by the worst-case analysis.
    """
    n_r, k = task.n, task.k
    log_inv_delta = ell * math.log(max(n_r, 2))  # δ = n^-ℓ, as IMM's guarantee
    a = math.log(6.0) + log_inv_delta
    theta_max = (
        2.0
        * n_r
        * (ratio * math.sqrt(a) + math.sqrt(ratio * (task.log_c + a))) ** 2
        / (epsilon**2 * k)
    )
    theta = max(1, math.ceil(theta_max * epsilon**2 * k / n_r))
    # the last round's samples hold at least θ_max sets: there the worst case is covered
    rounds = 1 + max(0, math.ceil(math.log2(max(theta_max / theta, 1.0))))
    a1 = a2 = math.log(3.0 * rounds) + log_inv_delta
    choose, judge = task.sample(2, share=0.5), task.sample(3, share=0.5)
    for i in range(1, rounds + 1):
        if theta > MAX_RR_SETS:
            raise PeerweaveError(
                f"choosing {k} champions among {n_r} people at ε = {epsilon:g} could not be "
                f"certified with {MAX_RR_SETS:,} reverse-reachable sets; raise epsilon"
            )
        choose.grow(theta)
        judge.grow(theta)
        chosen, _, covered, coverage = task.select(choose)
        # an upper bound of the optimum's coverage in R1: greedy's ratio, and f(S) + the k
        # largest marginal gains (f(O) ≤ f(S ∪ O) ≤ f(S) + Σ_{v ∈ O} Δ(v | S), submodularity)
        free, slots = coverage[task.candidate], k - len(task.forced)
        top = np.partition(free, len(free) - slots)[len(free) - slots :] if slots else free[:0]
        upper_cover = min(covered / ratio, covered + float(top.sum()))
        upper = (math.sqrt(upper_cover + a1 / 2.0) + math.sqrt(a1 / 2.0)) ** 2 * n_r / theta
        judged = judge.gains(chosen)  # unbiased: R2 did not choose
        hit = int(judged.sum())
        lower = (
            max(0.0, (math.sqrt(hit + 2.0 * a2 / 9.0) - math.sqrt(a2 / 2.0)) ** 2 - a2 / 18.0)
            * n_r
            / theta
        )
        achieved = lower / upper if upper > 0 else 1.0
        if achieved >= ratio - epsilon or i == rounds:
            judged = _estimate(judge, chosen, judged, epsilon, log_inv_delta)
            drawn = choose.count + judge.count
            return _Outcome(chosen, judged, int(judged.sum()), judge.count, drawn, achieved)
        theta *= 2
    raise AssertionError("unreachable")  # pragma: no cover

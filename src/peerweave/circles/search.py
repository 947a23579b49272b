r"""The search kernel shared by circles and the MDGP benchmark: memetic and iterated local search.

A *grouping problem* places ``m`` units (a person, or people who must sit together) into
``G`` groups whose sizes (in people) lie between ``lower[g]`` and ``upper[g]``, and
maximises the sum, over the pairs of people who share a group, of a distance ``d_xy``,
plus sparse pair weights ``w_xy`` (negative for pairs who met before), minus a weight for
each group that misses a member of a *soft* cover set (a host who has not hosted yet);
hard rules (never together, time-zone window, a *hard* cover set such as "at least one
teacher") are counted as violations and kept at zero once reached.

**One representation for both uses.** Each person ``x`` has a code ``c_a(x)`` per attribute
``a`` and each attribute a symmetric table ``D_a`` with a zero diagonal; ``d_xy =
sum_a D_a[c_a(x), c_a(y)]``. The search keeps, per group ``g`` and attribute value ``c``,
the *profile* ``P[g, c] = sum_{y in g} D_a[c, c_a(y)]``, so that the gain of ``x`` in ``g``,
``gain(x, g) = sum_{y in g} d_xy = sum_a P[g, c_a(x)]``, costs ``O(A)`` and a move updates
two rows of ``P`` in ``O(sum_a C_a)``:

* an explicit ``n × n`` matrix (the MDGP benchmark) is one attribute whose value is the
  item itself (``C = n``, ``D = d``): ``P[g, x]`` is the classic ``n × G`` gain matrix of
  the MDGP literature, updated in ``O(n)`` per move;
* people described by a few attributes (department, level, location) use one small table
  per attribute: ``P`` is ``G × (C_1 + … + C_A)`` numbers, and for a categorical attribute
  ``sum_{y in g} [a(x) != a(y)] = |g| - count_g(a(x))`` is exactly what its table gives —
  no ``n × n`` matrix is ever built.

**Moves** (Gallego et al. 2013; Lai & Hao 2016): *insert* a unit into another group (when
both sizes stay in bounds) and *swap* two units of different groups; with the gains of the
moving unit for every group at hand, a move is evaluated in ``O(A)`` plus the length of its
sparse lists. Δ for swapping ``u`` (in ``g``) and ``v`` (in ``h``):
``gain(u, h) - gain(u, g) + gain(v, g) - gain(v, h) - 2 d_uv`` (plus the within-unit
distances for units of several people).

**Local search**: a first-improvement descent over the insert then the swap
neighbourhood, in a fresh random order each pass, until neither improves. Solutions compare
lexicographically: fewer violations first, then a higher objective, so the same descent
first repairs a start that breaks rules (the penalty phase) and then never breaks one
again; random moves made once the rules hold keep them.

**Two drivers around it.** Up to ``MEMETIC_MAX_UNITS`` units, a *memetic search* in the
manner of Yang et al.'s three-phase search (TPSDP, 2022): a population of local optima;
each generation (1) moves every member by ``eta`` random moves and descends again,
(2) crosses it with another member (group-based crossover: the most diverse groups of
either parent are inherited, the rest is refilled) and keeps the child when it is not
worse, (3) applies a *directed perturbation* (the least connected member of every group
is taken out and put back where it adds most) and descends; ``eta`` falls from 0.6 to 0.1
mean group sizes and the population from ``POPULATION`` to 2 as the time runs out. Beyond,
where one descent over ``n²/2`` swaps is costly, an *iterated local search* in the spirit
of Lai & Hao's iterated maxima search (2016): rounds of one to three random moves and a
descent, keeping the result when it is not worse (so plateaus are crossed), and a restart
from the best with a tenth of the units moved (and, half of the time when sizes may vary,
a block of units moved from one group to another) after ``10 G`` rounds without a new best.
The search starts from group sizes with the most pairs (:func:`pair_maximising_sizes`),
as a descent seldom changes the sizes it starts from.

**Stopping and reproducibility.** The search stops at a wall-clock limit, at a budget of
move evaluations, or after ``patience`` generations (restarts) without a new best,
whichever comes first.
With the same seed, a run stopped by the budget or by ``patience`` is reproducible exactly;
a run stopped by the clock depends on the machine's speed.

Examples
--------
>>> d = np.array([[0, 9, 1, 1], [9, 0, 1, 1], [1, 1, 0, 9], [1, 1, 9, 0]], dtype=float)
>>> problem = matrix_problem(d, np.array([2, 2]), np.array([2, 2]))
>>> result = search(problem, seconds=1.0, seed=0, patience=3)
>>> bool(result.groups[0] == result.groups[1]), result.objective, result.violations
(True, 18.0, 0)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "MEMETIC_MAX_UNITS",
    "POPULATION",
    "SearchProblem",
    "SearchResult",
    "initial_groups",
    "matrix_problem",
    "pair_maximising_sizes",
    "search",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Units up to which ``search(method="auto")`` runs the memetic search.
MEMETIC_MAX_UNITS = 2000
#: Solutions in the memetic search's population at the start.
POPULATION = 10
_POPULATION_MIN = 2  # the population shrinks to this as the time runs out
_THETA = (0.6, 0.1)  # random moves per member, in mean group sizes: first, last generation
_DIRECTED = 3  # directed perturbations in a row per member and generation

_CHECK_EVERY = 1 << 16  # move evaluations between two looks at the clock
_TRIES = 32  # random draws per perturbation move before it gives up


class SearchProblem(NamedTuple):
    """Everything the kernel reads, as flat arrays (a NamedTuple, so Numba can take it).

    ``m`` units of ``n`` people, ``A`` attributes, ``G`` groups, ``T`` time-zone codes,
    ``K`` cover sets. Unused parts are empty arrays (``sp_ptr`` of zeros, ``T = 0``,
    ``K = 0``).
    """

    unit_ptr: IntArray  # (m + 1,): unit u is unit_members[unit_ptr[u]:unit_ptr[u + 1]]
    unit_members: IntArray  # (n,) person positions
    codes: IntArray  # (n, A) value code of each person for each attribute
    attr_off: IntArray  # (A,) first profile column of each attribute
    attr_ncat: IntArray  # (A,) number of values C_a
    dist_off: IntArray  # (A,) first entry of each attribute's C_a x C_a table in ``dist``
    dist: FloatArray  # the tables, row-major, concatenated; symmetric, zero diagonal
    intra: FloatArray  # (m,) sum of d_xy over ordered pairs of people of the unit
    sp_ptr: IntArray  # (m + 1,) sparse pair weights of unit u: sp_ptr[u]:sp_ptr[u + 1]
    sp_unit: IntArray  # the other unit
    sp_w: FloatArray  # its weight (added to the objective when both share a group)
    nv_ptr: IntArray  # (m + 1,) units u must never share a group with
    nv_unit: IntArray
    tz_code: IntArray  # (n,) time-zone code (codes sorted by UTC offset); unused if T = 0
    tz_lo: IntArray  # (T,) lowest code within the window of each code
    tz_hi: IntArray  # (T,) highest code within the window of each code
    cover: IntArray  # (m, K) members of each unit in each cover set
    cover_hard: IntArray  # (K,) 1: every group needs one (a rule); 0: a wish
    cover_weight: FloatArray  # (K,) objective lost per group missing a soft cover set
    lower: IntArray  # (G,) minimum people per group
    upper: IntArray  # (G,) maximum people per group
    eps: float  # smallest objective change that counts as an improvement


class _State(NamedTuple):
    grp: IntArray  # (m,) group of each unit
    size: IntArray  # (G,) people per group
    profile: FloatArray  # (G, sum C_a)
    tzpref: IntArray  # (G, T + 1) prefix counts of time-zone codes per group
    cov: IntArray  # (G, K) members of each cover set per group
    score: FloatArray  # [objective, violations]


@dataclass(frozen=True)
class SearchResult:
    """What :func:`search` found: a group per unit, its objective and violations.

    ``stopped_by`` is ``"clock"``, ``"budget"`` (``max_evaluations``), ``"patience"``
    (restarts without a new best) or ``"trivial"`` (one group, or nothing to move).
    """

    groups: IntArray
    objective: float
    violations: int
    evaluations: int
    seconds: float
    stopped_by: str


# ---------------------------------------------------------------------------- building problems
def matrix_problem(
    d: FloatArray,
    lower: IntArray,
    upper: IntArray,
) -> SearchProblem:
    """The kernel's view of an explicit distance matrix (one unit per item, no rules).

    The matrix is made symmetric (the mean of ``d`` and its transpose) with a zero diagonal.

    >>> p = matrix_problem(np.array([[0.0, 2.0], [2.0, 0.0]]), np.array([2]), np.array([2]))
    >>> p.attr_ncat.tolist(), p.dist.tolist()
    ([2], [0.0, 2.0, 2.0, 0.0])
    """
    d = np.asarray(d, dtype=np.float64)
    n = d.shape[0]
    sym = (d + d.T) / 2.0
    np.fill_diagonal(sym, 0.0)
    empty = np.zeros(0, dtype=np.int64)
    scale = float(np.abs(sym).max()) if n > 1 else 1.0
    return SearchProblem(
        unit_ptr=np.arange(n + 1, dtype=np.int64),
        unit_members=np.arange(n, dtype=np.int64),
        codes=np.arange(n, dtype=np.int64).reshape(n, 1),
        attr_off=np.zeros(1, dtype=np.int64),
        attr_ncat=np.array([n], dtype=np.int64),
        dist_off=np.zeros(1, dtype=np.int64),
        dist=np.ascontiguousarray(sym).ravel(),
        intra=np.zeros(n, dtype=np.float64),
        sp_ptr=np.zeros(n + 1, dtype=np.int64),
        sp_unit=empty,
        sp_w=np.zeros(0, dtype=np.float64),
        nv_ptr=np.zeros(n + 1, dtype=np.int64),
        nv_unit=empty,
        tz_code=np.zeros(n, dtype=np.int64),
        tz_lo=empty,
        tz_hi=empty,
        cover=np.zeros((n, 0), dtype=np.int64),
        cover_hard=empty,
        cover_weight=np.zeros(0, dtype=np.float64),
        lower=np.asarray(lower, dtype=np.int64),
        upper=np.asarray(upper, dtype=np.int64),
        eps=1e-9 * max(1.0, scale),
    )


# ---------------------------------------------------------------------------- clock
@numba.njit(cache=True, error_model="numpy")
def _now() -> float:  # pragma: no cover - compiled
    with numba.objmode(t="float64"):
        t = time.perf_counter()
    return t


@numba.njit(cache=True, error_model="numpy")
def _tick(clock: Any, k: int) -> bool:  # pragma: no cover - compiled
    """Count ``k`` evaluations; True once the search must stop.

    ``clock = [deadline, max_evaluations, evaluations, next_look, stop_code, start]``; the clock
    is read every ``_CHECK_EVERY`` evaluations, the budget at every call (so a budget stop
    falls at the same evaluation on every machine). Stop codes: 1 clock, 2 budget.
    """
    clock[2] += k
    if clock[4] != 0.0:
        return True
    if clock[2] >= clock[1]:
        clock[4] = 2.0
        return True
    if clock[2] >= clock[3]:
        clock[3] = clock[2] + _CHECK_EVERY
        if _now() >= clock[0]:
            clock[4] = 1.0
            return True
    return False


# ---------------------------------------------------------------------------- evaluation
# The hot loops take arrays, not the problem tuple: Numba then keeps the array pointers in
# registers (reading them through the tuple in the inner loop was ten times slower).
@numba.njit(cache=True, error_model="numpy", inline="always")
def _gain_of(
    ptr: Any, mem: Any, codes: Any, off: Any, prof: Any, u: int, g: int
) -> float:  # pragma: no cover - compiled
    """``sum_{x in u} sum_{y in g} d_xy``."""
    s = 0.0
    for k in range(ptr[u], ptr[u + 1]):
        x = mem[k]
        for a in range(off.shape[0]):
            s += prof[g, off[a] + codes[x, a]]
    return s


@numba.njit(cache=True, error_model="numpy", inline="always")
def _pair_of(
    ptr: Any, mem: Any, codes: Any, ncat: Any, doff: Any, dist: Any, u: int, v: int
) -> float:  # pragma: no cover - compiled
    """``sum_{x in u} sum_{y in v} d_xy``."""
    s = 0.0
    for k in range(ptr[u], ptr[u + 1]):
        x = mem[k]
        for j in range(ptr[v], ptr[v + 1]):
            y = mem[j]
            for a in range(ncat.shape[0]):
                c = ncat[a]
                s += dist[doff[a] + codes[x, a] * c + codes[y, a]]
    return s


@numba.njit(cache=True, error_model="numpy", inline="always")
def _tz_bad_of(
    ptr: Any, mem: Any, tz_code: Any, tz_lo: Any, tz_hi: Any, tzpref: Any, u: int, g: int
) -> int:  # pragma: no cover - compiled
    """Pairs (x in u, y in g) whose UTC offsets are further apart than the window."""
    t = tz_lo.shape[0]
    bad = 0
    for k in range(ptr[u], ptr[u + 1]):
        c = tz_code[mem[k]]
        bad += tzpref[g, t] - (tzpref[g, tz_hi[c] + 1] - tzpref[g, tz_lo[c]])
    return bad


@numba.njit(cache=True, error_model="numpy", inline="always")
def _tz_pair_of(
    ptr: Any, mem: Any, tz_code: Any, tz_lo: Any, tz_hi: Any, u: int, v: int
) -> int:  # pragma: no cover - compiled
    bad = 0
    for k in range(ptr[u], ptr[u + 1]):
        c = tz_code[mem[k]]
        for j in range(ptr[v], ptr[v + 1]):
            e = tz_code[mem[j]]
            if e < tz_lo[c] or e > tz_hi[c]:
                bad += 1
    return bad


@numba.njit(cache=True, error_model="numpy", inline="always")
def _cover_of(
    cover: Any, hard: Any, weight: Any, cov: Any, u: int, v: int, g: int, h: int
) -> tuple[int, float]:  # pragma: no cover - compiled
    """(violations, objective) change of the cover sets when ``u`` goes from ``g`` to ``h``
    and ``v`` (or nobody: ``v < 0``) from ``h`` to ``g``."""
    dv = 0
    df = 0.0
    for k in range(hard.shape[0]):
        cu = cover[u, k]
        cv = cover[v, k] if v >= 0 else 0
        if cu == cv:
            continue
        before = (1 if cov[g, k] == 0 else 0) + (1 if cov[h, k] == 0 else 0)
        after = (1 if cov[g, k] - cu + cv == 0 else 0) + (1 if cov[h, k] + cu - cv == 0 else 0)
        if hard[k] != 0:
            dv += after - before
        else:
            df -= weight[k] * (after - before)
    return dv, df


@numba.njit(cache=True, error_model="numpy")
def _fill(
    pb: Any, st: Any, u: int, gain: Any, sparse: Any, never: Any, tzbad: Any
) -> None:  # pragma: no cover - compiled
    """The terms of unit ``u`` for every group: gain, sparse weight, never-pairs, tz pairs."""
    ptr = pb.unit_ptr
    mem = pb.unit_members
    codes = pb.codes
    off = pb.attr_off
    prof = st.profile
    grp = st.grp
    ng = gain.shape[0]
    for g in range(ng):
        gain[g] = _gain_of(ptr, mem, codes, off, prof, u, g)
    if pb.sp_unit.shape[0] > 0:
        _zero(sparse)
        for e in range(pb.sp_ptr[u], pb.sp_ptr[u + 1]):
            sparse[grp[pb.sp_unit[e]]] += pb.sp_w[e]
    if pb.nv_unit.shape[0] > 0:
        _zero(never)
        for e in range(pb.nv_ptr[u], pb.nv_ptr[u + 1]):
            never[grp[pb.nv_unit[e]]] += 1
    if pb.tz_lo.shape[0] > 0:
        tz_code = pb.tz_code
        tz_lo = pb.tz_lo
        tz_hi = pb.tz_hi
        tzpref = st.tzpref
        for g in range(ng):
            tzbad[g] = _tz_bad_of(ptr, mem, tz_code, tz_lo, tz_hi, tzpref, u, g)


@numba.njit(cache=True, error_model="numpy")
def _insert_delta(
    pb: Any, st: Any, u: int, g: int, h: int, gain: Any, sparse: Any, never: Any, tzbad: Any
) -> tuple[int, float]:  # pragma: no cover - compiled
    """Move unit ``u`` from group ``g`` to ``h`` (the arrays hold ``u``'s terms)."""
    df = gain[h] - gain[g] + pb.intra[u]
    dv = 0
    if pb.sp_unit.shape[0] > 0:
        df += sparse[h] - sparse[g]
    if pb.nv_unit.shape[0] > 0:
        dv += never[h] - never[g]
    if pb.tz_lo.shape[0] > 0:
        dv += tzbad[h] - tzbad[g]
    if pb.cover_hard.shape[0] > 0:
        cv, cf = _cover_of(pb.cover, pb.cover_hard, pb.cover_weight, st.cov, u, -1, g, h)
        dv += cv
        df += cf
    return dv, df


@numba.njit(cache=True, error_model="numpy")
def _scan_swaps(
    pb: Any,
    st: Any,
    order: Any,
    p: int,
    gain: Any,
    sparse: Any,
    never: Any,
    tzbad: Any,
    any_move: bool,
) -> tuple[int, int, float]:  # pragma: no cover - compiled
    """The first unit after position ``p`` of ``order`` whose swap with ``u = order[p]``
    improves (or, with ``any_move``, the first one that can swap at all):
    ``(position, violations change, objective change)``, or ``(-1, 0, 0)``."""
    ptr = pb.unit_ptr
    mem = pb.unit_members
    codes = pb.codes
    off = pb.attr_off
    ncat = pb.attr_ncat
    doff = pb.dist_off
    dist = pb.dist
    intra = pb.intra
    sp_ptr = pb.sp_ptr
    sp_unit = pb.sp_unit
    sp_w = pb.sp_w
    nv_ptr = pb.nv_ptr
    nv_unit = pb.nv_unit
    tz_code = pb.tz_code
    tz_lo = pb.tz_lo
    tz_hi = pb.tz_hi
    cover = pb.cover
    hard = pb.cover_hard
    weight = pb.cover_weight
    lower = pb.lower
    upper = pb.upper
    eps = pb.eps
    grp = st.grp
    size = st.size
    prof = st.profile
    tzpref = st.tzpref
    cov = st.cov
    has_sp = sp_unit.shape[0] > 0
    has_nv = nv_unit.shape[0] > 0
    has_tz = tz_lo.shape[0] > 0
    has_cov = hard.shape[0] > 0
    u = order[p]
    g = grp[u]
    su = ptr[u + 1] - ptr[u]
    own = intra[u] - gain[g]
    for q in range(p + 1, order.shape[0]):
        v = order[q]
        h = grp[v]
        if h == g:
            continue
        sv = ptr[v + 1] - ptr[v]
        if su != sv:
            dz = sv - su
            if (
                size[g] + dz < lower[g]
                or size[g] + dz > upper[g]
                or size[h] - dz < lower[h]
                or size[h] - dz > upper[h]
            ):
                continue
        df = (
            own
            + gain[h]
            + _gain_of(ptr, mem, codes, off, prof, v, g)
            - _gain_of(ptr, mem, codes, off, prof, v, h)
            + intra[v]
            - 2.0 * _pair_of(ptr, mem, codes, ncat, doff, dist, u, v)
        )
        dv = 0
        if has_sp:
            to_g = 0.0
            to_h = 0.0
            both = 0.0
            for e in range(sp_ptr[v], sp_ptr[v + 1]):
                t = sp_unit[e]
                w = sp_w[e]
                if t == u:
                    both += w
                gt = grp[t]
                if gt == g:
                    to_g += w
                elif gt == h:
                    to_h += w
            df += sparse[h] - sparse[g] + to_g - to_h - 2.0 * both
        if has_nv:
            n_g = 0
            n_h = 0
            nboth = 0
            for e in range(nv_ptr[v], nv_ptr[v + 1]):
                t = nv_unit[e]
                if t == u:
                    nboth += 1
                gt = grp[t]
                if gt == g:
                    n_g += 1
                elif gt == h:
                    n_h += 1
            dv += never[h] - never[g] + n_g - n_h - 2 * nboth
        if has_tz:
            dv += (
                tzbad[h]
                - tzbad[g]
                + _tz_bad_of(ptr, mem, tz_code, tz_lo, tz_hi, tzpref, v, g)
                - _tz_bad_of(ptr, mem, tz_code, tz_lo, tz_hi, tzpref, v, h)
                - 2 * _tz_pair_of(ptr, mem, tz_code, tz_lo, tz_hi, u, v)
            )
        if has_cov:
            cv, cf = _cover_of(cover, hard, weight, cov, u, v, g, h)
            dv += cv
            df += cf
        if dv < 0 or (dv == 0 and df > eps) or any_move:
            return q, dv, df
    return -1, 0, 0.0


@numba.njit(cache=True, error_model="numpy")
def _scan_swaps_plain(
    grp: Any, prof: Any, dist: Any, order: Any, p: int, gain: Any, eps: float
) -> tuple[int, float]:  # pragma: no cover - compiled
    """:func:`_scan_swaps` for a bare matrix (one item per unit, no rules): about ten times
    faster, ``df = gain(u, h) - gain(u, g) + P[g, v] - P[h, v] - 2 d_uv``."""
    n = grp.shape[0]
    u = order[p]
    g = grp[u]
    gg = gain[g]
    row = u * n
    for q in range(p + 1, n):
        v = order[q]
        h = grp[v]
        if h == g:
            continue
        df = gain[h] - gg + prof[g, v] - prof[h, v] - 2.0 * dist[row + v]
        if df > eps:
            return q, df
    return -1, 0.0


@numba.njit(cache=True, error_model="numpy")
def _swap_delta(
    pb: Any, st: Any, u: int, v: int, gain: Any, sparse: Any, never: Any, tzbad: Any
) -> tuple[int, float]:  # pragma: no cover - compiled
    """Swap unit ``u`` with unit ``v`` of another group (the arrays hold ``u``'s terms)."""
    pair = np.empty(2, dtype=np.int64)
    pair[0] = u
    pair[1] = v
    # run-time values: literal 0 and True would compile a second copy of the scan
    first = pair.shape[0] - 2
    any_move = u >= 0
    _q, dv, df = _scan_swaps(pb, st, pair, first, gain, sparse, never, tzbad, any_move)
    return dv, df


@numba.njit(cache=True, error_model="numpy", inline="always")
def _improves(dv: int, df: float, eps: float) -> bool:  # pragma: no cover - compiled
    return dv < 0 or (dv == 0 and df > eps)


# ---------------------------------------------------------------------------- state changes
@numba.njit(cache=True, error_model="numpy")
def _move(pb: Any, st: Any, u: int, g: int, h: int) -> None:  # pragma: no cover - compiled
    """Unit ``u`` leaves group ``g`` for ``h``: sizes, profiles, time-zone and cover counts."""
    ptr = pb.unit_ptr
    mem = pb.unit_members
    codes = pb.codes
    off = pb.attr_off
    ncat = pb.attr_ncat
    doff = pb.dist_off
    dist = pb.dist
    tz_code = pb.tz_code
    prof = st.profile
    tzpref = st.tzpref
    t = pb.tz_lo.shape[0]
    st.grp[u] = h
    for k in range(ptr[u], ptr[u + 1]):
        x = mem[k]
        st.size[g] -= 1
        st.size[h] += 1
        for a in range(off.shape[0]):
            c = ncat[a]
            base = doff[a] + codes[x, a] * c
            o = off[a]
            for j in range(c):
                w = dist[base + j]
                prof[g, o + j] -= w
                prof[h, o + j] += w
        if t > 0:
            for j in range(tz_code[x] + 1, t + 1):
                tzpref[g, j] -= 1
                tzpref[h, j] += 1
    for k in range(pb.cover_hard.shape[0]):
        st.cov[g, k] -= pb.cover[u, k]
        st.cov[h, k] += pb.cover[u, k]


@numba.njit(cache=True, error_model="numpy")
def _rebuild(pb: Any, st: Any) -> None:  # pragma: no cover - compiled
    """Recompute sizes, profiles, counts, objective and violations from the groups alone."""
    m = st.grp.shape[0]
    ng = st.size.shape[0]
    t = pb.tz_lo.shape[0]
    _zero(st.size)
    _zero(st.profile)
    _zero(st.tzpref)
    _zero(st.cov)
    for u in range(m):
        h = st.grp[u]
        for k in range(pb.unit_ptr[u], pb.unit_ptr[u + 1]):
            x = pb.unit_members[k]
            st.size[h] += 1
            for a in range(pb.attr_off.shape[0]):
                c = pb.attr_ncat[a]
                base = pb.dist_off[a] + pb.codes[x, a] * c
                off = pb.attr_off[a]
                for j in range(c):
                    st.profile[h, off + j] += pb.dist[base + j]
            if t > 0:
                for j in range(pb.tz_code[x] + 1, t + 1):
                    st.tzpref[h, j] += 1
        for k in range(pb.cover_hard.shape[0]):
            st.cov[h, k] += pb.cover[u, k]
    f = 0.0
    v = 0
    for u in range(m):
        h = st.grp[u]
        f += 0.5 * _gain_of(pb.unit_ptr, pb.unit_members, pb.codes, pb.attr_off, st.profile, u, h)
        for e in range(pb.sp_ptr[u], pb.sp_ptr[u + 1]):
            if st.grp[pb.sp_unit[e]] == h:
                f += 0.5 * pb.sp_w[e]
        for e in range(pb.nv_ptr[u], pb.nv_ptr[u + 1]):
            if st.grp[pb.nv_unit[e]] == h:
                v += 1
        if t > 0:
            v += _tz_bad_of(
                pb.unit_ptr, pb.unit_members, pb.tz_code, pb.tz_lo, pb.tz_hi, st.tzpref, u, h
            )
    # each bad pair was seen from both sides
    v = v // 2
    for h in range(ng):
        for k in range(pb.cover_hard.shape[0]):
            if st.cov[h, k] == 0:
                if pb.cover_hard[k] != 0:
                    v += 1
                else:
                    f -= pb.cover_weight[k]
    st.score[0] = f
    st.score[1] = v


@numba.njit(cache=True, error_model="numpy")
def _set(dst: Any, src: Any) -> None:  # pragma: no cover - compiled
    """``dst[:] = src`` for C-ordered arrays of one shape (a plain loop: Numba compiles it
    in a fraction of the time a slice assignment takes)."""
    a = dst.reshape(-1)
    b = src.reshape(-1)
    for i in range(a.shape[0]):
        a[i] = b[i]


@numba.njit(cache=True, error_model="numpy")
def _zero(dst: Any) -> None:  # pragma: no cover - compiled
    a = dst.reshape(-1)
    for i in range(a.shape[0]):
        a[i] = 0


@numba.njit(cache=True, error_model="numpy")
def _copy(src: Any, dst: Any) -> None:  # pragma: no cover - compiled
    _set(dst.grp, src.grp)
    _set(dst.size, src.size)
    _set(dst.profile, src.profile)
    _set(dst.tzpref, src.tzpref)
    _set(dst.cov, src.cov)
    _set(dst.score, src.score)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _better(a: Any, b: Any, eps: float) -> bool:  # pragma: no cover - compiled
    """State score ``a`` strictly better than ``b``: fewer violations, then higher objective."""
    return bool(a[1] < b[1] or (a[1] == b[1] and a[0] > b[0] + eps))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _not_worse(a: Any, b: Any, eps: float) -> bool:  # pragma: no cover - compiled
    return bool(a[1] < b[1] or (a[1] == b[1] and a[0] >= b[0] - eps))


# ---------------------------------------------------------------------------- local search
@numba.njit(cache=True, error_model="numpy")
def _shuffle(a: Any) -> None:  # pragma: no cover - compiled
    for i in range(a.shape[0] - 1, 0, -1):
        j = np.random.randint(i + 1)
        a[i], a[j] = a[j], a[i]


@numba.njit(cache=True, error_model="numpy")
def _local_search(
    pb: Any, st: Any, order: Any, work: Any, clock: Any, can_insert: bool, plain: bool
) -> None:  # pragma: no cover - compiled
    """First-improvement descent: insert moves, then swaps, until a pass improves nothing.

    Each pass visits the units in a fresh random order; a unit takes the first improving
    insert (groups tried from a random one on), and the first improving swap with a unit
    after it in the order, so a pass evaluates each pair once.
    """
    gain, sparse, never, tzbad = work
    m = st.grp.shape[0]
    ng = st.size.shape[0]
    eps = pb.eps
    while True:
        improved = False
        _shuffle(order)
        if can_insert:
            for p in range(m):
                u = order[p]
                g = st.grp[u]
                su = pb.unit_ptr[u + 1] - pb.unit_ptr[u]
                if st.size[g] - su < pb.lower[g]:
                    continue
                _fill(pb, st, u, gain, sparse, never, tzbad)
                start = np.random.randint(ng)
                for t in range(ng):
                    h = (start + t) % ng
                    if h == g or st.size[h] + su > pb.upper[h]:
                        continue
                    if plain:
                        dv = 0
                        df = gain[h] - gain[g]
                    else:
                        dv, df = _insert_delta(pb, st, u, g, h, gain, sparse, never, tzbad)
                    if _improves(dv, df, eps):
                        _move(pb, st, u, g, h)
                        st.score[0] += df
                        st.score[1] += dv
                        improved = True
                        break
                if _tick(clock, ng):
                    return
        for p in range(m - 1):
            u = order[p]
            g = st.grp[u]
            if plain:
                for h in range(ng):
                    gain[h] = st.profile[h, u]
                q, df = _scan_swaps_plain(st.grp, st.profile, pb.dist, order, p, gain, eps)
                dv = 0
            else:
                _fill(pb, st, u, gain, sparse, never, tzbad)
                q, dv, df = _scan_swaps(pb, st, order, p, gain, sparse, never, tzbad, m < 0)
            if q >= 0:
                v = order[q]
                h = st.grp[v]
                _move(pb, st, u, g, h)
                _move(pb, st, v, h, g)
                st.score[0] += df
                st.score[1] += dv
                improved = True
            if _tick(clock, ng + (q if q >= 0 else m) - p):
                return
        if not improved:
            return


# ---------------------------------------------------------------------------- perturbation
@numba.njit(cache=True, error_model="numpy")
def _perturb(
    pb: Any, st: Any, moves: int, work: Any, can_insert: bool, feasible_only: bool
) -> None:  # pragma: no cover - compiled
    """``moves`` random moves (inserts and swaps within the size bounds); once feasible, only
    moves that keep every rule."""
    gain, sparse, never, tzbad = work
    m = st.grp.shape[0]
    ng = st.size.shape[0]
    for _ in range(moves):
        for _try in range(_TRIES):
            u = np.random.randint(m)
            g = st.grp[u]
            su = pb.unit_ptr[u + 1] - pb.unit_ptr[u]
            if can_insert and np.random.random() < 0.5:
                h = np.random.randint(ng)
                if h == g or st.size[g] - su < pb.lower[g] or st.size[h] + su > pb.upper[h]:
                    continue
                _fill(pb, st, u, gain, sparse, never, tzbad)
                dv, df = _insert_delta(pb, st, u, g, h, gain, sparse, never, tzbad)
                if feasible_only and dv > 0:
                    continue
                _move(pb, st, u, g, h)
            else:
                v = np.random.randint(m)
                h = st.grp[v]
                if h == g:
                    continue
                sv = pb.unit_ptr[v + 1] - pb.unit_ptr[v]
                dz = sv - su
                if (
                    st.size[g] + dz < pb.lower[g]
                    or st.size[g] + dz > pb.upper[g]
                    or st.size[h] - dz < pb.lower[h]
                    or st.size[h] - dz > pb.upper[h]
                ):
                    continue
                _fill(pb, st, u, gain, sparse, never, tzbad)
                dv, df = _swap_delta(pb, st, u, v, gain, sparse, never, tzbad)
                if feasible_only and dv > 0:
                    continue
                _move(pb, st, u, g, h)
                _move(pb, st, v, h, g)
            st.score[0] += df
            st.score[1] += dv
            break


@numba.njit(cache=True, error_model="numpy")
def _shift(pb: Any, st: Any, work: Any, feasible_only: bool) -> None:  # pragma: no cover - compiled
    """Move a random number of units from one group to another: the size profile changes
    by more than one insert would (an insert alone is rarely kept by the descent, so the
    sizes the first descent settles on would otherwise stay)."""
    gain, sparse, never, tzbad = work
    m = st.grp.shape[0]
    ng = st.size.shape[0]
    a = np.random.randint(ng)
    b = np.random.randint(ng)
    room = min(st.size[a] - pb.lower[a], pb.upper[b] - st.size[b])
    if a == b or room <= 0:
        return
    want = 1 + np.random.randint(room)
    start = np.random.randint(m)
    for t in range(m):
        u = (start + t) % m
        su = pb.unit_ptr[u + 1] - pb.unit_ptr[u]
        if st.grp[u] != a or st.size[a] - su < pb.lower[a] or st.size[b] + su > pb.upper[b]:
            continue
        _fill(pb, st, u, gain, sparse, never, tzbad)
        dv, df = _insert_delta(pb, st, u, a, b, gain, sparse, never, tzbad)
        if feasible_only and dv > 0:
            continue
        _move(pb, st, u, a, b)
        st.score[0] += df
        st.score[1] += dv
        want -= su
        if want <= 0:
            return


# ---------------------------------------------------------------------------- the driver
@numba.njit(cache=True, error_model="numpy")
def _is_plain(pb: Any) -> bool:  # pragma: no cover - compiled
    """One item per unit, the item's own code in a single ``n × n`` table, no rules."""
    m = pb.unit_ptr.shape[0] - 1
    plain: bool = (
        pb.unit_ptr[m] == m
        and pb.attr_ncat.shape[0] == 1
        and pb.attr_ncat[0] == m
        and pb.sp_unit.shape[0] == 0
        and pb.nv_unit.shape[0] == 0
        and pb.tz_lo.shape[0] == 0
        and pb.cover_hard.shape[0] == 0
    )
    for u in range(m):
        if plain and (pb.unit_members[u] != u or pb.codes[u, 0] != u):
            plain = False
    return plain


@numba.njit(cache=True, error_model="numpy")
def _iterated_search(
    pb: Any,
    cur: Any,
    saved: Any,
    best: Any,
    clock: Any,
    seed: int,
    weak: int,
    strong: int,
    idle_limit: int,
    patience: int,
) -> int:  # pragma: no cover - compiled
    """Descent, then weak perturbation + descent rounds, restarts from the best after
    ``idle_limit`` rounds without a new best; ``best`` holds the result. Returns the stop
    code: 1 clock, 2 budget, 3 patience, 4 nothing to search."""
    clock[5] = _now()
    clock[0] += clock[5]  # the limit counts from here, not from before compilation
    np.random.seed(seed)
    m = cur.grp.shape[0]
    ng = cur.size.shape[0]
    order = np.arange(m)
    work = (
        np.empty(ng, dtype=np.float64),
        np.empty(ng, dtype=np.float64),
        np.empty(ng, dtype=np.int64),
        np.empty(ng, dtype=np.int64),
    )
    can_insert = False
    for h in range(ng):
        if pb.lower[h] < pb.upper[h]:
            can_insert = True
    if pb.unit_ptr[m] != m:  # units of several people change sizes when swapped
        can_insert = True
    plain = _is_plain(pb)
    _rebuild(pb, cur)
    _copy(cur, best)
    if ng < 2 or m < 2:
        return 4
    _local_search(pb, cur, order, work, clock, can_insert, plain)
    if _better(cur.score, best.score, pb.eps):
        _copy(cur, best)
    idle = 0
    fruitless = 0
    while clock[4] == 0.0:
        _copy(cur, saved)
        _perturb(pb, cur, 1 + np.random.randint(weak), work, can_insert, cur.score[1] == 0)
        _local_search(pb, cur, order, work, clock, can_insert, plain)
        if _better(cur.score, best.score, pb.eps):
            _copy(cur, best)
            idle = 0
            fruitless = 0
        elif _not_worse(cur.score, saved.score, pb.eps):
            idle += 1
        else:
            _copy(saved, cur)
            idle += 1
        if idle >= idle_limit and clock[4] == 0.0:
            _copy(best, cur)
            if can_insert and np.random.random() < 0.5:
                _shift(pb, cur, work, best.score[1] == 0)
            _perturb(pb, cur, strong, work, can_insert, best.score[1] == 0)
            _rebuild(pb, cur)  # also clears the rounding drift of the profiles
            _local_search(pb, cur, order, work, clock, can_insert, plain)
            if _better(cur.score, best.score, pb.eps):
                _copy(cur, best)
                fruitless = 0
            else:
                fruitless += 1
            idle = 0
            if patience > 0 and fruitless >= patience:
                _rebuild(pb, best)
                return 3
    _rebuild(pb, best)
    return int(clock[4])


# ---------------------------------------------------------------------------- the memetic driver
@numba.njit(cache=True, error_model="numpy")
def _unload(pb: Any, prof: Any, u: int, g: int) -> None:  # pragma: no cover - compiled
    """Take unit ``u``'s people out of row ``g`` of a profile (the crossover's bookkeeping)."""
    for k in range(pb.unit_ptr[u], pb.unit_ptr[u + 1]):
        x = pb.unit_members[k]
        for a in range(pb.attr_off.shape[0]):
            c = pb.attr_ncat[a]
            base = pb.dist_off[a] + pb.codes[x, a] * c
            o = pb.attr_off[a]
            for j in range(c):
                prof[g, o + j] -= pb.dist[base + j]


@numba.njit(cache=True, error_model="numpy")
def _crossover(pb: Any, pa: Any, pb_: Any, child: Any) -> bool:  # pragma: no cover - compiled
    """Group-based crossover (after Yang et al. 2022): ``G`` times, take from a parent drawn
    at random its group with the highest diversity among the units not placed yet, and
    give those units one child group; the units left fill the groups below their minimum,
    then random groups with room. ``pa`` and ``pb_`` are the parents' states (their
    profiles are consumed); False when the sizes cannot be completed."""
    ptr = pb.unit_ptr
    mem = pb.unit_members
    codes = pb.codes
    off = pb.attr_off
    m = child.shape[0]
    ng = pa.size.shape[0]
    parents = (pa, pb_)
    div = np.zeros((2, ng), dtype=np.float64)
    for w in range(2):
        st = parents[w]
        for u in range(m):
            g = st.grp[u]
            div[w, g] += 0.5 * _gain_of(ptr, mem, codes, off, st.profile, u, g)
    left = np.ones(m, dtype=np.bool_)
    used = np.zeros(ng, dtype=np.bool_)
    size = np.zeros(ng, dtype=np.int64)
    for u in range(m):
        child[u] = -1
    picked = np.empty(m, dtype=np.int64)
    for _ in range(ng):
        w = np.random.randint(2)
        st = parents[w]
        g = -1
        for h in range(ng):
            if div[w, h] > -1e300 and (g < 0 or div[w, h] > div[w, g]):
                g = h
        if g < 0:
            break
        k = 0
        people = 0
        for u in range(m):
            if left[u] and st.grp[u] == g:
                picked[k] = u
                k += 1
                people += ptr[u + 1] - ptr[u]
        div[w, g] = -1e301  # never again from this parent
        target = -1
        if not used[g] and pb.upper[g] >= people:
            target = g
        else:
            start = np.random.randint(ng)
            for t in range(ng):
                h = (start + t) % ng
                if not used[h] and pb.upper[h] >= people:
                    target = h
                    break
            if target < 0:
                for h in range(ng):
                    if not used[h] and (target < 0 or pb.upper[h] > pb.upper[target]):
                        target = h
        if target < 0:
            break
        used[target] = True
        _shuffle(picked[:k])
        for i in range(k):
            u = picked[i]
            su = ptr[u + 1] - ptr[u]
            if size[target] + su > pb.upper[target]:
                continue
            child[u] = target
            size[target] += su
            left[u] = False
            for x in range(2):
                other = parents[x]
                gx = other.grp[u]
                _unload(pb, other.profile, u, gx)
                if div[x, gx] > -1e300:
                    div[x, gx] -= _gain_of(ptr, mem, codes, off, other.profile, u, gx)
    # the units left: first the groups short of their minimum, then random groups with room
    order = np.arange(m)
    _shuffle(order)
    for u in order:
        if not left[u]:
            continue
        su = ptr[u + 1] - ptr[u]
        chosen = -1
        start = np.random.randint(ng)
        for t in range(ng):
            h = (start + t) % ng
            if size[h] + su <= pb.upper[h] and (chosen < 0 or size[h] < pb.lower[h]):
                chosen = h
                if size[h] < pb.lower[h]:
                    break
        if chosen < 0:
            return False
        child[u] = chosen
        size[chosen] += su
        left[u] = False
    # groups still short take single people from groups above their minimum
    for h in range(ng):
        while size[h] < pb.lower[h]:
            start = np.random.randint(m)
            moved = False
            for t in range(m):
                u = order[(start + t) % m]
                g = child[u]
                if g != h and ptr[u + 1] - ptr[u] == 1 and size[g] > pb.lower[g]:
                    child[u] = h
                    size[g] -= 1
                    size[h] += 1
                    moved = True
                    break
            if not moved:
                return False
    return True


@numba.njit(cache=True, error_model="numpy")
def _directed(pb: Any, st: Any, work: Any) -> None:  # pragma: no cover - compiled
    """Directed perturbation (after Yang et al. 2022): take the least connected unit out of
    every group and put each back, in random order, where it adds most (groups below their
    minimum first). The units waiting stay in their groups meanwhile (their pairs are
    discounted when choosing), so each actual move is an insert whose change is counted."""
    gain, sparse, never, tzbad = work
    ptr = pb.unit_ptr
    mem = pb.unit_members
    codes = pb.codes
    off = pb.attr_off
    ncat = pb.attr_ncat
    doff = pb.dist_off
    dist = pb.dist
    m = st.grp.shape[0]
    ng = st.size.shape[0]
    out = np.full(ng, -1, dtype=np.int64)
    low = np.full(ng, np.inf)
    for u in range(m):
        g = st.grp[u]
        x = _gain_of(ptr, mem, codes, off, st.profile, u, g) - pb.intra[u]
        if x < low[g]:
            low[g] = x
            out[g] = u
    eff = st.size.copy()
    waiting = np.zeros(m, dtype=np.bool_)
    for g in range(ng):
        if out[g] >= 0:
            u = out[g]
            eff[g] -= ptr[u + 1] - ptr[u]
            waiting[u] = True
    _shuffle(out)
    for i in range(ng):
        u = out[i]
        if u < 0:
            continue
        su = ptr[u + 1] - ptr[u]
        short = False
        for h in range(ng):
            if eff[h] < pb.lower[h]:
                short = True
        g = st.grp[u]
        best = -1
        best_gain = -np.inf
        for h in range(ng):
            if eff[h] + su > pb.upper[h] or (short and eff[h] >= pb.lower[h]):
                continue
            x = _gain_of(ptr, mem, codes, off, st.profile, u, h)
            if h == g:
                x -= pb.intra[u]
            for j in range(ng):  # the units still out do not count
                y = out[j]
                if y >= 0 and y != u and waiting[y] and st.grp[y] == h:
                    x -= _pair_of(ptr, mem, codes, ncat, doff, dist, u, y)
            if x > best_gain:
                best_gain = x
                best = h
        if best < 0:
            best = g
        if best != g:
            _fill(pb, st, u, gain, sparse, never, tzbad)
            dv, df = _insert_delta(pb, st, u, g, best, gain, sparse, never, tzbad)
            _move(pb, st, u, g, best)
            st.score[0] += df
            st.score[1] += dv
        eff[best] += su
        waiting[u] = False


@numba.njit(cache=True, error_model="numpy", inline="always")
def _member(pop: Any, i: int) -> Any:  # pragma: no cover - compiled
    """Member ``i`` of the population, as a state whose arrays are views of its rows."""
    return _State(pop.grp[i], pop.size[i], pop.profile[i], pop.tzpref[i], pop.cov[i], pop.score[i])


@numba.njit(cache=True, error_model="numpy")
def _memetic(
    pb: Any,
    pop: Any,
    cur: Any,
    other: Any,
    best: Any,
    clock: Any,
    seed: int,
    theta_max: float,
    theta_min: float,
    directed_rounds: int,
    pop_min: int,
    patience: int,
) -> int:  # pragma: no cover - compiled
    """A memetic search in the manner of Yang et al.'s three-phase search (2022): a
    population of local optima (``pop``: full states, so a member is worked on in place),
    each generation (1) moved by ``eta`` random moves and descended again, (2) crossed
    with a random other member (the child replaces it when not worse), (3) moved by
    directed perturbation and descended; ``eta`` falls from ``theta_max`` to ``theta_min``
    times the mean group size and the population shrinks to ``pop_min`` (the worst
    members are dropped) as the time (or the budget) runs out. Returns the stop code as
    :func:`_iterated_search`.
    """
    clock[5] = _now()
    span = clock[0]
    clock[0] += clock[5]
    np.random.seed(seed)
    npop = pop.grp.shape[0]
    m = cur.grp.shape[0]
    ng = cur.size.shape[0]
    order = np.arange(m)
    work = (
        np.empty(ng, dtype=np.float64),
        np.empty(ng, dtype=np.float64),
        np.empty(ng, dtype=np.int64),
        np.empty(ng, dtype=np.int64),
    )
    can_insert = pb.unit_ptr[m] != m
    for h in range(ng):
        if pb.lower[h] < pb.upper[h]:
            can_insert = True
    plain = _is_plain(pb)
    child = np.empty(m, dtype=np.int64)
    slot = np.arange(npop)  # members by rank once sorted; the first `alive` take part
    first = _member(pop, 0)
    _rebuild(pb, first)
    _copy(first, best)
    if ng < 2 or m < 2:
        return 4
    for i in range(npop):
        st = _member(pop, i)
        _rebuild(pb, st)
        _local_search(pb, st, order, work, clock, can_insert, plain)
        if i == 0 or _better(st.score, best.score, pb.eps):
            _copy(st, best)
        if clock[4] != 0.0:
            break
    alive = npop
    fruitless = 0
    while clock[4] == 0.0:
        # with a budget the schedule follows it, so a run is reproducible
        if clock[1] < np.inf:
            done = clock[2] / clock[1]
        else:
            done = (_now() - clock[5]) / span if span > 0 else 1.0
        done = min(1.0, done)
        theta = theta_max - (theta_max - theta_min) * done
        eta = max(2, int(theta * m / ng))
        found = False
        for k in range(alive):  # (1) random moves and descent; the population walks
            st = _member(pop, slot[k])
            _perturb(pb, st, eta, work, can_insert, st.score[1] == 0)
            _local_search(pb, st, order, work, clock, can_insert, plain)
            if _better(st.score, best.score, pb.eps):
                _copy(st, best)
                found = True
        for k in range(alive if alive > 1 else 0):  # (2) crossover
            j = np.random.randint(alive - 1)
            if j >= k:
                j += 1
            st = _member(pop, slot[k])
            _copy(st, other)
            _copy(_member(pop, slot[j]), cur)
            if not _crossover(pb, other, cur, child):
                continue
            _set(cur.grp, child)
            _rebuild(pb, cur)
            _local_search(pb, cur, order, work, clock, can_insert, plain)
            if _not_worse(cur.score, st.score, pb.eps):
                _copy(cur, st)
            if _better(cur.score, best.score, pb.eps):
                _copy(cur, best)
                found = True
        for k in range(alive):  # (3) directed perturbation and descent
            st = _member(pop, slot[k])
            for _ in range(directed_rounds):
                _directed(pb, st, work)
            _local_search(pb, st, order, work, clock, can_insert, plain)
            if _better(st.score, best.score, pb.eps):
                _copy(st, best)
                found = True
        # rank the members; the population shrinks with the time spent
        for k in range(1, alive):
            j = k
            while j > 0 and _better(pop.score[slot[j]], pop.score[slot[j - 1]], pb.eps):
                slot[j], slot[j - 1] = slot[j - 1], slot[j]
                j -= 1
        alive = max(pop_min, min(alive, int(npop - (npop - pop_min) * done + 0.5)))
        fruitless = 0 if found else fruitless + 1
        if patience > 0 and fruitless >= patience:
            _rebuild(pb, best)
            return 3
    _rebuild(pb, best)
    return int(clock[4])


@numba.njit(cache=True, error_model="numpy")
def initial_groups(
    unit_size: IntArray, lower: IntArray, upper: IntArray, seed: int
) -> IntArray:  # pragma: no cover - compiled
    """A random group per unit with every group size within its bounds (``-1`` if none found).

    Units of several people are placed first, each in a random group with room (one still
    below its minimum when there is one); single people then fill the groups up to their
    minimums and the rest go to random free places.

    >>> initial_groups(np.array([1, 1, 1, 1, 1]), np.array([2, 2]), np.array([3, 3]), 0).tolist()
    [...]
    """
    np.random.seed(seed)
    m = unit_size.shape[0]
    ng = lower.shape[0]
    grp = np.full(m, -1, dtype=np.int64)
    size = np.zeros(ng, dtype=np.int64)
    order = np.arange(m)
    _shuffle(order)
    for u in order:
        s = unit_size[u]
        if s == 1:
            continue
        start = np.random.randint(ng)
        chosen = -1
        for t in range(ng):  # a group still short of its minimum, else any with room
            h = (start + t) % ng
            if size[h] + s <= upper[h] and (chosen < 0 or size[h] + s <= lower[h]):
                chosen = h
                if size[h] + s <= lower[h]:
                    break
        if chosen < 0:
            return np.full(m, -1, dtype=np.int64)
        grp[u] = chosen
        size[chosen] += s
    singles = np.empty(m, dtype=np.int64)
    k = 0
    for u in order:
        if unit_size[u] == 1:
            singles[k] = u
            k += 1
    places = 0
    for h in range(ng):
        places += max(0, upper[h] - max(size[h], lower[h]))
    need = 0
    for h in range(ng):
        need += max(0, lower[h] - size[h])
    if need > k or k - need > places:
        return np.full(m, -1, dtype=np.int64)
    i = 0
    for h in range(ng):
        while size[h] < lower[h]:
            grp[singles[i]] = h
            size[h] += 1
            i += 1
    free = np.empty(places, dtype=np.int64)
    f = 0
    for h in range(ng):
        for _ in range(upper[h] - size[h]):
            free[f] = h
            f += 1
    _shuffle(free[:f])
    for j in range(k - i):
        h = free[j]
        grp[singles[i + j]] = h
        size[h] += 1
    return grp


def pair_maximising_sizes(lower: IntArray, upper: IntArray, n: int) -> IntArray:
    """Group sizes within the bounds, summing to ``n``, with the most pairs ``sum s(s-1)/2``.

    With positive distances the pairs a grouping holds weigh most in its objective, and a
    descent seldom changes the sizes it started from (moving one person out of a big group
    loses more pairs than it gains), so the search starts from these sizes. A dynamic
    programme over the groups and the people placed so far (``O(G n (upper - lower))``).

    >>> pair_maximising_sizes(np.array([2, 2, 2]), np.array([5, 5, 5]), 9).tolist()
    [5, 2, 2]
    """
    ng = lower.shape[0]
    neg = np.iinfo(np.int64).min // 4
    best = np.full((ng + 1, n + 1), neg, dtype=np.int64)
    pick = np.zeros((ng + 1, n + 1), dtype=np.int64)
    best[0, 0] = 0
    for g in range(ng):
        for s in range(int(lower[g]), int(upper[g]) + 1):
            prev = best[g, : n + 1 - s]
            cand = np.where(prev > neg, prev + s * (s - 1) // 2, neg)
            target = best[g + 1, s:]
            better = cand > target
            target[better] = cand[better]
            pick[g + 1, s:][better] = s
    sizes = np.zeros(ng, dtype=np.int64)
    left = n
    for g in range(ng, 0, -1):
        sizes[g - 1] = pick[g, left]
        left -= pick[g, left]
    return sizes


def _state(problem: SearchProblem, groups: IntArray) -> _State:
    ng = problem.lower.shape[0]
    width = int(problem.attr_ncat.sum())
    return _State(
        grp=np.array(groups, dtype=np.int64),
        size=np.zeros(ng, dtype=np.int64),
        profile=np.zeros((ng, width), dtype=np.float64),
        tzpref=np.zeros((ng, problem.tz_lo.shape[0] + 1), dtype=np.int64),
        cov=np.zeros((ng, problem.cover_hard.shape[0]), dtype=np.int64),
        score=np.zeros(2, dtype=np.float64),
    )


def _population(problem: SearchProblem, size: int) -> _State:
    """``size`` states stacked: each field gets a leading axis (member ``i`` is row ``i``)."""
    one = _state(problem, np.zeros(problem.unit_ptr.shape[0] - 1, dtype=np.int64))
    return _State(*(np.zeros((size, *a.shape), dtype=a.dtype) for a in one))


def search(
    problem: SearchProblem,
    *,
    seconds: float,
    seed: int = 0,
    initial: IntArray | None = None,
    max_evaluations: int | None = None,
    patience: int = 0,
    method: str = "auto",
) -> SearchResult:
    """Search ``problem``; return the best grouping found.

    ``method``: ``"memetic"`` (a population, :func:`_memetic`), ``"iterated"`` (one
    solution, :func:`_iterated_search`) or ``"auto"``: memetic up to ``MEMETIC_MAX_UNITS``
    units, where a descent costs little, iterated beyond.

    ``initial`` (a group per unit, sizes within bounds) is the start; by default a random
    one (:func:`initial_groups`). ``seconds`` caps the wall-clock time, ``max_evaluations``
    the number of move evaluations, ``patience`` (> 0) the restarts in a row without a new
    best. A start that breaks rules is repaired first (the search minimises violations
    before the objective); ``violations`` of the result is 0 when every rule holds.

    >>> d = np.ones((6, 6)) - np.eye(6)
    >>> r = search(matrix_problem(d, np.array([3, 3]), np.array([3, 3])), seconds=1.0,
    ...            patience=2)
    >>> r.objective, sorted(np.bincount(r.groups).tolist())
    (6.0, [3, 3])
    """
    unit_size = np.diff(problem.unit_ptr)
    m = unit_size.shape[0]
    ng = problem.lower.shape[0]
    if method == "auto":
        method = "memetic" if m <= MEMETIC_MAX_UNITS else "iterated"
    if method not in ("memetic", "iterated"):
        raise ValueError(f"unknown search method {method!r}: 'memetic', 'iterated' or 'auto'")
    lower, upper = problem.lower, problem.upper
    if m and unit_size.max() == 1 and problem.lower.sum() <= m <= problem.upper.sum():
        lower = upper = pair_maximising_sizes(problem.lower, problem.upper, m)
    if initial is None and lower is upper:
        initial = initial_groups(unit_size, lower, upper, seed)
    if initial is None:
        initial = initial_groups(unit_size, problem.lower, problem.upper, seed)
        if m and initial[0] < 0:
            raise ValueError("no grouping of the units fits the size bounds")
    cur = _state(problem, initial)
    saved = _state(problem, initial)
    best = _state(problem, initial)
    budget = float(max_evaluations) if max_evaluations is not None else math.inf
    clock = np.array([seconds, budget, 0.0, 0.0, 0.0, 0.0], dtype=np.float64)
    if method == "memetic":
        pop = _population(problem, POPULATION)
        pop.grp[0] = initial
        for i in range(1, POPULATION):  # random members, with the same sizes as the first
            pop.grp[i] = initial_groups(unit_size, lower, upper, seed * 7919 + i)
            if m and pop.grp[i][0] < 0:
                pop.grp[i] = initial
        code = _memetic(
            problem,
            pop,
            cur,
            saved,
            best,
            clock,
            seed,
            _THETA[0],
            _THETA[1],
            _DIRECTED,
            _POPULATION_MIN,
            patience,
        )
    else:
        code = _iterated_search(
            problem,
            cur,
            saved,
            best,
            clock,
            seed,
            3,  # weak perturbation: 1 to 3 random moves
            max(2, m // 10),  # strong perturbation: a tenth of the units move
            max(10, 10 * ng),  # rounds without a new best before a restart
            patience,
        )
    return SearchResult(
        groups=best.grp.copy(),
        objective=float(best.score[0]),
        violations=round(float(best.score[1])),
        evaluations=int(clock[2]),
        seconds=time.perf_counter() - clock[5],
        stopped_by={1: "clock", 2: "budget", 3: "patience", 4: "trivial"}[code],
    )

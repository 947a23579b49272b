"""Circle sizes and the checks that tell, before any search, which rule cannot hold.

* :func:`circle_bounds`: the number of circles and their sizes, as equal as possible;
* :func:`timezone_groups`: whether people can sit in circles whose members are at most
  ``window`` hours apart (and a grouping that does it), by a dynamic programme over the
  people sorted by UTC offset — with a span rule, if any grouping exists then one whose
  circles are runs of consecutive offsets exists (take two circles that interleave: giving
  the lower circle the lowest of their people and the other the rest widens neither), so
  the programme is exact;
* :func:`smallest_window`: the narrowest window for which such a grouping exists, which the
  error message proposes.

Examples
--------
>>> lower, upper = circle_bounds(20, (5, 7))
>>> lower.tolist(), upper.tolist()
([6, 6, 6], [7, 7, 7])
>>> timezone_groups(np.array([0.0, 0.0, 1.0, 9.0, 9.0, 10.0]), 2, 3, 3, 2.0).tolist()
[0, 0, 0, 1, 1, 1]
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from peerweave.errors import ConstraintError, InputError

__all__ = ["circle_bounds", "smallest_window", "timezone_groups"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def circle_bounds(n: int, size: tuple[int, int]) -> tuple[IntArray, IntArray]:
    """The fewest circles of at most ``size[1]`` people that hold ``n`` people, with sizes
    as equal as possible: every circle gets ``n // G`` or ``n // G + 1`` people.

    Raises :class:`ConstraintError` when no number of circles fits (13 people in circles of
    5–6: two circles hold at most 12, three need at least 15), saying what to change.

    >>> [b.tolist() for b in circle_bounds(14, (5, 7))]
    [[7, 7], [7, 7]]
    >>> circle_bounds(13, (5, 6))
    Traceback (most recent call last):
    ...
    peerweave.errors.ConstraintError: 13 people cannot be split into circles of 5–6: 2 circles hold at most 12 people and 3 circles need at least 15; change the size (for instance to 4–6 or 5–7) or the number of people
    """
    low, high = int(size[0]), int(size[1])
    if low < 2 or high < low:
        raise InputError(
            "size", f"circle size {low}–{high} is not a range of at least 2 people (min <= max)"
        )
    if n < low:
        raise ConstraintError(
            f"only {n} {'person' if n == 1 else 'people'} to place, fewer than the smallest "
            f"circle of {low}; lower the minimum size to {max(n, 2)} or add participants"
        )
    ng = math.ceil(n / high)
    if n // ng < low:
        fewer, more = ng - 1, ng
        tries = [(low - 1, high), (low, high + 1), (low - 1, high + 1), (low, high + 2)]
        hints = [f"{a}–{b}" for a, b in tries if a >= 2 and _fits(n, a, b)][:2]
        raise ConstraintError(
            f"{n} people cannot be split into circles of {low}–{high}: {fewer} circle"
            f"{'s' if fewer != 1 else ''} hold at most {fewer * high} people and {more} "
            f"circles need at least {more * low}; change the size (for instance to "
            f"{' or '.join(hints)}) or the number of people"
        )
    lower = np.full(ng, n // ng, dtype=np.int64)
    upper = np.full(ng, -(-n // ng), dtype=np.int64)
    return lower, upper


def _fits(n: int, low: int, high: int) -> bool:
    ng = math.ceil(n / high)
    return n // ng >= low


@numba.njit(cache=True)
def _runs(
    offsets: Any, lower: int, upper: int, window: float
) -> Any:  # pragma: no cover - compiled
    """``reach[k, c]``: the first ``k`` people (sorted by offset) form ``c`` circles of
    ``lower``–``upper`` consecutive people, each at most ``window`` hours wide."""
    n = offsets.shape[0]
    most = n // lower + 1 if lower > 0 else n + 1
    reach = np.zeros((n + 1, most + 1), dtype=np.bool_)
    reach[0, 0] = True
    for k in range(1, n + 1):
        for s in range(lower, upper + 1):
            if s > k:
                break
            if offsets[k - 1] - offsets[k - s] > window + 1e-9:
                break
            for c in range(1, most + 1):
                if reach[k - s, c - 1]:
                    reach[k, c] = True
    return reach


def timezone_groups(
    offsets: FloatArray, circles: int, lower: int, upper: int, window: float
) -> IntArray | None:
    """A circle per person (offsets in hours, any order) such that the ``circles`` circles
    have ``lower``–``upper`` people each whose offsets are at most ``window`` apart, or
    ``None`` when there is none. Circles are runs of consecutive offsets (see above).

    >>> timezone_groups(np.array([-5.0, 9.0, -4.0, 8.0]), 2, 2, 2, 1.0).tolist()
    [0, 1, 0, 1]
    >>> timezone_groups(np.array([-5.0, 9.0, -4.0, 8.0]), 1, 4, 4, 3.0) is None
    True
    """
    offsets = np.asarray(offsets, dtype=np.float64)
    order = np.argsort(offsets, kind="stable")
    ordered = offsets[order]
    reach = _runs(ordered, lower, upper, window)
    n = ordered.shape[0]
    if circles >= reach.shape[1] or not reach[n, circles]:
        return None
    groups = np.empty(n, dtype=np.int64)
    k, c = n, circles
    while k > 0:  # walk back: the last run that leaves a reachable prefix
        for s in range(lower, upper + 1):
            if s <= k and ordered[k - 1] - ordered[k - s] <= window + 1e-9 and reach[k - s, c - 1]:
                groups[order[k - s : k]] = c - 1
                k -= s
                c -= 1
                break
        else:  # pragma: no cover - reach[n, circles] guarantees a step back
            return None
    return groups


def smallest_window(offsets: FloatArray, circles: int, lower: int, upper: int) -> float:
    """The narrowest time-zone window (hours) for which :func:`timezone_groups` finds circles.

    >>> smallest_window(np.array([0.0, 1.0, 5.0, 6.0]), 2, 2, 2)
    1.0
    """
    offsets = np.asarray(offsets, dtype=np.float64)
    values = np.unique(offsets)
    spans = np.unique(np.abs(values[:, None] - values[None, :]).ravel())
    lo, hi = 0, spans.shape[0] - 1
    while lo < hi:  # feasibility grows with the window: binary search over the spans
        mid = (lo + hi) // 2
        if timezone_groups(offsets, circles, lower, upper, float(spans[mid])) is not None:
            hi = mid
        else:
            lo = mid + 1
    return float(spans[lo])

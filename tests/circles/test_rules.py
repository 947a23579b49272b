"""Circle sizes, the time-zone programme and rotation helpers against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from peerweave.circles import form_circles
from peerweave.circles.rotation import choose_hosts, expected_repeats, host_history, met_pairs
from peerweave.circles.rules import circle_bounds, smallest_window, timezone_groups
from peerweave.errors import ConstraintError, InputError


@pytest.mark.parametrize("n", range(5, 60))
@pytest.mark.parametrize("size", [(5, 7), (4, 6), (6, 6), (3, 8)])
def test_circle_bounds_are_the_fewest_equal_circles(n: int, size: tuple[int, int]) -> None:
    low, high = size
    possible = [g for g in range(1, n + 1) if g * low <= n <= g * high]
    if not possible:
        with pytest.raises(ConstraintError):
            circle_bounds(n, size)
        return
    lower, upper = circle_bounds(n, size)
    assert lower.shape[0] == min(possible)
    assert lower.sum() <= n <= upper.sum() and (upper - lower <= 1).all()
    assert lower.min() >= low and upper.max() <= high


def test_circle_bounds_rejects_a_bad_range() -> None:
    with pytest.raises(InputError):
        circle_bounds(10, (6, 5))


def _feasible_by_enumeration(offsets: np.ndarray, ng: int, lo: int, hi: int, w: float) -> bool:
    n = offsets.shape[0]
    for every in itertools.product(range(ng), repeat=n):
        groups = np.array(every)
        sizes = np.bincount(groups, minlength=ng)
        if ((sizes < lo) | (sizes > hi)).any():
            continue
        if all(np.ptp(offsets[groups == g]) <= w for g in range(ng)):
            return True
    return False


@pytest.mark.parametrize("seed", range(12))
def test_timezone_groups_matches_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 8))
    offsets = rng.choice([-8.0, -5.0, -4.0, 0.0, 1.0, 5.5, 8.0, 9.0], size=n)
    lo = int(rng.integers(2, 4))
    ng = max(1, n // (lo + 1))
    hi = math.ceil(n / ng) + 1
    window = float(rng.choice([1.0, 3.0, 6.0]))
    plan = timezone_groups(offsets, ng, lo, hi, window)
    assert (plan is not None) == _feasible_by_enumeration(offsets, ng, lo, hi, window)
    if plan is not None:
        sizes = np.bincount(plan, minlength=ng)
        assert ((sizes >= lo) & (sizes <= hi)).all()
        assert all(np.ptp(offsets[plan == g]) <= window for g in range(ng))


def test_smallest_window() -> None:
    offsets = np.array([-5.0, -5.0, -4.0, 8.0, 9.0, 9.0])
    assert smallest_window(offsets, 2, 3, 3) == 1.0
    assert smallest_window(offsets, 1, 6, 6) == 14.0


def test_kernel_repairs_a_start_that_breaks_the_window() -> None:
    # a together pair makes the search start from a random grouping, not the programme's
    people = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(12)],
            "department": list("ABCABCABCABC"),
            "timezone": ["UTC-5"] * 6 + ["UTC+8"] * 6,
        }
    )
    r = form_circles(
        people,
        by=["department"],
        size=(6, 6),
        tz_window=0,
        together=[("p0", "p1")],
        seconds=0.5,
    )
    circle = r.assignment.set_index("person_id")["circle"]
    assert circle.loc[[f"p{i}" for i in range(6)]].nunique() == 1
    assert r.constraint_check["timezone_window"] == "ok"


def test_met_pairs_against_loops() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for rnd in range(1, 4):
        order = rng.permutation(15)
        for k, pid in enumerate(order):
            rows.append((rnd, k // 5, f"q{pid}"))
    history = pd.DataFrame(rows, columns=["round", "circle", "person_id"])
    ids = pd.Index([f"q{i}" for i in range(14)])  # q14 left the programme
    first, second, times = met_pairs(history, ids)
    expected: dict[tuple[int, int], int] = {}
    for (_, _), grp in history.groupby(["round", "circle"]):
        members = sorted(ids.get_indexer(grp["person_id"]))
        for a, b in itertools.combinations([m for m in members if m >= 0], 2):
            expected[(a, b)] = expected.get((a, b), 0) + 1
    got = {(int(a), int(b)): int(t) for a, b, t in zip(first, second, times, strict=True)}
    assert got == expected


def test_expected_repeats_by_simulation() -> None:
    rng = np.random.default_rng(0)
    sizes = np.array([4, 4, 5])
    met = [(0, 1), (2, 7), (5, 12), (3, 4), (8, 9), (10, 11)]
    slots = np.repeat(np.arange(3), sizes)
    draws = np.array(
        [sum(c[a] == c[b] for a, b in met) for c in (rng.permutation(slots) for _ in range(20000))]
    )
    assert draws.mean() == pytest.approx(expected_repeats(len(met), sizes), abs=0.03)


def test_host_history_and_choice() -> None:
    history = pd.DataFrame(
        {
            "round": [1, 1, 1, 2, 2, 2],
            "circle": [1, 1, 1, 1, 1, 1],
            "person_id": ["a", "b", "c", "a", "b", "d"],
            "role": ["host", "member", "member", "member", "HOST", "member"],
        }
    )
    hosted, attended = host_history(history, pd.Index(["a", "b", "c", "d", "e"]))
    assert hosted.tolist() == [1, 1, 0, 0, 0] and attended.tolist() == [2, 2, 1, 1, 0]
    # circle 0: c (never hosted, 1 round) beats a and b; circle 1: e (0 rounds) beats d
    chosen = choose_hosts(np.array([0, 0, 0, 1, 1]), hosted, attended, seed=3)
    assert chosen.tolist() == [2, 4]

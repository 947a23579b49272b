"""MDGP solver: brute-force optima on tiny instances, the MDGPLIB reader, reproducibility."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from peerweave.circles.mdgp import diversity_of, read_mdgplib, solve_mdgp
from peerweave.circles.search import (
    initial_groups,
    matrix_problem,
    pair_maximising_sizes,
    search,
)
from peerweave.errors import ConstraintError, FileFormatError


# ---------------------------------------------------------------------------- references
def _pair_sum(d: np.ndarray, groups: np.ndarray) -> float:
    """The objective by a plain double loop over all pairs (independent of the package)."""
    n = len(groups)
    return float(sum(d[i, j] for i in range(n) for j in range(i + 1, n) if groups[i] == groups[j]))


def _brute_force(d: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Best objective over every assignment of the items to the groups (numpy, vectorised)."""
    n, ng = d.shape[0], lower.shape[0]
    every = np.array(list(itertools.product(range(ng), repeat=n)), dtype=np.int64)
    sizes = np.stack([(every == g).sum(axis=1) for g in range(ng)], axis=1)
    every = every[((sizes >= lower) & (sizes <= upper)).all(axis=1)]
    i, j = np.triu_indices(n, k=1)
    same = every[:, i] == every[:, j]
    return float((same * d[i, j]).sum(axis=1).max())


def _instance(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    d = np.round(rng.uniform(0, 100, size=(n, n)), 2)
    d = np.triu(d, 1)
    return d + d.T


# ---------------------------------------------------------------------------- optimality
@pytest.mark.parametrize(
    ("seed", "n", "lower", "upper"),
    [
        (1, 8, [4, 4], [4, 4]),
        (2, 9, [3, 3, 3], [3, 3, 3]),
        (3, 9, [2, 2, 2], [5, 4, 3]),
        (4, 10, [2, 3], [6, 7]),
        (5, 8, [1, 2, 2], [3, 4, 4]),
    ],
)
def test_solver_finds_the_brute_force_optimum(
    seed: int, n: int, lower: list[int], upper: list[int]
) -> None:
    d = _instance(seed, n)
    lo, up = np.array(lower), np.array(upper)
    groups, objective = solve_mdgp(d, lo, up, seconds=0.5, seed=seed)
    sizes = np.bincount(groups, minlength=len(lower))
    assert ((sizes >= lo) & (sizes <= up)).all()
    assert objective == pytest.approx(_pair_sum(d, groups), abs=1e-9)
    assert objective == pytest.approx(_brute_force(d, lo, up), abs=1e-6)


def test_reported_objective_is_the_pair_sum_on_a_larger_instance() -> None:
    d = _instance(7, 60)
    lo, up = np.full(6, 8), np.full(6, 12)
    groups, objective = solve_mdgp(d, lo, up, seconds=0.3, seed=3)
    assert objective == pytest.approx(_pair_sum(d, groups), rel=1e-12)
    assert objective == pytest.approx(diversity_of(d, groups), rel=1e-12)
    sizes = np.bincount(groups, minlength=6)
    assert sizes.sum() == 60 and ((sizes >= 8) & (sizes <= 12)).all()


def test_kernel_score_equals_a_fresh_recount_for_both_drivers() -> None:
    # the incremental objective kept by the moves equals the recount of the final groups
    d = _instance(11, 40)
    problem = matrix_problem(d, np.array([5, 6, 7, 8, 9]), np.array([9, 9, 9, 9, 9]))
    for method in ("memetic", "iterated"):
        result = search(problem, seconds=0.3, seed=2, method=method, max_evaluations=2_000_000)
        assert result.objective == pytest.approx(_pair_sum(d, result.groups), rel=1e-12)


def test_same_seed_and_budget_give_the_same_groups() -> None:
    d = _instance(5, 50)
    lo, up = np.full(5, 10), np.full(5, 10)
    runs = [
        solve_mdgp(d, lo, up, seconds=30.0, seed=4, max_evaluations=3_000_000) for _ in range(2)
    ]
    assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]
    other = solve_mdgp(d, lo, up, seconds=30.0, seed=5, max_evaluations=3_000_000)
    assert other[1] > 0


def test_pair_maximising_sizes_against_enumeration() -> None:
    lo, up = np.array([2, 1, 3, 2]), np.array([5, 4, 6, 3])
    for n in range(8, 19):
        best = max(
            (
                s
                for s in itertools.product(*(range(a, b + 1) for a, b in zip(lo, up, strict=True)))
                if sum(s) == n
            ),
            key=lambda s: sum(x * (x - 1) for x in s),
        )
        got = pair_maximising_sizes(lo, up, n)
        assert got.sum() == n and ((got >= lo) & (got <= up)).all()
        assert sum(x * (x - 1) for x in got) == sum(x * (x - 1) for x in best)


def test_initial_groups_respect_bounds_and_units() -> None:
    unit_size = np.array([3, 1, 1, 2, 1, 1, 1, 1, 1])
    lower, upper = np.array([3, 3, 4]), np.array([4, 4, 5])
    groups = initial_groups(unit_size, lower, upper, 1)
    sizes = np.bincount(groups, weights=unit_size, minlength=3)
    assert ((sizes >= lower) & (sizes <= upper)).all()
    assert initial_groups(np.array([5, 1]), np.array([3, 3]), np.array([3, 3]), 0)[0] == -1


def test_bounds_that_cannot_hold_the_items() -> None:
    with pytest.raises(ConstraintError, match="cannot fill 2 groups"):
        solve_mdgp(np.zeros((5, 5)), np.array([3, 3]), np.array([3, 3]), seconds=0.1)


# ---------------------------------------------------------------------------- the reader
def test_read_mdgplib_round_trip(tmp_path: Path) -> None:
    d = _instance(3, 7)
    lines = ["7 2 ds 3 4 2 5"]
    lines += [f"{i} {j} {d[i, j]:.2f}" for i in range(7) for j in range(i + 1, 7)]
    path = tmp_path / "RanReal_n007_ds_01.txt"
    path.write_text("\n".join(lines) + "\n")
    got, lower, upper = read_mdgplib(path)
    assert np.allclose(got, d) and lower.tolist() == [3, 2] and upper.tolist() == [4, 5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3 2 xx 1 2 1 2\n0 1 1\n", "bad header"),
        ("3 2 ss 1 2\n0 1 1\n", "bad header"),
        ("3 1 ss 3 3\n0 1 1\n1 0 2\n", "0 <= i < j < n"),
        ("3 1 ss 3 3\n0 1 abc\n", "0 <= i < j < n"),
        ("3 1 ss 3 3\n0 5 1\n", "0 <= i < j < n"),
    ],
)
def test_read_mdgplib_rejects_bad_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=message):
        read_mdgplib(path)


def test_read_mdgplib_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="cannot read"):
        read_mdgplib(tmp_path / "nope.txt")

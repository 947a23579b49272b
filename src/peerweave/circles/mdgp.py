"""The Maximally Diverse Grouping Problem on an explicit distance matrix, and MDGPLIB files.

Given ``n`` items, distances ``d_ij`` and ``G`` groups with sizes between ``lower[g]`` and
``upper[g]``, place every item in one group so that the sum of ``d_ij`` over the pairs of
items sharing a group is as large as possible (Feo & Khellaf 1990; NP-hard). MDGPLIB
(Gallego, Laguna, Martí & Duarte 2013) is its benchmark library: the RanReal, RanInt and
Geo sets, with equal (``ss``) or different (``ds``) group sizes.

:func:`solve_mdgp` runs the search of :mod:`peerweave.circles.search` on the matrix (the
gain of an item for a group is one entry of an ``n × G`` profile, updated in ``O(n)`` per
move); :func:`read_mdgplib` reads an instance file.

References
----------
* T. A. Feo & M. Khellaf (1990). A class of bounded approximation algorithms for graph
  partitioning. Networks 20(2).
* M. Gallego, M. Laguna, R. Martí & A. Duarte (2013). Tabu search with strategic
  oscillation for the maximally diverse grouping problem. J. Oper. Res. Soc. 64(5).
* X. Lai & J.-K. Hao (2016). Iterated maxima search for the maximally diverse grouping
  problem. Eur. J. Oper. Res. 254(3).
* X. Yang, Z. Cai, T. Jin, Z. Tang & S. Gao (2022). A three-phase search approach with
  dynamic population size for solving the maximally diverse grouping problem. Eur. J.
  Oper. Res. 302(3).

Examples
--------
>>> d = np.array([[0, 5, 1, 1], [5, 0, 1, 1], [1, 1, 0, 5], [1, 1, 5, 0]], dtype=float)
>>> groups, objective = solve_mdgp(d, np.array([2, 2]), np.array([2, 2]), seconds=0.5)
>>> objective, bool(groups[0] == groups[1])
(10.0, True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.circles.search import matrix_problem, search
from peerweave.errors import ConstraintError, FileFormatError, InputError, Problem

__all__ = ["diversity_of", "read_mdgplib", "solve_mdgp"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def diversity_of(d: FloatArray, groups: IntArray) -> float:
    """The sum of ``d_ij`` over the pairs ``i < j`` in the same group (vectorised).

    >>> diversity_of(np.array([[0, 2, 3], [2, 0, 4], [3, 4, 0]], dtype=float), np.array([0, 0, 1]))
    2.0
    """
    d = np.asarray(d, dtype=np.float64)
    groups = np.asarray(groups)
    same = groups[:, None] == groups[None, :]
    return float(np.triu(np.where(same, d, 0.0), k=1).sum())


def read_mdgplib(path: str | Path) -> tuple[FloatArray, IntArray, IntArray]:
    """Read an MDGPLIB instance: ``(d, lower, upper)``.

    The first line is ``n G ss|ds a_1 b_1 … a_G b_G`` (the minimum and maximum size of
    each group), then one line ``i j d_ij`` per pair, 0-based with ``i < j``. ``d`` is the
    symmetric ``n × n`` matrix (zero diagonal).

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("3 1 ss 3 3\\n0 1 1.5\\n0 2 2\\n1 2 0.5\\n")
    >>> d, lower, upper = read_mdgplib(f.name); os.unlink(f.name)
    >>> d.tolist(), lower.tolist(), upper.tolist()
    ([[0.0, 1.5, 2.0], [1.5, 0.0, 0.5], [2.0, 0.5, 0.0]], [3], [3])
    """
    path = Path(path)
    source = str(path)
    try:
        with path.open() as f:
            header = f.readline().split()
    except OSError as err:
        raise FileFormatError(source, f"cannot read the file: {err.strerror}") from None
    fix = "the first line must be: n G ss|ds a_1 b_1 … a_G b_G"
    try:
        n, ng = int(header[0]), int(header[1])
        kind = header[2]
        bounds = [int(x) for x in header[3:]]
    except (IndexError, ValueError):
        raise FileFormatError(source, Problem("bad header line", row=1, fix=fix)) from None
    if kind not in ("ss", "ds") or len(bounds) != 2 * ng or n < 1 or ng < 1:
        raise FileFormatError(source, Problem("bad header line", row=1, fix=fix))
    lower = np.array(bounds[0::2], dtype=np.int64)
    upper = np.array(bounds[1::2], dtype=np.int64)
    try:
        pairs = pd.read_csv(
            path, sep=r"\s+", skiprows=1, header=None, names=["i", "j", "d"], engine="c"
        )
    except (pd.errors.ParserError, ValueError) as err:
        raise FileFormatError(source, f"the pair lines do not read as 'i j d': {err}") from None
    i = pd.to_numeric(pairs["i"], errors="coerce").to_numpy()
    j = pd.to_numeric(pairs["j"], errors="coerce").to_numpy()
    w = pd.to_numeric(pairs["d"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(i) & np.isfinite(j) & np.isfinite(w))
    bad |= ~bad & ((i < 0) | (j >= n) | (i >= j))
    if bad.any():
        rows = np.flatnonzero(bad)[:10] + 2
        problems = [
            Problem("expected 'i j d' with 0 <= i < j < n", row=int(r), fix="correct the line")
            for r in rows
        ]
        raise FileFormatError(source, problems, total=int(bad.sum()))
    d = np.zeros((n, n), dtype=np.float64)
    ii = i.astype(np.int64)
    jj = j.astype(np.int64)
    d[ii, jj] = w
    d[jj, ii] = w
    return d, lower, upper


def solve_mdgp(
    d: FloatArray,
    lower: IntArray,
    upper: IntArray,
    *,
    seconds: float = 10.0,
    seed: int = 0,
    max_evaluations: int | None = None,
) -> tuple[IntArray, float]:
    """Group ``n`` items into ``G`` groups of ``lower[g]``–``upper[g]`` items, maximising the
    sum of ``d_ij`` within groups; return ``(group of each item, objective)``.

    Runs for ``seconds`` of wall-clock time (the benchmark's rule), or until
    ``max_evaluations`` move evaluations when given (then the result depends on the seed
    only). The objective is recomputed from the groups.

    >>> groups, f = solve_mdgp(np.ones((4, 4)) - np.eye(4), np.array([2, 2]), np.array([2, 2]),
    ...                        seconds=0.2)
    >>> f, sorted(np.bincount(groups).tolist())
    (2.0, [2, 2])
    """
    d = np.asarray(d, dtype=np.float64)
    lower = np.asarray(lower, dtype=np.int64)
    upper = np.asarray(upper, dtype=np.int64)
    n = d.shape[0]
    if d.ndim != 2 or d.shape[1] != n:
        raise InputError("distances", f"d must be a square matrix, not of shape {d.shape}")
    if lower.shape != upper.shape or lower.ndim != 1 or lower.size == 0:
        raise InputError("bounds", "lower and upper must be two vectors of one size per group")
    if (lower < 0).any() or (lower > upper).any():
        raise InputError("bounds", "every group needs 0 <= lower <= upper")
    if not lower.sum() <= n <= upper.sum():
        raise ConstraintError(
            f"{n} items cannot fill {lower.size} groups of these sizes: they take between "
            f"{int(lower.sum())} and {int(upper.sum())} items; change the bounds"
        )
    result = search(
        matrix_problem(d, lower, upper),
        seconds=seconds,
        seed=seed,
        max_evaluations=max_evaluations,
    )
    return result.groups, diversity_of(d, result.groups)

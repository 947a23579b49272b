"""Rotation: who met whom in earlier rounds, how many repeats a round avoids, who hosts.

A *history* frame has one row per person per round: ``round``, ``circle``, ``person_id``
and, optionally, ``role`` (``host`` or ``member``). Two people *met* when they sat in the
same circle of the same round.

* :func:`met_pairs`: the pairs of today's participants who met before, and how often;
* :func:`expected_repeats`: how many of those pairs a uniformly random grouping into the
  same circle sizes would seat together again — the yardstick of ``repeats_avoided``;
* :func:`host_history` and :func:`choose_hosts`: one host per circle, the member who has
  hosted least (ties: fewest rounds attended, then a seeded draw).

Examples
--------
>>> history = pd.DataFrame({"round": [1, 1, 1, 1], "circle": [1, 1, 2, 2],
...                         "person_id": ["a", "b", "c", "d"],
...                         "role": ["host", "member", "host", "member"]})
>>> ids = pd.Index(["a", "b", "c", "d"])
>>> first, second, times = met_pairs(history, ids)
>>> list(zip(first.tolist(), second.tolist(), times.tolist()))
[(0, 1, 1), (2, 3, 1)]
>>> expected_repeats(2, np.array([2, 2]))
0.6666666666666666
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import MissingColumnError, Problem

__all__ = [
    "HISTORY_COLUMNS",
    "choose_hosts",
    "expected_repeats",
    "host_history",
    "met_pairs",
]

IntArray = npt.NDArray[np.int64]

#: Columns a history frame needs (``role`` is optional).
HISTORY_COLUMNS: tuple[str, ...] = ("round", "circle", "person_id")


def _check(history: pd.DataFrame) -> None:
    missing = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise MissingColumnError(
            "history",
            [
                Problem(
                    "missing",
                    column=c,
                    fix=f"give the earlier rounds with columns {', '.join(HISTORY_COLUMNS)}",
                )
                for c in missing
            ],
        )


def met_pairs(history: pd.DataFrame, ids: pd.Index) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs of positions in ``ids`` (first < second) who shared a circle in ``history``,
    with the number of rounds they did; people not in ``ids`` are ignored.

    >>> h = pd.DataFrame({"round": [1, 1, 2, 2], "circle": [1, 1, 1, 1],
    ...                   "person_id": ["x", "y", "x", "y"]})
    >>> [a.tolist() for a in met_pairs(h, pd.Index(["y", "x"]))]
    [[0], [1], [2]]
    """
    _check(history)
    empty = np.zeros(0, dtype=np.int64)
    if history.empty:
        return empty, empty, empty
    pos = ids.get_indexer(pd.Index(history["person_id"].astype(str)))
    keep = pos >= 0
    if not keep.any():
        return empty, empty, empty
    seat = pd.DataFrame(
        {
            "key": pd.factorize(
                pd.MultiIndex.from_arrays(
                    [history["round"].astype(str)[keep], history["circle"].astype(str)[keep]]
                )
            )[0],
            "pos": pos[keep],
        }
    ).drop_duplicates()
    pairs = seat.merge(seat, on="key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["pos_a"] < pairs["pos_b"]]
    counted = pairs.groupby(["pos_a", "pos_b"], sort=True).size()
    first = counted.index.get_level_values(0).to_numpy(dtype=np.int64)
    second = counted.index.get_level_values(1).to_numpy(dtype=np.int64)
    return first, second, np.asarray(counted.to_numpy(), dtype=np.int64)


def expected_repeats(met: int, sizes: IntArray) -> float:
    """Expected repeat pairs when ``sum(sizes)`` people are seated uniformly at random in
    circles of ``sizes``, ``met`` pairs of them having met before: each pair shares a
    circle with probability ``sum s(s - 1) / (n (n - 1))``.

    >>> expected_repeats(10, np.array([5, 5]))
    4.444444444444445
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    n = float(sizes.sum())
    if n < 2:
        return 0.0
    return float(met * (sizes * (sizes - 1)).sum() / (n * (n - 1)))


def host_history(history: pd.DataFrame | None, ids: pd.Index) -> tuple[IntArray, IntArray]:
    """Per person of ``ids``: rounds hosted (``role == "host"``) and rounds attended.

    >>> h = pd.DataFrame({"round": [1, 1, 2], "circle": [1, 1, 1],
    ...                   "person_id": ["a", "b", "a"], "role": ["host", "member", "member"]})
    >>> [x.tolist() for x in host_history(h, pd.Index(["a", "b", "c"]))]
    [[1, 0, 0], [2, 1, 0]]
    """
    n = len(ids)
    hosted = np.zeros(n, dtype=np.int64)
    attended = np.zeros(n, dtype=np.int64)
    if history is None or history.empty:
        return hosted, attended
    _check(history)
    pos = ids.get_indexer(pd.Index(history["person_id"].astype(str)))
    keep = pos >= 0
    rounds = pd.DataFrame({"pos": pos[keep], "round": history["round"].astype(str)[keep]})
    per_person = rounds.drop_duplicates().groupby("pos").size()
    attended[per_person.index.to_numpy()] = per_person.to_numpy()
    if "role" in history.columns:
        role = history["role"].astype("string").str.strip().str.lower()
        hosts = pos[keep & (role == "host").fillna(False).to_numpy(dtype=bool)]
        hosted += np.bincount(hosts, minlength=n)
    return hosted, attended


def choose_hosts(
    circles: IntArray, hosted: IntArray, attended: IntArray, *, seed: int = 0
) -> IntArray:
    """The host of each circle: the member who has hosted least, then attended fewest
    rounds, then a seeded draw. ``circles[i]`` is person ``i``'s circle (0-based); returns
    one position per circle.

    >>> choose_hosts(np.array([0, 0, 1, 1]), np.array([1, 0, 0, 0]), np.array([2, 2, 3, 1])).tolist()
    [1, 3]
    """
    n = circles.shape[0]
    draw = np.random.default_rng(seed).permutation(n)
    order = np.lexsort((draw, attended, hosted, circles))
    first = np.ones(n, dtype=bool)
    first[1:] = circles[order][1:] != circles[order][:-1]
    chosen = order[first]
    return chosen[np.argsort(circles[chosen])]

"""The force-directed layout of the network map: reproducible, groups apart, bad input refused."""

from __future__ import annotations

import numpy as np
import pytest

from peerweave.network.layout import force_layout


def cliques(k: int, size: int, bridges: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``k`` cliques of ``size`` nodes, each joined to the next by ``bridges`` edges; labels."""
    src, dst = [], []
    for c in range(k):
        base = c * size
        for i in range(size):
            for j in range(i + 1, size):
                src.append(base + i)
                dst.append(base + j)
        for b in range(bridges):
            src.append(base + b)
            dst.append(((c + 1) % k) * size + b)
    return np.array(src), np.array(dst), np.repeat(np.arange(k), size)


def test_same_seed_same_layout_other_seed_other_layout() -> None:
    src, dst, _ = cliques(3, 10)
    a = force_layout(30, src, dst, seed=4)
    assert a.shape == (30, 2) and np.isfinite(a).all()
    assert np.array_equal(a, force_layout(30, src, dst, seed=4))
    assert not np.array_equal(a, force_layout(30, src, dst, seed=5))
    assert np.allclose(a.mean(axis=0), 0.0, atol=1e-6)


@pytest.mark.parametrize("seeded", [False, True])
def test_clusters_sit_apart(seeded: bool) -> None:
    src, dst, label = cliques(4, 25)
    xy = force_layout(100, src, dst, groups=label if seeded else None, seed=1)
    centres = np.array([xy[label == c].mean(axis=0) for c in range(4)])
    spread = max(np.linalg.norm(xy[label == c] - centres[c], axis=1).mean() for c in range(4))
    apart = min(np.linalg.norm(centres[i] - centres[j]) for i in range(4) for j in range(i + 1, 4))
    assert apart > 1.5 * spread


def test_isolates_self_loops_and_weights() -> None:
    xy = force_layout(5, [0, 1, 2, 2], [1, 2, 2, 0], weights=[1.0, 1.0, 5.0, 0.0], seed=0)
    assert np.isfinite(xy).all()
    assert force_layout(1, [], []).tolist() == [[0.0, 0.0]]
    assert force_layout(0, [], []).shape == (0, 2)
    heavy = force_layout(3, [0, 1], [1, 2], weights=[10.0, 1.0], seed=2)
    assert np.linalg.norm(heavy[0] - heavy[1]) < np.linalg.norm(heavy[1] - heavy[2])


def test_coincident_start_points_do_not_break_the_tree() -> None:
    n = 300  # a star: many leaves pile up near the hub
    xy = force_layout(n, np.zeros(n - 1, dtype=int), np.arange(1, n), seed=0, iterations=50)
    assert np.isfinite(xy).all()
    assert len(np.unique(np.round(xy, 6), axis=0)) > n * 0.9


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="node numbers"):
        force_layout(3, [0, -1], [1, 2])
    with pytest.raises(ValueError, match="same length"):
        force_layout(3, [0, 1], [1])
    with pytest.raises(ValueError, match="one value per edge"):
        force_layout(3, [0], [1], weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="one value per node"):
        force_layout(3, [0], [1], groups=[0, 1])

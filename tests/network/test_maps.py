"""The network map and the silo heatmap: who is drawn, reproducibly, and never opted-out people."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peerweave.network.graph import OrgGraph
from peerweave.network.groups import group_report
from peerweave.network.maps import map_layout, network_map_png, silo_heatmap_png


def two_teams(opted_out: int = 1) -> OrgGraph:
    """Two cliques of 8 joined by one tie; the last person opted out."""
    n = 16
    people = pd.DataFrame(
        {
            "person_id": [f"p{i:02d}" for i in range(n)],
            "department": ["a"] * 8 + ["b"] * 8,
            "opted_out": [False] * (n - opted_out) + [True] * opted_out,
        }
    )
    pairs = [(i, j) for block in (range(8), range(8, 16)) for i in block for j in block if i < j]
    pairs.append((0, 8))
    ties = pd.DataFrame(
        {"source": [f"p{i:02d}" for i, _ in pairs], "target": [f"p{j:02d}" for _, j in pairs]}
    )
    return OrgGraph.from_frames(people, ties)


def test_layout_leaves_out_opted_out_people_and_is_reproducible() -> None:
    g = two_teams()
    first, again = map_layout(g, seed=3), map_layout(g, seed=3)
    assert first.shown.tolist() == list(range(15))
    np.testing.assert_allclose(first.positions, again.positions)
    assert not first.sampled
    # edges are between shown people only: 28 + 21 (the opted-out person's 7 gone) + 1
    assert len(first.edges) == 28 + 21 + 1


def test_layout_separates_the_two_teams() -> None:
    xy = map_layout(two_teams(0), seed=1).positions
    a, b = xy[:8].mean(axis=0), xy[8:].mean(axis=0)
    spread = max(np.linalg.norm(xy[:8] - a, axis=1).max(), np.linalg.norm(xy[8:] - b, axis=1).max())
    assert np.linalg.norm(a - b) > spread


def test_large_organizations_show_the_most_influential() -> None:
    g = two_teams(0)
    size = np.arange(16, dtype=float)
    layout = map_layout(g, size=size, max_people=5)
    assert layout.sampled and layout.shown.tolist() == [11, 12, 13, 14, 15]
    with pytest.raises(ValueError, match="one value per person"):
        map_layout(g, size=[1.0, 2.0])


def test_pictures_are_written(tmp_path: Path) -> None:
    g = two_teams()
    out = network_map_png(g, tmp_path / "map.png", size=np.ones(g.n), min_group_size=5)
    assert out.read_bytes()[:4] == b"\x89PNG"
    matrix = group_report(g, "department", min_group_size=5).matrix
    assert silo_heatmap_png(matrix, tmp_path / "silos.png").stat().st_size > 1000

"""Pictures of the informal network: the network map and the silo heatmap.

:func:`map_layout` places people with igraph's Fruchterman–Reingold layout (seeded, so the
same network gives the same picture); for organizations larger than ``max_people`` it
draws the ``max_people`` most influential people (the ties among them), and says so.
:func:`network_map_png` colours each person by department (groups under the minimum group
size share one grey, never named) and sizes them by influence (any per-person number, such
as PageRank). No names are drawn. :func:`silo_heatmap_png` draws the group-to-group tie
matrix of :func:`~peerweave.network.groups.group_report` (small groups already folded),
each row as shares of the group's ties, so silos show as a bright diagonal.

>>> from peerweave.network.groups import _example
>>> layout = map_layout(_example(), seed=1)
>>> layout.positions.shape, layout.shown.tolist()
((6, 2), [0, 1, 2, 3, 4, 5])
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.network.graph import OrgGraph
from peerweave.network.groups import MIN_GROUP_SIZE, SMALL_GROUPS

__all__ = [
    "MAP_COLORS",
    "MapLayout",
    "map_layout",
    "network_map_png",
    "silo_heatmap_png",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Department colours (Okabe & Ito 2008, then Tableau), the tenth and later share grey.
MAP_COLORS: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#8C564B",
    "#17BECF",
)
_GREY = "#9A9A9A"


@dataclass(frozen=True)
class MapLayout:
    """Where each shown person sits: ``shown`` (graph positions), ``positions`` (x, y per
    shown person), ``edges`` (pairs of rows of ``positions``) and ``sampled`` (True when only
    the most influential people of a large organization are shown)."""

    shown: IntArray
    positions: FloatArray
    edges: IntArray
    sampled: bool


def _size_values(graph: OrgGraph, size: npt.ArrayLike | None) -> FloatArray:
    if size is None:
        degree = np.diff(np.asarray(graph.und_indptr, dtype=np.int64)).astype(np.float64)
        return degree
    values = np.asarray(size, dtype=np.float64)
    if values.shape != (graph.n,):
        raise ValueError(f"size must have one value per person ({graph.n})")
    return np.nan_to_num(values, nan=0.0)


def map_layout(
    graph: OrgGraph,
    *,
    size: npt.ArrayLike | None = None,
    max_people: int = 1500,
    seed: int = 0,
) -> MapLayout:
    """Lay out the active people (opted-out people are never shown) with Fruchterman–Reingold.

    With more than ``max_people`` active people, only the ``max_people`` with the largest
    ``size`` (default: number of contacts) are laid out, with the ties among them.

    >>> from peerweave.network.groups import _example
    >>> map_layout(_example(), max_people=3, size=[1, 5, 4, 3, 2, 0, 9]).shown.tolist()
    [1, 2, 3]
    """
    import igraph

    if max_people < 2:
        raise ValueError(f"max_people must be at least 2, got {max_people}")
    values = _size_values(graph, size)
    active = np.flatnonzero(graph.active())
    sampled = len(active) > max_people
    if sampled:
        order = np.argsort(-values[active], kind="stable")[:max_people]
        shown = np.sort(active[order])
    else:
        shown = active
    row = np.full(graph.n, -1, dtype=np.int64)
    row[shown] = np.arange(len(shown))
    src, dst, _ = graph.edge_arrays(directed=False)
    keep = (row[src] >= 0) & (row[dst] >= 0)
    edges = np.column_stack([row[src[keep]], row[dst[keep]]]).astype(np.int64)
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1.0, 1.0, size=(len(shown), 2))
    if len(shown) == 0:
        return MapLayout(shown, np.zeros((0, 2)), edges.reshape(0, 2), sampled)
    g = igraph.Graph(n=len(shown), edges=edges.tolist())
    igraph.set_random_number_generator(random.Random(seed))  # FR jitters: seed it, then restore
    try:
        layout = g.layout_fruchterman_reingold(seed=start.tolist(), niter=500)
    finally:
        igraph.set_random_number_generator(random)
    positions = np.asarray(layout.coords, dtype=np.float64)
    return MapLayout(shown.astype(np.int64), positions, edges, sampled)


def _group_colors(
    labels: pd.Series, min_group_size: int
) -> tuple[list[str], list[tuple[str, str, int]]]:
    """A colour per person and the legend ``(label, colour, size)``: named groups of at least
    ``min_group_size`` people, largest first; the rest share grey (their size ``-1``, not
    shown, when under ``min_group_size``).

    >>> _group_colors(pd.Series(["a"] * 5 + ["b"]), 5)[1]
    [('a', '#0072B2', 5), ('(groups under 5)', '#9A9A9A', -1)]
    """
    text = labels.astype("string")
    counts = text.value_counts()
    named = [str(g) for g, c in counts.items() if c >= min_group_size]
    palette = {g: MAP_COLORS[i] for i, g in enumerate(named[: len(MAP_COLORS)])}
    colors = [palette.get(str(v), _GREY) if not pd.isna(v) else _GREY for v in text]
    legend = [(g, palette[g], int(counts[g])) for g in palette]
    rest = int(len(text) - sum(size for _, _, size in legend))
    if rest:
        small = counts[counts < min_group_size]
        label = SMALL_GROUPS.format(n=min_group_size) if len(small) else "other"
        if len(named) > len(MAP_COLORS) or text.isna().any():
            label = "other groups"
        legend.append((label, _GREY, rest if rest >= min_group_size else -1))
    return colors, legend


def network_map_png(
    graph: OrgGraph,
    path: str | Path,
    *,
    size: npt.ArrayLike | None = None,
    attribute: str = "department",
    max_people: int = 1500,
    min_group_size: int = MIN_GROUP_SIZE,
    seed: int = 0,
    title: str | None = None,
    dpi: int = 110,
) -> Path:
    """Draw the informal network to ``path`` (PNG, SVG or PDF): a dot per person, coloured by
    ``attribute``, sized by ``size`` (influence; default number of contacts), ties in grey.

    >>> import tempfile
    >>> from peerweave.network.groups import _example
    >>> with tempfile.TemporaryDirectory() as d:
    ...     network_map_png(_example(), Path(d) / "map.png", min_group_size=2).read_bytes()[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    path = Path(path)
    values = _size_values(graph, size)
    layout = map_layout(graph, size=values, max_people=max_people, seed=seed)
    fig = Figure(figsize=(9, 7.5), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_axis_off()
    xy = layout.positions
    if len(layout.edges):
        segments = np.stack([xy[layout.edges[:, 0]], xy[layout.edges[:, 1]]], axis=1)
        alpha = float(np.clip(60.0 / np.sqrt(len(layout.edges)), 0.03, 0.5))
        ax.add_collection(
            LineCollection(list(segments), colors="#777777", linewidths=0.3, alpha=alpha)
        )
    if attribute in graph.people.columns:
        labels = graph.people[attribute].iloc[layout.shown].reset_index(drop=True)
    else:
        labels = pd.Series([pd.NA] * len(layout.shown), dtype="string")
    colors, legend = _group_colors(labels, min_group_size)
    shown_values = values[layout.shown]
    top = float(shown_values.max()) if len(shown_values) and shown_values.max() > 0 else 1.0
    area = 6.0 + 220.0 * np.sqrt(np.clip(shown_values, 0.0, None) / top)
    order = np.argsort(area, kind="stable")  # big dots on top
    if len(order):
        ax.scatter(
            xy[order, 0],
            xy[order, 1],
            s=area[order],
            c=[colors[i] for i in order],
            edgecolors="white",
            linewidths=0.3,
            zorder=2,
        )
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color=c,
            markersize=7,
            label=f"{g} ({n:,})" if n >= 0 else g,
        )
        for g, c, n in legend
    ]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    heading = title or "The informal network"
    note = (
        f"the {len(layout.shown):,} most influential of {int(graph.active().sum()):,} people"
        if layout.sampled
        else f"{len(layout.shown):,} people"
    )
    ax.set_title(
        f"{heading}\n{note} · colour: {attribute} · size: influence", fontsize=11, loc="left"
    )
    ax.autoscale()
    fig.savefig(path)
    return path


def silo_heatmap_png(
    matrix: pd.DataFrame, path: str | Path, *, title: str | None = None, dpi: int = 110
) -> Path:
    """Draw a group-to-group tie matrix (``GroupReport.matrix``) as a heatmap to ``path``.

    Each row shows where the group's ties go, as shares of its ties (the diagonal: ties
    within the group); each cell is labelled with the share.

    >>> import tempfile
    >>> from peerweave.network.groups import _example, group_report
    >>> m = group_report(_example(), "department", min_group_size=3).matrix
    >>> with tempfile.TemporaryDirectory() as d:
    ...     silo_heatmap_png(m, Path(d) / "silos.png").read_bytes()[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    counts = matrix.to_numpy(dtype=np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    k = len(matrix)
    side = float(np.clip(0.55 * k + 2.5, 4.0, 12.0))
    fig = Figure(figsize=(side + 1.5, side), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="viridis", vmin=0.0, vmax=max(float(shares.max()), 1e-9))
    names = [str(x) for x in matrix.index]
    ax.set_xticks(range(k), [str(x) for x in matrix.columns], rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    if k <= 20:
        for i in range(k):
            for j in range(k):
                ax.text(
                    j,
                    i,
                    f"{shares[i, j]:.0%}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if shares[i, j] < 0.6 * shares.max() else "black",
                )
    ax.set_xlabel("ties to")
    ax.set_ylabel("ties of")
    fig.colorbar(image, ax=ax, shrink=0.8, label="share of the group's ties")
    ax.set_title(title or "Where each group's ties go", fontsize=11, loc="left")
    fig.savefig(path)
    return path

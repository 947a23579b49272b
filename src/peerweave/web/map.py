"""The network map (``/map``) and the silo heatmap of the overview.

Views (plain JSON-ready dicts: the API returns them, the pages render them) and routes in
one module:

- ``GET /map`` and ``GET /api/network/map?color=…&size=…&group=…&by=…`` (leads): the
  informal network of the latest analysis run, laid out on the server with ForceAtlas2
  (:func:`peerweave.network.layout.force_layout`), coloured by community, role or a
  people attribute, sized by influence. An organization of more than
  ``WebSettings.map_people_limit`` active people is first shown one node per group of
  ``by`` (departments by default: sized by people, joined by the ties between groups);
  ``group`` drills down into one group's people. People are named through
  :func:`~peerweave.web.privacy.directory` (analysts see pseudonyms, admins names,
  opted-out people and their ties are nowhere); groups under the minimum group size are
  folded into one grey ``(groups under N)`` and never named. Each person-level map a lead
  loads writes one audit row.
- ``GET /api/overview/silos`` (leads): the group-to-group tie matrix of the latest run as
  shares of each group's ties (:func:`silo_matrix`), which the overview draws as a heatmap.

Layouts are computed once per analysis run and kept in a small in-memory cache on the
app (:class:`MapCache`, ``app.state.map_cache``): the key names the run, the opted-out
people (someone opting out gives a new layout without them), the level and the group, so
a second load only relabels and recolours (milliseconds to a second at 10,000 people).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from peerweave.errors import InputError, PeerweaveError, Problem
from peerweave.network.graph import OrgGraph
from peerweave.network.groups import OTHER_GROUPS, SMALL_GROUPS, group_report
from peerweave.network.layout import force_layout
from peerweave.network.maps import MAP_COLORS
from peerweave.web.deps import ViewerDep, render, settings_of, workspace_of
from peerweave.web.privacy import Viewer, directory, require_role, suppress_small_groups
from peerweave.web.settings import WebSettings
from peerweave.web.views import _audit
from peerweave.workspace import Workspace

__all__ = [
    "COLOR_CHOICES",
    "GROUP_ATTRIBUTES",
    "SIZE_CHOICES",
    "MapCache",
    "api",
    "cache_of",
    "network_map",
    "pages",
    "silo_matrix",
]

JSON = dict[str, Any]
T = TypeVar("T")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: People attributes a map may colour or group by (not titles: too close to a name).
GROUP_ATTRIBUTES: tuple[str, ...] = ("department", "team", "location", "level", "timezone")
#: What the nodes can be coloured by.
COLOR_CHOICES: tuple[str, ...] = ("community", "role", *GROUP_ATTRIBUTES)
#: What the nodes can be sized by: person metric and what it means.
SIZE_CHOICES: dict[str, str] = {
    "pagerank": "influence (PageRank)",
    "degree": "contacts",
    "betweenness": "brokerage (betweenness)",
}
#: A person's colour by role: the first of these roles they have.
ROLE_ORDER: tuple[str, ...] = (
    "bottleneck",
    "broker",
    "hidden_influencer",
    "connector",
    "peripheral",
    "isolated",
)
ROLE_COLORS: dict[str, str] = {
    "bottleneck": "#D55E00",
    "broker": "#0072B2",
    "hidden_influencer": "#CC79A7",
    "connector": "#009E73",
    "peripheral": "#E69F00",
    "isolated": "#56B4E9",
}
NO_ROLE = "no role"
GREY = "#9A9A9A"
#: Layouts (and graphs) the map cache keeps.
CACHE_SIZE = 24


# -- the cache ---------------------------------------------------------------------------


class MapCache:
    """A small least-recently-used cache of computed maps, safe across request threads.

    A value is computed once: requests asking for the same key meanwhile wait for it.

    >>> cache = MapCache(size=2)
    >>> cache.get("a", lambda: 1), cache.get("a", lambda: 2), cache.hits, cache.misses
    (1, 1, 1, 1)
    >>> _ = cache.get("b", lambda: 3), cache.get("c", lambda: 4)
    >>> "a" in cache
    False
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under ``key``, computed by ``compute`` when missing."""
        with self._lock:
            if key in self._items:
                self.hits += 1
                self._items.move_to_end(key)
                return cast(T, self._items[key])
            waiting = self._pending.setdefault(key, threading.Lock())
        with waiting:
            with self._lock:
                if key in self._items:
                    self.hits += 1
                    return cast(T, self._items[key])
                self.misses += 1
            try:
                value = compute()
                with self._lock:
                    self._items[key] = value
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            finally:
                with self._lock:
                    self._pending.pop(key, None)
        return value


_STATE_LOCK = threading.Lock()


def cache_of(request: Request) -> MapCache:
    """The app's map cache (``app.state.map_cache``), made at first use."""
    state = request.app.state
    with _STATE_LOCK:
        cache = getattr(state, "map_cache", None)
        if cache is None:
            cache = MapCache()
            state.map_cache = cache
    return cast(MapCache, cache)


# -- the network of the latest run -------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Base:
    """The latest run's network: the graph, each position's metrics, the undirected edges
    between active people and the key the layouts of this network are cached under."""

    key: tuple[Hashable, ...]
    run_id: int
    graph: OrgGraph
    metrics: pd.DataFrame  # one row per graph position
    src: IntArray
    dst: IntArray
    weight: FloatArray


def _hidden_digest(people: pd.DataFrame) -> str:
    """A short digest of who opted out: a new one means new layouts without them."""
    if "opted_out" not in people:
        return ""
    hidden = sorted(people.loc[people["opted_out"].astype(bool), "person_id"].astype(str))
    return hashlib.sha256("\n".join(hidden).encode()).hexdigest()[:16]


def _latest_run(ws: Workspace) -> pd.Series | None:
    runs = ws.analysis_runs()
    return None if runs.empty else runs.iloc[0]


def _base(ws: Workspace, run: pd.Series, people: pd.DataFrame, cache: MapCache) -> _Base:
    run_id = int(run["id"])
    key: tuple[Hashable, ...] = ("base", run_id, _hidden_digest(people))

    def build() -> _Base:
        kinds = run["kinds"] if isinstance(run["kinds"], list) and run["kinds"] else None
        start = None if pd.isna(run["window_start"]) else run["window_start"]
        end = None if pd.isna(run["window_end"]) else run["window_end"]
        graph = ws.graph(kinds=kinds, start=start, end=end)
        metrics = ws.person_metrics(run_id)
        aligned = (
            metrics.drop_duplicates("person_id")
            .set_index(metrics["person_id"].drop_duplicates().astype(str))
            .reindex(pd.Index(graph.ids.astype(str)))
            .reset_index(drop=True)
        )
        src, dst, weight = graph.edge_arrays(directed=False)
        active = graph.active()
        both = active[src] & active[dst]
        return _Base(
            key=key,
            run_id=run_id,
            graph=graph,
            metrics=aligned,
            src=np.asarray(src[both], dtype=np.int64),
            dst=np.asarray(dst[both], dtype=np.int64),
            weight=np.asarray(weight[both], dtype=np.float64),
        )

    return cache.get(key, build)


@dataclass(frozen=True, eq=False)
class _Groups:
    """People's groups by one attribute: a code per graph position (``-1``: not shown),
    the labels (named groups, largest first, then the folded ``(groups under N)``), each
    group's people and whether the last label is the fold."""

    codes: IntArray
    labels: list[str]
    sizes: IntArray
    folded: bool


def _folded_label(min_size: int) -> str:
    return SMALL_GROUPS.format(n=min_size)


def _groups(values: pd.Series, shown: BoolArray, min_size: int) -> _Groups:
    """Group ``values`` of the ``shown`` positions; groups under ``min_size`` shown people
    and people without a value are folded into one unnamed group.

    >>> g = _groups(pd.Series(["a"] * 5 + ["b"] * 2 + [None]), np.ones(8, dtype=bool), 5)
    >>> g.labels, g.sizes.tolist(), g.codes.tolist()
    (['a', '(groups under 5)'], [5, 3], [0, 0, 0, 0, 0, 1, 1, 1])
    """
    text = values.astype("string").str.strip()
    text = text.where(text != "")
    codes_all, uniques = pd.factorize(text, use_na_sentinel=True)
    codes_all = np.asarray(codes_all, dtype=np.int64)
    counts = np.bincount(codes_all[shown & (codes_all >= 0)], minlength=len(uniques))
    named = np.flatnonzero(counts >= min_size)
    named = named[np.lexsort((np.asarray(uniques.astype(str))[named], -counts[named]))]
    slot = np.full(len(uniques) + 1, -1, dtype=np.int64)
    slot[named] = np.arange(len(named))
    fold = len(named)
    slot[:-1][slot[:-1] < 0] = fold
    slot[-1] = fold  # no value
    codes = np.where(shown, slot[codes_all], -1)
    labels = [str(uniques[int(i)]) for i in named]
    folded = bool((codes == fold).any())
    if folded:
        labels.append(_folded_label(min_size))
    sizes = np.bincount(codes[codes >= 0], minlength=len(labels)).astype(np.int64)
    return _Groups(codes=codes, labels=labels, sizes=sizes, folded=folded)


# -- layouts -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Layout:
    """Positions of ``members`` (graph positions) and the edges among them (rows of
    ``members``), with each edge's weight."""

    members: IntArray
    xy: FloatArray
    edges: IntArray
    weights: FloatArray


def _tidy(xy: FloatArray) -> FloatArray:
    """Scale positions to about ±1000 and pull far-flung islands onto a ring just outside
    the main picture (strong gravity still leaves them far out)."""
    if len(xy) == 0:
        return xy
    xy = xy - np.median(xy, axis=0)
    radius = np.hypot(xy[:, 0], xy[:, 1])
    edge = float(np.quantile(radius, 0.97 if len(xy) > 50 else 0.8))
    if edge <= 0:
        return np.zeros_like(xy)
    far = radius > edge
    pulled = edge * (1.0 + 0.12 * np.tanh((radius[far] - edge) / edge))
    xy[far] *= (pulled / radius[far])[:, None]
    return np.round(xy * (1000.0 / edge), 1)


def _people_layout(base: _Base, members: IntArray, seed: int = 0) -> _Layout:
    """ForceAtlas2 positions of ``members`` (graph positions) on the ties among them."""
    row = np.full(base.graph.n, -1, dtype=np.int64)
    row[members] = np.arange(len(members))
    keep = (row[base.src] >= 0) & (row[base.dst] >= 0)
    a, b, w = row[base.src[keep]], row[base.dst[keep]], base.weight[keep]
    groups = None
    if "community" in base.metrics:
        community = base.metrics["community"].iloc[members]
        groups = community.to_numpy(dtype=np.float64, na_value=-1.0)
    xy = force_layout(len(members), a, b, groups=groups, seed=seed)
    return _Layout(members, _tidy(xy), np.column_stack([a, b]).astype(np.int64), w)


def _group_layout(base: _Base, groups: _Groups, seed: int = 0) -> _Layout:
    """Positions of the groups (one node each), with the ties between two groups."""
    k = len(groups.labels)
    cu, cv = groups.codes[base.src], groups.codes[base.dst]
    cross = (cu >= 0) & (cv >= 0) & (cu != cv)
    lo, hi = np.minimum(cu[cross], cv[cross]), np.maximum(cu[cross], cv[cross])
    counts = np.bincount(lo * k + hi, minlength=k * k).reshape(k, k) if k else np.zeros((0, 0))
    a, b = np.nonzero(counts)
    w = counts[a, b].astype(np.float64)
    xy = force_layout(k, a, b, np.log1p(w), seed=seed) if k else np.zeros((0, 2))
    members = np.arange(k, dtype=np.int64)
    return _Layout(members, _tidy(xy), np.column_stack([a, b]).astype(np.int64), w)


# -- colours and sizes -----------------------------------------------------------------------


def _palette(
    keys: pd.Series, min_size: int, *, fixed: dict[str, str] | None = None
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], list[JSON]]:
    """A colour and a legend key per node, and the legend ``{key, color, count}``.

    Groups of at least ``min_size`` nodes are named, the largest nine in colour (``fixed``
    colours, e.g. per role, come first), the other named ones in grey as ``other groups``;
    smaller groups and nodes without a value share grey as ``(groups under N)``, whose
    count is left out (``None``) when it is under ``min_size`` too.

    >>> colors, keys, legend = _palette(pd.Series(["a"] * 6 + ["b"]), 5)
    >>> keys.tolist()[-2:], [(x["key"], x["count"]) for x in legend]
    (['a', '(groups under 5)'], [('a', 6), ('(groups under 5)', None)])
    """
    text = keys.astype("string")
    counts = text.value_counts()
    named = [str(g) for g, c in counts.items() if c >= min_size]
    if fixed:
        named = [g for g in fixed if g in named] + [g for g in named if g not in fixed]
        palette = {g: fixed[g] for g in named if g in fixed}
    else:
        palette = {g: MAP_COLORS[i] for i, g in enumerate(named[: len(MAP_COLORS)])}
    small = _folded_label(min_size)
    other = OTHER_GROUPS.strip("()")
    as_key = {g: (g if g in palette else other) for g in named}
    filled = text.fillna("\x00").astype(object).to_numpy()
    out_keys = np.array([as_key.get(str(v), small) for v in filled], dtype=object)
    out_colors = np.array([palette.get(k, GREY) for k in out_keys], dtype=object)
    legend: list[JSON] = [
        {"key": g, "color": palette[g], "count": int(counts[g])} for g in named if g in palette
    ]
    n_other = int((out_keys == other).sum())
    if n_other:
        legend.append({"key": other, "color": GREY, "count": n_other})
    n_small = int((out_keys == small).sum())
    if n_small:
        legend.append(
            {"key": small, "color": GREY, "count": n_small if n_small >= min_size else None}
        )
    return out_colors, out_keys, legend


def _color_keys(base: _Base, members: IntArray, color: str) -> tuple[pd.Series, bool]:
    """Each member's value of ``color`` and whether small groups must be folded (people
    attributes: yes; communities and roles name no group of people)."""
    if color == "community":
        values = base.metrics["community"].iloc[members] if "community" in base.metrics else None
        if values is None:
            return pd.Series([pd.NA] * len(members), dtype="string"), False
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        text = [f"community {int(v)}" if not math.isnan(v) else pd.NA for v in numbers]
        return pd.Series(text, dtype="string"), False
    if color == "role":
        roles = (
            base.metrics["roles"].iloc[members].astype("string").fillna("")
            if "roles" in base.metrics
            else pd.Series([""] * len(members), dtype="string")
        )
        first = pd.Series([NO_ROLE] * len(members), dtype=object)
        for role in reversed(ROLE_ORDER):
            has = roles.str.contains(rf"(?:^|;){role}(?:;|$)", regex=True).to_numpy(dtype=bool)
            first[has] = role
        return first.astype("string"), False
    return base.graph.people[color].iloc[members].reset_index(drop=True), True


def _sizes(values: FloatArray, *, smallest: float, largest: float) -> FloatArray:
    """Node sizes in pixels: ``smallest`` to ``largest`` by the square root of ``values``."""
    values = np.nan_to_num(np.clip(values, 0.0, None))
    top = float(values.max()) if len(values) and values.max() > 0 else 1.0
    return np.round(smallest + (largest - smallest) * np.sqrt(values / top), 2)


# -- the map view ----------------------------------------------------------------------------


def _choice(name: str, value: str, choices: tuple[str, ...] | list[str]) -> str:
    wanted = str(value).strip().lower()
    if wanted not in choices:
        raise InputError(
            name,
            Problem(f"no {name} {value!r}", column=name, fix=f"use one of: {', '.join(choices)}"),
        )
    return wanted


def _empty(color: str, size: str, by: str, note: str) -> JSON:
    return {
        "level": "people",
        "run_id": None,
        "color": color,
        "size": size,
        "by": by,
        "group": None,
        "nodes": [],
        "edges": [],
        "legend": [],
        "groups": [],
        "note": note,
    }


def network_map(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    *,
    color: str = "department",
    size: str = "pagerank",
    group: str | None = None,
    by: str = "department",
    cache: MapCache | None = None,
) -> JSON:
    """The network map of the latest analysis run for a lead (see the module).

    Returns ``level`` (``"people"`` or ``"groups"``), ``nodes`` (``id``: the ref a person
    link carries, or the group's label; ``label``, ``x``, ``y``, ``size`` in pixels,
    ``color``, ``color_key``, ``value`` of the size metric, and for groups ``people``),
    ``edges`` (``[source id, target id, weight]``), ``legend`` (``{key, color, count}``),
    ``groups`` (the groups of ``by`` one may drill into, with their sizes) and ``note``.
    """
    require_role(viewer, "admin", "analyst")
    color = _choice("color", color, COLOR_CHOICES)
    size = _choice("size", size, tuple(SIZE_CHOICES))
    by = _choice("by", by, GROUP_ATTRIBUTES)
    cache = cache if cache is not None else MapCache()
    run = _latest_run(ws)
    if run is None:
        return _empty(color, size, by, "no analysis is stored yet: run one on the overview")
    everyone = ws.people(include_left=True)
    names = directory(everyone, viewer, settings.key)
    base = _base(ws, run, everyone, cache)
    graph = base.graph
    at = pd.Index(names["person_id"].astype(str)).get_indexer(pd.Index(graph.ids.astype(str)))
    shown = graph.active() & (at >= 0)
    min_size = settings.min_group_size
    for needed in (color, by):
        if needed in GROUP_ATTRIBUTES and needed not in graph.people:
            raise InputError(
                needed,
                Problem(f"the people have no {needed} column", column=needed, fix="pick another"),
            )
    groups = cache.get(
        ("groups", base.key, by, min_size),
        lambda: _groups(graph.people[by].reset_index(drop=True), shown, min_size),
    )
    group_list = [
        {"key": label, "people": int(n) if n >= min_size else None}
        for label, n in zip(groups.labels, groups.sizes, strict=True)
    ]
    total = int(shown.sum())
    head = {"run_id": base.run_id, "color": color, "size": size, "by": by, "groups": group_list}

    if group is None and total > settings.map_people_limit:
        layout = cache.get(
            ("group layout", base.key, by, min_size), lambda: _group_layout(base, groups)
        )
        return {
            **head,
            "level": "groups",
            "group": None,
            **_group_nodes(groups, layout, base, min_size),
            "note": (
                f"{total:,} people: more than the map shows one by one "
                f"({settings.map_people_limit:,}), so each node is a {by} (size: people, "
                f"lines: ties between them; groups under {min_size} people are folded into "
                f"one). Click a {by} to see its people."
            ),
        }

    if group is None:
        members = np.flatnonzero(shown).astype(np.int64)
        key: tuple[Hashable, ...] = ("people", base.key)
        where = ""
    else:
        wanted = str(group).strip()
        if wanted not in groups.labels:
            raise InputError(
                "group",
                Problem(
                    f"no {by} {wanted!r} with at least {min_size} people on the map",
                    column="group",
                    fix=f"pick a {by} on the group map (smaller ones are in "
                    f"{_folded_label(min_size)!r})",
                ),
            )
        code = groups.labels.index(wanted)
        members = np.flatnonzero(groups.codes == code).astype(np.int64)
        key = ("people", base.key, by, min_size, wanted)
        where = f" in {by} {wanted}"
    in_view = len(members)
    sampled = in_view > settings.map_people_limit
    if sampled:  # a drill-down bigger than the limit: its most influential people
        influence = base.metrics[size].iloc[members].to_numpy(dtype=np.float64, na_value=0.0)
        top = np.argsort(-influence, kind="stable")[: settings.map_people_limit]
        members = np.sort(members[top])
        key = (*key, "top", size, settings.map_people_limit)
    layout = cache.get(key, lambda: _people_layout(base, members))
    nodes, edges, legend = _people_nodes(base, layout, names, at, color, size, min_size)
    _audit(
        ws,
        viewer,
        "network map",
        None,
        f"people map{where}: {len(nodes)} people, colour {color}, size {size}",
    )
    shown_note = (
        f"the {len(nodes):,} most influential ({SIZE_CHOICES[size]}) of {in_view:,} people{where}"
        if sampled
        else f"{len(nodes):,} people{where}"
    )
    return {
        **head,
        "level": "people",
        "group": None if group is None else str(group).strip(),
        "nodes": nodes,
        "edges": edges,
        "legend": legend,
        "note": f"{shown_note} · colour: {color} · size: {SIZE_CHOICES[size]} · "
        f"analysis run #{base.run_id}",
    }


def _people_nodes(
    base: _Base,
    layout: _Layout,
    names: pd.DataFrame,
    at: npt.NDArray[np.intp],
    color: str,
    size: str,
    min_size: int,
) -> tuple[list[JSON], list[list[Any]], list[JSON]]:
    """The nodes, edges and legend of a person-level map (people outside ``names`` out)."""
    members = layout.members
    row = at[members]
    visible = row >= 0  # someone who opted out since the layout was made: not shown
    keys, fold = _color_keys(base, members, color)
    colors, legend_keys, legend = _palette(
        keys[visible].reset_index(drop=True),
        min_size if fold else 1,
        fixed=ROLE_COLORS | {NO_ROLE: GREY} if color == "role" else None,
    )
    values = base.metrics[size].iloc[members].to_numpy(dtype=np.float64, na_value=0.0)
    refs = names["ref"].to_numpy(dtype=object)[row[visible]]
    labels = names["label"].to_numpy(dtype=object)[row[visible]]
    xy = layout.xy[visible]
    pixels = _sizes(values[visible], smallest=1.5, largest=11.0)
    frame = pd.DataFrame(
        {
            "id": refs,
            "label": labels,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "size": pixels,
            "color": colors,
            "color_key": legend_keys,
            "value": values[visible],
        }
    )
    nodes: list[JSON] = frame.to_dict(orient="records")  # type: ignore[assignment]
    new_row = np.full(len(members), -1, dtype=np.int64)
    new_row[visible] = np.arange(int(visible.sum()))
    a, b = new_row[layout.edges[:, 0]], new_row[layout.edges[:, 1]]
    keep = (a >= 0) & (b >= 0)
    weights = np.round(layout.weights[keep], 2).tolist()
    edges = [
        [s, t, w]
        for s, t, w in zip(refs[a[keep]].tolist(), refs[b[keep]].tolist(), weights, strict=True)
    ]
    return nodes, edges, legend


def _group_nodes(groups: _Groups, layout: _Layout, base: _Base, min_size: int) -> JSON:
    """The nodes, edges and legend of the group-level map."""
    labels = groups.labels
    k = len(labels)
    colors = [MAP_COLORS[i % len(MAP_COLORS)] for i in range(k)]  # the labels name them
    if groups.folded:
        colors[-1] = GREY
    cu, cv = groups.codes[base.src], groups.codes[base.dst]
    inside = (cu >= 0) & (cu == cv)
    internal = np.bincount(cu[inside], minlength=k)
    pixels = _sizes(groups.sizes.astype(np.float64), smallest=6.0, largest=30.0)
    people = [int(n) if n >= min_size else None for n in groups.sizes]  # a fold under it
    nodes = [
        {
            "id": labels[i],
            "label": labels[i] if people[i] is None else f"{labels[i]} ({people[i]:,})",
            "x": float(layout.xy[i, 0]),
            "y": float(layout.xy[i, 1]),
            "size": float(pixels[i]),
            "color": colors[i],
            "color_key": labels[i],
            "value": people[i],
            "people": people[i],
            "internal_ties": int(internal[i]),
        }
        for i in range(k)
    ]
    edges = [
        [labels[int(a)], labels[int(b)], float(w)]
        for (a, b), w in zip(layout.edges, layout.weights, strict=True)
    ]
    legend = [{"key": labels[i], "color": colors[i], "count": people[i]} for i in range(k)]
    return {"nodes": nodes, "edges": edges, "legend": legend}


# -- the silo heatmap ----------------------------------------------------------------------


def silo_matrix(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    *,
    attribute: str = "department",
    cache: MapCache | None = None,
) -> JSON:
    """Where each group's ties go, from the latest run's network: one row per group (of
    ``attribute``) with the share of its ties to each group (the diagonal: within), so
    silos show as a dark diagonal. Groups under the minimum size are folded into
    ``(groups under N)``, never named, and the fold is left out too while it holds fewer
    than the minimum size of people together (leads only).

    Returns ``attribute``, ``run_id``, ``groups`` (the column labels) and ``rows``
    (``group``, ``ties`` and ``cells``: ``{group, ties, share, shade}``, where ``shade`` is
    the share relative to the largest share of the matrix, for the colour), and ``note``.
    """
    require_role(viewer, "admin", "analyst")
    attribute = _choice("attribute", attribute, GROUP_ATTRIBUTES)
    cache = cache if cache is not None else MapCache()
    run = _latest_run(ws)
    empty: JSON = {"attribute": attribute, "run_id": None, "groups": [], "rows": [], "note": ""}
    if run is None:
        return {**empty, "note": "no analysis is stored yet"}
    base = _base(ws, run, ws.people(include_left=True), cache)
    min_size = settings.min_group_size
    try:
        report = cache.get(
            ("silos", base.key, attribute, min_size),
            lambda: group_report(base.graph, attribute, min_group_size=min_size),
        )
    except PeerweaveError as exc:
        return {**empty, "run_id": base.run_id, "note": str(exc)}
    named = suppress_small_groups(report.table, min_size=min_size)
    allowed = set(named["group"].astype(str)) | {OTHER_GROUPS}
    values = base.graph.people[attribute].astype("string").str.strip()
    with_value = int((base.graph.active() & (values.fillna("") != "").to_numpy(dtype=bool)).sum())
    if with_value - int(report.table["size"].sum()) >= min_size:  # the fold is a group too
        allowed.add(_folded_label(min_size))
    labels = [str(g) for g in report.matrix.index]
    keep = [i for i, g in enumerate(labels) if g in allowed]
    counts = report.matrix.to_numpy(dtype=np.float64)[np.ix_(keep, keep)]
    labels = [labels[i] for i in keep]
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    top = float(shares.max()) if shares.size and shares.max() > 0 else 1.0
    rows = [
        {
            "group": labels[i],
            "ties": int(totals[i, 0]),
            "cells": [
                {
                    "group": labels[j],
                    "ties": int(counts[i, j]),
                    "share": float(shares[i, j]),
                    "shade": round(float(shares[i, j]) / top, 3),
                }
                for j in range(len(labels))
            ],
        }
        for i in range(len(labels))
    ]
    return {
        "attribute": attribute,
        "run_id": base.run_id,
        "groups": labels,
        "rows": rows,
        "note": (
            f"{attribute}s under {min_size} people are folded into {_folded_label(min_size)}, "
            f"left out when they hold fewer than {min_size} people together"
        ),
    }


# -- routes --------------------------------------------------------------------------------

api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False)

ColorQuery = Annotated[str, Query(max_length=40, description=", ".join(COLOR_CHOICES))]
SizeQuery = Annotated[str, Query(max_length=40, description=", ".join(SIZE_CHOICES))]
GroupQuery = Annotated[
    str | None, Query(max_length=200, description="drill down into this group's people")
]
ByQuery = Annotated[str, Query(max_length=40, description=", ".join(GROUP_ATTRIBUTES))]


@api.get("/network/map")
def api_network_map(
    request: Request,
    viewer: ViewerDep,
    color: ColorQuery = "department",
    size: SizeQuery = "pagerank",
    group: GroupQuery = None,
    by: ByQuery = "department",
) -> JSON:
    """The network map of the latest analysis run (leads): people, or groups first in a
    large organization; ``group`` drills down into one group's people."""
    return network_map(
        workspace_of(request),
        viewer,
        settings_of(request),
        color=color,
        size=size,
        group=group or None,
        by=by,
        cache=cache_of(request),
    )


@api.get("/overview/silos")
def api_silos(
    request: Request,
    viewer: ViewerDep,
    attribute: ByQuery = "department",
) -> JSON:
    """The group-to-group tie shares of the latest analysis run (leads): the silo heatmap."""
    return silo_matrix(
        workspace_of(request),
        viewer,
        settings_of(request),
        attribute=attribute,
        cache=cache_of(request),
    )


@pages.get("/map")
def map_page(
    request: Request,
    viewer: ViewerDep,
    color: ColorQuery = "department",
    size: SizeQuery = "pagerank",
    group: GroupQuery = None,
    by: ByQuery = "department",
) -> HTMLResponse:
    data = network_map(
        workspace_of(request),
        viewer,
        settings_of(request),
        color=color,
        size=size,
        group=group or None,
        by=by,
        cache=cache_of(request),
    )
    return render(
        request,
        "map.html",
        data,
        viewer=viewer,
        color_choices=COLOR_CHOICES,
        size_choices=SIZE_CHOICES,
        by_choices=GROUP_ATTRIBUTES,
    )

"""A fast force-directed layout for network maps: ForceAtlas2 with Barnes–Hut repulsion.

:func:`force_layout` places the nodes of an undirected graph (given as edge arrays) with
ForceAtlas2 (Jacomy, Venturini, Heymann & Bastian 2014, "ForceAtlas2, a continuous graph
layout algorithm for handy network visualization", PLoS ONE 9(6)), with the settings
graphology's ``forceatlas2.inferSettings`` gives for large graphs: repulsion
``k_r (deg_i + 1)(deg_j + 1) / d`` with ``k_r = 10``, strong gravity ``0.05 (deg_i + 1) d``
towards the centre (so islands stay in view), linear attraction along each edge, and
ForceAtlas2's per-node adaptive speed (swinging and traction) slowed by ``1 + ln n``.

Repulsion is approximated with a Barnes–Hut quadtree (a region is one body when its width
over its distance is under ``theta``), so an iteration costs ``O(m + n log n)`` instead of
``O(n^2)``: a Numba kernel builds the tree and computes every node's force. It runs on one
thread and releases the GIL (an iteration takes milliseconds, too short for a parallel
pass to pay for its start on a busy two-core server). Fruchterman–Reingold
(:func:`peerweave.network.maps.map_layout`, igraph) costs ``O(n^2)`` per iteration: about
25 s for 2,000 people and minutes at 5,000 on a two-core machine.

The start is random under ``seed`` (or around the centre of each node's ``groups`` value,
which converges faster and keeps groups together), so the same graph and seed give the
same picture.

>>> xy = force_layout(4, [0, 1, 2], [1, 2, 3], seed=1)
>>> xy.shape, bool(np.isfinite(xy).all())
((4, 2), True)
>>> bool((force_layout(4, [0, 1, 2], [1, 2, 3], seed=1) == xy).all())
True
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["force_layout"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Deepest quadtree level; nodes closer than the region width there share one body.
_MAX_DEPTH = 40
_STACK = 4 * _MAX_DEPTH + 8


@numba.njit(cache=True, nogil=True)
def _build_tree(
    x: FloatArray, y: FloatArray, mass: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray, IntArray]:  # pragma: no cover
    """The Barnes–Hut quadtree of the points: per region its half width, mass, mass-weighted
    x and y sums, first child (``-1``: a leaf) and node (``-1`` empty, ``-2`` several)."""
    n = x.shape[0]
    cap = 8 * n + 16
    half = np.zeros(cap)
    cx = np.zeros(cap)
    cy = np.zeros(cap)
    r_mass = np.zeros(cap)
    r_mx = np.zeros(cap)
    r_my = np.zeros(cap)
    child = np.full(cap, -1, dtype=np.int64)
    node = np.full(cap, -1, dtype=np.int64)
    lo_x, hi_x, lo_y, hi_y = x.min(), x.max(), y.min(), y.max()
    half[0] = max(hi_x - lo_x, hi_y - lo_y) / 2.0 + 1e-9
    cx[0] = (lo_x + hi_x) / 2.0
    cy[0] = (lo_y + hi_y) / 2.0
    count = 1
    for i in range(n):
        r = 0
        depth = 0
        while True:
            r_mass[r] += mass[i]
            r_mx[r] += mass[i] * x[i]
            r_my[r] += mass[i] * y[i]
            if child[r] >= 0:
                q = (1 if x[i] >= cx[r] else 0) + (2 if y[i] >= cy[r] else 0)
                r = child[r] + q
                depth += 1
                continue
            if node[r] == -1:
                node[r] = i
                break
            if node[r] == -2 or depth >= _MAX_DEPTH or count + 4 > cap:
                node[r] = -2
                break
            # split the leaf: its node moves down into one of four new children
            j = node[r]
            node[r] = -1
            child[r] = count
            h = half[r] / 2.0
            for q in range(4):
                c = count + q
                half[c] = h
                cx[c] = cx[r] + (h if q & 1 else -h)
                cy[c] = cy[r] + (h if q & 2 else -h)
            count += 4
            q = (1 if x[j] >= cx[r] else 0) + (2 if y[j] >= cy[r] else 0)
            c = child[r] + q
            r_mass[c] = mass[j]
            r_mx[c] = mass[j] * x[j]
            r_my[c] = mass[j] * y[j]
            node[c] = j
            q = (1 if x[i] >= cx[r] else 0) + (2 if y[i] >= cy[r] else 0)
            r = child[r] + q
            depth += 1
    return half[:count], r_mass[:count], r_mx[:count], r_my[:count], child[:count], node[:count]


@numba.njit(cache=True, nogil=True)
def _iterate(
    x: FloatArray,
    y: FloatArray,
    mass: FloatArray,
    indptr: IntArray,
    indices: IntArray,
    weights: FloatArray,
    old_dx: FloatArray,
    old_dy: FloatArray,
    convergence: FloatArray,
    scaling: float,
    gravity: float,
    slow_down: float,
    theta: float,
) -> None:  # pragma: no cover - compiled
    """One ForceAtlas2 iteration (Barnes–Hut repulsion, strong gravity, linear attraction,
    adaptive speed), moving ``x`` and ``y`` in place."""
    n = x.shape[0]
    half, r_mass, r_mx, r_my, child, node = _build_tree(x, y, mass)
    theta2 = theta * theta
    dx = np.zeros(n)
    dy = np.zeros(n)
    for i in range(n):
        stack = np.empty(_STACK, dtype=np.int64)
        stack[0] = 0
        top = 1
        fx = 0.0
        fy = 0.0
        while top > 0:
            top -= 1
            r = stack[top]
            if r_mass[r] <= 0.0:
                continue
            mx = r_mx[r] / r_mass[r]
            my = r_my[r] / r_mass[r]
            xd = x[i] - mx
            yd = y[i] - my
            d2 = xd * xd + yd * yd
            if child[r] >= 0:
                width = 2.0 * half[r]
                if width * width < theta2 * d2:
                    f = scaling * mass[i] * r_mass[r] / d2
                    fx += xd * f
                    fy += yd * f
                elif top + 4 <= _STACK:
                    for q in range(4):
                        stack[top] = child[r] + q
                        top += 1
                continue
            if node[r] == i or d2 <= 1e-18:
                continue
            other = r_mass[r] - (mass[i] if node[r] == -2 else 0.0)
            f = scaling * mass[i] * other / d2
            fx += xd * f
            fy += yd * f
        # strong gravity towards the centre
        fx -= x[i] * gravity * mass[i]
        fy -= y[i] * gravity * mass[i]
        # linear attraction along the edges (each undirected edge is in both rows)
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            fx -= (x[i] - x[j]) * weights[e]
            fy -= (y[i] - y[j]) * weights[e]
        dx[i] = fx
        dy[i] = fy
    for i in range(n):
        sx = old_dx[i] - dx[i]
        sy = old_dy[i] - dy[i]
        swinging = mass[i] * math.sqrt(sx * sx + sy * sy)
        tx = old_dx[i] + dx[i]
        ty = old_dy[i] + dy[i]
        traction = math.sqrt(tx * tx + ty * ty) / 2.0
        speed = convergence[i] * math.log(1.0 + traction) / (1.0 + math.sqrt(swinging))
        force2 = dx[i] * dx[i] + dy[i] * dy[i]
        convergence[i] = min(1.0, math.sqrt(speed * force2 / (1.0 + math.sqrt(swinging))))
        x[i] += dx[i] * speed / slow_down
        y[i] += dy[i] * speed / slow_down
        old_dx[i] = dx[i]
        old_dy[i] = dy[i]


def _start(
    n: int, groups: npt.ArrayLike | None, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Random start positions: in a disc, or each node near the centre of its group (group
    centres on a sunflower spiral, the largest group in the middle)."""
    spread = math.sqrt(max(n, 1)) * 10.0
    angle = rng.uniform(0.0, 2.0 * math.pi, n)
    radius = np.sqrt(rng.uniform(0.0, 1.0, n))
    if groups is None:
        return spread * radius * np.cos(angle), spread * radius * np.sin(angle)
    codes = np.unique(np.asarray(groups), return_inverse=True)[1].reshape(-1)
    sizes = np.bincount(codes)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    golden = math.pi * (3.0 - math.sqrt(5.0))
    k = np.arange(len(sizes), dtype=np.float64)
    centre_x = spread * np.sqrt(k / max(len(sizes), 1)) * np.cos(k * golden)
    centre_y = spread * np.sqrt(k / max(len(sizes), 1)) * np.sin(k * golden)
    local = spread * 0.6 * np.sqrt(sizes[codes] / max(n, 1)) * radius
    at = rank[codes]
    return centre_x[at] + local * np.cos(angle), centre_y[at] + local * np.sin(angle)


def force_layout(
    n: int,
    sources: npt.ArrayLike,
    targets: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    groups: npt.ArrayLike | None = None,
    iterations: int | None = None,
    theta: float = 0.6,
    seed: int = 0,
) -> FloatArray:
    """Positions ``(n, 2)`` of the ``n`` nodes of the undirected graph with edges
    ``sources[i] -- targets[i]`` (ForceAtlas2 with Barnes–Hut; see the module).

    ``weights`` scale each edge's attraction (divided by their mean, so only their ratios
    matter; default 1); ``groups`` (one value per node) seeds each node near its group;
    ``iterations`` defaults to 400 under 1,000 nodes, fewer for larger graphs (at least 150).
    Self-loops are ignored; isolated nodes stay near the centre (strong gravity). The
    positions are centred on 0; their scale is arbitrary.

    >>> xy = force_layout(6, [0, 0, 1, 3, 3, 4], [1, 2, 2, 4, 5, 5], seed=3)
    >>> within = np.linalg.norm(xy[0] - xy[1]) < np.linalg.norm(xy[0] - xy[4])
    >>> bool(within)  # two triangles: a node sits nearer its own triangle
    True
    >>> force_layout(2, [0], [5])
    Traceback (most recent call last):
    ...
    ValueError: edge ends must be node numbers 0 to 1
    """
    src = np.asarray(sources, dtype=np.int64).reshape(-1)
    dst = np.asarray(targets, dtype=np.int64).reshape(-1)
    if src.shape != dst.shape:
        raise ValueError("sources and targets must have the same length")
    if n <= 0:
        return np.zeros((0, 2))
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError(f"edge ends must be node numbers 0 to {n - 1}")
    w = np.ones(src.size) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != src.shape:
        raise ValueError("weights must have one value per edge")
    keep = (src != dst) & np.isfinite(w) & (w > 0)
    src, dst, w = src[keep], dst[keep], w[keep]
    if w.size:
        w = w / w.mean()
    # both directions, as CSR rows (duplicate pairs simply add their attraction)
    a = np.concatenate([src, dst])
    b = np.concatenate([dst, src])
    ww = np.concatenate([w, w])
    order = np.argsort(a, kind="stable")
    indices = np.ascontiguousarray(b[order])
    row_weights = np.ascontiguousarray(ww[order])
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    mass = np.bincount(a, minlength=n).astype(np.float64) + 1.0
    if groups is not None and np.asarray(groups).shape != (n,):
        raise ValueError(f"groups must have one value per node ({n})")
    x, y = _start(n, groups, np.random.default_rng(seed))
    if n == 1:
        return np.zeros((1, 2))
    if iterations is None:
        iterations = 400 if n < 1000 else max(150, int(400 * math.sqrt(1000 / n)))
    old_dx = np.zeros(n)
    old_dy = np.zeros(n)
    convergence = np.ones(n)
    slow_down = 1.0 + math.log(n)
    for _ in range(iterations):
        _iterate(
            x, y, mass, indptr, indices, row_weights, old_dx, old_dy, convergence,
            10.0, 0.05, slow_down, theta,
        )  # fmt: skip
    xy: FloatArray = np.column_stack([x, y])
    centred: FloatArray = xy - xy.mean(axis=0)
    return centred

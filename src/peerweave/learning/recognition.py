"""Recognition: who seeded a skill, and how far their knowledge spread (the snowball).

A **snowball chain** follows ``parent_session_id``: a held session whose teacher learned
the skill in an earlier held session points to that session. Only *valid* links are
followed — the parent is a held session of the same skill, its learner is this session's
teacher, and it comes strictly first in ``(held_at, session_id)`` order. A link that breaks
any of these (a typo, a corrupt loop) is ignored, so the chains always form a forest.

**Seeder score.** For a teacher ``T`` and a skill, the sessions ``T`` held are depth 1;
a session whose parent is at depth ``d`` is at depth ``d + 1``. Each person reached is
counted once, at the smallest depth they are reached at (never ``T`` themself, even when
a chain comes back to them), and earns ``T`` credit when they *applied* the skill —
``applied_at`` is set on a held session in which they learned it::

    credit(T, skill) = Σ over people p reached, p applied   discount ** (depth(p) - 1)

so a direct learner who applied is worth 1, their learners ``discount`` (default 0.5), the
next ones ``discount ** 2`` (0.25) and so on.

Worked example: Ana teaches Bo; Bo, who applied it, teaches Cy and Dee; Cy applied it,
Dee did not; Cy teaches Eve, who applied. Ana's credit is 1 (Bo) + 0.5 (Cy) + 0 (Dee)
+ 0.25 (Eve) = 1.75; Bo's is 1 (Cy) + 0.5 (Eve) = 1.5; Cy's is 1 (Eve).

>>> at = pd.to_datetime(["2025-01-06", "2025-02-03", "2025-02-10", "2025-03-03"])
>>> s = pd.DataFrame({"session_id": [1, 2, 3, 4], "learner_id": ["bo", "cy", "dee", "eve"],
...     "teacher_id": ["ana", "bo", "bo", "cy"], "skill": "sql", "status": "held",
...     "held_at": at, "applied_at": [at[0], at[1], pd.NaT, at[3]],
...     "parent_session_id": pd.array([None, 1, 1, 2], dtype="Int64")})
>>> seeder_scores(s)[["teacher_id", "direct_learners", "downstream", "credit"]]
  teacher_id  direct_learners  downstream  credit
0        ana                1           3    1.75
1         bo                2           1    1.50
2         cy                1           0    1.00

The traversal is an iterative frontier expansion on arrays (one numpy step per depth,
never a Python loop over sessions), so a million-session ledger takes seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import InputError, Problem
from peerweave.org.skills import normalise_skill

__all__ = [
    "DEFAULT_DISCOUNT",
    "LEADERBOARD_COLUMNS",
    "SCORE_COLUMNS",
    "TREE_COLUMNS",
    "leaderboard",
    "seeder_scores",
    "snowball_png",
    "snowball_tree",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Credit kept per step down a chain: a learner's learner is worth half a direct learner.
DEFAULT_DISCOUNT = 0.5

#: Columns of :func:`seeder_scores`.
SCORE_COLUMNS: tuple[str, ...] = (
    "teacher_id",
    "skill",
    "sessions_taught",
    "direct_learners",
    "applied_learners",
    "downstream",
    "downstream_applied",
    "depth",
    "credit",
)
#: Columns of :func:`leaderboard`.
LEADERBOARD_COLUMNS: tuple[str, ...] = (
    "rank",
    "teacher_id",
    "skills",
    "sessions_taught",
    "direct_learners",
    "applied_learners",
    "downstream",
    "downstream_applied",
    "credit",
)
#: Columns of :func:`snowball_tree`: one row per held session of the skill.
TREE_COLUMNS: tuple[str, ...] = (
    "teacher_id",
    "learner_id",
    "skill",
    "session_id",
    "parent_session_id",
    "depth",
    "held_at",
    "applied",
)


def _check_discount(discount: float) -> float:
    value = float(discount)
    if not 0.0 <= value <= 1.0:
        raise InputError(
            "--discount",
            Problem(f"{discount!r} is not a discount", fix="use a number from 0 to 1, e.g. 0.5"),
        )
    return value


@dataclass(frozen=True)
class _Held:
    """Held sessions as arrays in ``session_id`` order; people and skills as codes."""

    session_id: IntArray
    teacher: IntArray  # codes into people
    learner: IntArray
    skill: IntArray  # codes into skills
    held_at: npt.NDArray[np.datetime64]
    applied: BoolArray
    parent_id: IntArray  # -1 when blank
    people: pd.Index
    skills: pd.Index

    @property
    def n(self) -> int:
        return len(self.session_id)


def _held(sessions: pd.DataFrame, skill: str | None = None) -> _Held:
    """Held sessions (of ``skill``, compared in normalised form) as codes, in id order."""
    held = sessions[sessions["status"].astype("string").str.strip().str.lower() == "held"]
    skill_codes, skills = pd.factorize(held["skill"].astype("string"))
    if skill is not None:
        norm = normalise_skill(pd.Series(skills, dtype="string")).to_numpy(dtype=object)
        wanted = normalise_skill(pd.Series([skill], dtype="string")).iloc[0]
        keep = (norm == wanted)[skill_codes] if len(norm) else np.zeros(0, dtype=bool)
        held = held[keep]
        skill_codes, skills = pd.factorize(held["skill"].astype("string"))
    n = len(held)

    def column(name: str) -> pd.Series:
        if name in held.columns:
            return held[name]
        return pd.Series([pd.NA] * n, index=held.index, dtype="object")

    ids = pd.to_numeric(held["session_id"]).to_numpy(dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    codes, people = pd.factorize(
        np.concatenate(
            [
                held["teacher_id"].astype(str).to_numpy(dtype=object),
                held["learner_id"].astype(str).to_numpy(dtype=object),
            ]
        )
    )
    codes = codes.astype(np.int64)
    return _Held(
        session_id=ids[order],
        teacher=codes[:n][order],
        learner=codes[n:][order],
        skill=skill_codes.astype(np.int64)[order],
        held_at=pd.to_datetime(column("held_at")).to_numpy(dtype="datetime64[ns]")[order],
        applied=column("applied_at").notna().to_numpy(dtype=bool)[order],
        parent_id=np.asarray(
            pd.to_numeric(column("parent_session_id"))
            .astype("Int64")
            .to_numpy(dtype=np.int64, na_value=-1),
            dtype=np.int64,
        )[order],
        people=pd.Index(people, dtype=object),
        skills=pd.Index(np.asarray(skills, dtype=object), dtype=object),
    )


def _parent_positions(held: _Held) -> IntArray:
    """Row of each held session's valid parent, or -1 (see the module notes)."""
    n = held.n
    if n == 0:
        return np.empty(0, dtype=np.int64)
    ids, parent = held.session_id, held.parent_id
    pos = np.clip(np.searchsorted(ids, parent), 0, n - 1)
    found = (parent >= 0) & (ids[pos] == parent)
    # (held_at, session_id) order as one rank: the parent must come strictly first
    order = np.lexsort((ids, held.held_at.astype(np.int64)))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    ok = (
        found
        & (held.learner[pos] == held.teacher)
        & (held.skill[pos] == held.skill)
        & (rank[pos] < rank)
    )
    return np.where(ok, pos, -1).astype(np.int64)


def _children(parent_pos: IntArray) -> tuple[IntArray, IntArray]:
    """CSR of the sessions each session is parent of: ``kids[ptr[i]:ptr[i + 1]]``."""
    n = len(parent_pos)
    has = parent_pos >= 0
    kids = np.flatnonzero(has).astype(np.int64)
    kids = kids[np.argsort(parent_pos[has], kind="stable")]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(parent_pos[has], minlength=n), out=ptr[1:])
    return ptr, kids


def _expand(ptr: IntArray, kids: IntArray, sessions: IntArray) -> tuple[IntArray, IntArray]:
    """For each session in ``sessions``, its child sessions: (index into ``sessions``, child)."""
    start = ptr[sessions]
    deg = ptr[sessions + 1] - start
    total = int(deg.sum())
    which = np.repeat(np.arange(len(sessions), dtype=np.int64), deg)
    offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(deg) - deg, deg)
    return which, kids[start[which] + offset]


def _reach(held: _Held) -> tuple[IntArray, IntArray, IntArray]:
    """Every (teacher, session reached, depth): each teacher's sessions at depth 1, then down.

    Breadth first along the valid links, one array step per depth. The links form a
    forest, so every walk ends; a walk from teacher ``T`` does not enter another session
    taught by ``T`` (that one starts its own walk at depth 1), so no (teacher, session) pair
    is reached twice.
    """
    n = held.n
    ptr, kids = _children(_parent_positions(held))
    root = held.teacher.copy()
    session = np.arange(n, dtype=np.int64)
    roots, reached, depths = [root], [session], [np.ones(n, dtype=np.int64)]
    depth = 1
    while len(session):
        depth += 1
        which, child = _expand(ptr, kids, session)
        root = root[which]
        keep = held.teacher[child] != root
        root, session = root[keep], child[keep]
        roots.append(root)
        reached.append(session)
        depths.append(np.full(len(session), depth, dtype=np.int64))
    return np.concatenate(roots), np.concatenate(reached), np.concatenate(depths)


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in columns})


def seeder_scores(
    sessions: pd.DataFrame, *, discount: float = DEFAULT_DISCOUNT, skill: str | None = None
) -> pd.DataFrame:
    """Each teacher's seeder score per skill, best first (see the module notes for the rules).

    Columns (:data:`SCORE_COLUMNS`): ``sessions_taught`` (held sessions they taught),
    ``direct_learners`` (people they taught), ``applied_learners`` (of those, who applied
    it), ``downstream`` and ``downstream_applied`` (people further down their chains, each
    once), ``depth`` (their deepest chain, 1 = direct learners only) and ``credit``. Only
    held sessions count; ``skill`` keeps one skill (compared in normalised form).

    >>> s = pd.DataFrame({"session_id": [1, 2], "learner_id": ["b", "a"],
    ...     "teacher_id": ["a", "b"], "skill": "go", "status": "held",
    ...     "held_at": pd.to_datetime(["2025-01-01", "2025-02-01"]),
    ...     "applied_at": pd.to_datetime(["2025-01-20", "2025-03-01"]),
    ...     "parent_session_id": pd.array([None, 1], dtype="Int64")})
    >>> seeder_scores(s)[["teacher_id", "direct_learners", "downstream", "credit"]]  # a cycle
      teacher_id  direct_learners  downstream  credit
    0          a                1           0     1.0
    1          b                1           0     1.0
    """
    discount = _check_discount(discount)
    held = _held(sessions, skill)
    if held.n == 0:
        return _empty(SCORE_COLUMNS)
    n_skills = len(held.skills)
    root, at, depth = _reach(held)
    person = held.learner[at]
    pair = root * n_skills + held.skill[at]  # (teacher, skill)
    other = person != root  # a chain that comes back to the teacher
    pair, person, depth = pair[other], person[other], depth[other]
    # each person once per (teacher, skill), at their smallest depth
    order = np.lexsort((depth, person, pair))
    pair, person, depth = pair[order], person[order], depth[order]
    first = np.r_[True, (pair[1:] != pair[:-1]) | (person[1:] != person[:-1])]
    pair, person, depth = pair[first], person[first], depth[first]
    applied_keys = np.unique(held.learner[held.applied] * n_skills + held.skill[held.applied])
    applied = np.isin(person * n_skills + pair % n_skills, applied_keys)
    taught_pairs, taught = np.unique(held.teacher * n_skills + held.skill, return_counts=True)
    slot = np.searchsorted(taught_pairs, pair)  # every reached pair starts with a taught one
    k = len(taught_pairs)
    direct = depth == 1

    def count(mask: BoolArray) -> IntArray:
        return np.bincount(slot[mask], minlength=k).astype(np.int64)

    max_depth = np.zeros(k, dtype=np.int64)
    np.maximum.at(max_depth, slot, depth)
    credit = np.bincount(
        slot, weights=np.where(applied, discount ** (depth - 1.0), 0.0), minlength=k
    )
    out = pd.DataFrame(
        {
            "teacher_id": held.people.to_numpy()[taught_pairs // n_skills],
            "skill": held.skills.to_numpy()[taught_pairs % n_skills],
            "sessions_taught": taught.astype(np.int64),
            "direct_learners": count(direct),
            "applied_learners": count(direct & applied),
            "downstream": count(~direct),
            "downstream_applied": count(~direct & applied),
            "depth": max_depth,
            "credit": credit.astype(np.float64),
        }
    )
    out = out.sort_values(
        ["credit", "direct_learners", "teacher_id", "skill"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return out[list(SCORE_COLUMNS)].reset_index(drop=True)


def _dtype(column: str) -> str:
    if column in ("teacher_id", "learner_id", "skill"):
        return "object"
    if column == "credit":
        return "float64"
    if column == "held_at":
        return "datetime64[ns]"
    if column == "applied":
        return "bool"
    if column == "parent_session_id":
        return "Int64"
    return "int64"


def leaderboard(
    sessions: pd.DataFrame, *, discount: float = DEFAULT_DISCOUNT, limit: int | None = None
) -> pd.DataFrame:
    """Teachers ranked by their seeder credit summed over every skill they taught.

    Counts are summed over skills too (a person taught two skills counts twice);
    ``skills`` is how many skills the teacher taught; ``rank`` 1 is the best (ties share
    a rank). ``limit`` keeps the first rows.

    >>> s = pd.DataFrame({"session_id": [1, 2, 3], "learner_id": ["b", "c", "c"],
    ...     "teacher_id": ["a", "a", "b"], "skill": ["go", "sql", "go"], "status": "held",
    ...     "held_at": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-02-01"]),
    ...     "applied_at": pd.to_datetime(["2025-01-09", "2025-01-09", "2025-02-09"]),
    ...     "parent_session_id": pd.array([None, None, 1], dtype="Int64")})
    >>> leaderboard(s)[["rank", "teacher_id", "skills", "credit"]]
       rank teacher_id  skills  credit
    0     1          a       2     2.5
    1     2          b       1     1.0
    """
    scores = seeder_scores(sessions, discount=discount)
    sums = [c for c in LEADERBOARD_COLUMNS if c in SCORE_COLUMNS and c != "teacher_id"]
    board = scores.groupby("teacher_id", sort=False)[sums].sum()
    board["skills"] = scores.groupby("teacher_id", sort=False).size()
    board = board.reset_index().sort_values(
        ["credit", "direct_learners", "teacher_id"], ascending=[False, False, True], kind="stable"
    )
    board["rank"] = board["credit"].rank(method="min", ascending=False).astype(np.int64)
    board = board[list(LEADERBOARD_COLUMNS)].reset_index(drop=True)
    for c in LEADERBOARD_COLUMNS:
        if c not in ("teacher_id", "credit"):
            board[c] = board[c].astype(np.int64)
    return board if limit is None else board.head(limit)


def snowball_tree(sessions: pd.DataFrame, skill: str) -> pd.DataFrame:
    """The snowball of one skill: one edge teacher → learner per held session.

    ``parent_session_id`` is the valid snowball link (NA when the teacher did not learn the
    skill in the programme, or the link is invalid); ``depth`` is 1 for such sessions and
    one more than the parent's otherwise; ``applied`` says whether the learner applied the
    skill. Sorted by depth, then ``held_at`` and ``session_id``.

    >>> s = pd.DataFrame({"session_id": [7, 8], "learner_id": ["b", "c"],
    ...     "teacher_id": ["a", "b"], "skill": "SQL", "status": "held",
    ...     "held_at": pd.to_datetime(["2025-01-01", "2025-02-01"]),
    ...     "applied_at": pd.to_datetime(["2025-01-09", None]),
    ...     "parent_session_id": pd.array([None, 7], dtype="Int64")})
    >>> snowball_tree(s, "sql")[["teacher_id", "learner_id", "depth", "applied"]]
      teacher_id learner_id  depth  applied
    0          a          b      1     True
    1          b          c      2    False
    """
    held = _held(sessions, skill)
    if held.n == 0:
        return _empty(TREE_COLUMNS)
    parent = _parent_positions(held)
    # distance to the root by pointer doubling (the links form a forest)
    hops = (parent >= 0).astype(np.int64)
    up = parent.copy()
    while (up >= 0).any():
        live = np.flatnonzero(up >= 0)
        above = up[live]
        hops_next = hops.copy()
        hops_next[live] = hops[live] + hops[above]
        up_next = up.copy()
        up_next[live] = up[above]
        hops, up = hops_next, up_next
    ids = held.session_id
    names = held.people.to_numpy()
    tree = pd.DataFrame(
        {
            "teacher_id": names[held.teacher],
            "learner_id": names[held.learner],
            "skill": held.skills.to_numpy()[held.skill],
            "session_id": ids,
            "parent_session_id": pd.array(
                np.where(parent >= 0, ids[np.maximum(parent, 0)], 0), dtype="Int64"
            ),
            "depth": hops + 1,
            "held_at": held.held_at,
            "applied": held.applied,
        }
    )
    tree.loc[parent < 0, "parent_session_id"] = pd.NA
    tree = tree.sort_values(["depth", "held_at", "session_id"], kind="stable")
    return tree[list(TREE_COLUMNS)].reset_index(drop=True)


# ---------------------------------------------------------------------------- the picture

#: Colours of the picture (Okabe & Ito 2008, as in the forecast chart).
_SEEDER = "#0072B2"
_APPLIED = "#009E73"
_NOT_APPLIED = "#BBBBBB"


def _layers(tree: pd.DataFrame) -> tuple[pd.Index, IntArray, IntArray]:
    """People of the tree, their layer (0 = seeders) and their tree parent (-1 for roots).

    Roots are the teachers who never learned the skill in the tree; a group of people
    who only learned from one another (a loop) is rooted at its member who taught first.
    Layers are breadth-first distances from the roots (scipy, compiled).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, dijkstra

    people = pd.Index(pd.unique(pd.concat([tree["teacher_id"], tree["learner_id"]])))
    n = len(people)
    t = people.get_indexer(tree["teacher_id"]).astype(np.int64)
    lr = people.get_indexer(tree["learner_id"]).astype(np.int64)
    adj = coo_matrix((np.ones(len(t)), (t, lr)), shape=(n, n)).tocsr()
    # every person is reachable from a source strongly connected component: a seeder who
    # never learned it, or a loop of people who only learned from one another
    count, scc = connected_components(adj, directed=True, connection="strong")
    fed = np.zeros(count, dtype=bool)
    fed[scc[lr][scc[t] != scc[lr]]] = True
    first = tree.sort_values(["held_at", "session_id"], kind="stable")
    teachers = people.get_indexer(first["teacher_id"]).astype(np.int64)
    from_source = teachers[~fed[scc[teachers]]]
    picks = pd.Series(from_source).groupby(scc[from_source]).first().to_numpy(dtype=np.int64)
    is_root = np.zeros(n, dtype=bool)
    is_root[picks] = True
    # one virtual source above every root, then one unweighted shortest-path pass
    src = np.concatenate([np.full(int(is_root.sum()), n), t])
    dst = np.concatenate([np.flatnonzero(is_root), lr])
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n + 1, n + 1)).tocsr()
    dist, pred = dijkstra(
        graph, directed=True, indices=n, unweighted=True, return_predecessors=True
    )
    layer = (np.asarray(dist[:n]) - 1).astype(np.int64)
    parent = np.asarray(pred[:n]).astype(np.int64)
    parent[parent == n] = -1
    return people, layer, parent


def _names(people: pd.DataFrame | Mapping[str, str] | None) -> dict[str, str]:
    if people is None:
        return {}
    if isinstance(people, pd.DataFrame):
        if "name" not in people.columns:
            return {}
        named = people[people["name"].notna()]
        return dict(zip(named["person_id"].astype(str), named["name"].astype(str), strict=True))
    return {str(k): str(v) for k, v in people.items()}


def _tidy_x(parent: IntArray, order: IntArray) -> dict[int, float]:
    """x of each drawn person: leaves on consecutive slots, parents centred over children."""
    kids: dict[int, list[int]] = {}
    roots: list[int] = []
    drawn = {int(v) for v in order}
    for v in order:
        p = int(parent[v])
        if p >= 0 and p in drawn:
            kids.setdefault(p, []).append(int(v))
        else:
            roots.append(int(v))
    x: dict[int, float] = {}
    slot = 0.0
    stack: list[tuple[int, bool]] = [(r, False) for r in reversed(roots)]
    while stack:  # post-order without recursion (a chain can be long)
        v, done = stack.pop()
        children = kids.get(v, [])
        if done or not children:
            if children:
                x[v] = (x[children[0]] + x[children[-1]]) / 2
            else:
                x[v] = slot
                slot += 1.0
            continue
        stack.append((v, True))
        stack.extend((c, False) for c in reversed(children))
    return x


def snowball_png(
    tree: pd.DataFrame,
    path: str | Path,
    people: pd.DataFrame | Mapping[str, str] | None = None,
    *,
    title: str | None = None,
    max_people: int = 80,
    dpi: int = 150,
) -> Path:
    """Draw a :func:`snowball_tree` as a layered tree (PNG, SVG or PDF by extension).

    Seeders (teachers who did not learn the skill in the programme) are on top, each layer
    below learned from the one above; green learners applied the skill, grey ones not yet;
    a dashed line is a second teacher of someone already drawn. ``people`` (a frame with
    ``person_id, name`` or a mapping) gives the labels, else the ids. Above
    ``max_people`` people the largest snowballs are drawn whole (the last one cut at
    ``max_people``) and the subtitle says how many people are shown.

    >>> import tempfile
    >>> tree = pd.DataFrame({"teacher_id": ["a", "b"], "learner_id": ["b", "c"],
    ...     "skill": "sql", "session_id": [1, 2], "parent_session_id": pd.array([None, 1], "Int64"),
    ...     "depth": [1, 2], "held_at": pd.to_datetime(["2025-01-01", "2025-02-01"]),
    ...     "applied": [True, False]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     snowball_png(tree, Path(d) / "tree.png", {"a": "Ana"}).read_bytes()[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    path = Path(path)
    names = _names(people)
    skill = str(tree["skill"].iloc[0]) if len(tree) and "skill" in tree.columns else "the skill"
    if len(tree):
        ids, layer, parent = _layers(tree)
    else:
        ids, layer, parent = pd.Index([]), np.empty(0, np.int64), np.empty(0, np.int64)
    n = len(ids)
    applied = tree["applied"].astype(bool).to_numpy() if n else np.empty(0, bool)
    applied_people = set(tree["learner_id"].to_numpy()[applied])
    first_seen = tree.sort_values(["held_at", "session_id"], kind="stable").drop_duplicates(
        "learner_id"
    )
    seen = pd.Series(np.arange(len(first_seen)), index=first_seen["learner_id"].to_numpy())
    when = seen.reindex(ids).fillna(-1).to_numpy()
    # whole snowballs first, the largest first: each person under the seeder they came from
    root = np.where(parent >= 0, parent, np.arange(n))
    while n and (root != root[root]).any():
        root = root[root]
    size = np.bincount(root, minlength=n)
    order = np.lexsort((when, layer, when[root], -size[root]))
    shown = order[: max(1, max_people)]
    x = _tidy_x(parent, shown)
    slots = max(x.values(), default=0.0) + 1
    depth_count = int(layer[shown].max()) + 1 if n else 1
    fig = Figure(
        figsize=(min(max(7.0, 0.9 * slots + 2), 30.0), max(3.5, 1.35 * depth_count + 2)),
        dpi=dpi,
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = np.full(n, np.nan)
    xs[list(x)] = list(x.values())
    if n:
        a = ids.get_indexer(pd.Index(tree["teacher_id"]))
        b = ids.get_indexer(pd.Index(tree["learner_id"]))
        both = ~np.isnan(xs[a]) & ~np.isnan(xs[b])
        main = both & (parent[b] == a)
        for mask, color, width, style in (
            (both & ~main, "#AAAAAA", 0.8, "--"),
            (main, "#555555", 1.2, "-"),
        ):
            segments = np.stack(
                [
                    np.column_stack([xs[a[mask]], -layer[a[mask]]]),
                    np.column_stack([xs[b[mask]], -layer[b[mask]]]),
                ],
                axis=1,
            )
            ax.add_collection(
                LineCollection(
                    list(segments), colors=color, linewidths=width, linestyles=style, zorder=1
                )
            )
    label_size = 9 if slots <= 20 else (7.5 if slots <= 40 else 6)
    rotate = 35 if slots > 20 else 0
    teaches = np.zeros(n, dtype=bool)
    teaches[parent[parent >= 0]] = True
    for v in shown:  # at most max_people
        pid = str(ids[v])
        color = _SEEDER if layer[v] == 0 else (_APPLIED if pid in applied_people else _NOT_APPLIED)
        ax.scatter(
            [xs[v]],
            [-layer[v]],
            s=170 if teaches[v] or layer[v] == 0 else 90,
            color=color,
            edgecolors="#333333",
            linewidths=0.6,
            zorder=2,
        )
        ax.annotate(
            names.get(pid, pid),
            (xs[v], -layer[v]),
            xytext=(0, -11),
            textcoords="offset points",
            ha="right" if rotate else "center",
            va="top",
            rotation=rotate,
            rotation_mode="anchor",
            fontsize=label_size,
            bbox={
                "boxstyle": "round,pad=0.15",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.8,
            },
            zorder=3,
        )
    ax.set_yticks([-k for k in range(depth_count)])
    ax.set_yticklabels(
        ["seeders" if k == 0 else f"step {k}" for k in range(depth_count)], fontsize=9
    )
    ax.set_xticks([])
    ax.set_xlim(-0.8, slots - 0.2)
    ax.set_ylim(-depth_count + 0.3, 0.6)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    seeders = int((layer == 0).sum())
    learners = int(tree["learner_id"].nunique()) if n else 0
    head = title or (
        f"How {skill} spread: {learners:,} "
        f"{'person' if learners == 1 else 'people'} learned it from "
        f"{seeders:,} seeder{'' if seeders == 1 else 's'}"
    )
    deepest = int(tree["depth"].max()) if n else 0
    sub = (
        f"{len(tree):,} held session{'' if len(tree) == 1 else 's'} · "
        f"{len(applied_people):,} learners applied it · "
        f"longest chain {deepest} step{'' if deepest == 1 else 's'}"
    )
    if len(shown) < n:
        sub += f" · the largest snowballs: {len(shown):,} of {n:,} people shown"
    if not n:
        sub = "no held sessions of this skill yet"
    fig.suptitle(head, fontsize=14, fontweight="bold", x=0.01, ha="left")
    ax.set_title(sub, fontsize=9.5, color="#555555", loc="left")
    handles: list[Any] = [
        Line2D([], [], marker="o", linestyle="", color=c, markeredgecolor="#333333", label=t)
        for c, t in (
            (_SEEDER, "seeder"),
            (_APPLIED, "learner who applied it"),
            (_NOT_APPLIED, "learner, not applied yet"),
        )
    ]
    handles.append(Line2D([], [], color="#AAAAAA", linestyle="--", label="also learned from"))
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=9, frameon=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path

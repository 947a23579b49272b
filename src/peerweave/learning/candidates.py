"""Who may teach whom, and how well each pair fits: the candidate arcs of peer matching.

A **wish** is a skills row with ``wants_to_learn``; a **teacher** is a row with ``can_teach``.
A candidate arc joins a wish to a teacher of the same skill when all of these hold:

* the teacher's level is at least the learner's level + 1;
* they are two people (never a person with themself);
* neither is the other's manager (``people.manager_id``, either direction);
* the teacher has not opted out (``opted_out``), has not left (``status == "left"``) and is
  not on leave (``on_leave``); wishes of learners who opted out, left or are on leave are
  skipped before a round;
* the teacher has room: ``capacity`` (learners per round, across all their skills) minus
  the learners already in their open sessions (``busy``) is above 0.

The score of an arc
-------------------
``score = 0.35·gap + 0.25·proximity + 0.25·rating + 0.15·timezone`` (the default weights
of :class:`MatchOptions`; every part lies in 0..1, so does the score). With
``bridge=True`` the proximity term is replaced by ``0.25·bridge``.

* **gap**: how many levels the teacher is above the learner, through ``GAP_SCORES``:
  1 level 0.85, **2 levels 1.0**, 3 levels 0.6, 4 levels 0.35. Two levels above is best:
  far enough ahead to explain, close enough to remember what was hard (near-peer
  teaching); one level above is nearly as good; a master teaching a beginner is allowed
  but scores lower (experts forget which steps are hard: the "expert blind spot").
* **proximity**: the hop distance ``h`` between them in the informal network (its
  undirected view): ``(H + 1 − h) / H`` for ``h ≤ H = max_hops``, so with ``H = 3`` one
  hop scores 1, two 2/3, three 1/3; farther, unreachable or without a graph, 0. People
  ask those they already know.
* **bridge** (``bridge=True`` only): 1 when learner and teacher work in different
  departments (both known), else 0; the round then builds ties across silos instead.
* **rating**: what past learners rated the teacher, as the Bayesian average
  ``(C·m + Σr) / (C + n)`` of their ``n`` ratings ``r``, with ``m`` the organization's mean
  rating (3 when there is none) and ``C = prior_strength`` (5): one 5-star review does not
  beat fifty 4.8s. Scaled to 0..1 as ``(average − 1) / 4``; a teacher without ratings
  gets ``(m − 1) / 4``. Ratings stay private: reasons never quote an average.
* **timezone**: the hours both 9:00–17:00 local working days share, over 8 (UTC offsets
  from the zone database on ``MatchOptions.on``; computed once per distinct time zone);
  0.5 when either time zone is unknown.

Load spreading (matching rounds): the ``k``-th learner a teacher takes in one round costs
``load_weight·(k − 1)`` (0.1): the second 0.1, the third 0.2, … The marginal cost grows,
so the total is convex, and a min-cost flow over ``capacity`` unit arcs of increasing cost
from the teacher to the sink fills them cheapest first: it computes this total exactly.

Examples
--------
>>> people = pd.DataFrame({"person_id": ["a", "b", "c"], "manager_id": [None, "a", "a"]})
>>> skills = pd.DataFrame({"person_id": ["a", "b", "c"], "skill": ["sql"] * 3,
...     "level": [4, 3, 1], "can_teach": [True, True, False],
...     "wants_to_learn": [False, False, True], "capacity": [2, 2, 0]})
>>> arcs = candidate_arcs(people, skills, None)
>>> arcs[["learner_id", "teacher_id", "gap_score", "score"]].to_dict("records")
[{'learner_id': 'c', 'teacher_id': 'b', 'gap_score': 1.0, 'score': 0.55}]
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import InputError, MissingColumnError, Problem, ValidationError
from peerweave.network.graph import OrgGraph
from peerweave.org.schema import DEFAULT_CAPACITY, SKILL_LEVELS, flag_rows, rows_of
from peerweave.org.schema import timezone_offset_hours as _offset_hours

__all__ = [
    "GAP_SCORES",
    "REASONS",
    "Candidates",
    "MatchOptions",
    "Population",
    "SkillTable",
    "build_candidates",
    "candidate_arcs",
    "hop_distances",
    "org_mean_rating",
    "working_hours_overlap",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]
UIntArray = npt.NDArray[np.uint64]

#: Score of a teacher ``g`` levels above the learner (index ``g``; 0 is never a candidate).
GAP_SCORES: tuple[float, ...] = (0.0, 0.85, 1.0, 0.6, 0.35)
#: Local working day, hours.
WORKDAY_START, WORKDAY_END = 9.0, 17.0
#: The organization's mean rating when nobody has been rated yet (the middle of 1–5).
NEUTRAL_RATING = 3.0
#: How far a hop search may go (``MatchOptions.max_hops``).
MAX_HOPS_LIMIT = 20
_TOP_LEVEL = max(SKILL_LEVELS)
#: Up to this many distinct learners, hop searches run on the calling thread.
_SERIAL_SOURCES = 64
_RUNS = 2**25  # run numbers of the hop kernel's marks (x 32 fits an int32)
_CHUNKS_PER_THREAD = 8  # hop-search chunks per thread, handed out dynamically

# Why a wish has no candidate, in order of precedence (the first stage that empties it).
MATCHABLE, NOBODY_TEACHES, NOBODY_ABOVE, REPORTING_LINE, OPTED_OUT_OR_LEFT, ALL_FULL = range(6)
#: The reason given for an unmatched wish, by code; ``{skill}`` and ``{level}`` are filled in.
#: Who opted out is never revealed: opted-out and departed teachers share one reason.
REASONS: dict[int, str] = {
    NOBODY_TEACHES: "nobody teaches {skill}",
    NOBODY_ABOVE: "nobody who teaches {skill} is above your level ({level})",
    REPORTING_LINE: "the only {skill} teachers are in your reporting line",
    OPTED_OUT_OR_LEFT: "the only {skill} teachers opted out, left or are on leave",
    ALL_FULL: "all {skill} teachers are full this round",
}


@dataclass(frozen=True)
class MatchOptions:
    """How a matching round (and :func:`~peerweave.learning.peers.find_peers`) scores arcs.

    ``bridge`` rewards pairs from different departments instead of network proximity;
    ``max_hops`` is the farthest hop distance that still counts as close;
    ``prior_strength`` is ``C`` of the Bayesian rating average; the ``*_weight`` fields
    weigh the score's parts (see the module docstring); ``gap_scores[g]`` scores a teacher
    ``g`` levels above; ``load_weight`` is the cost of each further learner of one teacher
    in a round; ``on`` is the date whose UTC offsets (daylight saving) are used, today when
    ``None``; ``seed`` orders ties reproducibly.

    >>> MatchOptions(bridge=True).max_hops
    3
    >>> MatchOptions(max_hops=0)
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: options: 1 problem
      column max_hops: max_hops 0 is out of range (fix: use a whole number from 1 to 20)
    """

    bridge: bool = False
    max_hops: int = 3
    prior_strength: float = 5.0
    gap_weight: float = 0.35
    proximity_weight: float = 0.25
    bridge_weight: float = 0.25
    rating_weight: float = 0.25
    timezone_weight: float = 0.15
    load_weight: float = 0.1
    gap_scores: tuple[float, ...] = GAP_SCORES
    on: dt.date | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        hops = self.max_hops
        if isinstance(hops, bool) or not isinstance(hops, int) or not 1 <= hops <= MAX_HOPS_LIMIT:
            problems.append(
                Problem(
                    f"max_hops {hops!r} is out of range",
                    column="max_hops",
                    fix=f"use a whole number from 1 to {MAX_HOPS_LIMIT}",
                )
            )
        for name in (
            "prior_strength",
            "gap_weight",
            "proximity_weight",
            "bridge_weight",
            "rating_weight",
            "timezone_weight",
            "load_weight",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1000 or math.isnan(value):
                problems.append(
                    Problem(
                        f"{name} {value!r} is out of range",
                        column=name,
                        fix="use a number from 0 to 1000",
                    )
                )
        gaps = self.gap_scores
        if len(gaps) != len(SKILL_LEVELS) or not all(0 <= float(g) <= 1 for g in gaps):
            problems.append(
                Problem(
                    f"gap_scores {gaps!r} are not {len(SKILL_LEVELS)} numbers from 0 to 1",
                    column="gap_scores",
                    fix="give one score per gap 0..4, e.g. (0, 0.85, 1, 0.6, 0.35)",
                )
            )
        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 10**16:
            problems.append(
                Problem(f"seed {seed!r} is not a seed", column="seed", fix="use a whole number ≥ 0")
            )
        if problems:
            raise InputError("options", problems)

    def reference_date(self) -> dt.date:
        """The date whose UTC offsets are used: ``on``, or today (UTC).

        >>> MatchOptions(on=dt.date(2024, 7, 1)).reference_date()
        datetime.date(2024, 7, 1)
        """
        return self.on or dt.datetime.now(dt.UTC).date()


# ------------------------------------------------------------------------------- people
@dataclass(frozen=True, eq=False)
class Population:
    """The people frame as arrays, sorted by ``person_id``: what matching needs of each person.

    ``manager`` is the position of each person's manager (-1: none or not in the frame);
    ``available`` is false for people who opted out, left or are on leave; ``department`` codes index
    ``departments`` (-1: unknown); ``offset`` is the UTC offset in hours (NaN: unknown),
    ``zone`` the code of the time zone in ``zone_offsets`` (-1: unknown);
    ``tiebreak`` is a seeded, stable hash of the id that orders ties.

    >>> pop = Population.build(pd.DataFrame({"person_id": ["b", "a"], "manager_id": ["a", None],
    ...     "opted_out": [True, False], "timezone": ["UTC+2", None]}))
    >>> pop.ids.tolist(), pop.manager.tolist(), pop.available.tolist(), pop.offset.tolist()
    (['a', 'b'], [-1, 0], [True, False], [nan, 2.0])
    """

    ids: ObjArray
    index: pd.Index
    manager: IntArray
    available: BoolArray
    department: IntArray
    departments: ObjArray
    offset: FloatArray
    zone: IntArray
    zone_offsets: FloatArray
    tiebreak: UIntArray
    names: ObjArray

    @classmethod
    def build(cls, people: pd.DataFrame, *, seed: int = 0, on: dt.date | None = None) -> Population:
        """Arrays of the people frame (columns other than ``person_id`` are optional).

        >>> Population.build(pd.DataFrame({"person_id": ["x"]})).departments.tolist()
        []
        """
        if "person_id" not in people.columns:
            raise MissingColumnError(
                "people",
                Problem("the people frame has no person_id", column="person_id", fix="add it"),
            )
        frame = people.sort_values("person_id", kind="stable")
        ids = frame["person_id"].astype(str).to_numpy(dtype=object)
        index = pd.Index(ids, dtype=object, name="person_id")
        if not index.is_unique:
            dup = pd.unique(ids[index.duplicated()])
            raise ValidationError(
                "people",
                [
                    Problem(f"person_id {d!r} appears more than once", column="person_id")
                    for d in dup[:20]
                ],
                total=len(dup),
            )
        n = len(ids)

        def text(name: str) -> ObjArray:
            return _texts(frame[name] if name in frame.columns else None, n)

        managers = text("manager_id")
        known_manager = ~pd.isna(managers)
        manager = np.asarray(index.get_indexer(pd.Index(np.where(known_manager, managers, ""))))
        manager = np.where(known_manager, manager, -1).astype(np.int64)
        opted = (
            frame["opted_out"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            if "opted_out" in frame.columns
            else np.zeros(n, dtype=bool)
        )
        status = text("status")
        left = np.char.lower(np.where(pd.isna(status), "", status).astype(str)) == "left"
        away = (
            frame["on_leave"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            if "on_leave" in frame.columns
            else np.zeros(n, dtype=bool)
        )
        codes, departments = pd.factorize(text("department"), sort=True)
        zones, zone_names = pd.factorize(text("timezone"))
        day = on or dt.datetime.now(dt.UTC).date()
        zone_offsets = np.array([_zone_offset(str(z), day) for z in zone_names], dtype=np.float64)
        offset = np.append(zone_offsets, np.nan)[zones]  # code -1 (unknown) takes the NaN
        names = text("name")
        names[pd.isna(names)] = ""
        return cls(
            ids=ids,
            index=index,
            manager=manager,
            available=~opted & ~left & ~away,
            department=np.asarray(codes, dtype=np.int64),
            departments=np.asarray(departments, dtype=object),
            offset=np.asarray(offset, dtype=np.float64),
            zone=np.asarray(zones, dtype=np.int64),
            zone_offsets=zone_offsets,
            tiebreak=_tiebreak(ids, seed),
            names=names,
        )

    @property
    def n(self) -> int:
        """Number of people.

        >>> Population.build(pd.DataFrame({"person_id": ["x", "y"]})).n
        2
        """
        return len(self.ids)


def _texts(values: pd.Series | None, n: int) -> ObjArray:
    """Each value as trimmed text, ``None`` when missing or blank (vectorised, no pandas str ops)."""
    if values is None:
        return np.full(n, None, dtype=object)
    raw = values.to_numpy(dtype=object)
    missing = np.asarray(pd.isna(raw), dtype=bool)
    text = np.char.strip(np.where(missing, "", raw).astype(str)).astype(object)
    text[missing | (text == "")] = None
    return np.asarray(text, dtype=object)


def _tiebreak(ids: ObjArray, seed: int) -> UIntArray:
    """A seeded hash of each id (SipHash, stable across runs and machines)."""
    if len(ids) == 0:
        return np.zeros(0, dtype=np.uint64)
    hashed = pd.util.hash_array(ids.astype(object), hash_key=f"{seed:016d}")
    return np.asarray(hashed, dtype=np.uint64)


@lru_cache(maxsize=4096)
def _zone_offset(zone: str, day: dt.date) -> float:
    try:
        return _offset_hours(zone, at=pd.Timestamp(day))
    except (ValueError, KeyError, TypeError, OverflowError):
        return math.nan


def working_hours_overlap(offset_a: FloatArray, offset_b: FloatArray) -> FloatArray:
    """Hours shared by two 9:00–17:00 working days at UTC offsets ``a`` and ``b`` (NaN unknown).

    The windows are ``|a − b|`` hours apart, or ``24 − |a − b|`` the other way round the clock.

    >>> working_hours_overlap(np.array([1.0, 9.0, 5.5, np.nan]), np.array([-5.0, -5.0, 0.0, 0.0]))
    array([2. , 0. , 2.5, nan])
    """
    apart = np.abs(np.asarray(offset_a) - np.asarray(offset_b)) % 24.0
    apart = np.minimum(apart, 24.0 - apart)
    return np.asarray(np.clip((WORKDAY_END - WORKDAY_START) - apart, 0.0, None), dtype=np.float64)


# ------------------------------------------------------------------------------- skills
@dataclass(frozen=True, eq=False)
class SkillTable:
    """The skills frame as arrays aligned to a :class:`Population` (rows in input order).

    >>> pop = Population.build(pd.DataFrame({"person_id": ["a", "b"]}))
    >>> t = SkillTable.build(pd.DataFrame({"person_id": ["b"], "skill": ["sql"], "level": [2],
    ...     "can_teach": [True], "wants_to_learn": [False]}), pop)
    >>> t.person.tolist(), t.capacity.tolist()
    ([1], [2])
    """

    person: IntArray
    skill: ObjArray
    level: IntArray
    teach: BoolArray
    learn: BoolArray
    capacity: IntArray

    @classmethod
    def build(cls, skills: pd.DataFrame, pop: Population, *, source: str = "skills") -> SkillTable:
        """Check the columns, levels and people of a skills frame and take its arrays.

        >>> pop = Population.build(pd.DataFrame({"person_id": ["a"]}))
        >>> SkillTable.build(pd.DataFrame({"person_id": ["z"], "skill": ["sql"], "level": [1]}), pop)
        Traceback (most recent call last):
        ...
        peerweave.errors.ValidationError: skills: 1 problem
          row 2, column person_id: person 'z' is not in the people table (fix: import them in the people file, or drop their skill rows)
        """
        missing = [c for c in ("person_id", "skill", "level") if c not in skills.columns]
        if missing:
            raise MissingColumnError(
                source,
                [Problem(f"the skills frame has no {c}", column=c, fix="add it") for c in missing],
            )
        n = len(skills)
        rows = rows_of(skills)
        ids = _texts(skills["person_id"], n)
        ids[pd.isna(ids)] = ""
        person = np.asarray(pop.index.get_indexer(pd.Index(ids)), dtype=np.int64)
        problems: list[Problem] = []
        flag_rows(
            person < 0,
            rows,
            column="person_id",
            message=lambda i: f"person {ids[i]!r} is not in the people table",
            fix="import them in the people file, or drop their skill rows",
            problems=problems,
        )
        level = _numbers(skills["level"])
        bad_level = ~np.isin(level, np.arange(len(SKILL_LEVELS), dtype=np.float64))
        flag_rows(
            bad_level,
            rows,
            column="level",
            message=lambda i: f"level {_plain(skills['level'].iloc[i])!r} is not 0–4",
            fix="give a whole number from 0 (none) to 4 (master)",
            problems=problems,
        )
        skill = skills["skill"].to_numpy(dtype=object)
        flag_rows(
            np.asarray(pd.isna(skill), dtype=bool),
            rows,
            column="skill",
            message="skill is empty",
            fix="fill it in, or drop the row",
            problems=problems,
        )
        if problems:
            raise ValidationError(source, problems[:50], total=len(problems))

        def flag(name: str) -> BoolArray:
            if name not in skills.columns:
                return np.zeros(n, dtype=bool)
            if skills[name].dtype == bool:
                return np.asarray(skills[name].to_numpy(), dtype=bool)
            return np.asarray(skills[name].astype("boolean").fillna(False), dtype=bool)

        capacity = np.full(n, DEFAULT_CAPACITY, dtype=np.int64)
        if "capacity" in skills.columns:
            given = _numbers(skills["capacity"])
            capacity = np.where(np.isnan(given), capacity, np.maximum(given, 0)).astype(np.int64)
        return cls(
            person=person,
            skill=skill,
            level=level.astype(np.int64),
            teach=flag("can_teach"),
            learn=flag("wants_to_learn"),
            capacity=capacity,
        )


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _per_person(
    frame: pd.DataFrame | None, pop: Population, column: str, *, source: str
) -> tuple[IntArray, FloatArray]:
    """Rows and the sum of ``column`` per person position (from ``teacher_id``)."""
    count = np.zeros(pop.n, dtype=np.int64)
    total = np.zeros(pop.n, dtype=np.float64)
    if frame is None or len(frame) == 0:
        return count, total
    for name in ("teacher_id", column):
        if name not in frame.columns:
            raise MissingColumnError(
                source, Problem(f"the {source} frame has no {name}", column=name, fix="add it")
            )
    pos = np.asarray(pop.index.get_indexer(pd.Index(frame["teacher_id"].astype(str))))
    values = _numbers(frame[column])
    keep = (pos >= 0) & ~np.isnan(values)
    count += np.bincount(pos[keep], minlength=pop.n)
    total += np.bincount(pos[keep], weights=values[keep], minlength=pop.n)
    return count, total


def org_mean_rating(ratings: pd.DataFrame | None) -> float:
    """The organization's mean rating ``m`` (the prior of every teacher), 3 when there is none.

    Raises :class:`ValidationError` for ratings outside 1–5.

    >>> org_mean_rating(pd.DataFrame({"teacher_id": ["a", "b"], "rating": [4, 5]}))
    4.5
    """
    if ratings is None or len(ratings) == 0 or "rating" not in ratings.columns:
        return NEUTRAL_RATING
    values = _numbers(ratings["rating"])
    values = values[~np.isnan(values)]
    bad = values[(values < 1) | (values > 5)]
    if len(bad):
        raise ValidationError(
            "ratings",
            Problem(
                f"{len(bad)} rating(s) outside 1–5, e.g. {float(bad[0]):g}",
                column="rating",
                fix="ratings are whole numbers from 1 to 5",
            ),
        )
    return float(values.mean()) if len(values) else NEUTRAL_RATING


def _numbers(values: pd.Series) -> FloatArray:
    """A numeric column as float64, NaN where missing or not a number."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    return np.asarray(pd.to_numeric(values, errors="coerce"), dtype=np.float64)


# ------------------------------------------------------------------------------- hops
@numba.njit(cache=True, nogil=True)
def _hops_chunk(
    indptr: Any,
    indices: Any,
    sources: Any,
    arc_ptr: Any,
    targets: Any,
    max_hops: int,
    first: int,
    stop: int,
    out: Any,
) -> None:  # pragma: no cover - compiled
    """Hop distances for sources ``first..stop-1`` into ``out`` (see :func:`_hops_kernel`).

    A breadth-first search from source ``s`` to depth ``max_hops − 1`` marks each node it
    reaches with the run number and its distance; a target inside that ball has its
    distance; a target outside is exactly ``max_hops`` away when one of its neighbours is
    at ``max_hops − 1``, else farther (left 0). The search of each source touches its ball
    once, each target only its own neighbours. Work arrays are allocated once per call.
    """
    n = indptr.shape[0] - 1
    # mark[v] = run * 32 + distance: one int32 per node says both "reached in this run" and
    # how far (distances < 32, runs 1.._RUNS), so a check costs one memory read
    mark = np.zeros(n, dtype=np.int32)
    queue = np.empty(n, dtype=np.int64)
    # the nodes at distance max_hops - 1 as a bitset (n / 8 bytes: stays in the fastest
    # cache), for the neighbour scans of targets outside the ball
    rim = np.zeros((n + 63) >> 6, dtype=np.uint64)
    one = np.uint64(1)
    edge = max_hops - 1
    for r in range(first, stop):
        s = sources[r]
        if s < 0:
            continue
        run = (r - first) % _RUNS + 1
        if run == 1 and r > first:
            mark[:] = 0  # the run numbers start again
        base = np.int32(run * 32)
        mark[s] = base
        queue[0] = s
        head = 0
        tail = 1
        rim_start = tail  # where the nodes at distance ``edge`` start in the queue
        while head < tail:
            u = queue[head]
            du = mark[u] - base
            if du >= edge:
                rim_start = head  # breadth-first: every later node is this deep too
                break
            head += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if mark[v] < base:
                    mark[v] = base + du + 1
                    queue[tail] = v
                    tail += 1
        for j in range(rim_start, tail):
            v = queue[j]
            rim[v >> 6] |= one << np.uint64(v & 63)
        for a in range(arc_ptr[r], arc_ptr[r + 1]):
            t = targets[a]
            if t < 0 or t == s:
                continue
            mt = mark[t]
            if mt >= base:
                out[a] = mt - base
                continue
            for e in range(indptr[t], indptr[t + 1]):
                v = indices[e]
                if rim[v >> 6] & (one << np.uint64(v & 63)):
                    out[a] = max_hops
                    break
        for j in range(rim_start, tail):
            rim[queue[j] >> 6] = np.uint64(0)


@numba.njit(cache=True, nogil=True, parallel=True)
def _hops_kernel(
    indptr: Any, indices: Any, sources: Any, arc_ptr: Any, targets: Any, max_hops: int, threads: int
) -> Any:  # pragma: no cover - compiled
    """Hop distance (1..max_hops, 0 = farther) from ``sources[r]`` to ``targets[arc_ptr[r]:…]``.

    Parallel over the distinct sources, cut into ``min(_CHUNKS_PER_THREAD · threads, k)``
    contiguous chunks handed out one at a time (the caller sets the chunk size to 1), so a
    thread slowed down by a busy machine does not hold the others up; each chunk is
    searched by :func:`_hops_chunk` with work arrays of its own.
    """
    k = sources.shape[0]
    out = np.zeros(targets.shape[0], dtype=np.int8)
    chunks = max(1, min(_CHUNKS_PER_THREAD * threads, k))
    for c in numba.prange(chunks):
        _hops_chunk(
            indptr, indices, sources, arc_ptr, targets, max_hops,
            c * k // chunks, (c + 1) * k // chunks, out,
        )  # fmt: skip
    return out


def hop_distances(
    graph: OrgGraph, learners: IntArray, teachers: IntArray, *, max_hops: int = 3
) -> npt.NDArray[np.int8]:
    """Hop distance of each pair ``(learners[i], teachers[i])`` (graph positions), 0 if farther.

    Distances are counted on the undirected view of ``graph``; pairs more than ``max_hops``
    apart, unreachable, or with a position of -1 (not in the graph) get 0. Pairs are
    grouped by learner (sorted when they are not already grouped), one parallel Numba
    search per distinct learner.

    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abcde")}),
    ...     pd.DataFrame({"source": ["a", "b", "c", "d"], "target": ["b", "c", "d", "e"]}))
    >>> hop_distances(g, np.array([0, 0, 0, 0, 4]), np.array([1, 2, 3, 4, -1])).tolist()
    [1, 2, 3, 0, 0]
    """
    learners = np.asarray(learners, dtype=np.int64)
    teachers = np.asarray(teachers, dtype=np.int64)
    m = len(learners)
    if m == 0:
        return np.zeros(0, dtype=np.int8)
    change = np.flatnonzero(learners[1:] != learners[:-1]) + 1
    runs = len(change) + 1
    distinct = int(np.count_nonzero(np.bincount(learners + 1)))
    order: IntArray | None = None
    if runs != distinct:  # not grouped: group them (stable, so the result maps back)
        order = np.argsort(learners, kind="stable")
        learners, teachers = learners[order], teachers[order]
        change = np.flatnonzero(learners[1:] != learners[:-1]) + 1
    starts = np.r_[0, change].astype(np.int64)
    arc_ptr = np.r_[starts, m].astype(np.int64)
    sources = learners[starts]
    indptr, indices = graph.und_indptr, graph.und_indices
    if len(sources) <= _SERIAL_SOURCES:  # a page's search: no thread start-up
        hops = np.zeros(m, dtype=np.int8)
        _hops_chunk(
            indptr, indices, sources, arc_ptr, teachers, int(max_hops),
            0, len(sources), hops,
        )  # fmt: skip
    else:
        indices = np.ascontiguousarray(indices, dtype=np.int32)  # half the memory traffic
        with numba.parallel_chunksize(1):
            hops = _hops_kernel(
                indptr, indices, sources, arc_ptr, teachers, int(max_hops),
                numba.get_num_threads(),
            )  # fmt: skip
    if order is None:
        return np.asarray(hops, dtype=np.int8)
    out = np.empty(m, dtype=np.int8)
    out[order] = hops
    return out


# ------------------------------------------------------------------------------- arcs
@dataclass(frozen=True, eq=False)
class Candidates:
    """Wishes (in seeded order), their candidate arcs (grouped by wish) and each arc's score.

    Per wish: ``wish_person`` (people position), ``wish_skill``, ``wish_level`` and
    ``wish_reason`` (``MATCHABLE`` when it has an arc, else why not: a key of ``REASONS``).
    Per arc, compactly: the wish it serves, the ``teacher`` (position), the level ``gap``,
    ``hops`` (0: farther than ``max_hops`` or unknown), ``same_department`` (1, 0, or -1
    unknown), ``zone_pair`` (a row of the time-zone tables) and the ``score``; the parts of
    the score come from small tables (:meth:`parts`). ``remaining`` is each person's
    capacity left this round; ``rating_count`` and ``rating_average`` (Bayesian) are per
    person.
    """

    wish_person: IntArray
    wish_skill: ObjArray
    wish_level: IntArray
    wish_reason: IntArray
    arc_wish: IntArray
    teacher: IntArray
    gap: npt.NDArray[np.int8]
    hops: npt.NDArray[np.int8]
    same_department: npt.NDArray[np.int8]
    zone_pair: IntArray
    score: FloatArray
    remaining: IntArray
    rating_count: IntArray
    rating_average: FloatArray
    org_mean_rating: float
    gap_table: FloatArray
    proximity_table: FloatArray
    zone_hours: FloatArray
    zone_scores: FloatArray
    seconds: dict[str, float]

    @property
    def n_arcs(self) -> int:
        """Number of candidate arcs.

        >>> _example_candidates().n_arcs
        1
        """
        return len(self.arc_wish)

    def teacher_level(self, arcs: IntArray) -> IntArray:
        """The teacher's level on each of ``arcs``.

        >>> _example_candidates().teacher_level(np.array([0])).tolist()
        [3]
        """
        return np.asarray(self.wish_level[self.arc_wish[arcs]] + self.gap[arcs], dtype=np.int64)

    def parts(self, arcs: IntArray) -> dict[str, npt.NDArray[Any]]:
        """The parts of the score of ``arcs`` (and what they come from), by name.

        >>> p = _example_candidates().parts(np.array([0]))
        >>> {k: float(v[0]) for k, v in p.items() if k.endswith("score")}
        {'gap_score': 1.0, 'proximity_score': 0.0, 'bridge_score': 0.0, 'rating_score': 0.5, 'timezone_score': 0.5}
        """
        arcs = np.asarray(arcs, dtype=np.int64)
        teacher = self.teacher[arcs]
        pair = self.zone_pair[arcs]
        average = self.rating_average[teacher]
        return {
            "gap_score": self.gap_table[self.gap[arcs]],
            "proximity_score": self.proximity_table[self.hops[arcs]],
            "bridge_score": (self.same_department[arcs] == 0).astype(np.float64),
            "ratings": self.rating_count[teacher],
            "rating_average": average,
            "rating_score": (average - 1.0) / 4.0,
            "timezone_hours": self.zone_hours[pair],
            "timezone_score": self.zone_scores[pair],
        }


def _expand(starts: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """For blocks ``[starts[w], starts[w] + counts[w])``: the block of each item and the items."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    items = starts[owner] + (np.arange(total, dtype=np.int64) - first[owner])
    return owner, items


def build_candidates(
    pop: Population,
    wish_person: IntArray,
    wish_skill: ObjArray,
    wish_level: IntArray,
    table: SkillTable,
    graph: OrgGraph | None,
    *,
    ratings: pd.DataFrame | None = None,
    busy: pd.DataFrame | None = None,
    options: MatchOptions = MatchOptions(),
    mean_rating: float | None = None,
) -> Candidates:
    """Every eligible (wish, teacher) arc with its score, and why arc-less wishes have none.

    Vectorised: the teacher rows are sorted by (skill, level descending, seeded order), so
    the teachers of a wish's skill above its level are one contiguous run found by binary
    search; the runs are expanded (an inner join on skill, restricted to higher levels) and
    the other rules are numpy masks over the arcs. ``mean_rating`` overrides the
    organization's mean rating (for a caller that passes only some teachers' ratings).
    ``seconds`` holds the time of ``arcs`` (eligibility) and ``score`` (hops and score parts).

    >>> _example_candidates().teacher.tolist()
    [1]
    """
    started = time.perf_counter()
    wish_person = np.asarray(wish_person, dtype=np.int64)
    wish_level = np.asarray(wish_level, dtype=np.int64)
    wish_skill = np.asarray(wish_skill, dtype=object)
    # seeded, input-order-free order of the wishes: by learner (hash), then skill
    order = np.lexsort((wish_skill.astype(str), pop.tiebreak[wish_person]))
    wish_person, wish_skill, wish_level = wish_person[order], wish_skill[order], wish_level[order]

    teach = np.flatnonzero(table.teach)
    codes, skill_names = pd.factorize(
        np.concatenate([wish_skill, table.skill[teach]]).astype(str), sort=True
    )
    n_wishes = len(wish_person)
    wish_code = codes[:n_wishes].astype(np.int64)
    t_code = codes[n_wishes:].astype(np.int64)
    t_person = table.person[teach]
    t_level = table.level[teach]
    top = _TOP_LEVEL + 1
    key = t_code * top + (_TOP_LEVEL - t_level)
    t_order = np.lexsort((pop.tiebreak[t_person], key))
    key, t_person, t_level = key[t_order], t_person[t_order], t_level[t_order]

    capacity = np.zeros(pop.n, dtype=np.int64)
    np.maximum.at(capacity, table.person[teach], table.capacity[teach])
    _, open_total = _per_person(busy, pop, "open", source="busy")
    remaining = np.maximum(capacity - open_total.astype(np.int64), 0)

    block_start = np.searchsorted(key, wish_code * top, side="left")
    block_end = np.searchsorted(key, wish_code * top + top, side="left")
    above_end = np.searchsorted(key, wish_code * top + (_TOP_LEVEL - 1 - wish_level), side="right")
    above_end = np.maximum(above_end, block_start)
    # a learner who also teaches the skill is not their own teacher (stage 1 leaves them out)
    person_skill = t_person * max(len(skill_names), 1) + t_code
    teaches_self = np.isin(wish_person * max(len(skill_names), 1) + wish_code, person_skill)
    n_teaching = block_end - block_start - teaches_self.astype(np.int64)

    arc_wish, pos = _expand(block_start, above_end - block_start)
    teacher = t_person[pos]
    learner = wish_person[arc_wish]
    ok = teacher != learner
    n_above = np.bincount(arc_wish[ok], minlength=n_wishes)
    ok &= (pop.manager[learner] != teacher) & (pop.manager[teacher] != learner)
    n_outside_line = np.bincount(arc_wish[ok], minlength=n_wishes)
    ok &= pop.available[teacher]
    n_available = np.bincount(arc_wish[ok], minlength=n_wishes)
    ok &= remaining[teacher] > 0
    n_room = np.bincount(arc_wish[ok], minlength=n_wishes)
    reason = np.select(
        [n_teaching <= 0, n_above == 0, n_outside_line == 0, n_available == 0, n_room == 0],
        [NOBODY_TEACHES, NOBODY_ABOVE, REPORTING_LINE, OPTED_OUT_OR_LEFT, ALL_FULL],
        MATCHABLE,
    ).astype(np.int64)
    arc_wish, teacher, pos = arc_wish[ok], teacher[ok], pos[ok]
    learner = wish_person[arc_wish]
    arcs_done = time.perf_counter()

    # ---- score: small tables (per gap, per hop count, per person, per time-zone pair)
    # and a few gathers over the arcs
    gap = (t_level[pos] - wish_level[arc_wish]).astype(np.int8)
    gap_table = np.asarray(options.gap_scores, dtype=np.float64)
    h = options.max_hops
    proximity_table = np.r_[0.0, (h + 1 - np.arange(1, h + 1, dtype=np.float64)) / h]
    if graph is not None and len(arc_wish):
        gpos = np.asarray(graph.index.get_indexer(pop.index), dtype=np.int64)
        hops = hop_distances(graph, gpos[learner], gpos[teacher], max_hops=h)
    else:
        hops = np.zeros(len(arc_wish), dtype=np.int8)
    hops_done = time.perf_counter()
    d_l, d_t = pop.department[learner], pop.department[teacher]
    same = np.where((d_l >= 0) & (d_t >= 0), d_l == d_t, -1).astype(np.int8)
    m = org_mean_rating(ratings) if mean_rating is None else float(mean_rating)
    n_rated, rating_sum = _per_person(ratings, pop, "rating", source="ratings")
    c = float(options.prior_strength)
    average = np.where(n_rated > 0, (c * m + rating_sum) / np.maximum(c + n_rated, 1e-300), m)
    z = len(pop.zone_offsets)
    zone_offsets = np.append(pop.zone_offsets, np.nan)  # code z: unknown
    zone_hours = working_hours_overlap(zone_offsets[:, None], zone_offsets[None, :]).ravel()
    zone_scores = np.where(np.isnan(zone_hours), 0.5, zone_hours / (WORKDAY_END - WORKDAY_START))
    zone = np.where(pop.zone >= 0, pop.zone, z)
    zone_pair = zone[learner] * (z + 1) + zone[teacher]

    score = options.gap_weight * gap_table[gap]
    if options.bridge:
        score += options.bridge_weight * (same == 0)
    else:
        score += options.proximity_weight * proximity_table[hops]
    score += (options.rating_weight / 4.0) * (average - 1.0)[teacher]
    score += (options.timezone_weight * zone_scores)[zone_pair]
    done = time.perf_counter()
    return Candidates(
        wish_person=wish_person,
        wish_skill=wish_skill,
        wish_level=wish_level,
        wish_reason=reason,
        arc_wish=arc_wish,
        teacher=teacher,
        gap=gap,
        hops=np.asarray(hops, dtype=np.int8),
        same_department=same,
        zone_pair=zone_pair,
        score=np.asarray(score, dtype=np.float64),
        remaining=remaining,
        rating_count=n_rated,
        rating_average=np.asarray(average, dtype=np.float64),
        org_mean_rating=m,
        gap_table=gap_table,
        proximity_table=proximity_table,
        zone_hours=zone_hours,
        zone_scores=np.asarray(zone_scores, dtype=np.float64),
        seconds={
            "arcs": arcs_done - started,
            "hops": hops_done - arcs_done,
            "score": done - arcs_done,
        },
    )


# ------------------------------------------------------------------------------- text
def _lookup(table: list[str], index: npt.NDArray[Any]) -> ObjArray:
    return np.asarray(np.asarray(table, dtype=object)[index], dtype=object)


def _join(parts: list[ObjArray]) -> ObjArray:
    """Join per-row texts with "; ", leaving out empty ones (vectorised over rows)."""
    out = parts[0].copy()
    for part in parts[1:]:
        has_out = out != ""
        has_part = part != ""
        sep = np.where(has_out & has_part, "; ", "").astype(object)
        out = out + sep + part
    return out


def arc_reasons(
    cand: Candidates,
    arcs: IntArray,
    pop: Population,
    options: MatchOptions,
    *,
    with_graph: bool,
) -> ObjArray:
    """Why each of ``arcs`` fits, in words a learner reads (one string per arc).

    >>> arc_reasons(_example_candidates(), np.array([0]), _example_population(),
    ...             MatchOptions(), with_graph=False).tolist()
    ['2 levels above you; no ratings yet']
    """
    arcs = np.asarray(arcs, dtype=np.int64)
    gap = cand.gap[arcs].astype(np.int64)
    parts = cand.parts(arcs)
    gap_text = _lookup(
        ["", "1 level above you"] + [f"{g} levels above you" for g in range(2, _TOP_LEVEL + 1)],
        np.clip(gap, 0, _TOP_LEVEL),
    )
    texts = [gap_text]
    h = options.max_hops
    if with_graph:
        near_words = [
            "1 step away in the network (you work together)",
            "2 steps away in the network (you share a colleague)",
        ]
        hop_words = [f"not within {h} steps of you in the network", *near_words[:h]]
        hop_words += [f"{k} steps away in the network" for k in range(3, h + 1)]
        texts.append(_lookup(hop_words, cand.hops[arcs].astype(np.int64)))
    if options.bridge:
        same = cand.same_department[arcs].astype(np.int64)
        other_words = np.asarray(
            [f"from another department ({d})" for d in pop.departments] + [""], dtype=object
        )  # one text per department, then looked up per arc
        other = other_words[pop.department[cand.teacher[arcs]]]  # code -1: the last, ""
        texts.append(
            np.where(same == 0, other, np.where(same == 1, "from your own department", ""))
        )
    n = parts["ratings"]
    above = parts["rating_average"] > cand.org_mean_rating + 1e-9
    count = n.astype(str).astype(object)
    learners = np.where(n == 1, " past learner", " past learners").astype(object)
    texts.append(
        np.where(
            n == 0,
            "no ratings yet",
            np.where(
                above, "rated above average by " + count + learners, "rated by " + count + learners
            ),
        ).astype(object)
    )
    hours = parts["timezone_hours"]
    halves = np.where(np.isnan(hours), -1, np.rint(np.nan_to_num(hours) * 2)).astype(np.int64)
    hour_words = [f"{k / 2:g} h of working day in common" for k in range(0, 17)]
    hour_words[0] = "no working hours in common"
    texts.append(np.where(halves >= 0, _lookup(hour_words, np.maximum(halves, 0)), ""))
    return _join([np.asarray(t, dtype=object) for t in texts])


def wish_reasons(cand: Candidates, wishes: IntArray) -> ObjArray:
    """The reason each of ``wishes`` has no teacher (``ALL_FULL`` for a matchable wish left over).

    >>> c = _example_candidates()
    >>> wish_reasons(c, np.array([0])).tolist()
    ['all sql teachers are full this round']
    """
    wishes = np.asarray(wishes, dtype=np.int64)
    code = cand.wish_reason[wishes]
    code = np.where(code == MATCHABLE, ALL_FULL, code)
    skill = cand.wish_skill[wishes].astype(str).astype(object)
    level = cand.wish_level[wishes].astype(str).astype(object)
    out = np.full(len(wishes), "", dtype=object)
    for k, template in REASONS.items():
        out = np.where(code == k, _fill(template, skill, level), out)
    return np.asarray(out, dtype=object)


def _fill(template: str, skill: ObjArray, level: ObjArray) -> ObjArray:
    """``template`` with ``{skill}`` and ``{level}`` filled in, vectorised over rows."""
    head, _, rest = template.partition("{skill}")
    if "{level}" in rest:
        middle, _, tail = rest.partition("{level}")
        return np.asarray(head + skill + middle + level + tail, dtype=object)
    return np.asarray(head + skill + rest, dtype=object)


# ------------------------------------------------------------------------------- public frame
def candidate_arcs(
    people: pd.DataFrame,
    skills: pd.DataFrame,
    graph: OrgGraph | None,
    *,
    ratings: pd.DataFrame | None = None,
    busy: pd.DataFrame | None = None,
    options: MatchOptions = MatchOptions(),
) -> pd.DataFrame:
    """Every eligible learner–teacher arc of a round with its score parts (before matching).

    Columns: ``learner_id, teacher_id, skill, score, learner_level, teacher_level,
    gap_score, hops`` (NA: farther than ``max_hops`` or no graph)``, proximity_score,
    same_department, bridge_score, ratings, rating_score, timezone_hours, timezone_score``.
    Wishes of learners who opted out or left are not included.

    >>> people = pd.DataFrame({"person_id": ["t", "l"], "timezone": ["UTC+1", "UTC-5"]})
    >>> skills = pd.DataFrame({"person_id": ["t", "l"], "skill": ["go", "go"], "level": [3, 2],
    ...     "can_teach": [True, False], "wants_to_learn": [False, True]})
    >>> candidate_arcs(people, skills, None)[["gap_score", "timezone_hours", "score"]].round(3).to_dict("records")
    [{'gap_score': 0.85, 'timezone_hours': 2.0, 'score': 0.46}]
    """
    pop, _, _, cand = round_candidates(
        people, skills, graph, ratings=ratings, busy=busy, options=options
    )
    return arcs_frame(cand, pop, np.arange(cand.n_arcs, dtype=np.int64))


def round_candidates(
    people: pd.DataFrame,
    skills: pd.DataFrame,
    graph: OrgGraph | None,
    *,
    ratings: pd.DataFrame | None = None,
    busy: pd.DataFrame | None = None,
    options: MatchOptions = MatchOptions(),
) -> tuple[Population, SkillTable, BoolArray, Candidates]:
    """A round's inputs: ``(population, skill table, skipped, candidates)``.

    The wishes are those of learners who can take part; ``skipped`` flags the skill rows of
    wishes left out because the learner opted out, left or is on leave.

    >>> people = pd.DataFrame({"person_id": ["a", "b"], "opted_out": [False, True]})
    >>> skills = pd.DataFrame({"person_id": ["a", "b"], "skill": ["sql", "sql"],
    ...     "level": [3, 0], "can_teach": [True, False], "wants_to_learn": [False, True]})
    >>> int(round_candidates(people, skills, None)[2].sum())
    1
    """
    pop = Population.build(people, seed=options.seed, on=options.on)
    table = SkillTable.build(skills, pop)
    active = pop.available[np.maximum(table.person, 0)]
    wishes = np.flatnonzero(table.learn & active)
    cand = build_candidates(
        pop,
        table.person[wishes],
        table.skill[wishes],
        table.level[wishes],
        table,
        graph,
        ratings=ratings,
        busy=busy,
        options=options,
    )
    return pop, table, np.asarray(table.learn & ~active), cand


def arcs_frame(cand: Candidates, pop: Population, arcs: IntArray) -> pd.DataFrame:
    """The rows of ``arcs`` as a frame (the columns of :func:`candidate_arcs`).

    >>> list(arcs_frame(_example_candidates(), _example_population(), np.array([0])).columns)[:4]
    ['learner_id', 'teacher_id', 'skill', 'score']
    """
    arcs = np.asarray(arcs, dtype=np.int64)
    w = cand.arc_wish[arcs]
    hops = cand.hops[arcs].astype(np.int64)
    same = cand.same_department[arcs].astype(np.int64)
    parts = cand.parts(arcs)
    return pd.DataFrame(
        {
            "learner_id": pop.ids[cand.wish_person[w]],
            "teacher_id": pop.ids[cand.teacher[arcs]],
            "skill": cand.wish_skill[w],
            "score": cand.score[arcs],
            "learner_level": cand.wish_level[w],
            "teacher_level": cand.teacher_level(arcs),
            "gap_score": parts["gap_score"],
            "hops": pd.Series(hops, dtype="Int64").where(hops > 0),
            "proximity_score": parts["proximity_score"],
            "same_department": pd.Series(same == 1, dtype="boolean").where(same >= 0),
            "bridge_score": parts["bridge_score"],
            "ratings": parts["ratings"],
            "rating_score": parts["rating_score"],
            "timezone_hours": parts["timezone_hours"],
            "timezone_score": parts["timezone_score"],
        }
    )


def _example_population() -> Population:
    """Two people for the doctests: ``t`` teaches sql at level 3, ``l`` wants it at level 1."""
    return Population.build(pd.DataFrame({"person_id": ["t", "l"]}))


def _example_candidates() -> Candidates:
    pop = _example_population()
    table = SkillTable.build(
        pd.DataFrame(
            {
                "person_id": ["t", "l"],
                "skill": ["sql", "sql"],
                "level": [3, 1],
                "can_teach": [True, False],
                "wants_to_learn": [False, True],
            }
        ),
        pop,
    )
    return build_candidates(pop, table.person[1:], table.skill[1:], table.level[1:], table, None)

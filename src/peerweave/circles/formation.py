r"""Peer circles: small tables of peers who differ, a new table each round, a host each.

:func:`form_circles` places every participant of a programme in one circle of
``size[0]``–``size[1]`` people (as equal as possible), so that circle-mates differ as much
as possible on chosen attributes, and returns a :class:`CircleRound`.

**Diversity.** For attributes ``a`` with weights ``w_a`` (normalised to sum 1), two people
differ by ``d_ij = sum_a w_a δ_a(i, j)`` in [0, 1], where ``δ_a`` is ``[a(i) != a(j)]`` for a
categorical column (department, location; a missing value is a value of its own) and
``|x_i - x_j| / (max x - min x)`` for a numeric one (level; dates count in years, so
``hire_date`` is tenure; more than 20 distinct values are cut into 20 equal-width bands and
a missing number counts as the median). The *diversity* of a round is the sum of ``d_ij``
over the pairs who share a circle — the Maximally Diverse Grouping Problem. No ``n × n``
matrix is built: the search keeps, per circle, counts of each attribute value (see
:mod:`peerweave.circles.search`), so 10,000 people cost a few megabytes.

**Rules** (hard: the search repairs a start that breaks them, then never breaks them):
a manager and their own direct report never share a circle (always, from ``manager_id``);
``never`` pairs never do; ``together`` pairs always do (they move as one unit); with
``tz_window = N``, any two circle-mates' UTC offsets (from ``timezone``, in January) are at
most ``N`` hours apart; in topic mode every circle has someone who can teach ``topic`` and
someone who wants to learn it. Opted-out people are never placed. When the rules cannot all
hold, :class:`~peerweave.errors.ConstraintError` says which one to relax, checked before
the search where a count shows it (a manager with too many reports, too few teachers,
time zones too far apart: the smallest window that works is computed) and after it
otherwise.

**Rotation.** Given the earlier rounds (``history``: ``round, circle, person_id[, role]``),
the search maximises ``diversity - repeat_weight · Σ times_met(i, j)`` over the pairs
seated together, so pairs who already met are avoided first (``repeat_weight`` = 100 by
default: one repeat costs more than any one move can win in diversity, which is at most
``4 (size - 1)``) and diversity decides among groupings with as few repeats. The round
reports ``repeat_pairs`` (pairs seated together again) and ``repeats_avoided`` =
``round(expected_repeats - repeat_pairs)``, where ``expected_repeats`` is the number a
uniformly random grouping into the same circle sizes would seat together again in
expectation: ``M · Σ_g s_g (s_g - 1) / (n (n - 1))`` for ``M`` pairs of today's
participants who met before.

**Hosts.** Each circle's host is the member who has hosted least, then attended fewest
rounds, then a seeded draw. While some participants have hosted less than others, the
search also prefers groupings where every circle has one of them (each circle without one
costs ``HOST_WEIGHT`` = 5), so nobody hosts twice before everyone has hosted once wherever
the circles allow it.

**Time and reproducibility.** The search stops when it has converged (no better grouping
in ``PATIENCE`` rounds), at a budget of ``EVALUATIONS_PER_SECOND · seconds`` move
evaluations, or at ``seconds`` of wall-clock time, whichever comes first. The first two are
exact counts, so the same input and seed give the same circles on any machine; only a
machine too slow to spend the budget in time stops on the clock, and the round's notes say
so.

Examples
--------
>>> people = pd.DataFrame({
...     "person_id": [f"p{i}" for i in range(8)],
...     "department": ["IT", "IT", "IT", "IT", "HR", "HR", "HR", "HR"],
...     "location": ["Oslo", "Rome", "Oslo", "Rome", "Oslo", "Rome", "Oslo", "Rome"]})
>>> r = form_circles(people, by=["department", "location"], size=(4, 4), seconds=2.0)
>>> r.per_circle[["circle", "size", "distinct_department", "distinct_location"]].to_dict("records")
[{'circle': 1, 'size': 4, 'distinct_department': 2, 'distinct_location': 2}, {'circle': 2, 'size': 4, 'distinct_department': 2, 'distinct_location': 2}]
>>> r.diversity, r.constraint_check["sizes"]
(8.0, 'ok')
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from peerweave.circles.rotation import choose_hosts, expected_repeats, host_history, met_pairs
from peerweave.circles.rules import circle_bounds, smallest_window, timezone_groups
from peerweave.circles.search import SearchProblem, search
from peerweave.errors import (
    ConstraintError,
    InputError,
    MissingColumnError,
    Problem,
    UnknownIdError,
    ValidationError,
)
from peerweave.org.schema import parse_bool, rows_of, timezone_offset_hours
from peerweave.org.skills import normalise_skill

__all__ = [
    "EVALUATIONS_PER_SECOND",
    "HOST_WEIGHT",
    "MAX_BANDS",
    "MAX_CATEGORIES",
    "PATIENCE",
    "REPEAT_WEIGHT",
    "CircleRound",
    "form_circles",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Cost of seating again a pair who met before, per earlier meeting (a pair differs by 1 at most).
REPEAT_WEIGHT = 100.0
#: Cost of a circle without any of the people who have hosted least.
HOST_WEIGHT = 5.0
#: Numeric attributes with more distinct values are cut into this many equal-width bands.
MAX_BANDS = 20
#: Categorical attributes may have at most this many distinct values.
MAX_CATEGORIES = 1000
#: Move evaluations the search may spend per second asked (a conservative rate: most
#: machines spend it in well under the time, so the budget, not the clock, ends a run).
EVALUATIONS_PER_SECOND = 5_000_000
#: Rounds (memetic generations, or restarts) without a better grouping before the search stops.
PATIENCE = 10

_SOURCE = "people"


@dataclass(frozen=True)
class CircleRound:
    """One round of circles.

    ``assignment``: ``person_id, circle, role`` (circles numbered from 1; ``role`` is
    ``host`` or ``member``). ``diversity``: the sum of ``d_ij`` over circle-mates;
    ``pair_diversity``: its mean per pair (1 = every pair differs on every attribute).
    ``per_circle``: ``circle, size, host, diversity, repeat_pairs`` and ``distinct_<attr>``
    (distinct values of each attribute). ``objective``: what the search maximised
    (diversity minus the repeat and host costs). ``constraint_check``: each rule that
    applied and ``"ok"``, or what is wrong. ``seconds``: the wall-clock time of the call.
    """

    assignment: pd.DataFrame
    diversity: float
    pair_diversity: float
    per_circle: pd.DataFrame
    repeat_pairs: int
    repeats_avoided: int
    expected_repeats: float
    objective: float
    seconds: float
    constraint_check: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Attributes:
    names: tuple[str, ...]
    codes: IntArray  # (n, A)
    tables: tuple[FloatArray, ...]  # per attribute, C_a x C_a, weighted
    categorical: tuple[bool, ...]  # table = weight * (1 - identity)
    values: pd.DataFrame  # the values compared (after filling), for distinct counts


# ---------------------------------------------------------------------------- inputs
def _participants(people: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index, list[str]]:
    """People who take part (not opted out), their ids, notes; all ids for look-ups."""
    if "person_id" not in people.columns:
        raise MissingColumnError(
            _SOURCE, Problem("missing", column="person_id", fix="add a person_id column")
        )
    notes: list[str] = []
    ids = people["person_id"].astype("string").str.strip()
    rows = rows_of(people)
    problems: list[Problem] = []
    blank = ids.isna() | (ids == "")
    dup = ids.duplicated(keep="first") & ~blank
    problems += [
        Problem("empty person_id", row=int(r), column="person_id", fix="fill it in")
        for r in rows[blank.to_numpy()]
    ]
    problems += [
        Problem(f"duplicate person_id {v!r}", row=int(r), column="person_id", fix="keep one row")
        for r, v in zip(rows[dup.to_numpy()], ids[dup], strict=True)
    ]
    if problems:
        raise ValidationError(_SOURCE, problems)
    frame = people.assign(person_id=ids.astype(str)).reset_index(drop=True)
    if "opted_out" in frame.columns:
        out = parse_bool(frame["opted_out"], column="opted_out", rows=rows, problems=problems)
        if problems:
            raise ValidationError(_SOURCE, problems)
        if out.any():
            notes.append(
                f"{int(out.sum())} opted-out {'person was' if out.sum() == 1 else 'people were'}"
                " left out"
            )
        frame = frame.loc[~out.to_numpy(dtype=bool)].reset_index(drop=True)
    return frame, pd.Index(people["person_id"].astype(str).str.strip()), notes


def _weights(by: Sequence[str] | Mapping[str, float], columns: pd.Index) -> dict[str, float]:
    weights = (
        {str(k): float(v) for k, v in by.items()}
        if isinstance(by, Mapping)
        else {str(c): 1.0 for c in ([by] if isinstance(by, str) else by)}
    )
    if not weights:
        raise InputError("by", "choose at least one attribute to mix circles by")
    available = ", ".join(str(c) for c in columns if c not in ("person_id", "opted_out"))
    missing = [c for c in weights if c not in columns]
    if missing:
        raise MissingColumnError(
            _SOURCE,
            [
                Problem(
                    f"no column {c!r} to mix circles by",
                    column=c,
                    fix=f"choose among: {available}",
                )
                for c in missing
            ],
        )
    bad = [c for c, w in weights.items() if not (math.isfinite(w) and w > 0)]
    if bad:
        raise InputError(
            "by", [Problem("the weight must be a positive number", column=c) for c in bad]
        )
    return weights


def _encode(frame: pd.DataFrame, weights: dict[str, float], notes: list[str]) -> _Attributes:
    """Codes and weighted difference tables, one per attribute (see the module docstring)."""
    total = sum(weights.values())
    codes: list[IntArray] = []
    tables: list[FloatArray] = []
    categorical: list[bool] = []
    values: dict[str, pd.Series] = {}
    for name, weight in weights.items():
        col = frame[name]
        share = weight / total
        if pd.api.types.is_datetime64_any_dtype(col):
            when = pd.to_datetime(col)
            col = (when - when.min()).dt.days / 365.25
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            x = col.astype(float)
            if x.isna().all():
                raise InputError(_SOURCE, Problem("no values to compare", column=name))
            if x.isna().any():
                notes.append(f"{int(x.isna().sum())} people without {name} count at the median")
                x = x.fillna(x.median())
            values[name] = x
            v = x.to_numpy()
            low, high = float(v.min()), float(v.max())
            uniq = np.unique(v)
            if uniq.shape[0] <= MAX_BANDS:
                code, levels = np.searchsorted(uniq, v), uniq
            else:
                width = (high - low) / MAX_BANDS
                code = np.minimum(((v - low) / width).astype(np.int64), MAX_BANDS - 1)
                levels = low + (np.arange(MAX_BANDS) + 0.5) * width
            spread = high - low if high > low else 1.0
            table = np.abs(levels[:, None] - levels[None, :]) / spread
            categorical.append(False)
        else:
            text = col.astype("string").str.strip()
            text = text.where(text != "")
            if text.isna().any():
                notes.append(f"{int(text.isna().sum())} people without {name} count as one value")
            text = text.fillna("(missing)")
            values[name] = text
            code, seen = pd.factorize(text)
            if len(seen) > MAX_CATEGORIES:
                raise InputError(
                    _SOURCE,
                    Problem(
                        f"{len(seen)} distinct values: nearly everyone differs on it",
                        column=name,
                        fix=f"mix by a coarser column (at most {MAX_CATEGORIES} values)",
                    ),
                )
            table = 1.0 - np.eye(len(seen))
            categorical.append(True)
        codes.append(np.asarray(code, dtype=np.int64))
        tables.append(np.ascontiguousarray(share * table, dtype=np.float64))
    return _Attributes(
        names=tuple(weights),
        codes=np.stack(codes, axis=1),
        tables=tuple(tables),
        categorical=tuple(categorical),
        values=pd.DataFrame(values),
    )


def _pairs(
    pairs: Sequence[tuple[str, str]],
    ids: pd.Index,
    everyone: pd.Index,
    what: str,
    notes: list[str],
) -> tuple[IntArray, IntArray]:
    """Positions of named pairs; unknown ids raise, pairs with someone not placed are dropped."""
    if len(pairs) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    frame = pd.DataFrame([tuple(map(str, p)) for p in pairs], columns=["a", "b"])
    named = pd.concat([frame["a"], frame["b"]])
    unknown = sorted(set(named[~named.isin(everyone)]))
    if unknown:
        raise UnknownIdError(
            f"{what}: {', '.join(map(repr, unknown[:10]))} {'is' if len(unknown) == 1 else 'are'}"
            " not in the people table; check the ids"
        )
    same = frame["a"] == frame["b"]
    if same.any():
        raise InputError(
            what, f"{frame['a'][same].iloc[0]!r} is paired with themselves; name two people"
        )
    a = ids.get_indexer(pd.Index(frame["a"]))
    b = ids.get_indexer(pd.Index(frame["b"]))
    keep = (a >= 0) & (b >= 0)
    if not keep.all():
        notes.append(
            f"{int((~keep).sum())} {what} pair(s) ignored: someone in them is not taking part"
        )
    return a[keep].astype(np.int64), b[keep].astype(np.int64)


def _manager_pairs(frame: pd.DataFrame, ids: pd.Index) -> tuple[IntArray, IntArray]:
    if "manager_id" not in frame.columns:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    boss = ids.get_indexer(pd.Index(frame["manager_id"].astype("string").str.strip().fillna("")))
    report = np.arange(len(frame), dtype=np.int64)
    keep = boss >= 0
    return boss[keep].astype(np.int64), report[keep]


def _offsets(frame: pd.DataFrame) -> FloatArray:
    if "timezone" not in frame.columns:
        raise MissingColumnError(
            _SOURCE,
            Problem(
                "missing",
                column="timezone",
                fix="add time zones (IANA names or UTC offsets), or drop the time-zone window",
            ),
        )
    zones = frame["timezone"].astype("string").str.strip()
    table: dict[str, float] = {}
    for zone in zones.dropna().unique():  # one look-up per distinct zone, not per person
        try:
            table[str(zone)] = timezone_offset_hours(str(zone))
        except (ValueError, KeyError):
            continue
    offsets = zones.map(table).astype("Float64")
    bad = offsets.isna().to_numpy(dtype=bool)
    if bad.any():
        rows = rows_of(frame)[bad]
        raise ValidationError(
            _SOURCE,
            [
                Problem(
                    f"no usable time zone ({zones.iloc[i]!r})",
                    row=int(r),
                    column="timezone",
                    fix="give an IANA zone such as Europe/Paris or an offset such as UTC+2",
                )
                for i, r in zip(np.flatnonzero(bad)[:50], rows[:50], strict=False)
            ],
            total=int(bad.sum()),
        )
    return np.asarray(offsets.to_numpy(dtype=np.float64), dtype=np.float64)


def _utc(hours: float) -> str:
    sign = "+" if hours >= 0 else "−"
    whole = abs(hours)
    text = f"{int(whole)}" if whole == int(whole) else f"{int(whole)}:{round(whole % 1 * 60):02d}"
    return f"UTC{sign}{text}"


def _topic_flags(
    topic: str, skills: pd.DataFrame | None, ids: pd.Index
) -> tuple[IntArray, IntArray]:
    """Who can teach ``topic`` and who wants to learn it (0/1 per participant)."""
    if skills is None:
        raise InputError("topic", "topic mode needs the skills table (who teaches and learns what)")
    need = ("person_id", "skill", "can_teach", "wants_to_learn")
    missing = [c for c in need if c not in skills.columns]
    if missing:
        raise MissingColumnError(
            "skills", [Problem("missing", column=c, fix="add the column") for c in missing]
        )
    names = normalise_skill(skills["skill"].astype("string"))
    wanted = normalise_skill(pd.Series([topic], dtype="string")).iloc[0]
    rows = skills.loc[(names == wanted).fillna(False).to_numpy(dtype=bool)]
    if rows.empty:
        known = sorted(set(names.dropna()))
        close = difflib.get_close_matches(str(wanted), known, n=3)
        hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        raise InputError("topic", f"nobody lists the skill {topic!r}{hint}; check the spelling")
    problems: list[Problem] = []
    at = rows_of(rows)
    teach = parse_bool(rows["can_teach"], column="can_teach", rows=at, problems=problems)
    learn = parse_bool(rows["wants_to_learn"], column="wants_to_learn", rows=at, problems=problems)
    if problems:
        raise ValidationError("skills", problems)
    pos = ids.get_indexer(pd.Index(rows["person_id"].astype(str).str.strip()))
    ok = pos >= 0
    n = len(ids)
    teachers = np.zeros(n, dtype=np.int64)
    learners = np.zeros(n, dtype=np.int64)
    teachers[pos[ok & teach.to_numpy(dtype=bool)]] = 1
    learners[pos[ok & learn.to_numpy(dtype=bool)]] = 1
    return teachers, learners


# ---------------------------------------------------------------------------- pre-checks
def _check_partners(
    n: int,
    never_a: IntArray,
    never_b: IntArray,
    managers: int,
    lower: IntArray,
    upper: IntArray,
    ids: pd.Index,
) -> None:
    """Everyone needs ``min size - 1`` people they may sit with."""
    if never_a.shape[0] == 0:
        return
    pairs = np.unique(np.sort(np.stack([never_a, never_b], axis=1), axis=1), axis=0)
    barred = np.bincount(pairs.ravel(), minlength=n)
    need = int(lower.min()) - 1
    room = n - 1 - barred
    short = np.flatnonzero(room < need)
    if short.shape[0] == 0:
        return
    who = int(short[np.argmax(barred[short])])
    reports = int(np.sum(never_a[:managers] == who))
    # a manager whose only other bar is their own manager still reads as a manager
    sizes = (
        f"{int(lower.min())}–{int(upper.max())}"
        if lower.min() < upper.max()
        else str(int(lower.min()))
    )
    if reports and reports >= barred[who] - 1:
        raise ConstraintError(
            f"a manager ({ids[who]}) with {reports} direct reports in a programme of {n} cannot "
            f"be kept apart from all of them in circles of {sizes}: their circle needs "
            f"{need} others who are not their reports and there {'is' if room[who] == 1 else 'are'}"
            f" only {room[who]}; leave the manager (or some of their reports) out of this "
            "round, or run it with smaller circles"
        )
    raise ConstraintError(
        f"{ids[who]} may not sit with {barred[who]} of the other {n - 1} people (never pairs "
        f"and reporting lines), so a circle of {sizes} around them cannot be filled; "
        "drop some never pairs, or run the round with smaller circles"
    )


def _timezone_plan(
    offsets: FloatArray,
    window: float,
    lower: IntArray,
    upper: IntArray,
    size: tuple[int, int],
    notes: list[str],
) -> tuple[IntArray, IntArray, IntArray]:
    """Bounds that admit a time-zone-feasible grouping, and one such grouping."""
    ng = lower.shape[0]
    plan = timezone_groups(offsets, ng, int(lower[0]), int(upper[0]), window)
    if plan is not None:
        return lower, upper, plan
    n = offsets.shape[0]
    low, high = int(size[0]), int(size[1])
    for circles in range(math.ceil(n / high), n // low + 1):
        plan = timezone_groups(offsets, circles, low, high, window)
        if plan is not None:
            notes.append(
                f"circles of unequal size ({low}–{high}) so that circle-mates are within "
                f"{window:g} hours of each other"
            )
            return np.full(circles, low, np.int64), np.full(circles, high, np.int64), plan
    need = smallest_window(offsets, ng, int(lower[0]), int(upper[0]))
    raise ConstraintError(
        f"time zones span {offsets.max() - offsets.min():g} hours ({_utc(offsets.min())} to "
        f"{_utc(offsets.max())}) but tz_window is {window:g} hours: the {n} people cannot sit in "
        f"circles of {low}–{high} whose members are that close; widen tz_window to at least "
        f"{need:g} hours, or form the far time zones' circles in a separate round"
    )


# ---------------------------------------------------------------------------- the problem
def _csr(
    first: IntArray, second: IntArray, weight: FloatArray, m: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Both directions of unit pairs, merged, as compressed rows (pairs within a unit dropped)."""
    keep = first != second
    a = np.concatenate([first[keep], second[keep]])
    b = np.concatenate([second[keep], first[keep]])
    w = np.concatenate([weight[keep], weight[keep]])
    if a.shape[0]:
        merged = coo_matrix((w, (a, b)), shape=(m, m)).tocsr()
        merged.sum_duplicates()
        merged.sort_indices()
        return (
            merged.indptr.astype(np.int64),
            merged.indices.astype(np.int64),
            merged.data.astype(np.float64),
        )
    return np.zeros(m + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)


def _intra(attrs: _Attributes, unit_ptr: IntArray, members: IntArray, big: IntArray) -> FloatArray:
    """Sum of ``d_xy`` over ordered pairs inside each unit (units of one person: 0)."""
    intra = np.zeros(unit_ptr.shape[0] - 1, dtype=np.float64)
    for u in big:  # units from `together` pairs only: as many as the pairs named
        people = members[unit_ptr[u] : unit_ptr[u + 1]]
        for a, table in enumerate(attrs.tables):
            c = attrs.codes[people, a]
            intra[u] += table[c[:, None], c[None, :]].sum()
    return intra


def _diversity(attrs: _Attributes, circle: IntArray, ng: int) -> FloatArray:
    """Per circle, the sum of ``d_ij`` over its pairs, from value counts (independent of the
    search): ``½ Σ_a Σ_{c,c'} n_gc n_gc' D_a[c, c']``."""
    out = np.zeros(ng, dtype=np.float64)
    for a, table in enumerate(attrs.tables):
        k = table.shape[0]
        counts = np.bincount(circle * k + attrs.codes[:, a], minlength=ng * k).reshape(ng, k)
        if attrs.categorical[a] and k > 1:  # D = w (1 - I): pairs with different values
            size = counts.sum(axis=1).astype(np.float64)
            out += 0.5 * table[0, 1] * (size**2 - (counts.astype(np.float64) ** 2).sum(axis=1))
        else:
            out += 0.5 * np.einsum("gc,cd,gd->g", counts, table, counts)
    return out


def form_circles(
    people: pd.DataFrame,
    *,
    by: Sequence[str] | Mapping[str, float],
    size: tuple[int, int] = (5, 7),
    seconds: float = 10.0,
    seed: int = 0,
    history: pd.DataFrame | None = None,
    tz_window: float | None = None,
    never: Sequence[tuple[str, str]] = (),
    together: Sequence[tuple[str, str]] = (),
    topic: str | None = None,
    skills: pd.DataFrame | None = None,
    repeat_weight: float = REPEAT_WEIGHT,
) -> CircleRound:
    """Form one round of circles of ``size[0]``–``size[1]`` people that mix the attributes
    ``by`` (a list, or ``{column: weight}``), under the rules and rotation described in the
    module docstring.

    >>> people = pd.DataFrame({"person_id": list("abcdef"), "team": list("xxxyyy"),
    ...                        "manager_id": [None, "a", "a", None, "d", "d"]})
    >>> r = form_circles(people, by=["team"], size=(3, 3), seconds=1.0)
    >>> sorted(r.assignment.groupby("circle")["person_id"].apply("".join))
    ['aef', 'bcd']
    >>> r.constraint_check["managers"], int((r.assignment["role"] == "host").sum())
    ('ok', 2)
    """
    started = time.perf_counter()
    frame, everyone, notes = _participants(people)
    weights = _weights(by, people.columns)
    n = len(frame)
    lower, upper = circle_bounds(n, size)
    ids = pd.Index(frame["person_id"])
    attrs = _encode(frame, weights, notes)

    boss, report = _manager_pairs(frame, ids)
    user_a, user_b = _pairs(never, ids, everyone, "never", notes)
    never_a = np.concatenate([boss, user_a])
    never_b = np.concatenate([report, user_b])
    tog_a, tog_b = _pairs(together, ids, everyone, "together", notes)

    # units: people who must sit together move as one
    graph = coo_matrix((np.ones(tog_a.shape[0]), (tog_a, tog_b)), shape=(n, n))
    m, unit_of = connected_components(graph, directed=False)
    unit_of = unit_of.astype(np.int64)
    members = np.argsort(unit_of, kind="stable").astype(np.int64)
    unit_size = np.bincount(unit_of, minlength=m)
    unit_ptr = np.concatenate([[0], np.cumsum(unit_size)]).astype(np.int64)
    clash = unit_of[never_a] == unit_of[never_b]
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        raise ConstraintError(
            f"{ids[never_a[i]]} and {ids[never_b[i]]} must sit together (together pairs) and "
            "apart (a never pair or a reporting line); drop one of the two rules"
        )
    if unit_size.max() > upper.max():
        u = int(np.argmax(unit_size))
        raise ConstraintError(
            f"{unit_size[u]} people are chained by together pairs (for instance "
            f"{ids[members[unit_ptr[u]]]}) but circles hold at most {int(upper.max())}; "
            "drop some together pairs or choose larger circles"
        )
    _check_partners(n, never_a, never_b, boss.shape[0], lower, upper, ids)

    # time zones
    start: IntArray | None = None
    tz_code = np.zeros(n, dtype=np.int64)
    tz_lo = tz_hi = np.zeros(0, dtype=np.int64)
    offsets = np.zeros(0)
    if tz_window is not None:
        if not (math.isfinite(tz_window) and tz_window >= 0):
            raise InputError("tz_window", "the time-zone window must be 0 hours or more")
        offsets = _offsets(frame)
        span = np.maximum.reduceat(offsets[members], unit_ptr[:-1]) - np.minimum.reduceat(
            offsets[members], unit_ptr[:-1]
        )
        if span.max() > tz_window + 1e-9:
            u = int(np.argmax(span))
            raise ConstraintError(
                f"together pairs chain people {span[u]:g} hours apart (for instance "
                f"{ids[members[unit_ptr[u]]]}) but tz_window is {tz_window:g} hours; drop the "
                "pair or widen the window"
            )
        lower, upper, plan = _timezone_plan(offsets, tz_window, lower, upper, size, notes)
        if m == n:
            start = plan
        zones = np.unique(offsets)
        tz_code = np.searchsorted(zones, offsets).astype(np.int64)
        tz_lo = np.searchsorted(zones, zones - tz_window - 1e-9, side="left").astype(np.int64)
        tz_hi = (np.searchsorted(zones, zones + tz_window + 1e-9, side="right") - 1).astype(
            np.int64
        )
    ng = lower.shape[0]

    # cover sets: teachers and learners of the topic (rules), hosts-to-be (a wish)
    cover: list[IntArray] = []
    hard: list[int] = []
    cost: list[float] = []
    teachers = learners = np.zeros(0, dtype=np.int64)
    if topic is not None:
        teachers, learners = _topic_flags(topic, skills, ids)
        few = min(int(teachers.sum()), int(learners.sum()))
        if few < ng:
            role = "can teach" if teachers.sum() <= learners.sum() else "want to learn"
            larger = math.ceil(n / max(few, 1))
            raise ConstraintError(
                f"topic {topic!r}: only {few} participant{'s' if few != 1 else ''} {role} it "
                f"and there are {ng} circles, each needing one; add people who {role} it, or "
                f"form fewer, larger circles (at least {larger} people each)"
            )
        cover += [teachers, learners]
        hard += [1, 1]
        cost += [0.0, 0.0]
    hosted, attended = host_history(history, ids)
    if hosted.min() < hosted.max():
        cover.append((hosted == hosted.min()).astype(np.int64))
        hard.append(0)
        cost.append(HOST_WEIGHT)

    # pairs who met before
    met_a, met_b, times = (
        met_pairs(history, ids) if history is not None else (np.zeros(0, np.int64),) * 3
    )
    if not (math.isfinite(repeat_weight) and repeat_weight >= 0):
        raise InputError("repeat_weight", "the repeat weight must be 0 or more")
    sp_ptr, sp_unit, sp_w = _csr(
        unit_of[met_a], unit_of[met_b], -repeat_weight * times.astype(np.float64), m
    )
    nv_ptr, nv_unit, _ = _csr(
        unit_of[never_a], unit_of[never_b], np.ones(never_a.shape[0], dtype=np.float64), m
    )

    widths = np.array([t.shape[0] for t in attrs.tables], dtype=np.int64)
    cover_arr = (
        np.stack([np.bincount(unit_of, weights=c, minlength=m) for c in cover], axis=1)
        if cover
        else np.zeros((m, 0))
    ).astype(np.int64)
    problem = SearchProblem(
        unit_ptr=unit_ptr,
        unit_members=members,
        codes=attrs.codes,
        attr_off=np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64),
        attr_ncat=widths,
        dist_off=np.concatenate([[0], np.cumsum(widths**2)[:-1]]).astype(np.int64),
        dist=np.concatenate([t.ravel() for t in attrs.tables]),
        intra=_intra(attrs, unit_ptr, members, np.flatnonzero(unit_size > 1)),
        sp_ptr=sp_ptr,
        sp_unit=sp_unit,
        sp_w=sp_w,
        nv_ptr=nv_ptr,
        nv_unit=nv_unit,
        tz_code=tz_code,
        tz_lo=tz_lo,
        tz_hi=tz_hi,
        cover=cover_arr,
        cover_hard=np.array(hard, dtype=np.int64),
        cover_weight=np.array(cost, dtype=np.float64),
        lower=lower,
        upper=upper,
        eps=1e-9,
    )
    initial = None if start is None else start
    try:
        result = search(
            problem,
            seconds=seconds,
            seed=seed,
            initial=initial,
            max_evaluations=int(EVALUATIONS_PER_SECOND * seconds),
            patience=PATIENCE,
        )
    except ValueError:
        raise ConstraintError(
            "the together pairs cannot be fitted into circles of these sizes; drop some "
            "together pairs or change the size"
        ) from None
    circle_of_unit = result.groups

    # circles numbered by their first member in the people table
    raw = circle_of_unit[unit_of]
    first = np.full(ng, n, dtype=np.int64)
    np.minimum.at(first, raw, np.arange(n))
    label = np.empty(ng, dtype=np.int64)
    label[np.argsort(first, kind="stable")] = np.arange(ng)
    circle = label[raw]
    sizes = np.bincount(circle, minlength=ng)

    # the checks, on the people (independent of the search's bookkeeping)
    check: dict[str, str] = {}
    bad_size = int(((sizes < lower[label]) | (sizes > upper[label])).sum())
    check["sizes"] = "ok" if bad_size == 0 else f"{bad_size} circles outside their bounds"
    broken: list[str] = []

    def _count_same(a: IntArray, b: IntArray) -> int:
        return int(np.sum(circle[a] == circle[b]))

    if "manager_id" in frame.columns:
        k = _count_same(boss, report)
        check["managers"] = "ok" if k == 0 else f"{k} manager–report pairs share a circle"
        if k:
            broken.append(f"{k} manager–report pairs share a circle")
    else:
        check["managers"] = "not checked: no manager_id column"
    if user_a.shape[0]:
        k = _count_same(user_a, user_b)
        check["never"] = "ok" if k == 0 else f"{k} never pairs share a circle"
        if k:
            broken.append(f"{k} never pairs share a circle (drop some never pairs)")
    if tog_a.shape[0]:
        k = tog_a.shape[0] - _count_same(tog_a, tog_b)
        check["together"] = "ok" if k == 0 else f"{k} together pairs are split"
    if tz_window is not None:
        spans = pd.Series(offsets).groupby(circle).agg(lambda s: s.max() - s.min())
        k = int((spans > tz_window + 1e-9).sum())
        check["timezone_window"] = (
            "ok" if k == 0 else f"{k} circles span more than {tz_window:g} hours"
        )
        if k:
            broken.append(f"{k} circles span more than {tz_window:g} hours (widen tz_window)")
    if topic is not None:
        t = np.bincount(circle, weights=teachers, minlength=ng)
        le = np.bincount(circle, weights=learners, minlength=ng)
        k = int(((t == 0) | (le == 0)).sum())
        check["topic"] = "ok" if k == 0 else f"{k} circles lack a teacher or a learner"
        if k:
            broken.append(f"{k} circles lack a teacher or a learner of {topic!r}")
    check["opted_out"] = "ok"
    if result.violations > 0 or broken:
        raise ConstraintError(
            "the rules cannot all hold together (best grouping found: "
            + "; ".join(broken or ["rules broken"])
            + "); relax one of them"
        )

    # diversity, repeats, hosts
    per = _diversity(attrs, circle, ng)
    diversity = float(per.sum())
    pairs = float((sizes * (sizes - 1) // 2).sum())
    same = circle[met_a] == circle[met_b]
    repeat_pairs = int(same.sum())
    expected = expected_repeats(int(met_a.shape[0]), sizes)
    eligible = hosted == hosted.min() if n else np.zeros(0, dtype=bool)
    lacking = (
        int((np.bincount(circle, weights=eligible.astype(float), minlength=ng) == 0).sum())
        if hosted.min() < hosted.max()
        else 0
    )
    objective = diversity - repeat_weight * float(times[same].sum()) - HOST_WEIGHT * lacking
    host = choose_hosts(circle, hosted, attended, seed=seed)
    roles = np.full(n, "member", dtype=object)
    roles[host] = "host"
    assignment = pd.DataFrame(
        {"person_id": frame["person_id"].to_numpy(), "circle": circle + 1, "role": roles}
    ).sort_values(["circle", "person_id"], kind="stable", ignore_index=True)
    per_circle = pd.DataFrame(
        {
            "circle": np.arange(1, ng + 1),
            "size": sizes,
            "host": frame["person_id"].to_numpy()[host],
            "diversity": per,
            "repeat_pairs": np.bincount(circle[met_a][same], minlength=ng),
        }
    )
    distinct = attrs.values.assign(_circle=circle).groupby("_circle").nunique()
    for name in attrs.names:
        per_circle[f"distinct_{name}"] = distinct[name].to_numpy()
    if result.stopped_by == "clock":
        notes.append(
            f"stopped at the {seconds:g}-second limit before the search converged: "
            "another run may differ slightly; give more seconds for a reproducible round"
        )
    notes.append(
        f"{ng} circles of {int(sizes.min())}–{int(sizes.max())} people"
        if sizes.min() < sizes.max()
        else f"{ng} circles of {int(sizes.min())} people"
    )
    return CircleRound(
        assignment=assignment,
        diversity=diversity,
        pair_diversity=diversity / pairs if pairs else 0.0,
        per_circle=per_circle,
        repeat_pairs=repeat_pairs,
        repeats_avoided=round(expected - repeat_pairs),
        expected_repeats=expected,
        objective=objective,
        seconds=time.perf_counter() - started,
        constraint_check=check,
        notes=tuple(notes),
    )

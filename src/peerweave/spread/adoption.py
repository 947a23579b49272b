r"""Adoption records, and what happened held against the forecast.

An initiative's **adoptions** are a frame ``person_id, adopted_at, evidence`` (one row per
person: :data:`ADOPTION_COLUMNS`), checked by :func:`validate_adoptions`. Time runs in
**steps** of one week (``step="W"``) from the day the initiative started: a person who
adopted ``x`` days after the start adopted in step ``⌊x / 7⌋``, so the champions briefed in
the first week are step 0 and the contacts they convert the week after are step 1, as in the
simulator (:mod:`~peerweave.spread.simulate`, whose seeds adopt at step 0). The observed
curve counts, at step ``t``, the people who adopted in steps ``0..t``: it is complete once
step ``t`` is over, so comparisons use **completed steps** only
(:func:`completed_steps`).

**Forecast against actual** (:func:`track`, or the pieces :func:`compare_to_forecast`,
:func:`compare_groups` and :func:`champion_neighbourhoods`):

* the observed curve against the forecast band (5–95% of simulated runs): each step is
  ``inside``, ``above`` (more adopters than 95% of the runs) or ``below`` (fewer than 5%),
  and the first completed step outside the band is reported;
* per group (department, location…): the observed share against the group's own band,
  from the same runs (:func:`group_forecast` replays the simulator's runs, with the same
  random streams as :func:`~peerweave.spread.simulate.simulate` for the same ``seed``, and
  counts per group and step who has adopted); a group below its 5% band is **lagging**,
  above its 95% band **ahead**. Groups under ``min_group_size`` people are folded together
  before anything is counted, so no figure describes fewer people;
* around each champion: the share of their contacts (champions left out) who adopted,
  against what the forecast expected for those same people, and the same for everyone in
  no champion's neighbourhood.

With abandonment (``δ > 0``) the simulator's curves count *current* adopters; adoption
records say who adopted, not who dropped, so the forecast here counts people who **have
adopted** by each step (``Forecast.ever``); without abandonment the two are the same.

Examples
--------
>>> from peerweave.spread.model import SpreadModel
>>> g = _example()
>>> adoptions = validate_adoptions(
...     pd.DataFrame({"person_id": ["a", "c", "e"],
...                   "adopted_at": ["2025-01-06", "2025-01-14", "2025-01-22"]}),
...     known_people=g.ids, started_at="2025-01-06", now="2025-02-03")
>>> observed_curve(adoptions, "2025-01-06", 3)["adopters"].tolist()
[1, 2, 3, 3]
>>> t = track(g, adoptions, [0], SpreadModel(prob="uniform:1"), started_at="2025-01-06",
...           now="2025-02-03", runs=50, steps=6, attribute=None)
>>> t.curve[["step", "observed", "mean", "status"]].head(3).values.tolist()
[[0, 1, 1.0, 'inside'], [1, 2, 3.0, 'below'], [2, 3, 5.0, 'below']]
>>> t.left_band, t.direction
(1, 'below')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import MissingColumnError, Problem, ValidationError
from peerweave.network.graph import OrgGraph
from peerweave.network.groups import MIN_GROUP_SIZE, SMALL_GROUPS
from peerweave.org.schema import ROW, flag_rows, parse_date, rows_of
from peerweave.spread.model import SpreadModel, arc_probabilities, lt_weights
from peerweave.spread.simulate import (
    _IC,
    _KIND_CODES,
    _LT,
    _ONE31,
    _STAMPS,
    UNKNOWN_GROUP,
    _check_csr,
    _count,
    _example,
    _frozen,
    _run,
    _run_key,
    _seed_positions,
    _seed_word,
    _to31,
    simulate,
)

__all__ = [
    "ADOPTION_COLUMNS",
    "ALL_CONTACTS",
    "EVERYONE_ELSE",
    "STATUSES",
    "Forecast",
    "ForecastCheck",
    "Tracking",
    "adoption_steps",
    "champion_neighbourhoods",
    "compare_groups",
    "compare_to_forecast",
    "completed_steps",
    "empty_adoptions",
    "group_forecast",
    "group_labels",
    "observed_curve",
    "step_length",
    "synthetic_adoptions",
    "track",
    "validate_adoptions",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: An adoption record: who, when (``datetime64``, UTC), and optional evidence (text).
ADOPTION_COLUMNS: tuple[str, ...] = ("person_id", "adopted_at", "evidence")

#: Where an observed figure lies against its forecast band.
STATUSES = ("inside", "above", "below")

#: Label of the rows of :func:`champion_neighbourhoods` that are not one champion.
ALL_CONTACTS = "(all champions' contacts)"
EVERYONE_ELSE = "(everyone else)"


class Bands(Protocol):
    """Anything with per-step ``mean``, ``p05`` and ``p95`` (a Simulation, a Forecast)."""

    @property
    def mean(self) -> FloatArray: ...  # pragma: no cover - protocol

    @property
    def p05(self) -> FloatArray: ...  # pragma: no cover - protocol

    @property
    def p95(self) -> FloatArray: ...  # pragma: no cover - protocol


# ---------------------------------------------------------------------------- time
def _moment(value: object, name: str) -> pd.Timestamp:
    """A timestamp in naive UTC (aware values are converted, naive ones taken as UTC)."""
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a date or time such as 2025-01-06, got {value!r}"
        ) from None
    if pd.isna(stamp):
        raise ValueError(f"{name} must be a date or time such as 2025-01-06, got {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def step_length(step: str | pd.Timedelta = "W") -> pd.Timedelta:
    """The length of one step: ``"W"`` (a week, the default), ``"D"``, ``"2W"``, ``"3 days"``…

    >>> step_length(), step_length("2W"), step_length("D")
    (Timedelta('7 days 00:00:00'), Timedelta('14 days 00:00:00'), Timedelta('1 days 00:00:00'))
    """
    if isinstance(step, pd.Timedelta):
        length = step
    else:
        text = str(step).strip()
        try:
            length = pd.Timedelta(f"1{text}" if text.isalpha() else text)
        except ValueError:
            raise ValueError(f"step must be a duration such as W, D or 2W, got {step!r}") from None
    if pd.isna(length) or length <= pd.Timedelta(0):
        raise ValueError(f"step must be a positive duration, got {step!r}")
    return length


def completed_steps(started_at: object, now: object, step: str | pd.Timedelta = "W") -> int:
    """How many steps are over at ``now``: steps ``0 .. completed_steps - 1`` are complete.

    >>> completed_steps("2025-01-06", "2025-01-20"), completed_steps("2025-01-06", "2025-01-19")
    (2, 1)
    >>> completed_steps("2025-01-06", "2025-01-01")
    0
    """
    length = step_length(step)
    elapsed = _moment(now, "now") - _moment(started_at, "started_at")
    return max(0, int(elapsed // length))


# ---------------------------------------------------------------------------- records
def empty_adoptions() -> pd.DataFrame:
    """An adoptions frame with no rows: what an initiative with no adoptions yet has.

    >>> empty_adoptions().dtypes.astype(str).tolist()
    ['string', 'datetime64[ns]', 'string']
    """
    return pd.DataFrame(
        {
            "person_id": pd.Series(dtype="string"),
            "adopted_at": pd.Series(dtype="datetime64[ns]"),
            "evidence": pd.Series(dtype="string"),
        }
    )


def _text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype) and values.dropna().map(float.is_integer).all():
        values = values.astype("Int64")  # ids 1, 2 read as 1.0, 2.0 beside a blank
    text = values.astype("string").str.strip()
    return text.where(text != "")


def validate_adoptions(
    frame: pd.DataFrame,
    *,
    known_people: Iterable[object],
    started_at: object,
    now: object,
    source: str = "adoptions",
) -> pd.DataFrame:
    """Type and check an initiative's adoptions; raise one ``ValidationError`` listing every problem.

    ``frame`` has ``person_id`` and ``adopted_at`` (ISO 8601 dates or times; aware times are
    converted to UTC), optionally ``evidence`` and the hidden ``_row`` column. Problems:
    an empty or unknown ``person_id`` (not in ``known_people``), an empty or unreadable
    ``adopted_at``, one before ``started_at`` or after ``now``, and **the same person twice**:
    a person adopts a practice once, so a second row is an error on that row naming the row
    of the first (fix: keep the right one). No rows (or an empty frame) is not an error: an
    initiative with no adoptions yet gives an empty frame (:func:`empty_adoptions`).

    Returns :data:`ADOPTION_COLUMNS` sorted by ``adopted_at`` (then ``person_id``).

    >>> ok = validate_adoptions(pd.DataFrame({"person_id": ["b", "a"],
    ...     "adopted_at": ["2025-02-01", "2025-01-10T09:30+01:00"]}),
    ...     known_people=["a", "b"], started_at="2025-01-06", now="2025-03-01")
    >>> ok["person_id"].tolist(), ok["adopted_at"].astype(str).tolist()
    (['a', 'b'], ['2025-01-10 08:30:00', '2025-02-01 00:00:00'])
    >>> validate_adoptions(pd.DataFrame({"person_id": ["a", "x", "a"],
    ...     "adopted_at": ["2025-01-10", "2025-01-11", "2024-12-01"]}),
    ...     known_people=["a", "b"], started_at="2025-01-06", now="2025-03-01")
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: adoptions: 3 problems
      row 3, column person_id: 'x' is not a known person (fix: add them to the people first, or correct the id)
      row 4, column adopted_at: 2024-12-01 is before the initiative started (2025-01-06) (fix: correct the date, or leave the row out)
      row 4, column person_id: 'a' adopted again (first on row 2) (fix: keep one row per person: delete row 4 or row 2)
    """
    start, end = _moment(started_at, "started_at"), _moment(now, "now")
    if end < start:
        raise ValueError(f"now ({end}) is before the initiative started ({start})")
    if len(frame) == 0:
        return empty_adoptions()
    missing = [c for c in ("person_id", "adopted_at") if c not in frame.columns]
    if missing:
        raise MissingColumnError(
            source,
            [
                Problem(f"there is no {c} column", column=c, fix=f"add a {c} column")
                for c in missing
            ],
        )
    rows = rows_of(frame)
    problems: list[Problem] = []
    ids = _text(frame["person_id"].reset_index(drop=True))
    flag_rows(
        ids.isna(),
        rows,
        column="person_id",
        message="person_id is empty",
        fix="give every adoption the adopter's id, or delete the row",
        problems=problems,
    )
    known = pd.Index(pd.Series(list(known_people), dtype=object).astype(str).unique())
    unknown = ids.notna() & ~ids.isin(known)
    flag_rows(
        unknown,
        rows,
        column="person_id",
        message=lambda i: f"{ids.iloc[i]!r} is not a known person",
        fix="add them to the people first, or correct the id",
        problems=problems,
    )
    raw = frame["adopted_at"].reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(raw) and getattr(raw.dt, "tz", None) is not None:
        raw = raw.dt.tz_convert("UTC").dt.tz_localize(None)
    when = parse_date(raw, column="adopted_at", rows=rows, problems=problems)
    blank = raw.isna() | (raw.astype("string").str.strip() == "").fillna(False)
    flag_rows(
        blank,
        rows,
        column="adopted_at",
        message="adopted_at is empty",
        fix="write when the person adopted, as YYYY-MM-DD",
        problems=problems,
    )

    def day(t: pd.Timestamp) -> str:
        return str(t.date()) if t == t.normalize() else str(t)

    flag_rows(
        (when < start).fillna(False),
        rows,
        column="adopted_at",
        message=lambda i: f"{day(when.iloc[i])} is before the initiative started ({day(start)})",
        fix="correct the date, or leave the row out",
        problems=problems,
    )
    flag_rows(
        (when > end).fillna(False),
        rows,
        column="adopted_at",
        message=lambda i: f"{day(when.iloc[i])} is in the future (now is {day(end)})",
        fix="correct the date",
        problems=problems,
    )
    present = ids.notna()
    later = ids.duplicated(keep="first") & present
    if later.any():
        first_row = pd.Series(rows, index=ids.index)[present].groupby(ids[present]).transform("min")
        for i in np.flatnonzero(later.to_numpy()):
            first = int(first_row.loc[i])
            problems.append(
                Problem(
                    f"{ids.iloc[i]!r} adopted again (first on row {first})",
                    row=int(rows[i]),
                    column="person_id",
                    fix=f"keep one row per person: delete row {int(rows[i])} or row {first}",
                )
            )
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ValidationError(source, problems)
    evidence = (
        _text(frame["evidence"].reset_index(drop=True))
        if "evidence" in frame.columns
        else pd.Series([pd.NA] * len(frame), dtype="string")
    )
    out = pd.DataFrame(
        {
            "person_id": ids.astype("string"),
            "adopted_at": when.astype("datetime64[ns]"),
            "evidence": evidence.astype("string"),
        }
    )
    out = out.drop(columns=[ROW], errors="ignore")
    return out.sort_values(["adopted_at", "person_id"], kind="stable").reset_index(drop=True)


def observed_curve(
    adoptions: pd.DataFrame,
    started_at: object,
    steps: int,
    step: str | pd.Timedelta = "W",
) -> pd.DataFrame:
    """Adopters per step: ``step``, ``start`` (when the step begins), ``new`` (adopted in it)
    and ``adopters`` (adopted in steps ``0..step``), for steps ``0..steps``.

    Adoptions after the last step are not counted; none at all gives zeros.

    >>> a = pd.DataFrame({"person_id": ["a", "b", "c"], "adopted_at": pd.to_datetime(
    ...     ["2025-01-06", "2025-01-08", "2025-01-20"])})
    >>> observed_curve(a, "2025-01-06", 2).astype({"start": str}).values.tolist()
    [[0, '2025-01-06', 2, 2], [1, '2025-01-13', 0, 2], [2, '2025-01-20', 1, 3]]
    >>> observed_curve(empty_adoptions(), "2025-01-06", 1)["adopters"].tolist()
    [0, 0]
    """
    steps = _count("steps", steps, 0)
    start, length = _moment(started_at, "started_at"), step_length(step)
    when = (
        pd.to_datetime(adoptions["adopted_at"])
        if len(adoptions)
        else pd.Series([], dtype="datetime64[ns]")
    )
    index = _step_of(when, start, length)
    index = index[(index >= 0) & (index <= steps)]
    new = np.bincount(index, minlength=steps + 1).astype(np.int64)
    return pd.DataFrame(
        {
            "step": np.arange(steps + 1, dtype=np.int64),
            "start": start + length * np.arange(steps + 1),
            "new": new,
            "adopters": np.cumsum(new),
        }
    )


def _step_of(when: pd.Series, start: pd.Timestamp, length: pd.Timedelta) -> IntArray:
    """The step of each time (``⌊(t - start) / length⌋``; -1 for missing times)."""
    delta = (pd.to_datetime(when) - start).to_numpy(dtype="timedelta64[ns]").astype(np.int64)
    missing = pd.isna(when).to_numpy()
    out = np.floor_divide(delta, np.int64(length.value))
    return np.where(missing, -1, out).astype(np.int64)


def adoption_steps(
    adoptions: pd.DataFrame,
    graph: OrgGraph,
    *,
    started_at: object,
    step: str | pd.Timedelta = "W",
) -> IntArray:
    """Each person's adoption step, by graph position: ``-1`` for people who have not adopted.

    People not in the graph, and people who opted out (left out of every analysis), are
    ignored; so are adoptions before ``started_at``.

    >>> g = _example()
    >>> a = pd.DataFrame({"person_id": ["b", "d"], "adopted_at": pd.to_datetime(
    ...     ["2025-01-06", "2025-01-21"])})
    >>> adoption_steps(a, g, started_at="2025-01-06").tolist()
    [-1, 0, -1, 2, -1, -1, -1]
    """
    out = np.full(graph.n, -1, dtype=np.int64)
    if len(adoptions) == 0:
        return out
    start, length = _moment(started_at, "started_at"), step_length(step)
    positions = graph.index.get_indexer(pd.Index(adoptions["person_id"].astype(str), dtype=object))
    index = _step_of(adoptions["adopted_at"], start, length)
    keep = (positions >= 0) & (index >= 0)
    positions, index = positions[keep], index[keep]
    order = np.argsort(-index, kind="stable")  # the earliest step wins when a person repeats
    out[positions[order]] = index[order]
    out[~graph.active()] = -1
    return out


# ---------------------------------------------------------------------------- groups
def group_labels(graph: OrgGraph, attribute: str) -> pd.Series:
    """Each person's group (``attribute`` as text), :data:`UNKNOWN_GROUP` when missing.

    The same labels as :meth:`~peerweave.spread.simulate.Simulation.reach_by`. Raises
    :class:`~peerweave.errors.MissingColumnError` when the people have no such column.

    >>> group_labels(_example(), "department").tolist()
    ['x', 'x', 'x', 'y', 'y', 'z', 'z']
    """
    if attribute not in graph.people.columns:
        available = ", ".join(str(c) for c in graph.people.columns)
        raise MissingColumnError(
            "people",
            Problem(
                f"the people have no {attribute} column",
                column=attribute,
                fix=f"group by one of: {available}",
            ),
        )
    values = graph.people[attribute].reset_index(drop=True)
    if pd.api.types.is_float_dtype(values.dtype):
        x = values.dropna().to_numpy(dtype=np.float64)
        if np.all(np.isfinite(x) & (np.abs(x) < 2.0**53) & (x == np.floor(x))):
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    return text.mask(text == "").fillna(UNKNOWN_GROUP).astype(object)


def _group_codes(
    graph: OrgGraph, attribute: str | None, min_group_size: int
) -> tuple[IntArray, tuple[str, ...], IntArray]:
    """Group code per person (-1: opted out), labels, sizes; small groups folded into one."""
    active = graph.active()
    if attribute is None:
        return np.full(graph.n, -1, dtype=np.int64), (), np.zeros(0, dtype=np.int64)
    labels = group_labels(graph, attribute).to_numpy(dtype=object)
    sizes = pd.Series(labels[active]).value_counts()
    named = sorted(str(g) for g, s in sizes.items() if s >= min_group_size and g != UNKNOWN_GROUP)
    order = list(named)
    if sizes.get(UNKNOWN_GROUP, 0) >= min_group_size:
        order.append(UNKNOWN_GROUP)
    small = [g for g, s in sizes.items() if s < min_group_size]
    folded = SMALL_GROUPS.format(n=min_group_size)
    if small:
        order.append(folded)
    code_of: dict[object, int] = {g: i for i, g in enumerate(order)}
    code_of.update({g: code_of[folded] for g in small})
    mapped = pd.Series(labels, dtype=object).map(code_of)
    per_person = mapped.fillna(-1).to_numpy(dtype=np.int64, copy=True)
    per_person[~active] = -1
    size = np.bincount(per_person[per_person >= 0], minlength=len(order)).astype(np.int64)
    return per_person.astype(np.int64), tuple(order), size


# ---------------------------------------------------------------------------- forecast
@numba.njit(cache=True, nogil=True, parallel=True)
def _forecast_kernel(
    indptr: Any,
    indices: Any,
    weights: Any,
    arc_thr: Any,
    arc_b: Any,
    kind: int,
    k: float,
    theta: float,
    sd: float,
    delta_thr: Any,
    seeds: Any,
    steps: int,
    runs: int,
    base: Any,
    threads: int,
    codes: Any,
    n_groups: int,
    upto: int,
) -> tuple[Any, Any, Any]:  # pragma: no cover - compiled
    """The simulator's runs replayed with their adoption events: per run, group and step,
    the people adopting for the first time; per run the current adopters; per person the
    runs in which they adopted by step ``upto``. Same chunks and random streams as
    ``simulate``'s kernel."""
    n = indptr.shape[0] - 1
    chunks = max(1, min(threads, runs))
    new = np.zeros((runs, n_groups + 1, steps + 1), dtype=np.int64)
    adopters = np.zeros((runs, steps + 1), dtype=np.int64)
    by_upto = np.zeros((chunks, n), dtype=np.int32)
    abandon = delta_thr > np.uint64(0)
    n_cnt = n if kind == 2 or abandon else 0
    n_acc = n if kind == 1 or (kind == 2 and (sd > 0.0 or theta >= 0.0)) else 0
    for c in numba.prange(chunks):
        first = c * runs // chunks
        stop = (c + 1) * runs // chunks
        tag = np.zeros(n, dtype=np.uint8)
        cnt = np.zeros(n_cnt, dtype=np.int32)
        acc = np.zeros(n_acc, dtype=np.float64)
        joined = np.empty(n, dtype=np.int32)
        joining = np.empty(n, dtype=np.int32)
        dropping = np.empty(n if abandon else 0, dtype=np.int32)
        alone = np.empty(n if abandon else 0, dtype=np.int32)
        alone_next = np.empty(n if abandon else 0, dtype=np.int32)
        ever_row = np.zeros(n, dtype=np.int32)
        seen = np.full(n, -1, dtype=np.int64)
        size = seeds.shape[0] + 16
        ev_p = np.empty(size, dtype=np.int64)
        ev_t = np.empty(size, dtype=np.int64)
        ev_s = np.empty(size, dtype=np.int64)
        for r in range(first, stop):
            stamp = (r - first) % _STAMPS + 1
            if stamp == 1 and r > first:
                tag[:] = 0
            n_ev, ev_p, ev_t, ev_s = _run(
                indptr, indices, weights, arc_thr, arc_b, kind, k, theta, sd, delta_thr,
                seeds, steps, _run_key(base, r), stamp, tag, cnt, acc,
                joined, joining, dropping, alone, alone_next, adopters[r], ever_row,
                True, ev_p, ev_t, ev_s,
            )  # fmt: skip
            for e in range(n_ev):
                v = ev_p[e]
                if seen[v] == r:
                    continue  # adopted again after dropping: counted once
                seen[v] = r
                t = ev_t[e]
                g = codes[v]
                if g >= 0:
                    new[r, g, t] += 1
                new[r, n_groups, t] += 1
                if t <= upto:
                    by_upto[c, v] += 1
    total = np.zeros(n, dtype=np.int64)
    for c in range(chunks):
        total += by_upto[c]
    return new, adopters, total


@dataclass(frozen=True, eq=False)
class Forecast:
    """Simulated runs counted per group and step (:func:`group_forecast`).

    ``ever[r, t]``: people who have adopted by step ``t`` in run ``r`` (``adopters`` counts
    current adopters, as ``Simulation.adopters``: the same without abandonment);
    ``by_group[r, g, t]`` the same within group ``groups[g]`` of ``group_size[g]`` members
    (people who opted out belong to no group); ``adopted_by[v]`` the share of runs in which
    person ``v`` adopted by step ``upto``. ``mean``, ``p05`` and ``p95`` summarise ``ever``.

    >>> f = group_forecast(_example(), [0], SpreadModel(prob="uniform:1"), runs=10, steps=3,
    ...                    min_group_size=2)
    >>> f.groups, f.group_size.tolist(), f.ever[0].tolist(), f.by_group[0, 1].tolist()
    (('x', 'y', '(groups under 2)'), [3, 2, 1], [1, 3, 5, 5], [0, 1, 2, 2])
    """

    adopters: IntArray
    ever: IntArray
    by_group: IntArray
    groups: tuple[str, ...]
    group_size: IntArray
    adopted_by: FloatArray
    upto: int
    attribute: str | None
    min_group_size: int
    runs: int
    steps: int
    seed: int
    model: SpreadModel

    @property
    def mean(self) -> FloatArray:
        """Mean people who have adopted, per step.

        >>> group_forecast(_example(), [0], SpreadModel(prob="uniform:1"), runs=4, steps=2,
        ...                attribute=None).mean.tolist()
        [1.0, 3.0, 5.0]
        """
        return np.asarray(self.ever.mean(axis=0), dtype=np.float64)

    @property
    def p05(self) -> FloatArray:
        """5th percentile over runs of the people who have adopted, per step.

        >>> group_forecast(_example(), [0], runs=4, steps=2, attribute=None).p05.tolist()
        [1.0, 1.0, 1.0]
        """
        return np.asarray(np.quantile(self.ever, 0.05, axis=0), dtype=np.float64)

    @property
    def p95(self) -> FloatArray:
        """95th percentile over runs of the people who have adopted, per step.

        >>> group_forecast(_example(), [0], SpreadModel(prob="uniform:1"), runs=4, steps=2,
        ...                attribute=None).p95.tolist()
        [1.0, 3.0, 5.0]
        """
        return np.asarray(np.quantile(self.ever, 0.95, axis=0), dtype=np.float64)

    def group_bands(self, step: int) -> pd.DataFrame:
        """Per group at ``step``: ``group, size, mean, p05, p95`` (adopters in the group).

        >>> f = group_forecast(_example(), [0], SpreadModel(prob="uniform:1"), runs=4,
        ...                    steps=3, min_group_size=2)
        >>> f.group_bands(1)[["group", "mean"]].values.tolist()
        [['x', 2.0], ['y', 1.0], ['(groups under 2)', 0.0]]
        """
        step = min(max(int(step), 0), self.steps)
        counts = self.by_group[:, :, step].astype(np.float64)
        if len(self.groups) == 0:
            empty = np.zeros(0)
            return pd.DataFrame(
                {"group": [], "size": [], "mean": empty, "p05": empty, "p95": empty}
            )
        low, high = np.quantile(counts, [0.05, 0.95], axis=0)
        return pd.DataFrame(
            {
                "group": list(self.groups),
                "size": self.group_size,
                "mean": counts.mean(axis=0),
                "p05": low,
                "p95": high,
            }
        )


def group_forecast(
    graph: OrgGraph,
    seeds: npt.ArrayLike,
    model: SpreadModel = SpreadModel(),
    *,
    runs: int = 1000,
    steps: int = 26,
    seed: int = 0,
    attribute: str | None = "department",
    min_group_size: int = MIN_GROUP_SIZE,
    upto: int | None = None,
) -> Forecast:
    """Simulate like :func:`~peerweave.spread.simulate.simulate` (same runs, same random
    streams for the same ``seed``) and count per group and step who has adopted.

    Groups of ``attribute`` under ``min_group_size`` members (the unknown group too) are
    folded into one ``"(groups under N)"`` before counting, so every band describes at
    least that many people; ``attribute=None`` counts no group. ``upto`` (default
    ``steps``) is the step at which each person's adoption probability is taken.

    >>> f = group_forecast(_example(), [0], SpreadModel(prob="uniform:0.5"), runs=200,
    ...                    steps=4, seed=1, min_group_size=2)
    >>> sim = simulate(_example(), [0], SpreadModel(prob="uniform:0.5"), runs=200, steps=4,
    ...                seed=1)
    >>> bool((f.adopters == sim.adopters).all()), bool((f.ever == sim.adopters).all())
    (True, True)
    """
    if not isinstance(graph, OrgGraph):
        raise ValueError(f"graph must be an OrgGraph, got {type(graph).__name__}")
    if not isinstance(model, SpreadModel):
        raise ValueError(f"model must be a SpreadModel, got {model!r}")
    runs = _count("runs", runs, 1)
    steps = _count("steps", steps, 1)
    upto = steps if upto is None else min(_count("upto", upto, 0), steps)
    min_group_size = _count("min_group_size", min_group_size, 1)
    codes, groups, size = _group_codes(graph, attribute, min_group_size)
    positions = _seed_positions(seeds, graph.n)
    indptr, indices = _check_csr(graph.und_indptr, graph.und_indices)
    weights = _frozen(graph.und_weights, np.float64)
    kind = _KIND_CODES[model.kind]
    arc_thr = _frozen(np.zeros(0), np.uint32)
    arc_b = _frozen(np.zeros(0), np.float64)
    if kind == _IC:
        arc_thr = _to31(arc_probabilities(graph, model.prob))
    elif kind == _LT:
        arc_b = _frozen(lt_weights(graph, model.prob), np.float64)
    theta = -1.0 if model.fraction is None else float(model.fraction)
    new, adopters, by_upto = _forecast_kernel(
        indptr, indices, weights, arc_thr, arc_b, kind, float(model.threshold), theta,
        float(model.threshold_sd), np.uint64(round(float(model.abandonment) * _ONE31)),
        positions, steps, runs, _seed_word(seed), numba.get_num_threads(),
        _frozen(codes, np.int64), len(groups), upto,
    )  # fmt: skip
    cumulative = np.cumsum(new, axis=2)
    return Forecast(
        adopters=np.asarray(adopters, dtype=np.int64),
        ever=np.ascontiguousarray(cumulative[:, -1, :]),
        by_group=np.ascontiguousarray(cumulative[:, :-1, :]),
        groups=groups,
        group_size=size,
        adopted_by=np.asarray(by_upto, dtype=np.float64) / runs,
        upto=upto,
        attribute=attribute,
        min_group_size=min_group_size,
        runs=runs,
        steps=steps,
        seed=int(seed),
        model=model,
    )


# ---------------------------------------------------------------------------- comparisons
def _status(observed: FloatArray, low: FloatArray, high: FloatArray) -> npt.NDArray[np.object_]:
    return np.where(observed > high, "above", np.where(observed < low, "below", "inside")).astype(
        object
    )


@dataclass(frozen=True)
class ForecastCheck:
    """The observed curve against the forecast band (:func:`compare_to_forecast`).

    ``table``: ``step, observed, mean, p05, p95, status`` — one row per forecast step;
    ``observed`` is missing (and ``status`` empty) for steps not observed yet.
    ``left_band``: the first observed step outside the band (``None`` if none), and
    ``direction`` where it went (``"above"``/``"below"``; ``None`` if it never left).
    """

    table: pd.DataFrame
    left_band: int | None
    direction: str | None

    @property
    def last_status(self) -> str | None:
        """The status of the last observed step (``None`` before any).

        >>> compare_to_forecast([1, 4], _bands()).last_status
        'above'
        """
        seen = self.table[self.table["observed"].notna()]
        return str(seen["status"].iloc[-1]) if len(seen) else None


def compare_to_forecast(observed: pd.DataFrame | npt.ArrayLike, forecast: Bands) -> ForecastCheck:
    """Hold the observed adopters per step against the forecast's 5–95% band.

    ``observed`` is :func:`observed_curve`'s frame (its ``adopters``) or the adopters at steps
    ``0, 1, …``; pass completed steps only. ``forecast`` is a
    :class:`~peerweave.spread.simulate.Simulation` or a :class:`Forecast`. A step is
    ``above`` when the observed count exceeds the band's 95th percentile, ``below`` under its
    5th, else ``inside``. Observed steps beyond the forecast's horizon are left out.

    >>> check = compare_to_forecast([1, 2, 2], _bands())
    >>> check.table.values.tolist()
    [[0, 1, 1.0, 1.0, 1.0, 'inside'], [1, 2, 2.5, 2.0, 3.0, 'inside'], [2, 2, 4.0, 3.0, 5.0, 'below'], [3, <NA>, 5.0, 4.0, 6.0, '']]
    >>> check.left_band, check.direction
    (2, 'below')
    """
    if isinstance(observed, pd.DataFrame):
        if "adopters" not in observed.columns:
            raise ValueError("observed must be observed_curve()'s frame or a list of counts")
        values = observed.sort_values("step")["adopters"].to_numpy(dtype=np.float64)
    else:
        values = np.asarray(observed, dtype=np.float64).ravel()
    mean = np.asarray(forecast.mean, dtype=np.float64)
    low = np.asarray(forecast.p05, dtype=np.float64)
    high = np.asarray(forecast.p95, dtype=np.float64)
    n_steps = len(mean)
    seen = min(len(values), n_steps)
    obs = pd.array([int(v) for v in values[:seen]] + [pd.NA] * (n_steps - seen), dtype="Int64")
    status = np.full(n_steps, "", dtype=object)
    status[:seen] = _status(values[:seen], low[:seen], high[:seen])
    table = pd.DataFrame(
        {
            "step": np.arange(n_steps, dtype=np.int64),
            "observed": obs,
            "mean": mean,
            "p05": low,
            "p95": high,
            "status": status,
        }
    )
    outside = np.flatnonzero(status[:seen] != "inside")
    if len(outside) == 0:
        return ForecastCheck(table=table, left_band=None, direction=None)
    first = int(outside[0])
    return ForecastCheck(table=table, left_band=first, direction=str(status[first]))


def compare_groups(
    graph: OrgGraph,
    adopted_step: npt.ArrayLike,
    forecast: Forecast,
    *,
    at_step: int,
) -> pd.DataFrame:
    """Per group, the observed adopters against the group's forecast band.

    ``adopted_step`` is :func:`adoption_steps`' array; ``at_step`` the last completed step.
    Columns: ``group, size, observed, observed_share, forecast_share`` (mean),
    ``p05_share, p95_share`` (the band), ``status`` (``lagging`` below the band, ``ahead``
    above it, else ``on track``) and ``behind_since`` (the first step at which the group was
    below its band and stayed so through ``at_step``; missing if it is not lagging). Groups
    are the forecast's (small groups already folded).

    >>> g = _example()
    >>> f = group_forecast(g, [0], SpreadModel(prob="uniform:1"), runs=20, steps=4,
    ...                    min_group_size=2)
    >>> seen = np.array([0, 1, 1, 3, -1, -1, -1])  # d adopted late, e not yet
    >>> compare_groups(g, seen, f, at_step=2)[["group", "observed", "status", "behind_since"]]
                  group  observed    status  behind_since
    0                 x         3  on track          <NA>
    1                 y         0   lagging             1
    2  (groups under 2)         0  on track          <NA>
    """
    steps_of = np.asarray(adopted_step, dtype=np.int64)
    if steps_of.shape != (graph.n,):
        raise ValueError(f"adopted_step must have one value per person ({graph.n})")
    at_step = min(_count("at_step", at_step, 0), forecast.steps)
    codes, groups, size = _group_codes(graph, forecast.attribute, forecast.min_group_size)
    if groups != forecast.groups:
        raise ValueError("pass the graph the forecast was made on")
    n_groups = len(groups)
    adopted = (steps_of >= 0) & (steps_of <= at_step) & (codes >= 0)
    per_step = np.zeros((n_groups, at_step + 1), dtype=np.int64)
    np.add.at(per_step, (codes[adopted], steps_of[adopted]), 1)
    observed = np.cumsum(per_step, axis=1)  # group × step
    counts = forecast.by_group[:, :, : at_step + 1].astype(np.float64)
    low = np.quantile(counts, 0.05, axis=0) if n_groups else np.zeros((0, at_step + 1))
    high = np.quantile(counts, 0.95, axis=0) if n_groups else np.zeros((0, at_step + 1))
    below = observed < low
    # the first step of the final run of steps below the band
    behind: list[int | None] = []
    for g in range(n_groups):
        if not below[g, -1]:
            behind.append(None)
            continue
        above_or_in = np.flatnonzero(~below[g])
        behind.append(int(above_or_in[-1] + 1) if len(above_or_in) else 0)
    now_obs = observed[:, -1].astype(np.float64)
    denom = np.maximum(size, 1).astype(np.float64)
    status = np.where(
        now_obs < low[:, -1], "lagging", np.where(now_obs > high[:, -1], "ahead", "on track")
    )
    return pd.DataFrame(
        {
            "group": list(groups),
            "size": size,
            "observed": observed[:, -1],
            "observed_share": now_obs / denom,
            "forecast_share": counts[:, :, -1].mean(axis=0) / denom if n_groups else np.zeros(0),
            "p05_share": low[:, -1] / denom,
            "p95_share": high[:, -1] / denom,
            "status": status.astype(object),
            "behind_since": pd.array(behind, dtype="Int64"),
        }
    )


def champion_neighbourhoods(
    graph: OrgGraph,
    adopted_step: npt.ArrayLike,
    seeds: npt.ArrayLike,
    *,
    at_step: int,
    forecast: Forecast | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Adoption among each champion's contacts, against the rest of the organization.

    For each champion (``seeds``, graph positions, in rank order): ``contacts`` (their
    contacts who are not champions and did not opt out), ``adopted`` (how many of them had
    adopted by ``at_step``), ``share``, and ``forecast_share`` (the mean probability the
    forecast gave those same people of adopting by then: ``forecast.adopted_by``, when the
    forecast was taken at ``upto == at_step``; else missing). Then two rows: everyone in
    some champion's neighbourhood (:data:`ALL_CONTACTS`), and everyone else who can adopt
    (:data:`EVERYONE_ELSE`). Neighbourhoods of fewer than ``min_group_size`` people show
    their size only (``adopted`` and shares missing), so no figure describes fewer people.

    >>> g = _example()
    >>> seen = np.array([0, 0, 1, -1, 2, -1, -1])
    >>> champion_neighbourhoods(g, seen, [0], at_step=2, min_group_size=1)
                        champion  contacts  adopted     share  forecast_share
    0                          a         2        1  0.500000             NaN
    1  (all champions' contacts)         2        1  0.500000             NaN
    2            (everyone else)         3        2  0.666667             NaN
    """
    steps_of = np.asarray(adopted_step, dtype=np.int64)
    if steps_of.shape != (graph.n,):
        raise ValueError(f"adopted_step must have one value per person ({graph.n})")
    at_step = _count("at_step", at_step, 0)
    min_group_size = _count("min_group_size", min_group_size, 1)
    champions = _seed_positions(seeds, graph.n)
    champions = champions[np.sort(np.unique(champions, return_index=True)[1])]
    active = graph.active()
    is_champion = np.zeros(graph.n, dtype=bool)
    is_champion[champions] = True
    adopted = (steps_of >= 0) & (steps_of <= at_step)
    expected = (
        forecast.adopted_by
        if forecast is not None and forecast.upto == at_step and len(forecast.adopted_by) == graph.n
        else None
    )
    indptr = np.asarray(graph.und_indptr, dtype=np.int64)
    starts, stops = indptr[champions], indptr[champions + 1]
    lengths = stops - starts
    owner = np.repeat(np.arange(len(champions)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    contact = np.asarray(graph.und_indices, dtype=np.int64)[np.repeat(starts, lengths) + offsets]
    keep = active[contact] & ~is_champion[contact]
    owner, contact = owner[keep], contact[keep]
    k = len(champions)
    size = np.bincount(owner, minlength=k).astype(np.int64)
    yes = np.bincount(owner, weights=adopted[contact], minlength=k)
    exp = (
        np.bincount(owner, weights=expected[contact], minlength=k)
        if expected is not None
        else np.full(k, np.nan)
    )
    near = np.zeros(graph.n, dtype=bool)
    near[contact] = True
    rest = active & ~near & ~is_champion
    groups = [near, rest]
    size = np.concatenate([size, [int(m.sum()) for m in groups]]).astype(np.int64)
    yes = np.concatenate([yes, [float(adopted[m].sum()) for m in groups]])
    exp_all = [float(expected[m].sum()) if expected is not None else np.nan for m in groups]
    exp = np.concatenate([exp, exp_all])
    denom = np.maximum(size, 1).astype(np.float64)
    hidden = size < min_group_size
    adopted_col = pd.array(
        [pd.NA if h else int(y) for h, y in zip(hidden, yes, strict=True)], dtype="Int64"
    )
    share = np.where(hidden, np.nan, yes / denom)
    forecast_share = np.where(hidden, np.nan, exp / denom)
    labels = [str(graph.ids[c]) for c in champions] + [ALL_CONTACTS, EVERYONE_ELSE]
    return pd.DataFrame(
        {
            "champion": labels,
            "contacts": size,
            "adopted": adopted_col,
            "share": share,
            "forecast_share": forecast_share,
        }
    )


# ---------------------------------------------------------------------------- tracking
@dataclass(frozen=True, eq=False)
class Tracking:
    """An initiative's adoption so far against its forecast (:func:`track`).

    ``curve``: ``step, start, observed, mean, p05, p95, status`` for every forecast step
    (``observed`` missing for steps not over yet); ``left_band``/``direction``: the first
    completed step outside the band and where it went; ``week``: the last completed step
    (-1 during the first); ``by_group``: :func:`compare_groups` at ``week`` (empty without
    groups); ``champions``: :func:`champion_neighbourhoods` at ``week``; ``adopted_step``:
    each person's adoption step (champions at 0), for :func:`~peerweave.spread.fit.fit_contagion`;
    ``notes``: what the figures leave out.
    """

    curve: pd.DataFrame
    left_band: int | None
    direction: str | None
    week: int
    by_group: pd.DataFrame
    champions: pd.DataFrame
    adopted_step: IntArray
    forecast: Forecast
    seeds: IntArray
    started_at: pd.Timestamp
    step: pd.Timedelta
    population: int
    notes: tuple[str, ...] = ()

    @property
    def observed_now(self) -> int:
        """People who had adopted by the end of the last completed step (0 before any).

        >>> _tracked().observed_now
        3
        """
        seen = self.curve["observed"].dropna()
        return int(seen.iloc[-1]) if len(seen) else 0

    def headline(self) -> str:
        """One sentence for a lead: where adoption stands against the forecast.

        >>> _tracked().headline()
        'Week 3: 3 people have adopted (50% of 6); the forecast band was 5 to 5 (mean 5); below the band since week 1.'
        """
        if self.week < 0:
            return "The first week is not over yet: nothing to compare."
        row = self.curve.iloc[min(self.week, len(self.curve) - 1)]
        share = (
            f" ({self.observed_now / self.population:.0%} of {self.population:,})"
            if self.population
            else ""
        )
        text = (
            f"Week {self.week}: {self.observed_now:,} people have adopted{share}; the forecast "
            f"band was {row['p05']:,.0f} to {row['p95']:,.0f} (mean {row['mean']:,.0f})"
        )
        status = str(row["status"])
        if self.left_band is None:
            return text + "; inside the band every week so far."
        since = self.outside_since
        if since is None:
            return (
                text
                + f"; back inside the band (it left it {self.direction} in week {self.left_band})."
            )
        return text + f"; {status} the band since week {since}."

    @property
    def outside_since(self) -> int | None:
        """The week the curve's current run outside the band began (``None`` when the last
        completed week is inside it, or none is over yet).

        >>> _tracked().outside_since
        1
        """
        if self.week < 0:
            return None
        status = self.curve["status"].to_numpy()[: min(self.week, len(self.curve) - 1) + 1]
        if not len(status) or status[-1] == "inside":
            return None
        differs = np.flatnonzero(status != status[-1])
        return int(differs[-1] + 1) if len(differs) else 0

    def band_marker(self) -> tuple[int, str] | None:
        """Where a chart marks the curve leaving the band, and the label: the start of the
        current run outside it, else the first week it left (``None`` if it never did).

        >>> _tracked().band_marker()
        (1, 'below the band since week 1')
        """
        if self.left_band is None:
            return None
        since = self.outside_since
        if since is not None:
            return since, f"{self.curve['status'].iloc[since]} the band since week {since}"
        return self.left_band, f"left the band ({self.direction}) in week {self.left_band}"


def track(
    graph: OrgGraph,
    adoptions: pd.DataFrame,
    seeds: npt.ArrayLike,
    model: SpreadModel = SpreadModel(),
    *,
    started_at: object,
    now: object,
    step: str | pd.Timedelta = "W",
    runs: int = 1000,
    steps: int = 26,
    seed: int = 0,
    attribute: str | None = "department",
    min_group_size: int = MIN_GROUP_SIZE,
    count_champions: bool = True,
) -> Tracking:
    """Hold an initiative's adoptions against the forecast from its champions (``seeds``).

    ``adoptions`` are :func:`validate_adoptions`' frame; ``seeds`` the champions' graph
    positions, seeded at step 0. The forecast is :func:`group_forecast` (``runs``, ``steps``,
    ``seed``); the comparison runs over the completed steps (the step in progress is not
    counted). With ``count_champions`` (default) the champions count as adopters from step
    0, as in the forecast, whether or not their own adoption was recorded. Without the
    ``attribute`` among the people there is no comparison per group (a note says so).

    >>> t = _tracked()
    >>> t.week, t.curve["observed"].tolist()[:5], t.left_band
    (3, [1, 2, 3, 3, <NA>], 1)
    """
    start, length = _moment(started_at, "started_at"), step_length(step)
    end = _moment(now, "now")
    steps = _count("steps", steps, 1)
    positions = _seed_positions(seeds, graph.n)
    adopted = adoption_steps(adoptions, graph, started_at=start, step=length)
    notes: list[str] = []
    if count_champions and len(positions):
        adopted[positions] = 0
    completed = completed_steps(start, end, length)
    week = min(completed, steps + 1) - 1
    if completed > steps + 1:
        notes.append(
            f"{completed} steps are over but the forecast covers {steps}: later steps are not compared"
        )
    in_progress = int(((adopted >= completed) & (adopted >= 0)).sum()) if completed <= steps else 0
    if in_progress:
        notes.append(f"{in_progress:,} adoptions in the step in progress are not counted yet")
    outside = len(adoptions) - int(
        (adoption_steps(adoptions, graph, started_at=start, step=length) >= 0).sum()
    )
    if outside:
        notes.append(
            f"{outside:,} adoptions are by people outside the analysis (opted out or not in the network)"
        )
    if len(adoptions) == 0:
        notes.append("no adoptions recorded yet")
    if attribute is not None and (
        attribute not in graph.people.columns or not graph.people[attribute].notna().any()
    ):
        notes.append(f"no {attribute} is known: no comparison per {attribute}")
        attribute = None
    forecast = group_forecast(
        graph,
        positions,
        model,
        runs=runs,
        steps=steps,
        seed=seed,
        attribute=attribute,
        min_group_size=min_group_size,
        upto=max(week, 0),
    )
    counts = np.zeros(0, dtype=np.int64)
    if week >= 0:
        valid = (adopted >= 0) & (adopted <= week)
        counts = np.cumsum(np.bincount(adopted[valid], minlength=week + 1)).astype(np.int64)
    check = compare_to_forecast(counts, forecast)
    curve = check.table.copy()
    curve.insert(1, "start", start + length * np.arange(len(curve)))
    if week >= 0 and len(forecast.groups):
        by_group = compare_groups(graph, adopted, forecast, at_step=week)
    else:
        by_group = compare_groups(graph, adopted, forecast, at_step=0).iloc[0:0]
    champions = champion_neighbourhoods(
        graph,
        adopted,
        positions,
        at_step=max(week, 0),
        forecast=forecast,
        min_group_size=min_group_size,
    )
    if week < 0:
        champions = champions.iloc[0:0]
    return Tracking(
        curve=curve,
        left_band=check.left_band,
        direction=check.direction,
        week=week,
        by_group=by_group,
        champions=champions,
        adopted_step=adopted,
        forecast=forecast,
        seeds=np.asarray(positions, dtype=np.int64),
        started_at=start,
        step=length,
        population=int(graph.active().sum()),
        notes=tuple(notes),
    )


def synthetic_adoptions(
    graph: OrgGraph,
    seeds: npt.ArrayLike,
    model: SpreadModel = SpreadModel(),
    *,
    started_at: object,
    steps: int,
    seed: int = 0,
    step: str | pd.Timedelta = "W",
) -> pd.DataFrame:
    """Adoption records of one simulated run: a running initiative for demos and tests.

    Replays run 0 of :func:`~peerweave.spread.simulate.simulate` (``seed``) for ``steps``
    steps; each person's first adoption at step ``t`` gets a time drawn uniformly within
    step ``t`` (to the minute), and ``evidence`` ``"simulated"``.

    >>> a = synthetic_adoptions(_example(), [0], SpreadModel(prob="uniform:1"),
    ...                         started_at="2025-01-06", steps=3)
    >>> a["person_id"].tolist(), adoption_steps(a, _example(), started_at="2025-01-06").tolist()
    (['a', 'c', 'd', 'e', 'b'], [0, 2, 1, 1, 2, -1, -1])
    """
    start, length = _moment(started_at, "started_at"), step_length(step)
    sim = simulate(graph, seeds, model, runs=1, steps=_count("steps", steps, 1), seed=seed)
    tree = sim.tree.drop_duplicates("person_id", keep="first")
    rng = np.random.default_rng([int(seed) % 2**63, 0x5EED])
    offset = rng.random(len(tree)) * length.value
    minutes = pd.Timedelta(minutes=1).value
    nanos = tree["step"].to_numpy(dtype=np.int64) * length.value + (offset // minutes) * minutes
    out = pd.DataFrame(
        {
            "person_id": tree["person_id"].astype("string").to_numpy(),
            "adopted_at": start + pd.to_timedelta(nanos.astype(np.int64), unit="ns"),
            "evidence": pd.Series(["simulated"] * len(tree), dtype="string").to_numpy(),
        }
    )
    out["person_id"] = out["person_id"].astype("string")
    out["evidence"] = out["evidence"].astype("string")
    out["adopted_at"] = out["adopted_at"].astype("datetime64[ns]")
    return out.sort_values(["adopted_at", "person_id"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class _FixedBands:
    mean: FloatArray
    p05: FloatArray
    p95: FloatArray


def _bands() -> _FixedBands:
    return _FixedBands(
        mean=np.array([1.0, 2.5, 4.0, 5.0]),
        p05=np.array([1.0, 2.0, 3.0, 4.0]),
        p95=np.array([1.0, 3.0, 5.0, 6.0]),
    )


def _tracked() -> Tracking:
    g = _example()
    adoptions = pd.DataFrame(
        {
            "person_id": ["a", "c", "e"],
            "adopted_at": pd.to_datetime(["2025-01-06", "2025-01-14", "2025-01-22"]),
        }
    )
    return track(
        g,
        adoptions,
        [0],
        SpreadModel(prob="uniform:1"),
        started_at="2025-01-06",
        now="2025-02-04",
        runs=20,
        steps=6,
        attribute=None,
    )

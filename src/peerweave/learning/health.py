"""Programme health: is peer learning spreading, and where does it stall?

:func:`programme_health` reads the people, the skills inventory and the sessions ledger
and returns, for a period, the measures below for the whole programme (``overall``), per
group of people (``by_group``: a people column such as ``department``), per skill
(``by_skill``) and per calendar month (``over_time``), plus the lists of skills at risk
(``at_risk``) and of demand no one can meet (``unmet_demand``).

Who counts
----------
*Active people* are the rows of ``people`` that did not opt out (``opted_out``) and, when
the frame has a ``status`` column, whose status is ``active``. Only active people are
counted anywhere. Opted-out people are left out of everything: their skill rows are
dropped and every session in which either side opted out is dropped. A session *counts*
in a period when its status is ``held`` and the day of ``held_at`` lies in the period
(both ends included).

The measures
------------
* **participants**: active people who were learner or teacher in at least one held session
  in the period; **participation_rate** = participants / active people.
* **learners**: active people who learned in a held session in the period.
* **seeders**: active people who taught at least one held session in the period.
* **leechers**: active people who, by the end of the period, learned a skill in a held
  session that they could now teach back — their row for that skill in the inventory has
  ``level ≥ teach_level`` (default 3, *expert*) or ``can_teach`` true — and who never
  taught any held session up to the end of the period. Seeders and leechers are
  therefore distinct people. Per skill (``by_skill``) the same holds for that skill alone:
  learned it, could teach it back, never taught it.
* **seeder_leecher_ratio** = seeders / leechers (NaN when there are no leechers).
* **sessions_held** (``sessions_learned`` and ``sessions_taught`` per group, by the
  learner's and the teacher's group): held sessions in the period; **applied**: those
  whose learner has marked the skill applied (``applied_at`` set).
* **wishes**: inventory rows with ``wants_to_learn``; a wish is **unmet** when no other
  active person can teach the skill at a level above the wisher's (``can_teach`` and
  ``level ≥ wisher's level + 1``) — demand with no supply, whatever capacities are.
* **knowledge at risk**: a skill is *at risk* when at most one active person holds it at
  ``level ≥ teach_level`` (none or one head); ``skills_at_risk`` counts them, and a group's
  ``at_risk_skills`` counts those whose one holder is in the group.
* **median_days_wish_to_session**: the median, over held sessions in the period with a
  ``wished_at``, of the days from ``wished_at`` to ``held_at`` (negative gaps, a data
  error, are left out).

Everything is computed on integer codes with numpy (no loop over people): a million
people with 650,000 sessions take about 15 seconds.

The inventory is today's snapshot, so ``wishes``, ``unmet_wishes``, the skills at risk and
"could teach back" use today's levels even for past months.

Privacy: a group with fewer than ``min_group_size`` active people is never named. Such
groups are folded into one row, ``SMALL_GROUPS`` (``"(groups under 5)"``, as in the
network reports); when even that row holds fewer than ``min_group_size`` people it is left
out too (``hidden_people`` says how many people that is). ``overall`` counts everyone.

>>> h = programme_health(*_example(), min_group_size=1)
>>> h.overall[["active_people", "participants", "seeders", "leechers"]].iloc[0].tolist()
[4, 3, 2, 1]
>>> h.at_risk["skill"].tolist(), h.unmet_demand["skill"].tolist()
(['go', 'excel'], ['go'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from peerweave.errors import InputError, MissingColumnError, Problem

__all__ = [
    "GROUP_COLUMNS",
    "MIN_GROUP_SIZE",
    "MONTH_COLUMNS",
    "NOT_GIVEN",
    "OVERALL_COLUMNS",
    "SKILL_COLUMNS",
    "SMALL_GROUPS",
    "TEACH_LEVEL",
    "ProgrammeHealth",
    "programme_health",
]

#: Inventory level from which someone could teach a skill back (3 = expert).
TEACH_LEVEL = 3
#: Smallest group named (as :data:`peerweave.network.groups.MIN_GROUP_SIZE`; not imported
#: from there so that this module stays light to import).
MIN_GROUP_SIZE = 5
#: Label of the row holding every group under the minimum (as in the network reports).
SMALL_GROUPS = "(groups under {n})"
#: Group label of active people with no value in the grouping column.
NOT_GIVEN = "(not given)"

#: Columns of ``ProgrammeHealth.overall`` (one row).
OVERALL_COLUMNS: tuple[str, ...] = (
    "period_start",
    "period_end",
    "active_people",
    "participants",
    "participation_rate",
    "learners",
    "seeders",
    "leechers",
    "seeder_leecher_ratio",
    "sessions_held",
    "applied",
    "wishes",
    "unmet_wishes",
    "skills",
    "skills_at_risk",
    "skills_with_unmet_demand",
    "median_days_wish_to_session",
)
#: Columns of ``ProgrammeHealth.by_group``.
GROUP_COLUMNS: tuple[str, ...] = (
    "group",
    "active_people",
    "participants",
    "participation_rate",
    "learners",
    "seeders",
    "leechers",
    "seeder_leecher_ratio",
    "sessions_learned",
    "sessions_taught",
    "applied",
    "wishes",
    "unmet_wishes",
    "at_risk_skills",
    "median_days_wish_to_session",
)
#: Columns of ``ProgrammeHealth.by_skill``; ``at_risk`` and ``unmet_demand`` are subsets.
SKILL_COLUMNS: tuple[str, ...] = (
    "skill",
    "experts",
    "teachers",
    "wishes",
    "unmet_wishes",
    "sessions_held",
    "learners",
    "seeders",
    "leechers",
    "seeder_leecher_ratio",
    "applied",
    "at_risk",
    "median_days_wish_to_session",
)
#: Columns of ``ProgrammeHealth.over_time``: one row per calendar month (``YYYY-MM``).
MONTH_COLUMNS: tuple[str, ...] = (
    "month",
    "sessions_held",
    "learners",
    "seeders",
    "leechers",
    "seeder_leecher_ratio",
    "participants",
    "participation_rate",
    "applied",
    "median_days_wish_to_session",
)
_AT_RISK_COLUMNS = ("skill", "experts", "teachers", "wishes", "learned_in_programme")
_UNMET_COLUMNS = ("skill", "wishes", "unmet_wishes", "teachers", "best_teacher_level", "reason")


@dataclass(frozen=True)
class ProgrammeHealth:
    """The health of a peer-learning programme over a period (see the module notes).

    ``overall`` has one row (:data:`OVERALL_COLUMNS`); ``by_group`` one row per named
    group (:data:`GROUP_COLUMNS`), largest first, then the folded small groups;
    ``by_skill`` one row per skill (:data:`SKILL_COLUMNS`); ``at_risk`` the skills held at
    a teaching level by at most one person; ``unmet_demand`` the skills some wishes cannot
    be met for, with the reason; ``over_time`` one row per month (:data:`MONTH_COLUMNS`).
    ``period_start``/``period_end`` are ``None`` when there were no sessions to take them from.
    ``small_groups`` counts the groups under ``min_group_size`` (folded, never named) and
    ``hidden_people`` the active people left out of ``by_group`` because even the folded row
    was under the minimum.
    """

    overall: pd.DataFrame
    by_group: pd.DataFrame
    by_skill: pd.DataFrame
    at_risk: pd.DataFrame
    unmet_demand: pd.DataFrame
    over_time: pd.DataFrame
    by: str
    period_start: pd.Timestamp | None
    period_end: pd.Timestamp | None
    min_group_size: int
    small_groups: int
    hidden_people: int


def _ratio(num: Any, den: Any) -> Any:
    """num / den, NaN where den is 0 (scalars or arrays)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out if out.ndim else float(out)


def _day(value: object, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        day = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise InputError(
            name, Problem(f"{value!r} is not a date", fix="write it as YYYY-MM-DD")
        ) from None
    if pd.isna(day):
        return None
    return (day.tz_convert(None) if day.tz is not None else day).normalize()


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    values = pd.to_datetime(frame[column])
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert(None)
    return values.astype("datetime64[ns]")


def _objects(values: pd.Series) -> Any:
    return values.astype(str).to_numpy(dtype=object)


@dataclass(frozen=True)
class _Ledger:
    """Everything as integer codes: people by position in ``ids``, skills in ``skills``."""

    ids: Any  # person ids (object array), one per person
    active: Any  # bool per person
    group: Any  # group label per person (object array)
    learner: Any  # per session: person position, -1 for someone unknown
    teacher: Any
    skill: Any  # per session: skill code
    status: Any  # per session: lower-case status
    held_at: Any  # per session: datetime64[ns]
    proposed_at: Any
    cancelled_at: Any
    wished_at: Any
    applied_at: Any
    skills: Any  # skill names (object array), by code
    inv_person: Any  # per inventory row of an active person
    inv_skill: Any
    level: Any
    can_teach: Any
    wants: Any


def _ledger(people: pd.DataFrame, skills: pd.DataFrame, sessions: pd.DataFrame, by: str) -> _Ledger:
    """Codes for people and skills; sessions with someone who opted out are dropped here."""
    people = people.drop_duplicates("person_id")
    ids = _objects(people["person_id"])
    opted = (
        people["opted_out"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "opted_out" in people.columns
        else np.zeros(len(people), dtype=bool)
    )
    active = ~opted
    if "status" in people.columns:
        active &= (people["status"].astype("string").fillna("active") == "active").to_numpy(bool)
    text = people[by].astype("string").str.strip()
    group = text.where(text.notna() & (text != ""), NOT_GIVEN).to_numpy(dtype=object)
    index = pd.Index(ids)
    learner = index.get_indexer(_objects(sessions["learner_id"])).astype(np.int64)
    teacher = index.get_indexer(_objects(sessions["teacher_id"])).astype(np.int64)
    out = np.r_[opted, False]  # position -1 (someone unknown) reads the last entry
    keep = ~(out[learner] | out[teacher])
    known = index.get_indexer(_objects(skills["person_id"])).astype(np.int64)
    mine = known >= 0
    mine[mine] = active[known[mine]]
    codes, names = pd.factorize(
        np.concatenate([_objects(sessions["skill"])[keep], _objects(skills["skill"])[mine]])
    )
    k = int(keep.sum())
    return _Ledger(
        ids=ids,
        active=active,
        group=group,
        learner=learner[keep],
        teacher=teacher[keep],
        skill=codes[:k].astype(np.int64),
        status=sessions["status"].astype(str).str.strip().str.lower().to_numpy(object)[keep],
        held_at=_dates(sessions, "held_at").to_numpy()[keep],
        proposed_at=_dates(sessions, "proposed_at").to_numpy()[keep],
        cancelled_at=_dates(sessions, "cancelled_at").to_numpy()[keep],
        wished_at=_dates(sessions, "wished_at").to_numpy()[keep],
        applied_at=_dates(sessions, "applied_at").to_numpy()[keep],
        skills=np.asarray(names, dtype=object),
        inv_person=known[mine],
        inv_skill=codes[k:].astype(np.int64),
        level=pd.to_numeric(skills["level"]).fillna(0).to_numpy(dtype=np.int64)[mine],
        can_teach=skills["can_teach"].astype("boolean").fillna(False).to_numpy(bool)[mine],
        wants=skills["wants_to_learn"].astype("boolean").fillna(False).to_numpy(bool)[mine],
    )


def _period(
    led: _Ledger, start: object, end: object
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    first = _day(start, "period_start")
    last = _day(end, "period_end")
    dates = np.concatenate([led.held_at, led.proposed_at, led.cancelled_at])
    dates = dates[~np.isnat(dates)]
    held = led.held_at[(led.status == "held") & ~np.isnat(led.held_at)]
    if first is None and len(dates):
        first = pd.Timestamp((held if len(held) else dates).min()).normalize()
    if last is None and len(dates):
        # the last thing that happened: a session held or cancelled, a skill applied; a
        # round proposed today is not yet activity (only when nothing else is)
        done = np.concatenate([led.held_at, led.cancelled_at, led.applied_at])
        done = done[~np.isnat(done)]
        last = pd.Timestamp((done if len(done) else dates).max()).normalize()
    if first is not None and last is not None and first > last:
        raise InputError(
            "period",
            Problem(
                f"the period starts on {first:%Y-%m-%d}, after it ends on {last:%Y-%m-%d}",
                fix="give a start on or before the end",
            ),
        )
    return first, last


def _unique(values: Any) -> Any:
    """Sorted distinct values (by sorting: faster than hashing for big int arrays)."""
    out = np.sort(np.asarray(values, dtype=np.int64))
    return out[np.r_[True, out[1:] != out[:-1]]] if len(out) else out


def _count(index: Any, size: int) -> Any:
    return np.bincount(index, minlength=size).astype(np.int64)


def _distinct(person: Any, key: Any, size: int) -> Any:
    """Per ``key`` (0 .. size - 1), how many distinct ``person`` values it has."""
    if not len(person):
        return np.zeros(size, dtype=np.int64)
    width = int(person.max()) + 1
    pairs = _unique(key.astype(np.int64) * width + person)
    return _count(pairs // width, size)


def _median(values: Any, key: Any, size: int) -> Any:
    ok = ~np.isnan(values)
    out = pd.Series(values[ok]).groupby(key[ok]).median()
    return out.reindex(np.arange(size)).to_numpy(dtype=np.float64)


#: "Not yet" for first-time arrays of int64 nanoseconds.
_NEVER = np.iinfo(np.int64).max
#: Per-person columns summed into the group and overall rows.
_PERSON_SUMS = [
    "participant",
    "learner",
    "seeder",
    "leecher",
    "sessions_learned",
    "sessions_taught",
    "applied",
    "wishes",
    "unmet_wishes",
    "at_risk_skills",
]


def programme_health(
    people: pd.DataFrame,
    skills: pd.DataFrame,
    sessions: pd.DataFrame,
    *,
    by: str = "department",
    period_start: object = None,
    period_end: object = None,
    min_group_size: int = MIN_GROUP_SIZE,
    teach_level: int = TEACH_LEVEL,
) -> ProgrammeHealth:
    """Measure a peer-learning programme's health (every measure is defined in the module notes).

    ``people`` needs ``person_id`` and the ``by`` column (``opted_out`` and ``status`` are
    used when present); ``skills`` has the inventory's columns (``person_id, skill, level,
    can_teach, wants_to_learn``); ``sessions`` those of the ledger. The period runs from
    ``period_start`` to ``period_end`` (dates, both included); by default from the first held
    session (the first date in the ledger when none was held) to the last session held or
    cancelled or skill applied (the last date in the ledger when there is none).

    >>> h = programme_health(*_example(), min_group_size=2)
    >>> h.by_group[["group", "active_people", "seeders", "leechers"]].to_dict("records")
    [{'group': 'ops', 'active_people': 2, 'seeders': 0, 'leechers': 1},
     {'group': 'tech', 'active_people': 2, 'seeders': 2, 'leechers': 0}]
    >>> h.over_time[["month", "sessions_held", "seeders"]].to_dict("records")
    [{'month': '2025-01', 'sessions_held': 1, 'seeders': 1},
     {'month': '2025-02', 'sessions_held': 1, 'seeders': 1}]
    """
    if by not in people.columns:
        listed = ", ".join(repr(c) for c in people.columns)
        raise MissingColumnError(
            "people",
            Problem(
                f"people have no column {by!r} (they have {listed})",
                column=by,
                fix="group by one of those columns",
            ),
        )
    if isinstance(min_group_size, bool) or int(min_group_size) < 1:
        raise InputError(
            "--min-group-size",
            Problem(f"{min_group_size!r} is too small", fix="use a whole number of 1 or more"),
        )
    led = _ledger(people, skills, sessions, by)
    first, last = _period(led, period_start, period_end)
    n, n_skills = len(led.ids), len(led.skills)
    day = led.held_at.astype("datetime64[D]")
    upto = (led.status == "held") & ~np.isnat(led.held_at)
    if last is not None:
        upto &= day <= np.datetime64(last.date(), "D")
    period = upto.copy()
    if first is not None:
        period &= day >= np.datetime64(first.date(), "D")
    active = np.r_[led.active, False]  # position -1: someone unknown, not active
    lp, tp, sk = led.learner, led.teacher, led.skill
    act_l, act_t = active[lp], active[tp]
    applied = ~np.isnat(led.applied_at)
    wait = (led.held_at - led.wished_at).astype("timedelta64[s]").astype(np.float64) / 86400.0
    wait[np.isnat(led.held_at) | np.isnat(led.wished_at)] = np.nan
    wait[wait < 0] = np.nan

    # --- people: who learned, taught, took part in the period
    learned_in = period & act_l
    taught_in = period & act_t
    person = pd.DataFrame(
        {
            "learner": _count(lp[learned_in], n) > 0,
            "seeder": _count(tp[taught_in], n) > 0,
            "sessions_learned": _count(lp[learned_in], n),
            "sessions_taught": _count(tp[taught_in], n),
            "applied": _count(lp[learned_in & applied], n),
        }
    )
    person["participant"] = person["learner"] | person["seeder"]

    # --- the inventory: experts, teachers, wishes and whether someone can meet them
    ip, isk, level, teaches, wish = (
        led.inv_person,
        led.inv_skill,
        led.level,
        led.can_teach,
        led.wants,
    )
    best = np.full(n_skills, -1, dtype=np.int64)
    np.maximum.at(best, isk[teaches], level[teaches])
    unmet = wish & (best[isk] < level + 1)
    person["wishes"] = _count(ip[wish], n)
    person["unmet_wishes"] = _count(ip[unmet], n)
    can = (level >= teach_level) | teaches
    capable = _unique(ip[can] * n_skills + isk[can])

    # --- leechers: learned a skill they could teach back, never taught (up to a day)
    ever = upto & (lp >= 0)
    learned_key = lp[ever] * n_skills + sk[ever]
    could = np.isin(learned_key, capable)
    first_capable = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(
        first_capable, learned_key[could] // n_skills, led.held_at[ever][could].astype(np.int64)
    )
    taught = upto & (tp >= 0)
    first_taught = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(first_taught, tp[taught], led.held_at[taught].astype(np.int64))

    def leechers_at(when: pd.Timestamp | None) -> Any:
        if when is None:
            return np.zeros(n, dtype=bool)
        t = (when + pd.Timedelta(days=1)).value
        return led.active & (first_capable < t) & (first_taught >= t)

    person["leecher"] = leechers_at(last)

    # --- per skill
    taught_keys = _unique(tp[taught] * n_skills + sk[taught])
    capable_learned = _unique(learned_key[could])
    leech_keys = capable_learned[
        ~np.isin(capable_learned, taught_keys) & led.active[capable_learned // n_skills]
    ]
    expert = level >= teach_level
    expert_keys = _unique(ip[expert] * n_skills + isk[expert])
    experts = _count(expert_keys % n_skills, n_skills)
    by_skill = pd.DataFrame(
        {
            "skill": led.skills,
            "experts": experts,
            "teachers": _count(_unique(ip[teaches] * n_skills + isk[teaches]) % n_skills, n_skills),
            "wishes": _count(isk[wish], n_skills),
            "unmet_wishes": _count(isk[unmet], n_skills),
            "sessions_held": _count(sk[period], n_skills),
            "learners": _distinct(lp[learned_in], sk[learned_in], n_skills),
            "seeders": _distinct(tp[taught_in], sk[taught_in], n_skills),
            "leechers": _count(leech_keys % n_skills, n_skills),
            "applied": _count(sk[period & applied], n_skills),
            "at_risk": experts <= 1,
            "median_days_wish_to_session": _median(wait[period], sk[period], n_skills),
        }
    )
    by_skill["seeder_leecher_ratio"] = _ratio(by_skill["seeders"], by_skill["leechers"])
    by_skill["code"] = np.arange(n_skills)
    by_skill = by_skill.sort_values("skill", kind="stable").reset_index(drop=True)

    risky = by_skill[by_skill["at_risk"]]
    learned_by_active = ever & act_l
    learned_any = _distinct(lp[learned_by_active], sk[learned_by_active], n_skills)
    at_risk = pd.DataFrame(
        {
            "skill": risky["skill"].to_numpy(dtype=object),
            "experts": risky["experts"].to_numpy(),
            "teachers": risky["teachers"].to_numpy(),
            "wishes": risky["wishes"].to_numpy(),
            "learned_in_programme": learned_any[risky["code"].to_numpy()],
        }
    ).sort_values(["wishes", "skill"], ascending=[False, True], kind="stable")
    lone = expert_keys[experts[expert_keys % n_skills] == 1]
    person["at_risk_skills"] = _count(lone // n_skills, n)

    short = by_skill[by_skill["unmet_wishes"] > 0]
    top = best[short["code"].to_numpy()].astype(np.float64)
    top[top < 0] = np.nan
    unmet_demand = pd.DataFrame(
        {
            "skill": short["skill"].to_numpy(dtype=object),
            "wishes": short["wishes"].to_numpy(),
            "unmet_wishes": short["unmet_wishes"].to_numpy(),
            "teachers": short["teachers"].to_numpy(),
            "best_teacher_level": pd.array(top, dtype="Int64"),
            "reason": np.where(
                short["teachers"].to_numpy() == 0,
                "nobody can teach it",
                "no teacher above the learners' level",
            ),
        }
    ).sort_values(["unmet_wishes", "skill"], ascending=[False, True], kind="stable")

    # --- per group, with the small groups folded (and hidden when still small)
    person["group"] = led.group
    sizes = pd.Series(led.group[led.active]).value_counts()
    small = set(sizes[sizes < min_group_size].index)
    label = SMALL_GROUPS.format(n=min_group_size)
    person["shown"] = person["group"].where(~person["group"].isin(small), label)
    shown_of = np.r_[person["shown"].to_numpy(dtype=object), None]
    medians = pd.Series(wait[learned_in]).groupby(shown_of[lp[learned_in]]).median()
    person = person[led.active]
    sums = person.groupby("shown", sort=False)[_PERSON_SUMS].sum()
    sums["active_people"] = person.groupby("shown", sort=False).size()
    folded = int(sums["active_people"].get(label, 0))
    hidden = folded if folded < min_group_size else 0
    if hidden:
        sums = sums.drop(index=label)
    named = sums.drop(index=[label], errors="ignore")
    named = named.iloc[np.lexsort((named.index.to_numpy(dtype=str), -named["active_people"]))]
    ordered = pd.concat([named, sums.loc[[label]]]) if label in sums.index else named
    by_group = _group_frame(ordered, medians)

    # --- overall
    waits = wait[period & ~np.isnan(wait)]
    everyone = _group_frame(
        pd.DataFrame([person[_PERSON_SUMS].sum().to_dict()], index=["all"]).assign(
            active_people=len(person)
        ),
        pd.Series({"all": float(np.median(waits)) if len(waits) else np.nan}),
    ).iloc[0]
    overall = pd.DataFrame(
        {
            "period_start": [first],
            "period_end": [last],
            **{c: [everyone[c]] for c in GROUP_COLUMNS[1:9]},
            "sessions_held": [int(period.sum())],
            "applied": [int((period & applied).sum())],
            "wishes": [int(wish.sum())],
            "unmet_wishes": [int(unmet.sum())],
            "skills": [len(by_skill)],
            "skills_at_risk": [len(at_risk)],
            "skills_with_unmet_demand": [len(unmet_demand)],
            "median_days_wish_to_session": [everyone["median_days_wish_to_session"]],
        }
    )
    over_time = _months(led, period, act_l, act_t, applied, wait, first, last, leechers_at)
    return ProgrammeHealth(
        overall=overall[list(OVERALL_COLUMNS)],
        by_group=by_group,
        by_skill=by_skill[list(SKILL_COLUMNS)],
        at_risk=at_risk[list(_AT_RISK_COLUMNS)].reset_index(drop=True),
        unmet_demand=unmet_demand[list(_UNMET_COLUMNS)].reset_index(drop=True),
        over_time=over_time,
        by=by,
        period_start=first,
        period_end=last,
        min_group_size=int(min_group_size),
        small_groups=len(small),
        hidden_people=hidden,
    )


def _group_frame(sums: pd.DataFrame, medians: pd.Series) -> pd.DataFrame:
    active = sums["active_people"].to_numpy(dtype=np.int64)
    out = pd.DataFrame(
        {
            "group": sums.index.to_numpy(dtype=object),
            "active_people": active,
            "participants": sums["participant"].to_numpy(dtype=np.int64),
            "participation_rate": _ratio(sums["participant"], active),
            "learners": sums["learner"].to_numpy(dtype=np.int64),
            "seeders": sums["seeder"].to_numpy(dtype=np.int64),
            "leechers": sums["leecher"].to_numpy(dtype=np.int64),
            "seeder_leecher_ratio": _ratio(sums["seeder"], sums["leecher"]),
            "sessions_learned": sums["sessions_learned"].to_numpy(dtype=np.int64),
            "sessions_taught": sums["sessions_taught"].to_numpy(dtype=np.int64),
            "applied": sums["applied"].to_numpy(dtype=np.int64),
            "wishes": sums["wishes"].to_numpy(dtype=np.int64),
            "unmet_wishes": sums["unmet_wishes"].to_numpy(dtype=np.int64),
            "at_risk_skills": sums["at_risk_skills"].to_numpy(dtype=np.int64),
            "median_days_wish_to_session": medians.reindex(sums.index).to_numpy(dtype=np.float64),
        }
    )
    return out[list(GROUP_COLUMNS)].reset_index(drop=True)


def _months(
    led: _Ledger,
    period: Any,
    act_l: Any,
    act_t: Any,
    applied: Any,
    wait: Any,
    first: pd.Timestamp | None,
    last: pd.Timestamp | None,
    leechers_at: Any,
) -> pd.DataFrame:
    """One row per calendar month of the period (clipped to it)."""
    if first is None or last is None:
        return pd.DataFrame({c: pd.Series(dtype=_month_dtype(c)) for c in MONTH_COLUMNS})
    months = pd.period_range(first, last, freq="M")
    size = len(months)
    base = np.datetime64(first.date(), "M")
    month = np.where(period, (led.held_at.astype("datetime64[M]") - base).astype(np.int64), 0)
    lp, tp = led.learner, led.teacher
    learned = period & act_l
    taught = period & act_t
    who = np.concatenate([lp[learned], tp[taught]])
    when = np.concatenate([month[learned], month[taught]])
    ends = [min(m.end_time.normalize(), last) for m in months]  # one array step per month
    out = pd.DataFrame(
        {
            "month": [str(m) for m in months],
            "sessions_held": _count(month[period], size),
            "learners": _distinct(lp[learned], month[learned], size),
            "seeders": _distinct(tp[taught], month[taught], size),
            "leechers": np.array([int(leechers_at(e).sum()) for e in ends], dtype=np.int64),
            "participants": _distinct(who, when, size),
            "applied": _count(month[period & applied], size),
            "median_days_wish_to_session": _median(wait[period], month[period], size),
        }
    )
    out["seeder_leecher_ratio"] = _ratio(out["seeders"], out["leechers"])
    out["participation_rate"] = _ratio(out["participants"], np.full(size, int(led.active.sum())))
    return out[list(MONTH_COLUMNS)]


def _month_dtype(column: str) -> str:
    if column == "month":
        return "object"
    if column in ("seeder_leecher_ratio", "participation_rate", "median_days_wish_to_session"):
        return "float64"
    return "int64"


def _example() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A tiny programme: ana taught bo SQL, bo taught cy SQL; dee wants Go, which nobody teaches.

    ``eve`` opted out (her session and wish are ignored); bo could teach SQL back and did,
    cy could teach it back (level 3) and never did: a seeder in each month, one leecher.
    Only dee knows Excel well: it is at risk, like Go, which no one knows.
    """
    people = pd.DataFrame(
        {
            "person_id": ["ana", "bo", "cy", "dee", "eve"],
            "department": ["tech", "tech", "ops", "ops", "ops"],
            "opted_out": [False, False, False, False, True],
        }
    )
    skills = pd.DataFrame(
        {
            "person_id": ["ana", "bo", "cy", "dee", "dee", "eve"],
            "skill": ["sql", "sql", "sql", "go", "excel", "go"],
            "level": [4, 3, 3, 1, 3, 1],
            "can_teach": [True, True, False, False, True, False],
            "wants_to_learn": [False, False, False, True, False, True],
        }
    )
    at = pd.to_datetime(["2025-01-10", "2025-02-14", "2025-02-20"])
    sessions = pd.DataFrame(
        {
            "session_id": [1, 2, 3],
            "learner_id": ["bo", "cy", "eve"],
            "teacher_id": ["ana", "bo", "ana"],
            "skill": ["sql", "sql", "sql"],
            "status": ["held", "held", "held"],
            "held_at": at,
            "wished_at": at - pd.Timedelta(days=10),
            "applied_at": [at[0], pd.NaT, pd.NaT],
            "parent_session_id": pd.array([None, 1, None], dtype="Int64"),
        }
    )
    return people, skills, sessions

"""A year of peer-learning history: sessions, snowball chains and two-sided feedback.

The history ends on the last day of the event log and covers the 365 days before it. It
is drawn from the skills inventory, read as today's state after that year:

* **learning events**: some people at level 3 learned the skill in the programme (they
  were at level 2), some at levels 1–2 who no longer want it learned it there (one level
  lower then), and some of today's wishes got a session: most of them held, some
  cancelled, the rest still proposed or scheduled at the end of the year;
* **teachers**: a teacher can teach the skill (``can_teach``, level 3+) above the
  learner's level at the time, has volunteered (one in twelve of those who could, and
  four in ten of those who learned it in the programme), is neither the learner's manager nor
  report, and was hired by then. Three times in four the teacher comes from the learner's
  informal network (team peers and stable contacts) when one fits; volunteers' appetite
  is heavy-tailed (a few seeders teach most sessions), higher for hidden influencers and
  for people who learned the skill in the programme (they pay it forward), up to six
  sessions a year per learner of capacity;
* **snowball**: a teacher who learned the skill in the programme can teach it from three
  weeks after their own session; their sessions point to it (``parent_session_id``),
  which makes chains several steps deep;
* **applied**: a share of learners mark the skill applied, weeks after the session;
* **feedback**: most held sessions get the learner's and the teacher's feedback within
  days, ratings skewed to 4–5 as on real platforms, each teacher with their own quality.

Sessions are processed in fortnightly waves in time order, each wave vectorised, so the
history of a million-person organization takes seconds. Opted-out people take no part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.ingest.synthetic._contacts import Contacts
from peerweave.ingest.synthetic._data import SKILLS
from peerweave.ingest.synthetic._org import Org
from peerweave.learning.schema import FEEDBACK_COLUMNS, SESSION_COLUMNS

__all__ = ["HISTORY_DAYS", "Programme", "build_programme", "programme_frames", "programme_truth"]

Arr = npt.NDArray[Any]

#: Length of the generated programme history.
HISTORY_DAYS = 365
_WAVE = 14  # days per wave of teacher assignment
_READY = 21  # days after learning a skill before someone teaches it on
_SETTLE = 14  # days after their hire before someone learns or teaches
_TRIES = 12  # weighted draws per learner when no network teacher is taken
_PER_CAPACITY = 6  # sessions a year a teacher gives per learner of capacity (1–3)

# shares of inventory rows that get a learning event
_P_GROWN = 0.35  # level 3: learned it in the programme (at level 2 then)
_P_LEAF = 0.06  # level 1–2 and no wish left: learned it in the programme
_P_WISH = 0.2  # today's wishes that got a session
_WISH_OUTCOME = np.cumsum([0.55, 0.2, 0.12, 0.13])  # held, cancelled, proposed, scheduled
_P_NETWORK = 0.75
_P_VOLUNTEER = 0.08
_P_VOLUNTEER_GROWN = 0.4
_P_APPLIED = (0.8, 0.45, 0.35)  # by kind: grown, leaf, wish
_P_FEEDBACK = {"learner": 0.85, "teacher": 0.72}

_HELD, _CANCELLED, _PROPOSED, _SCHEDULED = 0, 1, 2, 3
_STATUS = ("held", "cancelled", "proposed", "scheduled")
_GROWN, _LEAF, _WISH = 0, 1, 2

_COMMENTS = {
    "learner": (
        (1, "Did not feel prepared; we ran out of time."),
        (2, "Some useful pointers, but hard to follow."),
        (3, "Useful overview; I would like more hands-on examples."),
        (4, "Clear and practical, thank you!"),
        (4, "Great examples from real projects."),
        (5, "Excellent session: I used it the next day."),
        (5, "Patient, well prepared and very clear."),
    ),
    "teacher": (
        (1, "They did not show up prepared."),
        (3, "Good questions; needs more practice."),
        (4, "Engaged and curious, a pleasure to teach."),
        (5, "Picked it up fast and asked great questions."),
    ),
}


@dataclass(frozen=True)
class Programme:
    """The history as arrays over internal person indices (see :func:`programme_frames`).

    Session arrays are in session-id order (by proposal time): ``learner``, ``teacher``,
    ``skill`` (index into ``SKILLS``), ``status`` (index into ``_STATUS``), days since
    1970-01-01 for ``proposed``, ``scheduled``, ``held``, ``cancelled``, ``applied`` and
    ``wished`` (NaN when not set), ``parent`` (session position or -1). Feedback arrays:
    ``session`` (position), ``role`` (0 learner, 1 teacher), ``rating``, the three answers,
    ``comment`` (index into the role's comments or -1) and ``given`` (day).
    """

    sessions: dict[str, Arr]
    feedback: dict[str, Arr]
    begin_day: int
    end_day: int


def _network(org: Org, contacts: Contacts, learners: Arr) -> tuple[Arr, Arr]:
    """For each learner, its team peers and stable contacts: (learner position, person)."""
    parent = org.parent[learners]
    boss = np.maximum(parent, 0)
    peers_n = np.where(parent >= 0, org.kids_ptr[boss + 1] - org.kids_ptr[boss], 0)
    which_p = np.repeat(np.arange(len(learners)), peers_n)
    offset = np.arange(int(peers_n.sum())) - np.repeat(np.cumsum(peers_n) - peers_n, peers_n)
    peers = org.kids[org.kids_ptr[boss[which_p]] + offset]
    contact_n = contacts.ptr[learners + 1] - contacts.ptr[learners]
    which_c = np.repeat(np.arange(len(learners)), contact_n)
    offset = np.arange(int(contact_n.sum())) - np.repeat(
        np.cumsum(contact_n) - contact_n, contact_n
    )
    friends = contacts.dst[contacts.ptr[learners[which_c]] + offset]
    return np.concatenate([which_p, which_c]), np.concatenate([peers, friends])


def build_programme(
    org: Org, contacts: Contacts, rows: dict[str, Arr], end_day: int, rng: np.random.Generator
) -> Programme:
    """Draw the year of sessions and feedback ending on ``end_day`` (days since 1970-01-01)."""
    n_skills = len(SKILLS)
    begin_day = end_day - HISTORY_DAYS + 1
    horizon = float(HISTORY_DAYS)
    person, skill, level = rows["person"], rows["skill"], rows["level"]
    can_teach, wants = rows["can_teach"], rows["wants_to_learn"]
    free = ~org.opted_out[person]
    u = rng.random(len(person))
    grown = free & (level == 3) & (u < _P_GROWN)
    leaf = free & ((level == 1) | (level == 2)) & ~wants & (u < _P_LEAF)
    wish = free & wants & (u < _P_WISH)
    event_row = np.flatnonzero(grown | leaf | wish)
    kind = np.where(grown[event_row], _GROWN, np.where(leaf[event_row], _LEAF, _WISH))
    learner = person[event_row]
    prior = np.where(kind == _WISH, level[event_row], np.maximum(level[event_row] - 1, 0))
    status = np.full(len(event_row), _HELD)
    w = kind == _WISH
    status[w] = np.searchsorted(_WISH_OUTCOME, rng.random(int(w.sum())), side="right").clip(0, 3)
    # when: held (or cancelled) day, or the proposal day of open sessions
    lo = np.maximum(0.0, (org.hire_day[learner] - begin_day + _SETTLE).astype(np.float64))
    hi = np.select(
        [kind == _GROWN, status == _HELD, status == _CANCELLED],
        [horizon - 14, horizon - 3, horizon - 7],
        default=horizon,
    )
    lo = np.where((kind == _WISH) & (status == _HELD), np.maximum(lo, 0.35 * horizon), lo)
    lo = np.where(status >= _PROPOSED, np.maximum(lo, horizon - 28), lo)
    t = lo + np.sqrt(rng.random(len(lo))) * (hi - lo)  # the programme grows over the year
    ok = lo < hi
    event_row, kind, learner, prior, status, t = (
        a[ok] for a in (event_row, kind, learner, prior, status, t)
    )
    n_events = len(t)
    ev_skill = skill[event_row]

    # the teachers: volunteers among those who can teach, with a heavy-tailed appetite
    pool_row = np.flatnonzero(free & can_teach & (level >= 3))
    pool_row = pool_row[np.argsort(skill[pool_row] * org.n + person[pool_row], kind="stable")]
    pool_key = skill[pool_row] * org.n + person[pool_row]
    event_of_row = np.full(len(person), -1)
    event_of_row[event_row] = np.arange(n_events)
    pool_event = event_of_row[pool_row]
    pool_grown = (pool_event >= 0) & (kind[np.maximum(pool_event, 0)] == _GROWN)
    pool_event = np.where(pool_grown, pool_event, -1)
    volunteer = rng.random(len(pool_row)) < np.where(pool_grown, _P_VOLUNTEER_GROWN, _P_VOLUNTEER)
    appetite = rng.lognormal(0.0, 1.6, len(pool_row))
    appetite *= np.where(org.influencer[person[pool_row]], 3.0, 1.0)
    appetite *= np.where(pool_grown, 2.5, 1.0)
    appetite *= volunteer
    hired = np.maximum(
        0.0, (org.hire_day[person[pool_row]] - begin_day + _SETTLE).astype(np.float64)
    )
    ready = np.where(pool_grown, np.inf, hired)  # set once their own session is settled
    cum = np.r_[0.0, np.cumsum(appetite)]
    load = np.zeros(org.n, dtype=np.int64)
    cap = np.zeros(org.n, dtype=np.int64)
    cap[person] = _PER_CAPACITY * rows["capacity"]
    seg = np.searchsorted(skill[pool_row], np.arange(n_skills + 1))

    teacher = np.full(n_events, -1)
    via = np.full(n_events, -1)  # pool row of the teacher
    order = np.argsort(t, kind="stable")
    wave = (t[order] // _WAVE).astype(np.int64)
    bounds = np.searchsorted(wave, np.arange(int(wave.max(initial=0)) + 2))
    for b in range(len(bounds) - 1):
        ev = order[bounds[b] : bounds[b + 1]]
        if len(ev) == 0:
            continue
        chosen = _assign(
            org,
            contacts,
            ev,
            (learner, ev_skill, prior, t),
            (pool_key, pool_row, person, level),
            (appetite, ready, cum, seg, load, cap),
            rng,
        )
        via[ev] = chosen
        has = chosen >= 0
        teacher[ev[has]] = person[pool_row[chosen[has]]]
        # the grown learners of this wave: ready to teach three weeks after their session
        for_pool = np.flatnonzero(pool_event >= 0)
        mine = for_pool[np.isin(pool_event[for_pool], ev)]
        settled = teacher[pool_event[mine]] >= 0
        ready[mine] = np.where(settled, t[pool_event[mine]] + _READY, hired[mine])
        pool_event[mine[~settled]] = -1
    keep = teacher >= 0
    parent_event = np.where(via >= 0, pool_event[np.maximum(via, 0)], -1)
    parent_event = np.where(keep, parent_event, -1)
    events = (learner[keep], teacher[keep], ev_skill[keep], status[keep], kind[keep], t[keep])
    renumber = np.cumsum(keep) - 1
    parent = np.where(parent_event >= 0, renumber[np.maximum(parent_event, 0)], -1)[keep]
    return _finish(events, parent, begin_day, end_day, org.hire_day, rng)


def _assign(
    org: Org,
    contacts: Contacts,
    ev: Arr,
    events: tuple[Arr, Arr, Arr, Arr],
    pool: tuple[Arr, Arr, Arr, Arr],
    draw_state: tuple[Arr, Arr, Arr, Arr, Arr, Arr],
    rng: np.random.Generator,
) -> Arr:
    """A pool row (teacher) for each event ``ev`` of one wave, or -1 when none fits.

    ``events``: learner, skill, level at the time and day of every event; ``pool``: the
    sorted (skill, person) keys of the teachers, their inventory rows, and the rows'
    person and level; ``draw_state``: appetite, day ready, cumulative appetite, the
    skill segments of the pool, and each person's sessions so far (updated here) and
    yearly cap.
    """
    learner, ev_skill, prior, t = events
    pool_key, pool_row, person, level = pool
    appetite, ready, cum, seg, load, cap = draw_state
    n = org.n
    m = len(ev)

    def fits(e: Arr, p: Arr) -> Arr:
        who = person[pool_row[p]]
        lr = learner[e]
        ok: Arr = (
            (appetite[p] > 0)
            & (ready[p] <= t[e])
            & (level[pool_row[p]] >= prior[e] + 1)
            & (who != lr)
            & (who != org.parent[lr])
            & (org.parent[who] != lr)
            & (load[who] < cap[who])
        )
        return ok

    def take(at: Arr, p: Arr) -> None:
        """Give events ``at`` their teacher ``p`` while the teacher is under the cap."""
        who = person[pool_row[p]]
        order = np.lexsort((rng.random(len(at)), who))
        who_sorted = who[order]
        start = np.r_[True, who_sorted[1:] != who_sorted[:-1]]
        group_start = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
        rank = np.arange(len(order)) - group_start
        ok = rank < (cap - load)[who_sorted]
        chosen[at[order[ok]]] = p[order[ok]]
        np.add.at(load, who_sorted[ok], 1)

    chosen = np.full(m, -1)
    # the informal network first
    which, friend = _network(org, contacts, learner[ev])
    key = ev_skill[ev[which]] * n + friend
    sort = np.argsort(key)
    pos = np.empty(len(key), dtype=np.int64)
    pos[sort] = np.searchsorted(pool_key, key[sort])
    pos = np.clip(pos, 0, max(len(pool_key) - 1, 0))
    if len(pool_key):
        found = pool_key[pos] == key
        which, pos = which[found], pos[found]
        good = fits(ev[which], pos)
        which, pos = which[good], pos[good]
        score = np.log(appetite[pos]) + rng.gumbel(size=len(pos))
        best = np.lexsort((-score, which))
        first = best[np.r_[True, which[best][1:] != which[best][:-1]]] if len(best) else best
        net = np.full(m, -1)
        net[which[first]] = pos[first]
        use = np.flatnonzero((net >= 0) & (rng.random(m) < _P_NETWORK))
        take(use, net[use])
    # else a weighted draw among the skill's volunteers, a few tries
    for _ in range(_TRIES):
        rest = np.flatnonzero(chosen < 0)
        if not len(rest):
            break
        s = ev_skill[ev[rest]]
        lo, hi = cum[seg[s]], cum[seg[s + 1]]
        has = hi > lo
        rest, lo, hi = rest[has], lo[has], hi[has]
        if not len(rest):
            break
        x = lo + rng.random(len(rest)) * (hi - lo)
        sort = np.argsort(x)  # sorted needles: a cache-friendly search in a long array
        draw = np.empty(len(x), dtype=np.int64)
        draw[sort] = np.searchsorted(cum, x[sort], side="right") - 1
        draw = np.clip(draw, seg[ev_skill[ev[rest]]], seg[ev_skill[ev[rest]] + 1] - 1)
        good = fits(ev[rest], draw)
        take(rest[good], draw[good])
    return chosen


def _finish(
    events: tuple[Arr, Arr, Arr, Arr, Arr, Arr],
    parent_event: Arr,
    begin_day: int,
    end_day: int,
    hire_day: Arr,
    rng: np.random.Generator,
) -> Programme:
    """Dates, applied, session ids in proposal order, and feedback, for the kept events.

    Nothing is proposed before both people were hired, nor wished before the learner was,
    nor a snowball session before the session in which its teacher learned the skill.
    """
    learner, teacher, skill, st, kind, t = events
    k = len(t)
    when = begin_day + np.floor(t)
    hired = np.maximum(hire_day[learner], hire_day[teacher]) + 1.0
    held = st == _HELD
    lead = np.floor(rng.uniform(4, 26, k))
    proposed = np.where(st >= _PROPOSED, when, np.maximum(when - lead, np.minimum(hired, when)))
    # a snowball session is proposed once its teacher has learned the skill, not before
    has_parent = parent_event >= 0
    parent_when = when[np.maximum(parent_event, 0)]
    proposed = np.where(
        has_parent, np.minimum(np.maximum(proposed, parent_when + 1), when), proposed
    )
    scheduled = np.full(k, np.nan)
    scheduled[held] = when[held]
    was_set = (st == _CANCELLED) & (rng.random(k) < 0.5)
    scheduled[was_set] = when[was_set] + np.floor(rng.uniform(1, 10, int(was_set.sum())))
    sched = st == _SCHEDULED
    scheduled[sched] = end_day + np.floor(rng.uniform(2, 21, int(sched.sum())))
    cancelled = np.where(
        st == _CANCELLED, np.maximum(proposed, when - np.floor(rng.uniform(0, 4, k))), np.nan
    )
    held_day = np.where(held, when, np.nan)
    wait = np.floor(rng.exponential(18.0, k))
    wished = np.maximum(proposed - wait, np.minimum(hire_day[learner] + 1.0, proposed))
    wished = np.where(rng.random(k) < 0.85, wished, np.nan)
    p_applied = np.asarray(_P_APPLIED)[kind]
    applied = held_day + 2 + np.floor(rng.exponential(25.0, k))
    applied = np.where(held & (rng.random(k) < p_applied) & (applied <= end_day), applied, np.nan)

    # ids in order of proposal; the parent link follows the renumbering
    order = np.lexsort((np.arange(k), proposed))
    position = np.empty(k, dtype=np.int64)
    position[order] = np.arange(k)
    parent = parent_event[order]
    parent = np.where(parent >= 0, position[np.maximum(parent, 0)], -1)
    sessions = {
        "learner": learner[order],
        "teacher": teacher[order],
        "skill": skill[order],
        "status": st[order],
        "proposed": proposed[order],
        "scheduled": scheduled[order],
        "held": held_day[order],
        "cancelled": cancelled[order],
        "applied": applied[order],
        "parent": parent,
        "wished": wished[order],
    }
    return Programme(
        sessions=sessions,
        feedback=_feedback(len(hire_day), sessions, end_day, rng),
        begin_day=begin_day,
        end_day=end_day,
    )


def _feedback(
    n_people: int, sessions: dict[str, Arr], end_day: int, rng: np.random.Generator
) -> dict[str, Arr]:
    """Both sides' feedback on most held sessions: ratings mostly 4–5."""
    quality = rng.normal(0.0, 0.55, n_people)  # as a teacher
    engagement = rng.normal(0.0, 0.4, n_people)  # as a learner
    held = np.flatnonzero(sessions["status"] == _HELD)
    columns = ("session", "role", "rating", "prepared", "clear", "again", "comment", "given")
    parts: dict[str, list[Arr]] = {c: [] for c in columns}
    for role, name in enumerate(("learner", "teacher")):
        s = held[rng.random(len(held)) < _P_FEEDBACK[name]]
        other = sessions["teacher" if name == "learner" else "learner"][s]
        base = 4.4 + (quality if name == "learner" else engagement)[other]
        rating = np.clip(np.rint(base + rng.normal(0.0, 0.7, len(s))), 1, 5).astype(np.int64)
        given = sessions["held"][s] + np.floor(rng.exponential(2.5, len(s)))
        on_time = given <= end_day
        s, rating, given = s[on_time], rating[on_time], given[on_time]
        p_yes = np.array([0.15, 0.35, 0.6, 0.85, 0.95])[rating - 1]
        answers = [rng.random(len(s)) < p_yes for _ in range(3)]
        notes = _COMMENTS[name]
        note_rating = np.array([r for r, _ in notes])
        pick = np.argmin(
            np.abs(note_rating[None, :] - rating[:, None]) + rng.random((len(s), len(notes))) * 0.9,
            axis=1,
        )
        comment = np.where(rng.random(len(s)) < 0.3, pick, -1)
        for key, values in zip(
            columns,
            (s, np.full(len(s), role), rating, *answers, comment, given),
            strict=True,
        ):
            parts[key].append(values)
    out = {key: np.concatenate(values) for key, values in parts.items()}
    order = np.lexsort((out["role"], out["session"]))
    return {key: values[order] for key, values in out.items()}


def _days(values: Arr) -> pd.Series:
    """Days since 1970-01-01 (NaN for none) as ``datetime64[s]``."""
    return pd.Series(
        pd.to_datetime(values, unit="D").astype("datetime64[s]"), dtype="datetime64[s]"
    )


def programme_frames(programme: Programme, ids: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history as the ledger's frames: sessions (``SESSION_COLUMNS``) and feedback."""
    s = programme.sessions
    id_of = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object)
    names = np.asarray(SKILLS, dtype=object)
    k = len(s["learner"])
    session_id = np.arange(1, k + 1, dtype=np.int64)
    parent = pd.array(np.where(s["parent"] >= 0, s["parent"] + 1, 0), dtype="Int64")
    parent[s["parent"] < 0] = pd.NA
    sessions = pd.DataFrame(
        {
            "session_id": session_id,
            "learner_id": id_of[s["learner"]],
            "teacher_id": id_of[s["teacher"]],
            "skill": names[s["skill"]],
            "status": np.asarray(_STATUS, dtype=object)[s["status"]],
            "proposed_at": _days(s["proposed"]),
            "scheduled_for": _days(s["scheduled"]),
            "held_at": _days(s["held"]),
            "cancelled_at": _days(s["cancelled"]),
            "applied_at": _days(s["applied"]),
            "parent_session_id": parent,
            "round_id": pd.array([pd.NA] * k, dtype="Int64"),
            "wished_at": _days(s["wished"]),
        }
    )[list(SESSION_COLUMNS)]
    f = programme.feedback
    author = np.where(f["role"] == 0, s["learner"][f["session"]], s["teacher"][f["session"]])
    comments = {
        role: np.asarray([text for _, text in _COMMENTS[role]] + [""], dtype=object)
        for role in ("learner", "teacher")
    }
    text = np.empty(len(f["role"]), dtype=object)
    for code, role in enumerate(("learner", "teacher")):
        mine = f["role"] == code
        text[mine] = comments[role][f["comment"][mine]]
    feedback = pd.DataFrame(
        {
            "session_id": f["session"].astype(np.int64) + 1,
            "author_id": id_of[author],
            "role": np.where(f["role"] == 0, "learner", "teacher").astype(object),
            "rating": f["rating"].astype(np.int64),
            "prepared": f["prepared"].astype(bool),
            "clear": f["clear"].astype(bool),
            "again": f["again"].astype(bool),
            "comment": text,
            "given_at": _days(f["given"]),
        }
    )[list(FEEDBACK_COLUMNS)]
    return sessions, feedback


def _chain_depth(parent: Arr) -> Arr:
    """Steps from each session up to its chain's first session, plus one (pointer doubling)."""
    hops = (parent >= 0).astype(np.int64)
    up = parent.copy()
    while (up >= 0).any():
        live = np.flatnonzero(up >= 0)
        above = up[live]
        nxt = hops.copy()
        nxt[live] = hops[live] + hops[above]
        up_next = up.copy()
        up_next[live] = up[above]
        hops, up = nxt, up_next
    depth: Arr = hops + 1
    return depth


def programme_truth(programme: Programme, ids: Any) -> dict[str, Any]:
    """What the history holds, for ``truth.json``."""
    s = programme.sessions
    held = s["status"] == _HELD
    depth = _chain_depth(s["parent"])
    id_of = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object)
    taught = pd.Series(s["teacher"][held]).value_counts()
    deepest = int(depth.max(initial=0))
    at = int(np.argmax(depth)) if len(depth) else -1
    return {
        "start": (pd.Timestamp(programme.begin_day, unit="D")).strftime("%Y-%m-%d"),
        "end": (pd.Timestamp(programme.end_day, unit="D")).strftime("%Y-%m-%d"),
        "sessions": len(held),
        "by_status": {name: int((s["status"] == i).sum()) for i, name in enumerate(_STATUS)},
        "feedback": len(programme.feedback["session"]),
        "teachers": len(taught),
        "busiest_teachers": [str(id_of[p]) for p in taught.index[:5]],
        "deepest_chain": deepest,
        "deepest_chain_skill": SKILLS[int(s["skill"][at])] if at >= 0 else None,
    }

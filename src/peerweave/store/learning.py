"""Peer learning in the database: matching rounds, the sessions ledger, feedback, endorsements.

The rules (which status may follow which, the snowball link, the double-blind view) live
in the pure core, ``peerweave.learning.ledger``; these functions check what only the
database knows — that the session and the people exist, who was in a session, what was
given before — and write. Each checks everything first and raises before it writes, and
the workspace runs each call inside one ``store.transaction()``: a failing bulk add
writes nothing.

>>> from peerweave.store import Store, add_people_stubs, record_import
>>> with Store.init("sqlite://") as store, store.transaction() as session:
...     run = record_import(session=session, kind="people", files=["hr.csv"],
...                         rows_read=2, records=2, report={})
...     _ = add_people_stubs(session=session, person_ids=["ana", "bo"], import_id=run)
...     ids = add_sessions(session=session, sessions=pd.DataFrame(
...         {"learner_id": ["ana"], "teacher_id": ["bo"], "skill": ["sql"]}))
...     _ = set_status(session=session, session_id=1, status="scheduled")
...     _ = set_status(session=session, session_id=1, status="held")
...     add_feedback(session=session, feedback=pd.DataFrame(
...         {"session_id": [1], "author_id": ["ana"], "rating": [5]})).tolist()
...     load_sessions(session=session)[["session_id", "learner_id", "status"]]
['learner']
   session_id learner_id status
0           1        ana   held
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from peerweave.errors import InputError, Problem, UnknownIdError
from peerweave.learning.ledger import OPEN_STATUSES, check_transition, snowball_parents
from peerweave.learning.schema import (
    ENDORSEMENT_COLUMNS,
    FEEDBACK_COLUMNS,
    FEEDBACK_QUESTIONS,
    MATCH_COLUMNS,
    RATINGS,
    SESSION_COLUMNS,
    SESSION_STATUSES,
    UNMATCHED_COLUMNS,
)
from peerweave.org.schema import ROW
from peerweave.store._frames import (
    ColumnValues,
    bulk_insert,
    datetime_series,
    frame_of,
    int_series,
    text_series,
    utcnow,
)
from peerweave.store.analysis import _dumps
from peerweave.store.people import check_people_known
from peerweave.store.tables import (
    endorsements,
    imports,
    learning_sessions,
    match_rounds,
    person_skills,
    round_matches,
    round_unmatched,
    session_feedback,
)

__all__ = [
    "ROUND_COLUMNS",
    "ROUND_MATCH_COLUMNS",
    "add_feedback",
    "add_sessions",
    "endorse",
    "list_rounds",
    "load_endorsements",
    "load_feedback",
    "load_round_matches",
    "load_round_unmatched",
    "load_sessions",
    "mark_applied",
    "save_round",
    "set_status",
    "wish_dates",
]

#: Columns of ``list_rounds``.
ROUND_COLUMNS: tuple[str, ...] = ("id", "created_at", "params", "summary", "matches", "unmatched")

#: Columns of ``load_round_matches``: the match columns and the reasons of each pair.
ROUND_MATCH_COLUMNS: tuple[str, ...] = (*MATCH_COLUMNS, "reasons")

_TIME_COLUMNS = (
    "proposed_at",
    "scheduled_for",
    "held_at",
    "cancelled_at",
    "applied_at",
    "wished_at",
)

#: A held session can be recorded this long before it is due (clocks, time zones).
_CLOCK_SLACK = pd.Timedelta(days=1)


def _now(value: object = None) -> pd.Timestamp:
    """``value`` (default: now) as a naive UTC timestamp."""
    stamp = pd.Timestamp(utcnow()) if value is None else pd.Timestamp(value)  # type: ignore[arg-type]
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def _plain(stamp: pd.Timestamp | None) -> datetime | None:
    return None if stamp is None or pd.isna(stamp) else stamp.to_pydatetime()


def _text(values: object) -> str:
    """A match's reasons as one line (B's frame may hold text or a list of phrases)."""
    if isinstance(values, list | tuple | np.ndarray):
        return "; ".join(str(v) for v in values)
    if values is None or (isinstance(values, float) and np.isnan(values)):
        return ""
    return str(values)


class _Problems:
    """Problems of a frame's rows: with spreadsheet rows when the frame came from a file
    (it has the hidden ``_row`` column), else about the session they name."""

    def __init__(self, frame: pd.DataFrame, source: str) -> None:
        self.rows = frame[ROW].to_numpy(dtype=np.int64) if ROW in frame.columns else None
        self.source = source
        self.found: list[Problem] = []

    def add(self, bad: np.ndarray | pd.Series, column: str, message: Any, fix: str | None) -> None:
        """One problem per row where ``bad`` holds; ``message(i)`` words row ``i``."""
        for i in np.flatnonzero(np.asarray(bad, dtype=bool)):
            text = message(int(i)) if callable(message) else str(message)
            if self.rows is None:
                self.found.append(Problem(text, fix=fix))
            else:
                self.found.append(Problem(text, row=int(self.rows[i]), column=column, fix=fix))

    def raise_any(self) -> None:
        if self.found:
            raise InputError(self.source, self.found)


def _check_known(session: Session, person_ids: pd.Series, what: str) -> None:
    """``UnknownIdError`` for ids that are not stored people (each id checked once, as
    plain text: pandas' ``isin`` on its string dtype is ten times slower)."""
    ids = pd.Series(pd.unique(text_series(person_ids).dropna().astype(object)), dtype=object)
    check_people_known(session, ids, what=what)


def _required(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {what} frame needs the columns {', '.join(missing)}")


# -- matching rounds -------------------------------------------------------------------------


def save_round(
    *,
    session: Session,
    matches: pd.DataFrame,
    unmatched: pd.DataFrame,
    params: Mapping[str, Any],
    summary: Mapping[str, Any],
) -> int:
    """Store one matching round, its matches and its unmatched wishes; return its id.

    ``matches`` has ``MATCH_COLUMNS`` (``learner_id, teacher_id, skill, score``) and
    optionally ``reasons`` (text); ``unmatched`` ``UNMATCHED_COLUMNS``. ``params`` and
    ``summary`` are stored as JSON. Every person must be stored (``UnknownIdError``).

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> pairs = pd.DataFrame({"learner_id": ["a"], "teacher_id": ["b"], "skill": ["sql"],
    ...                       "score": [0.75], "reasons": ["level 3 vs 1; 1 step away"]})
    >>> alone = pd.DataFrame({"learner_id": ["b"], "skill": ["go"], "reason": ["nobody teaches go"]})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="skills", files=["s.csv"],
    ...                         rows_read=2, records=2, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["a", "b"], import_id=run)
    ...     save_round(session=session, matches=pairs, unmatched=alone,
    ...                params={"bridge": False}, summary={"wishes": 2, "matched": 1})
    ...     list_rounds(session=session)[["id", "matches", "unmatched"]]
    1
       id  matches  unmatched
    0   1        1          1
    """
    _required(matches, MATCH_COLUMNS, "matches")
    _required(unmatched, UNMATCHED_COLUMNS, "unmatched")
    _check_known(
        session,
        pd.concat(
            [matches["learner_id"], matches["teacher_id"], unmatched["learner_id"]],
            ignore_index=True,
        ),
        "the matching round",
    )
    round_id = session.scalar(
        insert(match_rounds)
        .values(created_at=utcnow(), params=_dumps(params), summary=_dumps(summary))
        .returning(match_rounds.c.id)
    )
    assert round_id is not None
    n = len(matches)
    reasons = (
        [_text(v) for v in matches["reasons"].tolist()]
        if "reasons" in matches.columns
        else [""] * n
    )
    values: dict[str, ColumnValues] = {
        "round_id": [int(round_id)] * n,
        "learner_id": text_series(matches["learner_id"]),
        "skill": text_series(matches["skill"]),
        "teacher_id": text_series(matches["teacher_id"]),
        "score": pd.to_numeric(matches["score"]).astype(float),
        "reasons": reasons,
    }
    bulk_insert(session, round_matches, values)
    m = len(unmatched)
    bulk_insert(
        session,
        round_unmatched,
        {
            "round_id": [int(round_id)] * m,
            "learner_id": text_series(unmatched["learner_id"]),
            "skill": text_series(unmatched["skill"]),
            "reason": text_series(unmatched["reason"]).fillna(""),
        },
    )
    return int(round_id)


def list_rounds(*, session: Session) -> pd.DataFrame:
    """Stored matching rounds, newest first, with ``ROUND_COLUMNS``.

    ``params`` and ``summary`` are dicts; ``matches`` and ``unmatched`` counts.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     list(list_rounds(session=session).columns)
    ['id', 'created_at', 'params', 'summary', 'matches', 'unmatched']
    """

    def counted(table: Any, label: str) -> Any:
        return (
            select(table.c.round_id, func.count().label(label))
            .group_by(table.c.round_id)
            .subquery()
        )

    paired, alone = counted(round_matches, "matches"), counted(round_unmatched, "unmatched")
    query = (
        select(
            match_rounds.c.id,
            match_rounds.c.created_at,
            match_rounds.c.params,
            match_rounds.c.summary,
            func.coalesce(paired.c.matches, 0),
            func.coalesce(alone.c.unmatched, 0),
        )
        .outerjoin(paired, paired.c.round_id == match_rounds.c.id)
        .outerjoin(alone, alone.c.round_id == match_rounds.c.id)
        .order_by(match_rounds.c.id.desc())
    )
    raw = frame_of(session.execute(query).all(), list(ROUND_COLUMNS))
    return pd.DataFrame(
        {
            "id": int_series(raw["id"]).astype("int64"),
            "created_at": datetime_series(raw["created_at"]),
            "params": pd.Series([json.loads(v) for v in raw["params"]], dtype=object),
            "summary": pd.Series([json.loads(v) for v in raw["summary"]], dtype=object),
            "matches": int_series(raw["matches"]).astype("int64"),
            "unmatched": int_series(raw["unmatched"]).astype("int64"),
        }
    )


def _round_id(session: Session, round_id: int | None) -> int:
    """``round_id``, or the newest round's when ``None`` (-1 when none is stored)."""
    if round_id is None:
        newest = session.scalar(select(func.max(match_rounds.c.id)))
        return -1 if newest is None else int(newest)
    if session.scalar(select(match_rounds.c.id).where(match_rounds.c.id == round_id)) is None:
        known = list(session.scalars(select(match_rounds.c.id).order_by(match_rounds.c.id)))
        listed = ", ".join(map(str, known[-10:])) if known else "none"
        raise UnknownIdError(
            f"no matching round {round_id} is stored; stored rounds: {listed} "
            "(run `peerweave match` to make one)"
        )
    return round_id


def load_round_matches(*, session: Session, round_id: int | None = None) -> pd.DataFrame:
    """The matches of round ``round_id`` (the newest when ``None``), best score first.

    Columns ``ROUND_MATCH_COLUMNS``; empty when no round is stored; an unknown id raises
    ``UnknownIdError``.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     load_round_matches(session=session).columns.tolist()
    ['learner_id', 'teacher_id', 'skill', 'score', 'reasons']
    """
    chosen = _round_id(session, round_id)
    names = list(ROUND_MATCH_COLUMNS)
    query = (
        select(*(round_matches.c[n] for n in names))
        .where(round_matches.c.round_id == chosen)
        .order_by(round_matches.c.score.desc(), round_matches.c.learner_id, round_matches.c.skill)
    )
    raw = frame_of(session.execute(query).all(), names)
    return pd.DataFrame(
        {
            "learner_id": raw["learner_id"].astype("str"),
            "teacher_id": raw["teacher_id"].astype("str"),
            "skill": raw["skill"].astype("str"),
            "score": pd.to_numeric(raw["score"]).astype(float),
            "reasons": raw["reasons"].astype("str"),
        }
    )


def load_round_unmatched(*, session: Session, round_id: int | None = None) -> pd.DataFrame:
    """The unmatched wishes of round ``round_id`` (the newest when ``None``), with their reason.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     load_round_unmatched(session=session).columns.tolist()
    ['learner_id', 'skill', 'reason']
    """
    chosen = _round_id(session, round_id)
    names = list(UNMATCHED_COLUMNS)
    query = (
        select(*(round_unmatched.c[n] for n in names))
        .where(round_unmatched.c.round_id == chosen)
        .order_by(round_unmatched.c.learner_id, round_unmatched.c.skill)
    )
    raw = frame_of(session.execute(query).all(), names)
    return pd.DataFrame({n: raw[n].astype("str") for n in names})


def wish_dates(*, session: Session) -> pd.DataFrame:
    """``person_id, skill, wished_at`` of every stored wish (``wants_to_learn``).

    ``wished_at`` is when the skills import that holds the wish started: the first time
    peerweave heard of it, unless a later skills import replaced the person's rows.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     wish_dates(session=session).columns.tolist()
    ['person_id', 'skill', 'wished_at']
    """
    s, i = person_skills, imports
    query = (
        select(s.c.person_id, s.c.skill, i.c.started_at)
        .outerjoin(i, i.c.id == s.c.import_id)
        .where(s.c.wants_to_learn)
        .order_by(s.c.person_id, s.c.skill)
    )
    raw = frame_of(session.execute(query).all(), ["person_id", "skill", "wished_at"])
    return pd.DataFrame(
        {
            "person_id": raw["person_id"].astype("str"),
            "skill": raw["skill"].astype("str"),
            "wished_at": datetime_series(raw["wished_at"]),
        }
    )


# -- the sessions ledger ------------------------------------------------------------------


def load_sessions(
    *,
    session: Session,
    person_id: str | None = None,
    status: str | None = None,
    skill: str | None = None,
    session_ids: list[int] | None = None,
) -> pd.DataFrame:
    """Stored sessions as a frame with ``SESSION_COLUMNS``, by ``session_id``.

    Only those where ``person_id`` is learner or teacher, with ``status``, of ``skill``, or
    among ``session_ids``, when given. ``session_id`` is ``int64``; ``parent_session_id``
    and ``round_id`` ``Int64``; times ``datetime64[ns]`` (NaT when not reached).

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     load_sessions(session=session).dtypes.astype(str).tolist()[:6]
    ['int64', 'str', 'str', 'str', 'str', 'datetime64[ns]']
    """
    t = learning_sessions
    query = select(*(t.c[n] for n in SESSION_COLUMNS)).order_by(t.c.session_id)
    if person_id is not None:
        query = query.where((t.c.learner_id == person_id) | (t.c.teacher_id == person_id))
    if status is not None:
        query = query.where(t.c.status == status)
    if skill is not None:
        query = query.where(t.c.skill == skill)
    if session_ids is not None:
        query = query.where(t.c.session_id.in_([int(i) for i in session_ids]))
    raw = frame_of(session.execute(query).all(), list(SESSION_COLUMNS))
    frame = pd.DataFrame(
        {
            "session_id": int_series(raw["session_id"]).astype("int64"),
            **{c: raw[c].astype("str") for c in ("learner_id", "teacher_id", "skill", "status")},
        }
    )
    for column in SESSION_COLUMNS[5:]:
        if column in ("parent_session_id", "round_id"):
            frame[column] = int_series(raw[column])
        else:
            frame[column] = datetime_series(raw[column])
    return frame[list(SESSION_COLUMNS)]


def _session_ids(session: Session, n: int) -> np.ndarray:
    """``n`` new session ids: the server's sequence on PostgreSQL, after the largest on SQLite."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if session.connection().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('learning_sessions', 'session_id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": n},
        ).scalars()
        return np.sort(np.fromiter(rows, dtype=np.int64, count=n))
    last = session.scalar(select(func.max(learning_sessions.c.session_id))) or 0
    return np.arange(int(last) + 1, int(last) + 1 + n, dtype=np.int64)


def _times(frame: pd.DataFrame, column: str, n: int) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    return datetime_series(frame[column].reset_index(drop=True))


def add_sessions(
    *,
    session: Session,
    sessions: pd.DataFrame,
    now: object = None,
    source: str = "the sessions",
) -> pd.Series:
    """Add sessions (a matching round's pairs, an imported ledger, one new session).

    ``sessions`` needs ``learner_id, teacher_id, skill``; it may carry any other column of
    ``SESSION_COLUMNS``. ``status`` defaults to ``proposed``, ``proposed_at`` to ``now``. A
    held session needs ``held_at``; ``applied_at`` only on a held session. The ids are the
    frame's ``session_id`` when it has one (a ledger file keeps its numbers; none may be
    stored already), else new ones; they are returned on the frame's index.
    ``parent_session_id`` links a session to the one its teacher learned the skill in:
    given, it must name a held session (of the frame or stored) of that teacher learning
    that skill, held before; missing, it is found
    (``peerweave.learning.ledger.snowball_parents``). A session that repeats a stored one
    (same learner, teacher, skill and ``proposed_at``), or pairs a learner and teacher who
    already have an open session for the skill, is refused. Every problem is reported at
    once (rows named when the frame has ``_row``), and nothing is written.

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> ledger = pd.DataFrame({"session_id": [10, 11], "learner_id": ["b", "c"],
    ...     "teacher_id": ["a", "b"], "skill": ["sql", "sql"], "status": ["held", "proposed"],
    ...     "proposed_at": ["2025-01-02", "2025-03-01"], "held_at": ["2025-01-09", None]})
    >>> pair = pd.DataFrame({"learner_id": ["a"], "teacher_id": ["c"], "skill": ["go"]})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="people", files=["hr.csv"],
    ...                         rows_read=3, records=3, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["a", "b", "c"], import_id=run)
    ...     add_sessions(session=session, sessions=ledger).tolist()
    ...     add_sessions(session=session, sessions=pair).tolist()
    ...     load_sessions(session=session)[["session_id", "teacher_id", "parent_session_id"]]
    [10, 11]
    [12]
       session_id teacher_id  parent_session_id
    0          10          a               <NA>
    1          11          b                 10
    2          12          c               <NA>
    """
    _required(sessions, ("learner_id", "teacher_id", "skill"), "sessions")
    frame = sessions.reset_index(drop=True)
    n = len(frame)
    problems = _Problems(frame, source)
    learner = text_series(frame["learner_id"]).str.strip()
    teacher = text_series(frame["teacher_id"]).str.strip()
    skill = text_series(frame["skill"]).str.strip()
    for column, values in (("learner_id", learner), ("teacher_id", teacher), ("skill", skill)):
        problems.add(values.isna() | (values == ""), column, f"{column} is empty", "fill it in")
    problems.add(
        (learner == teacher).fillna(False),
        "teacher_id",
        lambda i: f"{learner[i]} would teach themself",
        "a session pairs two different people",
    )
    status = (
        text_series(frame["status"]).str.strip().str.lower().fillna("proposed")
        if "status" in frame.columns
        else pd.Series(["proposed"] * n, dtype="string")
    )
    problems.add(
        ~status.isin(SESSION_STATUSES),
        "status",
        lambda i: f"status {status[i]!r} is not one of {', '.join(SESSION_STATUSES)}",
        "use proposed, scheduled, held or cancelled",
    )
    stamp = _now(now)
    times = {c: _times(frame, c, n) for c in _TIME_COLUMNS}
    times["proposed_at"] = times["proposed_at"].fillna(stamp)
    held = (status == "held").to_numpy()
    problems.add(
        held & times["held_at"].isna().to_numpy(),
        "held_at",
        "a held session has no held_at",
        "give the date it took place",
    )
    problems.add(
        ~held & times["applied_at"].notna().to_numpy(),
        "applied_at",
        lambda i: f"applied_at is given but the session is {status[i]}",
        "a learner applies what they learned in a held session",
    )
    problems.raise_any()
    _check_known(session, pd.concat([learner, teacher], ignore_index=True), source)

    stored = load_sessions(session=session)
    key = ["learner_id", "teacher_id", "skill"]
    new = pd.DataFrame(
        {
            "learner_id": learner.astype(str),
            "teacher_id": teacher.astype(str),
            "skill": skill.astype(str),
            "status": status.astype(str),
            **times,
        }
    )
    again = new.reset_index().merge(stored, on=[*key, "proposed_at"], suffixes=("", "_stored"))
    problems.add(
        np.isin(np.arange(n), again["index"].to_numpy()),
        "proposed_at",
        lambda i: (
            f"the same session is already stored (#{_first(again, i)}); "
            "was this ledger imported before?"
        ),
        "leave out the sessions already imported",
    )
    opened = stored[stored["status"].isin(OPEN_STATUSES)]
    busy = new.reset_index()[new["status"].isin(OPEN_STATUSES).to_numpy()].merge(
        opened, on=key, suffixes=("", "_stored")
    )
    problems.add(
        np.isin(np.arange(n), busy["index"].to_numpy()),
        "status",
        lambda i: (
            f"{learner[i]} and {teacher[i]} already have an open session for "
            f"{skill[i]} (#{_first(busy, i)})"
        ),
        "schedule, hold or cancel that one instead",
    )
    is_open = new["status"].isin(OPEN_STATUSES)
    twice = is_open & new[is_open.to_numpy()].duplicated(key).reindex(new.index, fill_value=False)
    problems.add(
        twice.to_numpy(),
        "learner_id",
        lambda i: f"{learner[i]} learning {skill[i]} from {teacher[i]} is in the frame twice",
        "keep one row per session",
    )
    problems.raise_any()

    own = "session_id" in frame.columns
    if own:
        given_ids = int_series(frame["session_id"])
        problems.add(
            given_ids.isna() | given_ids.duplicated(keep=False),
            "session_id",
            lambda i: (
                "session_id is empty"
                if pd.isna(given_ids[i])
                else f"session_id {given_ids[i]} repeats"
            ),
            "number each session once",
        )
        problems.raise_any()
        ids = given_ids.astype("int64").to_numpy()
        problems.add(
            np.isin(ids, stored["session_id"].to_numpy()),
            "session_id",
            lambda i: f"session #{ids[i]} is already stored; was this ledger imported before?",
            "leave out the sessions already imported, or number the new ones after "
            f"{int(stored['session_id'].max()) if len(stored) else 0}",
        )
        problems.raise_any()
    else:
        ids = _session_ids(session, n)
    new.insert(0, "session_id", ids)
    parents = _parents(frame, new, stored, problems)
    problems.raise_any()

    round_ids = (
        int_series(frame["round_id"])
        if "round_id" in frame.columns
        else pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    )
    if round_ids.notna().any():
        rounds = list(session.scalars(select(match_rounds.c.id)))
        problems.add(
            (round_ids.notna() & ~round_ids.isin(rounds)).to_numpy(dtype=bool),
            "round_id",
            lambda i: f"round_id {round_ids[i]} is not a stored matching round",
            "leave round_id empty: rounds are the ones `peerweave match` stored",
        )
        problems.raise_any()
    in_batch = parents.isin(ids).to_numpy()
    first_pass = parents.where(~in_batch)
    columns: dict[str, ColumnValues] = {
        **{c: new[c] for c in new.columns},
        "session_id": ids.tolist(),
        "parent_session_id": first_pass,
        "round_id": round_ids,
    }
    ordered = {c: columns[c] for c in SESSION_COLUMNS}  # in the table's order
    bulk_insert(session, learning_sessions, ordered)
    if in_batch.any():
        t = learning_sessions
        session.execute(
            update(t)
            .where(t.c.session_id == bindparam("sid"))
            .values(parent_session_id=bindparam("pid")),
            [
                {"sid": int(s), "pid": int(p)}
                for s, p in zip(ids[in_batch], parents[in_batch], strict=True)
            ],
        )
    if own and n and session.connection().dialect.name == "postgresql":
        _advance_sequence(session)
    return pd.Series(ids, index=sessions.index, name="session_id")


def _advance_sequence(session: Session) -> None:
    """Move the PostgreSQL id sequence past ids a ledger file brought."""
    session.execute(
        text(
            "SELECT setval(pg_get_serial_sequence('learning_sessions', 'session_id'), "
            "GREATEST((SELECT max(session_id) FROM learning_sessions), COALESCE("
            "pg_sequence_last_value(pg_get_serial_sequence('learning_sessions', "
            "'session_id')::regclass), 1)))"
        )
    )


def _first(matches: pd.DataFrame, i: int) -> int:
    """The stored session a row ``i`` collides with."""
    return int(matches.loc[matches["index"] == i, "session_id"].iloc[0])


def _parents(
    frame: pd.DataFrame,
    new: pd.DataFrame,
    stored: pd.DataFrame,
    problems: _Problems,
) -> pd.Series:
    """Each new session's parent id: checked when given, found when not."""
    n = len(new)
    found = snowball_parents(new, stored).reset_index(drop=True)
    if "parent_session_id" not in frame.columns:
        return found
    given = int_series(frame["parent_session_id"]).reset_index(drop=True)
    about = pd.concat([stored, new], ignore_index=True).drop_duplicates("session_id")
    about = about.set_index("session_id")
    named = given.notna().to_numpy()
    exists = np.zeros(n, dtype=bool)
    exists[named] = np.isin(given[named].astype("int64").to_numpy(), about.index.to_numpy())
    problems.add(
        named & ~exists,
        "parent_session_id",
        lambda i: (
            f"parent_session_id {given[i]} names no session "
            f"{'of this file or ' if 'session_id' in frame.columns else ''}in the ledger"
        ),
        "give the session where the teacher learned the skill, or leave it empty to have it found",
    )
    ok = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(exists)
    if len(rows):
        parent = about.loc[given[rows].astype("int64").to_numpy()]
        child_when = new["held_at"].where(new["status"] == "held").fillna(new["proposed_at"])
        p_at = pd.to_datetime(parent["held_at"]).to_numpy()
        c_at = child_when.to_numpy()[rows]
        p_id = parent.index.to_numpy()
        c_id = new["session_id"].to_numpy()[rows]
        ok[rows] = (
            (parent["status"].to_numpy() == "held")
            & (parent["learner_id"].to_numpy() == new["teacher_id"].to_numpy()[rows])
            & (parent["skill"].to_numpy() == new["skill"].to_numpy()[rows])
            & ((p_at < c_at) | ((p_at == c_at) & (p_id < c_id)))
        )
    problems.add(
        exists & ~ok,
        "parent_session_id",
        lambda i: (
            f"parent_session_id {given[i]} is not a held session, before this one, in "
            f"which {new['teacher_id'][i]} learned {new['skill'][i]}"
        ),
        "leave it empty to have it found",
    )
    return given.where(named, found).astype("Int64")


def set_status(
    *, session: Session, session_id: int, status: str, when: object = None
) -> pd.Timestamp:
    """Move session ``session_id`` to ``status`` at ``when`` (default now); return that time.

    ``scheduled`` sets ``scheduled_for`` (the date it will take place), ``held`` sets
    ``held_at`` (not later than a day from now: a session is held once it took place),
    ``cancelled`` ``cancelled_at``. Allowed: ``proposed → scheduled → held``, and
    ``proposed`` or ``scheduled → cancelled`` (``InputError`` otherwise, saying what is
    allowed); an unknown session raises ``UnknownIdError``.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     set_status(session=session, session_id=7, status="held")
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: no session #7 is stored (`peerweave sessions list` shows them)
    """
    if status not in SESSION_STATUSES:
        raise ValueError(f"a session status is one of {SESSION_STATUSES}, not {status!r}")
    row = _one_session(session, session_id)
    check_transition(session_id, str(row["status"]), status)
    at = _now(when)
    if status == "held" and at > _now() + _CLOCK_SLACK:
        raise InputError(
            f"session #{session_id}",
            Problem(
                f"it cannot be held on {at:%Y-%m-%d}, which is still to come",
                fix="mark it held once it has taken place (or schedule it for that date)",
            ),
        )
    column = {"scheduled": "scheduled_for", "held": "held_at", "cancelled": "cancelled_at"}
    t = learning_sessions
    session.execute(
        update(t)
        .where(t.c.session_id == session_id)
        .values({"status": status, column[status]: _plain(at)})
    )
    return at


def _one_session(session: Session, session_id: int) -> pd.Series:
    found = load_sessions(session=session, session_ids=[int(session_id)])
    if found.empty:
        raise UnknownIdError(
            f"no session #{session_id} is stored (`peerweave sessions list` shows them)"
        )
    return found.iloc[0]


def mark_applied(
    *, session: Session, session_id: int, person_id: str, when: object = None
) -> pd.Timestamp:
    """Record that the learner of session ``session_id`` applied the skill; return when.

    Only the learner marks it (``InputError`` for anyone else), only on a held session,
    once (a second time is an ``InputError`` naming the first date).

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     mark_applied(session=session, session_id=1, person_id="ana")
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: no session #1 is stored (`peerweave sessions list` shows them)
    """
    row = _one_session(session, session_id)
    source = f"session #{session_id}"
    if person_id != row["learner_id"]:
        raise InputError(
            source,
            Problem(
                f"{person_id} is not its learner ({row['learner_id']} learned "
                f"{row['skill']} from {row['teacher_id']})",
                fix="only the learner marks a skill applied",
            ),
        )
    if row["status"] != "held":
        raise InputError(
            source,
            Problem(
                f"it is {row['status']}, not held",
                fix=f"mark it held first: `peerweave sessions hold {session_id}`",
            ),
        )
    if not pd.isna(row["applied_at"]):
        raise InputError(
            source,
            Problem(
                f"{person_id} already marked it applied on {row['applied_at']:%Y-%m-%d}",
                fix="nothing to do",
            ),
        )
    at = _now(when)
    t = learning_sessions
    session.execute(update(t).where(t.c.session_id == session_id).values(applied_at=_plain(at)))
    return at


# -- feedback ------------------------------------------------------------------------------


def add_feedback(
    *,
    session: Session,
    feedback: pd.DataFrame,
    now: object = None,
    source: str = "the feedback",
) -> pd.Series:
    """Store feedback rows; return each row's role (``learner`` or ``teacher``).

    ``feedback`` needs ``session_id, author_id, rating`` (1–5); ``prepared``, ``clear``,
    ``again`` (booleans, may be missing), ``comment`` and ``given_at`` (default ``now``)
    are optional. The role comes from the author: the session's learner gives the
    ``learner`` feedback (about the teacher), its teacher the ``teacher`` feedback. Refused,
    all problems at once and nothing written: a session that is not stored or not held,
    an author who was not in it, feedback that side gave before (or twice in the frame),
    a rating outside 1–5.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     add_feedback(session=session, source="feedback on session #3", feedback=pd.DataFrame(
    ...         {"session_id": [3], "author_id": ["ana"], "rating": [4]}))
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: feedback on session #3: session #3 is not stored (fix: `peerweave sessions list` shows the sessions)
    """
    _required(feedback, ("session_id", "author_id", "rating"), "feedback")
    frame = feedback.reset_index(drop=True)
    n = len(frame)
    problems = _Problems(frame, source)
    ids = int_series(frame["session_id"])
    author = text_series(frame["author_id"]).str.strip()
    rating = pd.to_numeric(frame["rating"], errors="coerce")
    whole = rating.notna() & (rating == rating.round())
    problems.add(
        ~(whole & rating.between(RATINGS.start, RATINGS.stop - 1)),
        "rating",
        lambda i: f"rating {frame['rating'].tolist()[i]!r} is not a whole number from 1 to 5",
        "rate from 1 (poor) to 5 (excellent)",
    )
    problems.add(ids.isna(), "session_id", "session_id is empty", "name the session")
    problems.add(author.isna(), "author_id", "author_id is empty", "say who gives it")
    problems.raise_any()

    about = load_sessions(
        session=session, session_ids=sorted(set(ids.astype("int64").tolist()))
    ).set_index("session_id")
    look = ids.astype("int64").to_numpy()
    known = np.isin(look, about.index.to_numpy())
    problems.add(
        ~known,
        "session_id",
        lambda i: f"session #{look[i]} is not stored",
        "`peerweave sessions list` shows the sessions",
    )
    rows = about.reindex(look)
    learner = rows["learner_id"].to_numpy(dtype=object)
    teacher = rows["teacher_id"].to_numpy(dtype=object)
    by = author.astype(object).to_numpy()
    role = np.where(by == learner, "learner", np.where(by == teacher, "teacher", ""))
    problems.add(
        known & (role == ""),
        "author_id",
        lambda i: (
            f"{by[i]} was not in session #{look[i]} (learner {learner[i]}, teacher {teacher[i]})"
        ),
        "feedback comes from the session's learner or teacher",
    )
    state = rows["status"].to_numpy(dtype=object)
    problems.add(
        known & (state != "held"),
        "session_id",
        lambda i: f"session #{look[i]} is {state[i]}, not held",
        f"feedback follows a session that took place: `peerweave sessions hold {look[0]}`"
        if n == 1
        else "give feedback once the session is held",
    )
    given = load_feedback(session=session, session_ids=sorted(set(look.tolist())))
    before = pd.MultiIndex.from_arrays([given["session_id"], given["role"].astype(str)])
    pairs = pd.MultiIndex.from_arrays([look, role])
    problems.add(
        (role != "") & pairs.isin(before),
        "author_id",
        lambda i: f"{by[i]} already gave feedback on session #{look[i]}; feedback is given once",
        "leave this row out" if problems.rows is not None else "nothing to do",
    )
    problems.add(
        (role != "") & pairs.duplicated(keep="first"),
        "author_id",
        lambda i: f"{by[i]} gives feedback on session #{look[i]} twice",
        "keep one row per session and side",
    )
    problems.raise_any()
    _check_known(session, author, source)

    def question(name: str) -> pd.Series:
        if name not in frame.columns:
            return pd.Series(pd.array([pd.NA] * n, dtype="boolean"))
        return frame[name].astype("boolean")

    comment = (
        text_series(frame["comment"]).fillna("")
        if "comment" in frame.columns
        else pd.Series([""] * n, dtype=object)
    )
    given_at = _times(frame, "given_at", n).fillna(_now(now))
    values: dict[str, ColumnValues] = {
        "session_id": look.tolist(),
        "role": role.tolist(),
        "author_id": author,
        "rating": rating.astype("int64").tolist(),
        **{q: question(q) for q in FEEDBACK_QUESTIONS},
        "comment": comment,
        "given_at": given_at,
    }
    bulk_insert(session, session_feedback, values)
    return pd.Series(role, index=feedback.index, name="role")


def load_feedback(*, session: Session, session_ids: list[int] | None = None) -> pd.DataFrame:
    """Stored feedback with ``FEEDBACK_COLUMNS`` (every row: apply the double-blind rule,
    ``peerweave.learning.ledger.visible_feedback``, before showing it to anyone).

    ``rating`` is ``int64``; the questions ``boolean`` (NA when not answered).

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     load_feedback(session=session).dtypes.astype(str).tolist()
    ['int64', 'str', 'str', 'int64', 'boolean', 'boolean', 'boolean', 'str', 'datetime64[ns]']
    """
    t = session_feedback
    query = select(*(t.c[n] for n in FEEDBACK_COLUMNS)).order_by(t.c.session_id, t.c.role)
    if session_ids is not None:
        query = query.where(t.c.session_id.in_([int(i) for i in session_ids]))
    raw = frame_of(session.execute(query).all(), list(FEEDBACK_COLUMNS))
    return pd.DataFrame(
        {
            "session_id": int_series(raw["session_id"]).astype("int64"),
            "author_id": raw["author_id"].astype("str"),
            "role": raw["role"].astype("str"),
            "rating": int_series(raw["rating"]).astype("int64"),
            **{q: raw[q].astype("boolean") for q in FEEDBACK_QUESTIONS},
            "comment": raw["comment"].astype("str"),
            "given_at": datetime_series(raw["given_at"]),
        }
    )


# -- endorsements ----------------------------------------------------------------------------


def endorse(*, session: Session, from_id: str, to_id: str, skill: str, when: object = None) -> bool:
    """``from_id`` endorses ``to_id`` for ``skill``; return whether it is new.

    Endorsing someone twice for the same skill changes nothing (the first date stays) and
    returns ``False``. Endorsing oneself is an ``InputError``; people who are not stored an
    ``UnknownIdError``.

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="people", files=["hr.csv"],
    ...                         rows_read=2, records=2, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["ana", "bo"], import_id=run)
    ...     endorse(session=session, from_id="ana", to_id="bo", skill="sql")
    ...     endorse(session=session, from_id="ana", to_id="bo", skill="sql")
    ...     len(load_endorsements(session=session))
    True
    False
    1
    """
    if from_id == to_id:
        raise InputError(
            "endorsement",
            Problem(f"{from_id} cannot endorse themself", fix="endorse a colleague"),
        )
    if not str(skill).strip():
        raise InputError("endorsement", Problem("the skill is empty", fix="name the skill"))
    _check_known(session, pd.Series([from_id, to_id]), "the endorsement")
    t = endorsements
    there = session.scalar(
        select(func.count())
        .select_from(t)
        .where((t.c.from_id == from_id) & (t.c.to_id == to_id) & (t.c.skill == skill))
    )
    if there:
        return False
    session.execute(
        insert(t).values(from_id=from_id, to_id=to_id, skill=skill, created_at=_plain(_now(when)))
    )
    return True


def load_endorsements(*, session: Session, person_id: str | None = None) -> pd.DataFrame:
    """Endorsements with ``ENDORSEMENT_COLUMNS`` (those given to ``person_id`` when given).

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     load_endorsements(session=session).columns.tolist()
    ['from_id', 'to_id', 'skill', 'created_at']
    """
    t = endorsements
    query = select(*(t.c[n] for n in ENDORSEMENT_COLUMNS)).order_by(
        t.c.to_id, t.c.skill, t.c.from_id
    )
    if person_id is not None:
        query = query.where(t.c.to_id == person_id)
    raw = frame_of(session.execute(query).all(), list(ENDORSEMENT_COLUMNS))
    return pd.DataFrame(
        {
            "from_id": raw["from_id"].astype("str"),
            "to_id": raw["to_id"].astype("str"),
            "skill": raw["skill"].astype("str"),
            "created_at": datetime_series(raw["created_at"]),
        }
    )

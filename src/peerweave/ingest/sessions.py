"""Read a sessions ledger file (who learned what from whom, when) and its feedback file.

A programme that ran before peerweave keeps its history in a spreadsheet: one row per
session, and one row per feedback given. :func:`read_sessions` and :func:`read_feedback`
read them (CSV, TSV, XLSX, Parquet or JSON Lines, common header spellings) into the frames
of :mod:`peerweave.learning.schema`, checking every row first; one
:class:`~peerweave.errors.ValidationError` lists every problem with its row, column and fix.

Sessions: ``learner_id, teacher_id, skill`` are required. ``session_id`` numbers the rows
(1, 2, … when the column is absent); ``status`` is one of proposed, scheduled, held,
cancelled (``done``/``completed`` read as held, ``canceled`` as cancelled; blank: held when
``held_at`` is given, cancelled when ``cancelled_at`` is, scheduled when ``scheduled_for``
is, else proposed). A blank ``proposed_at`` is taken from the row's earliest other date.
``parent_session_id`` (the session the teacher learned the skill in) must name a held
session of the same skill, earlier, whose learner is this session's teacher.

Feedback: ``session_id, author_id, rating`` are required; ``role`` (learner or teacher) is
worked out from the author when blank; ``prepared``, ``clear``, ``again`` are yes/no or
blank; a blank ``given_at`` is the session's ``held_at``.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> _ = (d / "s.csv").write_text("id,learner,mentor,topic,status,held_on,parent\\n"
...     "1,bo,ana,SQL,done,2025-01-10,\\n2,cy,bo,sql,held,2025-02-01,1\\n")
>>> s = read_sessions(d / "s.csv")
>>> s[["session_id", "learner_id", "teacher_id", "skill", "status", "parent_session_id"]]
   session_id learner_id teacher_id skill status  parent_session_id
0           1         bo        ana   sql   held               <NA>
1           2         cy         bo   sql   held                  1
>>> _ = (d / "f.csv").write_text("session,author,rating\\n1,bo,5\\n1,ana,4\\n")
>>> read_feedback(d / "f.csv", sessions=s)[["author_id", "role", "rating"]].to_dict("records")
[{'author_id': 'bo', 'role': 'learner', 'rating': 5}, {'author_id': 'ana', 'role': 'teacher', 'rating': 4}]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peerweave.errors import Problem, ValidationError
from peerweave.ingest.tabular import (
    file_headers,
    in_file_terms,
    read_table,
    rename_columns,
    require_columns,
)
from peerweave.learning.schema import (
    FEEDBACK_COLUMNS,
    FEEDBACK_QUESTIONS,
    FEEDBACK_ROLES,
    SESSION_COLUMNS,
    SESSION_STATUSES,
)
from peerweave.org.schema import flag_rows, parse_bool, parse_date, parse_int, rows_of
from peerweave.org.skills import normalise_skill

__all__ = [
    "FEEDBACK_ALIASES",
    "ROLE_ALIASES",
    "SESSION_ALIASES",
    "STATUS_ALIASES",
    "read_feedback",
    "read_sessions",
    "validate_feedback",
    "validate_sessions",
]

#: Other spellings of the sessions columns, in header_key form.
SESSION_ALIASES: dict[str, str] = {
    **dict.fromkeys(["id", "session", "session_number", "session_no"], "session_id"),
    **dict.fromkeys(
        ["learner", "student", "mentee", "trainee", "learner_email", "learned_by"], "learner_id"
    ),
    **dict.fromkeys(
        ["teacher", "mentor", "coach", "tutor", "trainer", "teacher_email", "taught_by"],
        "teacher_id",
    ),
    **dict.fromkeys(["topic", "subject", "skill_name", "competency"], "skill"),
    **dict.fromkeys(["state", "session_status"], "status"),
    **dict.fromkeys(
        ["proposed", "proposed_on", "created", "created_at", "created_on", "matched_at"],
        "proposed_at",
    ),
    **dict.fromkeys(
        ["scheduled", "scheduled_at", "scheduled_on", "scheduled_date", "planned_for"],
        "scheduled_for",
    ),
    **dict.fromkeys(
        ["held", "held_on", "date_held", "completed_at", "completed_on", "session_date", "date"],
        "held_at",
    ),
    **dict.fromkeys(
        ["cancelled", "cancelled_on", "canceled", "canceled_at", "canceled_on"], "cancelled_at"
    ),
    **dict.fromkeys(["applied", "applied_on", "used_at", "put_into_practice"], "applied_at"),
    **dict.fromkeys(
        ["parent", "parent_session", "parent_id", "learned_in", "learned_in_session"],
        "parent_session_id",
    ),
    **dict.fromkeys(["round", "match_round"], "round_id"),
    **dict.fromkeys(
        ["wished", "wished_on", "requested_at", "requested_on", "wish_date", "asked_at"],
        "wished_at",
    ),
}

#: Other spellings of the feedback columns, in header_key form.
FEEDBACK_ALIASES: dict[str, str] = {
    **dict.fromkeys(["session", "session_number", "session_no"], "session_id"),
    **dict.fromkeys(
        ["author", "from", "by", "given_by", "reviewer", "person_id", "person"], "author_id"
    ),
    **dict.fromkeys(["side", "as", "author_role"], "role"),
    **dict.fromkeys(["score", "stars", "grade"], "rating"),
    **dict.fromkeys(["was_prepared", "well_prepared"], "prepared"),
    **dict.fromkeys(["was_clear", "engaged"], "clear"),
    **dict.fromkeys(
        ["would_again", "learn_again", "teach_again", "would_learn_again", "would_teach_again"],
        "again",
    ),
    **dict.fromkeys(["comments", "text", "feedback", "note", "notes", "remarks"], "comment"),
    **dict.fromkeys(
        ["given", "given_on", "submitted", "submitted_at", "submitted_on", "date", "created_at"],
        "given_at",
    ),
}

#: Status spellings read as one of the ledger's statuses.
STATUS_ALIASES: dict[str, str] = {
    **{s: s for s in SESSION_STATUSES},
    **dict.fromkeys(["done", "completed", "complete", "happened", "taken place"], "held"),
    **dict.fromkeys(["canceled", "cancel", "dropped"], "cancelled"),
    **dict.fromkeys(["planned", "booked"], "scheduled"),
    **dict.fromkeys(["open", "requested", "matched", "new"], "proposed"),
}

#: Role spellings read as ``learner`` or ``teacher``.
ROLE_ALIASES: dict[str, str] = {
    **{r: r for r in FEEDBACK_ROLES},
    **dict.fromkeys(["student", "mentee", "trainee"], "learner"),
    **dict.fromkeys(["mentor", "coach", "tutor", "trainer"], "teacher"),
}

_DATES = ("proposed_at", "scheduled_for", "held_at", "cancelled_at", "applied_at", "wished_at")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([pd.NA] * len(frame), dtype="string")


def _objects(values: pd.Series) -> Any:
    """The values as an object array, missing ones as ``None`` (so ``==`` is plain)."""
    out = values.to_numpy(dtype=object)
    out[pd.isna(out)] = None
    return out


def _say(template: str, *columns: Any) -> Callable[[int], str]:
    """A message for row ``i``: ``template`` filled with ``columns[k][i]``."""

    def message(i: int) -> str:
        values = [c.iloc[i] if isinstance(c, pd.Series) else c[i] for c in columns]
        return template.format(*(v.item() if isinstance(v, np.generic) else v for v in values))

    return message


def _ids(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.where(text != "")


def _people_set(known: pd.Series | Iterable[str] | None) -> pd.Index | None:
    if known is None:
        return None
    return pd.Index(pd.Series(list(known), dtype="string").str.strip())


def _first_row(key: pd.Series, rows: np.ndarray) -> pd.Series:
    return pd.Series(rows).groupby(key.to_numpy()).transform("min")


def _ledger(known: pd.DataFrame | None) -> pd.DataFrame:
    """Sessions already in the ledger, in the columns the checks use."""
    if known is None or known.empty:
        return pd.DataFrame(
            {
                "session_id": pd.Series(dtype=np.int64),
                "learner_id": pd.Series(dtype="string"),
                "teacher_id": pd.Series(dtype="string"),
                "skill": pd.Series(dtype="string"),
                "status": pd.Series(dtype="string"),
                "held_at": pd.Series(dtype="datetime64[ns]"),
            }
        )
    return pd.DataFrame(
        {
            "session_id": pd.to_numeric(known["session_id"]).to_numpy(dtype=np.int64),
            "learner_id": known["learner_id"].astype("string").to_numpy(),
            "teacher_id": known["teacher_id"].astype("string").to_numpy(),
            "skill": known["skill"].astype("string").to_numpy(),
            "status": known["status"].astype("string").to_numpy(),
            "held_at": pd.to_datetime(known["held_at"]).astype("datetime64[ns]").to_numpy()
            if "held_at" in known.columns
            else pd.NaT,
        }
    )


def validate_sessions(
    frame: pd.DataFrame,
    *,
    source: str = "sessions",
    known_people: pd.Series | Iterable[str] | None = None,
    known_sessions: pd.DataFrame | None = None,
    synonyms: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Type and check session rows; raise one :class:`ValidationError` listing every problem.

    Rules: learner, teacher and skill present; learner and teacher two people (and, with
    ``known_people``, known ones); a known status; dates that parse; a held session has its
    ``held_at``, only a held session has ``held_at`` or ``applied_at``, only a cancelled one
    ``cancelled_at``; nothing happens before it was proposed, nothing is applied before it
    was held; session ids whole, unique and not already in ``known_sessions`` (the ledger);
    ``parent_session_id`` names a held session of the same skill, here or in the ledger,
    held earlier, whose learner is this session's teacher.

    >>> validate_sessions(pd.DataFrame({"learner_id": ["a"], "teacher_id": ["a"],
    ...     "skill": ["go"], "status": ["held"]}))
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: sessions: 3 problems
      row 2, column held_at: the session is held but held_at is empty (fix: give the day it was held, or set another status)
      row 2, column proposed_at: proposed_at is empty and the row has no other date (fix: give the day the session was proposed)
      row 2, column teacher_id: a learns from themself (fix: name two different people)
    """
    rows = rows_of(frame)
    n = len(frame)
    problems: list[Problem] = []

    # ids
    if "session_id" in frame.columns:
        raw_id = _column(frame, "session_id")
        sid = parse_int(raw_id, column="session_id", rows=rows, problems=problems, low=1)
        blank = raw_id.astype("string").str.strip().fillna("").eq("")
        flag_rows(
            blank,
            rows,
            column="session_id",
            message="session_id is empty",
            fix="give every session a number, or leave the column out to number the rows",
            problems=problems,
        )
    else:
        sid = pd.Series(np.arange(1, n + 1), dtype="Int64")
    again = sid.notna() & sid.duplicated(keep="first")
    first = _first_row(sid.fillna(-1), rows)
    flag_rows(
        again,
        rows,
        column="session_id",
        message=lambda i: f"session {sid.iloc[i]} again (first on row {int(first.iloc[i])})",
        fix="give every session its own number",
        problems=problems,
    )
    ledger = _ledger(known_sessions)
    clash = sid.notna() & sid.isin(ledger["session_id"])
    flag_rows(
        clash,
        rows,
        column="session_id",
        message=lambda i: f"session {sid.iloc[i]} is already in the ledger",
        fix="number new sessions after the ledger's, or leave out sessions imported before",
        problems=problems,
    )

    # people and skill
    learner = _ids(_column(frame, "learner_id"))
    teacher = _ids(_column(frame, "teacher_id"))
    skill = normalise_skill(_column(frame, "skill"), synonyms)
    for name, values in (("learner_id", learner), ("teacher_id", teacher), ("skill", skill)):
        flag_rows(
            values.isna(),
            rows,
            column=name,
            message=f"{name} is empty",
            fix="fill it in, or delete the row",
            problems=problems,
        )
    flag_rows(
        (learner == teacher).fillna(False),
        rows,
        column="teacher_id",
        message=lambda i: f"{learner.iloc[i]} learns from themself",
        fix="name two different people",
        problems=problems,
    )
    people = _people_set(known_people)
    if people is not None:
        for name, values in (("learner_id", learner), ("teacher_id", teacher)):
            flag_rows(
                values.notna() & ~values.isin(people),
                rows,
                column=name,
                message=_say("person {0!r} is not a known person", values),
                fix="import the people file first, or correct the id",
                problems=problems,
            )

    # dates and status
    dates = {
        c: parse_date(_column(frame, c), column=c, rows=rows, problems=problems) for c in _DATES
    }
    raw_status = _column(frame, "status").astype("string").str.strip().str.lower()
    blank_status = raw_status.isna() | (raw_status == "")
    status = raw_status.map(STATUS_ALIASES).astype("string")
    flag_rows(
        ~blank_status & status.isna(),
        rows,
        column="status",
        message=lambda i: f"{_column(frame, 'status').iloc[i]!r} is not a session status",
        fix=f"use one of {', '.join(SESSION_STATUSES)}",
        problems=problems,
    )
    inferred = np.select(
        [
            dates["held_at"].notna().to_numpy(),
            dates["cancelled_at"].notna().to_numpy(),
            dates["scheduled_for"].notna().to_numpy(),
        ],
        ["held", "cancelled", "scheduled"],
        default="proposed",
    )
    status = status.where(~blank_status, pd.Series(inferred, dtype="string"))
    held = (status == "held").fillna(False)
    flag_rows(
        held
        & dates["held_at"].isna()
        & _column(frame, "held_at").astype("string").fillna("").eq(""),
        rows,
        column="held_at",
        message="the session is held but held_at is empty",
        fix="give the day it was held, or set another status",
        problems=problems,
    )
    known_status = status.notna()
    for column, allowed in (
        ("held_at", "held"),
        ("applied_at", "held"),
        ("cancelled_at", "cancelled"),
    ):
        flag_rows(
            known_status & dates[column].notna() & (status != allowed).fillna(False),
            rows,
            column=column,
            message=_say(f"{column} is given but the session is {{0}}, not {allowed}", status),
            fix=f"set the status to {allowed}, or clear {column}",
            problems=problems,
        )
    proposed = dates["proposed_at"]
    others = pd.concat(
        [dates["scheduled_for"], dates["held_at"], dates["cancelled_at"]], axis=1
    ).min(axis=1)
    written = pd.concat(
        [_column(frame, c).astype("string").fillna("").str.strip().ne("") for c in _DATES[:4]],
        axis=1,
    ).any(axis=1)
    no_date = proposed.isna() & others.isna() & ~written
    flag_rows(
        no_date,
        rows,
        column="proposed_at",
        message="proposed_at is empty and the row has no other date",
        fix="give the day the session was proposed",
        problems=problems,
    )
    proposed = proposed.fillna(others)
    for column, after, word in (
        ("held_at", proposed, "proposed_at"),
        ("cancelled_at", proposed, "proposed_at"),
        ("applied_at", dates["held_at"], "held_at"),
        ("proposed_at", dates["wished_at"], "wished_at"),
    ):
        when = proposed if column == "proposed_at" else dates[column]
        early = (when.dt.normalize() < after.dt.normalize()).fillna(False)
        flag_rows(
            early,
            rows,
            column=column,
            message=_say(f"{column} {{0:%Y-%m-%d}} is before {word} {{1:%Y-%m-%d}}", when, after),
            fix="correct the dates",
            problems=problems,
        )

    round_id = parse_int(
        _column(frame, "round_id"), column="round_id", rows=rows, problems=problems, low=1
    )
    parent = parse_int(
        _column(frame, "parent_session_id"),
        column="parent_session_id",
        rows=rows,
        problems=problems,
        low=1,
    )
    _check_parents(
        sid,
        learner,
        teacher,
        skill,
        status,
        dates["held_at"],
        proposed,
        parent,
        ledger,
        rows,
        problems,
    )

    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ValidationError(source, problems)
    out = pd.DataFrame(
        {
            "session_id": sid.astype("int64"),
            "learner_id": learner.astype(object),
            "teacher_id": teacher.astype(object),
            "skill": skill.astype(object),
            "status": status.astype(object),
            "proposed_at": proposed,
            "scheduled_for": dates["scheduled_for"],
            "held_at": dates["held_at"],
            "cancelled_at": dates["cancelled_at"],
            "applied_at": dates["applied_at"],
            "parent_session_id": parent.astype("Int64"),
            "round_id": round_id.astype("Int64"),
            "wished_at": dates["wished_at"],
        }
    )
    return out[list(SESSION_COLUMNS)]


def _check_parents(
    sid: pd.Series,
    learner: pd.Series,
    teacher: pd.Series,
    skill: pd.Series,
    status: pd.Series,
    held_at: pd.Series,
    proposed: pd.Series,
    parent: pd.Series,
    ledger: pd.DataFrame,
    rows: np.ndarray,
    problems: list[Problem],
) -> None:
    """Each parent link names a held, earlier session of the skill that the teacher learned in."""
    here = pd.DataFrame(
        {
            "session_id": sid.to_numpy(dtype=np.float64, na_value=np.nan),
            "learner_id": learner.to_numpy(dtype=object),
            "skill": skill.to_numpy(dtype=object),
            "status": status.to_numpy(dtype=object),
            "held_at": held_at.to_numpy(),
        }
    ).dropna(subset=["session_id"])
    pool = pd.concat(
        [
            pd.DataFrame(
                {
                    "session_id": ledger["session_id"].to_numpy(dtype=np.float64),
                    "learner_id": ledger["learner_id"].to_numpy(dtype=object),
                    "skill": ledger["skill"].to_numpy(dtype=object),
                    "status": ledger["status"].to_numpy(dtype=object),
                    "held_at": ledger["held_at"].to_numpy(),
                }
            ),
            here,  # the ledger's sessions win over a file row reusing their id (an error)
        ]
    ).drop_duplicates("session_id")
    about = pool.set_index("session_id")
    given = parent.notna().to_numpy()
    pid = parent.to_numpy(dtype=np.float64, na_value=np.nan)
    exists = np.isin(pid, about.index.to_numpy()) & given
    flag_rows(
        given & ~exists,
        rows,
        column="parent_session_id",
        message=lambda i: f"session {int(pid[i])} is neither in this file nor in the ledger",
        fix="name the session the teacher learned the skill in, or leave it empty",
        problems=problems,
    )
    itself = given & (pid == sid.to_numpy(dtype=np.float64, na_value=np.nan))
    flag_rows(
        itself,
        rows,
        column="parent_session_id",
        message="a session cannot be its own parent",
        fix="name the session the teacher learned the skill in, or leave it empty",
        problems=problems,
    )
    check = exists & ~itself
    p_learner = about["learner_id"].reindex(pid).to_numpy(dtype=object)
    p_skill = about["skill"].reindex(pid).to_numpy(dtype=object)
    p_status = about["status"].reindex(pid).to_numpy(dtype=object)
    p_held = pd.to_datetime(about["held_at"].reindex(pid)).to_numpy(dtype="datetime64[ns]")
    t = _objects(teacher)
    k = _objects(skill)
    wrong_person = check & (p_learner != t)
    flag_rows(
        wrong_person,
        rows,
        column="parent_session_id",
        message=lambda i: (
            f"the learner of session {int(pid[i])} is {p_learner[i]}, not this session's "
            f"teacher {t[i]}"
        ),
        fix="name a session in which this teacher learned the skill, or leave it empty",
        problems=problems,
    )
    wrong_skill = check & ~wrong_person & (p_skill != k)
    flag_rows(
        wrong_skill,
        rows,
        column="parent_session_id",
        message=lambda i: f"session {int(pid[i])} was about {p_skill[i]!r}, not {k[i]!r}",
        fix="name a session of the same skill, or leave it empty",
        problems=problems,
    )
    ok = check & ~wrong_person & ~wrong_skill
    not_held = ok & (p_status != "held")
    flag_rows(
        not_held,
        rows,
        column="parent_session_id",
        message=lambda i: f"session {int(pid[i])} is {p_status[i]}, not held",
        fix="name a held session, or leave it empty",
        problems=problems,
    )
    when = held_at.where(held_at.notna(), proposed).to_numpy(dtype="datetime64[ns]")
    later = ok & ~not_held & ~np.isnat(p_held) & ~np.isnat(when)
    later &= p_held.astype("datetime64[D]") > when.astype("datetime64[D]")
    flag_rows(
        later,
        rows,
        column="parent_session_id",
        message=lambda i: (
            f"session {int(pid[i])} was held on {pd.Timestamp(p_held[i]):%Y-%m-%d}, after this one"
        ),
        fix="name the earlier session in which the teacher learned the skill",
        problems=problems,
    )


def validate_feedback(
    frame: pd.DataFrame,
    *,
    sessions: pd.DataFrame,
    source: str = "feedback",
    existing: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Type and check feedback rows against ``sessions``; raise one error listing every problem.

    Rules: the session exists in ``sessions`` and was held; the author was in it, on the
    side ``role`` says (worked out from the author when blank); a whole rating 1–5; yes/no
    answers; at most one feedback per session and role, here and in ``existing`` (the
    feedback already stored).

    >>> s = pd.DataFrame({"session_id": [1], "learner_id": ["bo"], "teacher_id": ["ana"],
    ...     "skill": ["sql"], "status": ["held"], "held_at": [pd.Timestamp("2025-01-10")]})
    >>> validate_feedback(pd.DataFrame({"session_id": ["1", "2"], "author_id": ["cy", "bo"],
    ...     "rating": ["6", "5"]}), sessions=s)
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: feedback: 3 problems
      row 2, column author_id: cy was not in session 1 (learner bo, teacher ana) (fix: give the learner's or the teacher's id)
      row 2, column rating: 6 is out of range (fix: use a whole number from 1 to 5)
      row 3, column session_id: session 2 is neither in the file of sessions nor in the ledger (fix: correct the session number, or import the session first)
    """
    rows = rows_of(frame)
    problems: list[Problem] = []
    sid = parse_int(_column(frame, "session_id"), column="session_id", rows=rows, problems=problems)
    flag_rows(
        _column(frame, "session_id").astype("string").str.strip().fillna("").eq(""),
        rows,
        column="session_id",
        message="session_id is empty",
        fix="give the number of the session the feedback is about",
        problems=problems,
    )
    about = (
        pd.DataFrame(
            {
                "session_id": pd.to_numeric(sessions["session_id"]).to_numpy(dtype=np.int64),
                "learner_id": sessions["learner_id"].astype(str).to_numpy(dtype=object),
                "teacher_id": sessions["teacher_id"].astype(str).to_numpy(dtype=object),
                "status": sessions["status"].astype(str).to_numpy(dtype=object),
                "held_at": pd.to_datetime(sessions["held_at"]).astype("datetime64[ns]").to_numpy()
                if "held_at" in sessions.columns
                else pd.NaT,
            }
        )
        .drop_duplicates("session_id")
        .set_index("session_id")
    )
    key = sid.to_numpy(dtype=np.float64, na_value=np.nan)
    exists = np.isin(key, about.index.to_numpy(dtype=np.float64)) & sid.notna().to_numpy()
    flag_rows(
        sid.notna().to_numpy() & ~exists,
        rows,
        column="session_id",
        message=lambda i: (
            f"session {sid.iloc[i]} is neither in the file of sessions nor in the ledger"
        ),
        fix="correct the session number, or import the session first",
        problems=problems,
    )
    s_learner = about["learner_id"].reindex(key).to_numpy(dtype=object)
    s_teacher = about["teacher_id"].reindex(key).to_numpy(dtype=object)
    s_status = about["status"].reindex(key).to_numpy(dtype=object)
    s_held = pd.Series(about["held_at"].reindex(key).to_numpy(dtype="datetime64[ns]"))
    flag_rows(
        exists & (s_status != "held"),
        rows,
        column="session_id",
        message=lambda i: (
            f"session {sid.iloc[i]} is {s_status[i]}; feedback comes after a held session"
        ),
        fix="mark the session held first, or drop the row",
        problems=problems,
    )

    author = _ids(_column(frame, "author_id"))
    flag_rows(
        author.isna(),
        rows,
        column="author_id",
        message="author_id is empty",
        fix="give the id of the person who gave the feedback",
        problems=problems,
    )
    a = _objects(author)
    raw_role = _column(frame, "role").astype("string").str.strip().str.lower()
    blank_role = raw_role.isna() | (raw_role == "")
    role = raw_role.map(ROLE_ALIASES).astype("string")
    flag_rows(
        ~blank_role & role.isna(),
        rows,
        column="role",
        message=lambda i: f"{_column(frame, 'role').iloc[i]!r} is not a role",
        fix="write learner (feedback about the teacher) or teacher (about the learner)",
        problems=problems,
    )
    inferred = pd.Series(pd.NA, index=role.index, dtype="string")
    inferred[a == s_teacher] = "teacher"
    inferred[a == s_learner] = "learner"
    role = role.where(~blank_role, inferred)
    r = _objects(role)
    expected = np.full(len(r), None, dtype=object)
    expected[r == "learner"] = s_learner[r == "learner"]
    expected[r == "teacher"] = s_teacher[r == "teacher"]
    in_session = (a == s_learner) | (a == s_teacher)
    outsider = exists & author.notna().to_numpy() & ~in_session
    flag_rows(
        outsider,
        rows,
        column="author_id",
        message=lambda i: (
            f"{a[i]} was not in session {sid.iloc[i]} (learner {s_learner[i]}, teacher {s_teacher[i]})"
        ),
        fix="give the learner's or the teacher's id",
        problems=problems,
    )
    wrong_side = exists & in_session & role.notna().to_numpy() & (expected != a)
    flag_rows(
        wrong_side,
        rows,
        column="role",
        message=lambda i: f"{a[i]} was not the {r[i]} of session {sid.iloc[i]}",
        fix="give the role the author had in the session, or leave role empty",
        problems=problems,
    )

    rating = parse_int(
        _column(frame, "rating"), column="rating", rows=rows, problems=problems, low=1, high=5
    )
    flag_rows(
        _column(frame, "rating").astype("string").str.strip().fillna("").eq(""),
        rows,
        column="rating",
        message="rating is empty",
        fix="give a rating from 1 to 5",
        problems=problems,
    )
    answers: dict[str, pd.Series] = {}
    for question in FEEDBACK_QUESTIONS:
        raw = _column(frame, question)
        parsed = parse_bool(raw, column=question, rows=rows, problems=problems)
        blank = raw.astype("string").str.strip().fillna("").eq("")
        answers[question] = parsed.astype("boolean").mask(blank.to_numpy(), pd.NA)

    key_pairs = pd.Series(sid.astype("string").fillna("") + "\x00" + role.fillna(""))
    done = sid.notna() & role.notna()
    twice = done & key_pairs.duplicated(keep="first")
    first = _first_row(key_pairs, rows)
    flag_rows(
        twice,
        rows,
        column="role",
        message=lambda i: (
            f"the {r[i]} of session {sid.iloc[i]} gave feedback again (first on row {int(first.iloc[i])})"
        ),
        fix="keep one feedback per session and side",
        problems=problems,
    )
    if existing is not None and not existing.empty:
        stored = pd.Series(
            pd.to_numeric(existing["session_id"]).astype("Int64").astype("string")
            + "\x00"
            + existing["role"].astype("string")
        )
        flag_rows(
            done & ~twice & key_pairs.isin(stored),
            rows,
            column="role",
            message=lambda i: f"the {r[i]} of session {sid.iloc[i]} already gave feedback",
            fix="leave out feedback imported before",
            problems=problems,
        )

    given = parse_date(_column(frame, "given_at"), column="given_at", rows=rows, problems=problems)
    early = exists & (given.dt.normalize() < s_held.dt.normalize()).fillna(False).to_numpy()
    flag_rows(
        early,
        rows,
        column="given_at",
        message=lambda i: f"given_at {given.iloc[i]:%Y-%m-%d} is before the session was held",
        fix="correct the date, or leave it empty",
        problems=problems,
    )

    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ValidationError(source, problems)
    comment = _column(frame, "comment").astype("string").str.strip().fillna("")
    out = pd.DataFrame(
        {
            "session_id": sid.astype("int64"),
            "author_id": author.astype(object),
            "role": role.astype(object),
            "rating": rating.astype("int64"),
            **answers,
            "comment": comment.astype(object),
            "given_at": given.fillna(s_held),
        }
    )
    return out[list(FEEDBACK_COLUMNS)]


def read_sessions(
    path: str | Path,
    *,
    known_people: pd.Series | Iterable[str] | None = None,
    known_sessions: pd.DataFrame | None = None,
    synonyms: Mapping[str, str] | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read and check a sessions file into the ledger's columns (``SESSION_COLUMNS``).

    ``known_people``: the ids sessions may name; ``known_sessions``: the ledger, which
    parent links may point into and whose ids the file must not reuse; ``synonyms``: skill
    aliases (``alias -> skill``); ``mapping``: ``{"Header in file": "column"}``.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("learner_id,teacher_id,skill,status,held_at\\nbo,ana,Go,held,2025-01-32\\n")
    >>> read_sessions(p)
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: ...s.csv: 1 problem
      row 2, column held_at: '2025-01-32' is not a date (fix: write dates as YYYY-MM-DD)
    """
    table = read_table(path, sheet=sheet, encoding=encoding)
    frame = rename_columns(
        table, canonical=SESSION_COLUMNS, aliases=SESSION_ALIASES, mapping=mapping
    )
    require_columns(frame, ["learner_id", "teacher_id", "skill"], source=table.source)
    with in_file_terms(file_headers(table, frame)):
        return validate_sessions(
            frame,
            source=table.source,
            known_people=known_people,
            known_sessions=known_sessions,
            synonyms=synonyms,
        )


def read_feedback(
    path: str | Path,
    *,
    sessions: pd.DataFrame,
    existing: pd.DataFrame | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read and check a feedback file (``FEEDBACK_COLUMNS``) about ``sessions``.

    ``sessions``: every session the feedback may be about (the file read with
    :func:`read_sessions` and the ledger's); ``existing``: feedback already stored.

    >>> import tempfile
    >>> s = pd.DataFrame({"session_id": [1], "learner_id": ["bo"], "teacher_id": ["ana"],
    ...     "skill": ["sql"], "status": ["held"], "held_at": [pd.Timestamp("2025-01-10")]})
    >>> p = Path(tempfile.mkdtemp()) / "f.csv"
    >>> _ = p.write_text("session_id,author_id,rating,would_learn_again\\n1,bo,5,yes\\n1,bo,4,\\n")
    >>> read_feedback(p, sessions=s)
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: ...f.csv: 1 problem
      row 3, column role: the learner of session 1 gave feedback again (first on row 2) (fix: keep one feedback per session and side)
    """
    table = read_table(path, sheet=sheet, encoding=encoding)
    frame = rename_columns(
        table, canonical=FEEDBACK_COLUMNS, aliases=FEEDBACK_ALIASES, mapping=mapping
    )
    require_columns(frame, ["session_id", "author_id", "rating"], source=table.source)
    with in_file_terms(file_headers(table, frame)):
        return validate_feedback(frame, sessions=sessions, source=table.source, existing=existing)

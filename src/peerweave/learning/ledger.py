"""The sessions ledger's rules on plain frames: status changes, snowball links, who sees what.

A session moves ``proposed → scheduled → held``, or ends ``cancelled`` from ``proposed`` or
``scheduled`` (:data:`TRANSITIONS`); nothing else. When a learner later teaches the skill
they learned, the new session points to the session they learned it in
(``parent_session_id``): :func:`snowball_parents` finds it.

**Double-blind feedback.** Each side's feedback on a held session stays hidden from the
other side until both have given theirs, or :data:`FEEDBACK_DEADLINE_DAYS` days have passed
since the session was held (:func:`visible_feedback`) — as two-sided marketplaces do, so
that neither side rates in retaliation or in return. People outside a session never see
its feedback. Ratings are never published per teacher: programme leads see only figures
over many sessions (:func:`feedback_summary`), and matching uses them as a Bayesian
average (``peerweave.learning.matching``).

The frames carry the columns of :mod:`peerweave.learning.schema`.

>>> sessions = pd.DataFrame({"session_id": [1], "learner_id": ["ana"], "teacher_id": ["bo"],
...     "skill": ["sql"], "status": ["held"], "held_at": [pd.Timestamp("2025-03-01")]})
>>> given = pd.DataFrame({"session_id": [1], "author_id": ["ana"], "role": ["learner"],
...                       "rating": [5]})
>>> len(visible_feedback(given, sessions, "bo", pd.Timestamp("2025-03-02")))  # bo has not given his
0
>>> len(visible_feedback(given, sessions, "bo", pd.Timestamp("2025-03-15")))  # the deadline passed
1
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peerweave.errors import InputError, Problem
from peerweave.learning.schema import (
    FEEDBACK_DEADLINE_DAYS,
    FEEDBACK_QUESTIONS,
    FEEDBACK_ROLES,
)

__all__ = [
    "OPEN_STATUSES",
    "TRANSITIONS",
    "check_transition",
    "feedback_summary",
    "learner_ratings",
    "open_load",
    "snowball_parents",
    "unserved_wishes",
    "visible_feedback",
]

#: Where a session may go from each status.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("scheduled", "cancelled"),
    "scheduled": ("held", "cancelled"),
    "held": (),
    "cancelled": (),
}

#: Sessions that still take a teacher's time (they count against the capacity).
OPEN_STATUSES: tuple[str, ...] = ("proposed", "scheduled")

#: The command that moves a session into each status, for messages.
_VERB = {"scheduled": "schedule", "held": "hold", "cancelled": "cancel"}


def check_transition(session_id: int, current: str, new: str) -> None:
    """Raise ``InputError`` unless a session may move from ``current`` to ``new``.

    >>> check_transition(4, "proposed", "scheduled")
    >>> check_transition(4, "proposed", "held")
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: session #4: it is proposed, so it cannot be held yet (fix: schedule it first: `peerweave sessions schedule 4 DATE`)
    """
    if new in TRANSITIONS.get(current, ()):
        return
    if current == "proposed" and new == "held":
        problem = Problem(
            "it is proposed, so it cannot be held yet",
            fix=f"schedule it first: `peerweave sessions schedule {session_id} DATE`",
        )
    elif current in ("held", "cancelled"):
        problem = Problem(
            f"it is already {current}; a {current} session does not change any more",
            fix="propose a new session for the same pair: `peerweave sessions add`",
        )
    elif current == new:
        problem = Problem(f"it is already {current}", fix="nothing to do")
    else:
        allowed = " or ".join(_VERB.get(s, s) for s in TRANSITIONS.get(current, ()))
        problem = Problem(
            f"a {current} session cannot become {new}",
            fix=f"a {current} session can only {allowed or 'stay as it is'}",
        )
    raise InputError(f"session #{session_id}", problem)


def snowball_parents(sessions: pd.DataFrame, known: pd.DataFrame) -> pd.Series:
    """For each session, the held session in which its teacher learned its skill (or NA).

    A session's candidates are the held sessions of ``known`` (and of ``sessions``
    themselves) whose learner is the session's teacher, for the same skill, held before
    it: ``(held_at, session_id)`` of the candidate comes before ``(when, session_id)`` of the
    session, where ``when`` is its ``held_at`` once held, else its ``proposed_at``. Of
    those, the first one held (the teacher's first time). Because a parent is always
    strictly earlier, the links never form a cycle, even when A taught B and B later
    taught A. Returns ``Int64`` values on ``sessions``' index.

    >>> at = pd.to_datetime(["2025-01-10", "2025-02-01", "2025-03-01"])
    >>> s = pd.DataFrame({"session_id": [1, 2, 3], "learner_id": ["b", "c", "a"],
    ...     "teacher_id": ["a", "b", "b"], "skill": ["sql"] * 3, "status": ["held"] * 3,
    ...     "proposed_at": at, "held_at": at})
    >>> snowball_parents(s, s.iloc[:0]).tolist()  # b learned in 1, then taught c and a
    [<NA>, 1, 1]
    """
    n = len(sessions)
    result = pd.Series(pd.array([pd.NA] * n, dtype="Int64"), index=sessions.index)
    pool = pd.concat([known, sessions], ignore_index=True)
    pool = pool[(pool["status"] == "held") & pool["held_at"].notna()]
    if n == 0 or pool.empty:
        return result
    held_at = pd.to_datetime(sessions["held_at"])
    when = held_at.where((sessions["status"] == "held") & held_at.notna())
    children = pd.DataFrame(
        {
            "position": np.arange(n),
            "person": sessions["teacher_id"].astype(str).to_numpy(),
            "skill": sessions["skill"].astype(str).to_numpy(),
            "when": when.fillna(pd.to_datetime(sessions["proposed_at"])).to_numpy(),
            "child_id": pd.to_numeric(sessions["session_id"]).to_numpy(dtype=np.int64),
        }
    )
    parents = pd.DataFrame(
        {
            "person": pool["learner_id"].astype(str).to_numpy(),
            "skill": pool["skill"].astype(str).to_numpy(),
            "parent_at": pd.to_datetime(pool["held_at"]).to_numpy(),
            "parent_id": pd.to_numeric(pool["session_id"]).to_numpy(dtype=np.int64),
        }
    ).drop_duplicates("parent_id")
    pairs = children.merge(parents, on=["person", "skill"])
    before = (pairs["parent_at"] < pairs["when"]) | (
        (pairs["parent_at"] == pairs["when"]) & (pairs["parent_id"] < pairs["child_id"])
    )
    first = (
        pairs[before]
        .sort_values(["position", "parent_at", "parent_id"])
        .drop_duplicates("position")
    )
    values = result.to_numpy(copy=True)
    values[first["position"].to_numpy()] = first["parent_id"].to_numpy()
    return pd.Series(pd.array(values, dtype="Int64"), index=sessions.index)


def visible_feedback(
    feedback: pd.DataFrame,
    sessions: pd.DataFrame,
    viewer_id: str,
    now: pd.Timestamp,
    *,
    deadline_days: int = FEEDBACK_DEADLINE_DAYS,
) -> pd.DataFrame:
    """The feedback rows ``viewer_id`` may read, under the double-blind rule.

    A person sees their own feedback, and the other side's feedback on a session they
    were in once both sides have given theirs or ``deadline_days`` have passed since the
    session was held (``held_at``). Nobody sees feedback on sessions they were not in.
    ``now`` is a naive UTC time, as the ledger stores.

    >>> s = pd.DataFrame({"session_id": [1], "learner_id": ["ana"], "teacher_id": ["bo"],
    ...                   "held_at": [pd.Timestamp("2025-03-01")]})
    >>> both = pd.DataFrame({"session_id": [1, 1], "author_id": ["ana", "bo"],
    ...                      "role": ["learner", "teacher"], "rating": [5, 4]})
    >>> visible_feedback(both, s, "bo", pd.Timestamp("2025-03-02"))["author_id"].tolist()
    ['ana', 'bo']
    >>> visible_feedback(both, s, "cy", pd.Timestamp("2025-09-01")).empty
    True
    """
    if feedback.empty:
        return feedback.iloc[:0]
    about = sessions.drop_duplicates("session_id").set_index("session_id")
    ids = feedback["session_id"]
    learner = about["learner_id"].reindex(ids).to_numpy()
    teacher = about["teacher_id"].reindex(ids).to_numpy()
    held_at = pd.to_datetime(about["held_at"]).reindex(ids).to_numpy()
    involved = (learner == viewer_id) | (teacher == viewer_id)
    own = (feedback["author_id"] == viewer_id).to_numpy()
    sides = feedback.groupby("session_id")["role"].nunique()
    both_given = (sides.reindex(ids).to_numpy() >= len(FEEDBACK_ROLES)) & involved
    deadline = pd.Timestamp(now) - pd.Timedelta(days=deadline_days)
    past_deadline = ~pd.isna(held_at) & (held_at <= deadline.to_datetime64())
    keep = involved & (own | both_given | past_deadline)
    shown: pd.DataFrame = feedback.loc[keep]
    return shown


def feedback_summary(feedback: pd.DataFrame, *, min_count: int = 5) -> pd.DataFrame:
    """Feedback figures over the whole programme, one row per role: never per teacher.

    Columns ``role, given, mean_rating, share_4_or_5`` and the share of ``yes`` to each
    question (``prepared``, ``clear``, ``again``; of those who answered). Figures over
    fewer than ``min_count`` answers are NaN, so that no one's rating can be read off.

    >>> f = pd.DataFrame({"role": ["learner"] * 5, "rating": [5, 4, 4, 3, 5],
    ...                   "again": [True, True, True, False, True]})
    >>> feedback_summary(f)[["role", "given", "mean_rating", "again"]].to_dict("records")
    [{'role': 'learner', 'given': 5, 'mean_rating': 4.2, 'again': 0.8},
     {'role': 'teacher', 'given': 0, 'mean_rating': nan, 'again': nan}]
    """
    rows = []
    for role in FEEDBACK_ROLES:
        part = feedback[feedback["role"] == role] if "role" in feedback.columns else feedback
        given = len(part)
        enough = given >= min_count
        ratings = pd.to_numeric(part["rating"]).astype(float) if given else pd.Series([0.0])
        row: dict[str, object] = {
            "role": role,
            "given": given,
            "mean_rating": float(ratings.mean()) if enough else np.nan,
            "share_4_or_5": float((ratings >= 4).mean()) if enough else np.nan,
        }
        for question in FEEDBACK_QUESTIONS:
            answers = (
                part[question].astype("boolean").dropna()
                if question in part.columns
                else pd.Series([], dtype="boolean")
            )
            row[question] = (
                float(answers.astype(bool).mean()) if len(answers) >= min_count else np.nan
            )
        rows.append(row)
    return pd.DataFrame(rows)


def learner_ratings(feedback: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """``teacher_id, rating``: one row per rating a learner gave a teacher (for matching).

    >>> s = pd.DataFrame({"session_id": [1, 2], "teacher_id": ["bo", "cy"]})
    >>> f = pd.DataFrame({"session_id": [1, 2], "role": ["learner", "teacher"],
    ...                   "rating": [5, 2]})
    >>> learner_ratings(f, s).to_dict("records")
    [{'teacher_id': 'bo', 'rating': 5}]
    """
    given = feedback[feedback["role"] == "learner"]
    teachers = sessions.drop_duplicates("session_id").set_index("session_id")["teacher_id"]
    return pd.DataFrame(
        {
            "teacher_id": teachers.reindex(given["session_id"]).to_numpy(dtype=object),
            "rating": pd.to_numeric(given["rating"]).to_numpy(dtype=np.int64),
        }
    ).dropna(subset=["teacher_id"])


def open_load(sessions: pd.DataFrame) -> pd.DataFrame:
    """``teacher_id, open``: learners each teacher has in proposed or scheduled sessions.

    >>> s = pd.DataFrame({"teacher_id": ["bo", "bo", "cy"],
    ...                   "status": ["proposed", "held", "scheduled"]})
    >>> open_load(s).to_dict("records")
    [{'teacher_id': 'bo', 'open': 1}, {'teacher_id': 'cy', 'open': 1}]
    """
    busy = sessions[sessions["status"].isin(OPEN_STATUSES)]
    counts = busy.groupby("teacher_id", sort=True).size()
    return pd.DataFrame(
        {
            "teacher_id": counts.index.astype(object),
            "open": counts.to_numpy(dtype=np.int64),
        }
    )


def unserved_wishes(skills: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """``skills`` with ``wants_to_learn`` turned off where the wish is already served.

    A wish (learner, skill) is served by an open (proposed, scheduled) or held session for
    the same learner and skill; a matching round leaves those out. Cancelled sessions
    serve nothing. Returns a copy; other columns are unchanged.

    >>> skills = pd.DataFrame({"person_id": ["ana", "ana"], "skill": ["sql", "go"],
    ...                        "wants_to_learn": [True, True]})
    >>> s = pd.DataFrame({"learner_id": ["ana"], "skill": ["sql"], "status": ["held"]})
    >>> unserved_wishes(skills, s)["wants_to_learn"].tolist()
    [False, True]
    """
    serving = sessions[sessions["status"].isin((*OPEN_STATUSES, "held"))]
    served = pd.MultiIndex.from_arrays(
        [serving["learner_id"].astype(str), serving["skill"].astype(str)]
    )
    wishes = pd.MultiIndex.from_arrays(
        [skills["person_id"].astype(str), skills["skill"].astype(str)]
    )
    out = skills.copy()
    out["wants_to_learn"] = out["wants_to_learn"].astype(bool) & ~wishes.isin(served)
    return out

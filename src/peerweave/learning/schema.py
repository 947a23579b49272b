"""The frames peer learning passes between its parts: sessions, feedback, endorsements, matches.

One table per idea, the same columns in the core, the store, the CLI's exports and the web:

* a **session** is one learner learning one skill from one teacher. It moves
  ``proposed → scheduled → held`` or ends ``cancelled``. ``parent_session_id`` is the session
  in which the teacher once learned this skill themself (the snowball link); ``applied_at``
  is when the learner said they applied it; ``wished_at`` when the learner first asked.
* **feedback** is one side's view of one session: ``role`` ``learner`` (about the teacher)
  or ``teacher`` (about the learner), a 1–5 ``rating``, three yes/no questions and a
  comment. Each side's feedback stays hidden from the other until both have given theirs or
  the deadline has passed.
* an **endorsement** is one person vouching for another's skill.
* a **match** is a proposed learner–teacher pair from a matching round; an **unmatched**
  wish says why no teacher was found.

>>> SESSION_STATUSES
('proposed', 'scheduled', 'held', 'cancelled')
>>> MATCH_COLUMNS
('learner_id', 'teacher_id', 'skill', 'score')
"""

from __future__ import annotations

__all__ = [
    "ENDORSEMENT_COLUMNS",
    "FEEDBACK_COLUMNS",
    "FEEDBACK_DEADLINE_DAYS",
    "FEEDBACK_QUESTIONS",
    "FEEDBACK_ROLES",
    "MATCH_COLUMNS",
    "RATINGS",
    "SESSION_COLUMNS",
    "SESSION_STATUSES",
    "UNMATCHED_COLUMNS",
]

SESSION_STATUSES: tuple[str, ...] = ("proposed", "scheduled", "held", "cancelled")

SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",  # int
    "learner_id",
    "teacher_id",
    "skill",  # normalised, as in the skills inventory
    "status",  # one of SESSION_STATUSES
    "proposed_at",  # datetime
    "scheduled_for",  # datetime or NaT
    "held_at",  # datetime or NaT
    "cancelled_at",  # datetime or NaT
    "applied_at",  # datetime or NaT: the learner applied the skill
    "parent_session_id",  # Int64 or NA: where the teacher learned this skill (the snowball)
    "round_id",  # Int64 or NA: the matching round that proposed it
    "wished_at",  # datetime or NaT: when the learner first asked to learn the skill
)

FEEDBACK_ROLES: tuple[str, ...] = ("learner", "teacher")
FEEDBACK_QUESTIONS: tuple[str, ...] = ("prepared", "clear", "again")
RATINGS = range(1, 6)
FEEDBACK_DEADLINE_DAYS = 14

FEEDBACK_COLUMNS: tuple[str, ...] = (
    "session_id",
    "author_id",
    "role",  # "learner": the learner about the teacher; "teacher": about the learner
    "rating",  # 1–5
    "prepared",  # boolean or NA: was the other side prepared?
    "clear",  # boolean or NA: was it clear (learner) / did they engage (teacher)?
    "again",  # boolean or NA: would learn from / teach them again?
    "comment",  # text, may be empty
    "given_at",  # datetime
)

ENDORSEMENT_COLUMNS: tuple[str, ...] = ("from_id", "to_id", "skill", "created_at")

MATCH_COLUMNS: tuple[str, ...] = ("learner_id", "teacher_id", "skill", "score")
UNMATCHED_COLUMNS: tuple[str, ...] = ("learner_id", "skill", "reason")

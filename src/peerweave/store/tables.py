"""The database tables, as SQLAlchemy Core ``Table`` objects on one ``MetaData``.

This module describes the *current* schema; the Alembic revisions in
``migrations/versions`` create it step by step. A test compares the two, so a
change here needs a new revision (see ``docs/store.md``).

All times are stored as naive UTC ``DateTime`` values.

>>> sorted(metadata.tables)  # doctest: +NORMALIZE_WHITESPACE
['adoptions', 'analysis_runs', 'audit_log', 'circle_members', 'circle_rounds', 'endorsements',
 'imports', 'initiative_champions', 'initiatives', 'learning_sessions', 'match_rounds', 'people',
 'person_metrics', 'person_skills', 'round_matches', 'round_unmatched', 'session_feedback', 'ties',
 'users']
>>> [c.name for c in ties.primary_key]
['id']
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

__all__ = [
    "ADOPTION_SOURCES",
    "CIRCLE_ROLES",
    "IMPORT_KINDS",
    "INITIATIVE_KINDS",
    "METRIC_FLOAT_COLUMNS",
    "METRIC_INT_COLUMNS",
    "PERSON_STATUSES",
    "USER_ROLES",
    "adoptions",
    "analysis_runs",
    "audit_log",
    "circle_members",
    "circle_rounds",
    "endorsements",
    "imports",
    "initiative_champions",
    "initiatives",
    "learning_sessions",
    "match_rounds",
    "metadata",
    "people",
    "person_metrics",
    "person_skills",
    "round_matches",
    "round_unmatched",
    "session_feedback",
    "ties",
    "users",
]

#: What an import can have read; stored in ``imports.kind``.
IMPORT_KINDS: tuple[str, ...] = (
    "people",
    "events",
    "ties",
    "survey",
    "viva",
    "skills",
    "sessions",
)

#: What an initiative stores; ``initiatives.kind``.
INITIATIVE_KINDS: tuple[str, ...] = ("champions",)

#: How an adoption was recorded; ``adoptions.source``.
ADOPTION_SOURCES: tuple[str, ...] = ("manual", "import", "api", "learning")

#: What a web app account may do (``users.role``): see ``docs/web.md``.
USER_ROLES: tuple[str, ...] = ("admin", "analyst", "member")

#: A person's part in a peer circle; ``circle_members.role``.
CIRCLE_ROLES: tuple[str, ...] = ("host", "member")

#: ``people.status``: still in the latest people file, or gone from it.
PERSON_STATUSES: tuple[str, ...] = ("active", "left")

#: Constraint names are derived, never left to the database, so that later
#: migrations (SQLite batch mode included) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Row ids that may pass 2**31 on a server; SQLite's rowid is already 64-bit.
BigId = BigInteger().with_variant(Integer(), "sqlite")

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("files", Text, nullable=False),  # JSON list of paths
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("rows_read", Integer, nullable=False),
    Column("records", Integer, nullable=False),
    Column("report", Text, nullable=False),  # JSON: counts and problems
)

people = Table(
    "people",
    metadata,
    Column("person_id", String, primary_key=True),
    Column("name", String),
    Column("email", String),
    Column("manager_id", String),
    Column("department", String),
    Column("team", String),
    Column("title", String),
    Column("level", Integer),
    Column("location", String),
    Column("timezone", String),
    Column("hire_date", Date),
    Column("opted_out", Boolean, nullable=False, server_default=false()),
    Column("on_leave", Boolean, nullable=False, server_default=false()),  # 0005
    Column("status", String(10), nullable=False, server_default=text("'active'")),
    Column("left_at", DateTime),
    Column("first_import_id", Integer, ForeignKey("imports.id")),
    Column("last_import_id", Integer, ForeignKey("imports.id")),
    Column("updated_at", DateTime, nullable=False),
    CheckConstraint("status IN ('active', 'left')", name="status"),
)

ties = Table(
    "ties",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source", String, ForeignKey("people.person_id"), nullable=False),
    Column("target", String, ForeignKey("people.person_id"), nullable=False),
    Column("kind", String, nullable=False),
    Column("weight", Float, nullable=False),
    Column("window_start", DateTime),
    Column("window_end", DateTime),
    Column("import_id", Integer, ForeignKey("imports.id")),
    Index("ix_ties_kind", "kind"),
    Index("ix_ties_source", "source"),
    Index("ix_ties_target", "target"),
)

person_skills = Table(
    "person_skills",
    metadata,
    Column("person_id", String, ForeignKey("people.person_id"), primary_key=True),
    Column("skill", String, primary_key=True),
    Column("level", Integer, nullable=False),
    Column("can_teach", Boolean, nullable=False, server_default=false()),
    Column("wants_to_learn", Boolean, nullable=False, server_default=false()),
    Column("capacity", Integer, nullable=False, server_default=text("2")),
    Column("import_id", Integer, ForeignKey("imports.id")),
    CheckConstraint("level BETWEEN 0 AND 4", name="level"),
)

analysis_runs = Table(
    "analysis_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("params", Text, nullable=False),  # JSON: the analysis options
    Column("kinds", Text),  # JSON list of tie kinds; NULL = every kind
    Column("window_start", DateTime),
    Column("window_end", DateTime),
    Column("people", Integer, nullable=False),
    Column("ties", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: headline figures
    Column("notes", Text, nullable=False),  # JSON list of sentences
)

#: ``person_metrics`` columns holding whole numbers (NULL when undefined).
METRIC_INT_COLUMNS: tuple[str, ...] = ("degree", "in_degree", "out_degree", "core", "community")

#: ``person_metrics`` columns holding real numbers (NULL when undefined, read back as NaN).
METRIC_FLOAT_COLUMNS: tuple[str, ...] = (
    "strength",
    "pagerank",
    "eigenvector",
    "betweenness",
    "harmonic",
    "clustering",
    "constraint",
    "effective_size",
)

#: The columns in the order of ``peerweave.network.analysis.EXPORT_COLUMNS``.
_METRIC_ORDER: tuple[str, ...] = (
    "degree",
    "in_degree",
    "out_degree",
    "strength",
    "pagerank",
    "eigenvector",
    "betweenness",
    "harmonic",
    "clustering",
    "constraint",
    "effective_size",
    "core",
    "community",
)

person_metrics = Table(
    "person_metrics",
    metadata,
    Column(
        "run_id",
        Integer,
        ForeignKey("analysis_runs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("person_id", String, ForeignKey("people.person_id"), primary_key=True),
    *(Column(c, Integer if c in METRIC_INT_COLUMNS else Float) for c in _METRIC_ORDER),
    Column("roles", Text, nullable=False, server_default=text("''")),  # ';'-separated
)

initiatives = Table(
    "initiatives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("kind", String(20), nullable=False, server_default=text("'champions'")),
    Column("params", Text, nullable=False),  # JSON: model, budget, constraints, seed…
    Column("k", Integer, nullable=False),
    Column("model", String(20), nullable=False),  # ic, lt or complex
    Column("estimated_reach", Float),  # expected adopters of the whole set (NULL if unknown)
    Column("guarantee", Text, nullable=False),  # what the estimate promises, in words
    Column("started_at", DateTime),  # 0006: when the initiative began (set to created_at)
    CheckConstraint("kind IN ('champions')", name="kind"),
)

initiative_champions = Table(
    "initiative_champions",
    metadata,
    Column(
        "initiative_id",
        Integer,
        ForeignKey("initiatives.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("person_id", String, ForeignKey("people.person_id"), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("marginal_gain", Float),  # NULL for heuristic seeds
    Column("reason", Text, nullable=False, server_default=text("''")),
)

adoptions = Table(
    "adoptions",
    metadata,
    Column(
        "initiative_id",
        Integer,
        ForeignKey("initiatives.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("person_id", String, ForeignKey("people.person_id"), primary_key=True),
    Column("adopted_at", DateTime, nullable=False),
    Column("evidence", Text),  # a link, a note; NULL when none
    Column("source", String(10), nullable=False, server_default=text("'manual'")),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("source IN ('manual', 'import', 'api', 'learning')", name="source"),
)

match_rounds = Table(
    "match_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("params", Text, nullable=False),  # JSON: the matching options
    Column("summary", Text, nullable=False),  # JSON: wishes, matched, max possible…
)

round_matches = Table(
    "round_matches",
    metadata,
    Column(
        "round_id", Integer, ForeignKey("match_rounds.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("learner_id", String, ForeignKey("people.person_id"), primary_key=True),
    Column("skill", String, primary_key=True),
    Column("teacher_id", String, ForeignKey("people.person_id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", Text, nullable=False, server_default=text("''")),
)

round_unmatched = Table(
    "round_unmatched",
    metadata,
    Column(
        "round_id", Integer, ForeignKey("match_rounds.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("learner_id", String, ForeignKey("people.person_id"), primary_key=True),
    Column("skill", String, primary_key=True),
    Column("reason", Text, nullable=False),
)

learning_sessions = Table(
    "learning_sessions",
    metadata,
    Column("session_id", Integer, primary_key=True, autoincrement=True),
    Column("learner_id", String, ForeignKey("people.person_id"), nullable=False),
    Column("teacher_id", String, ForeignKey("people.person_id"), nullable=False),
    Column("skill", String, nullable=False),
    Column("status", String(10), nullable=False, server_default=text("'proposed'")),
    Column("proposed_at", DateTime, nullable=False),
    Column("scheduled_for", DateTime),
    Column("held_at", DateTime),
    Column("cancelled_at", DateTime),
    Column("applied_at", DateTime),
    Column("parent_session_id", Integer, ForeignKey("learning_sessions.session_id")),
    Column("round_id", Integer, ForeignKey("match_rounds.id", ondelete="SET NULL")),
    Column("wished_at", DateTime),
    CheckConstraint("status IN ('proposed', 'scheduled', 'held', 'cancelled')", name="status"),
    CheckConstraint("learner_id <> teacher_id", name="two_people"),
    Index("ix_learning_sessions_teacher_skill", "teacher_id", "skill"),
    Index("ix_learning_sessions_learner_skill", "learner_id", "skill"),
)

session_feedback = Table(
    "session_feedback",
    metadata,
    Column(
        "session_id",
        Integer,
        ForeignKey("learning_sessions.session_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("role", String(10), primary_key=True),
    Column("author_id", String, ForeignKey("people.person_id"), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("prepared", Boolean),
    Column("clear", Boolean),
    Column("again", Boolean),
    Column("comment", Text, nullable=False, server_default=text("''")),
    Column("given_at", DateTime, nullable=False),
    CheckConstraint("role IN ('learner', 'teacher')", name="role"),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
)

endorsements = Table(
    "endorsements",
    metadata,
    Column("from_id", String, ForeignKey("people.person_id"), primary_key=True),
    Column("to_id", String, ForeignKey("people.person_id"), primary_key=True),
    Column("skill", String, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    CheckConstraint("from_id <> to_id", name="two_people"),
)

# -- 0007: web app accounts and the audit log ---------------------------------------------

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),  # argon2id, encoded with its parameters
    Column("role", String(10), nullable=False),
    Column("person_id", String, ForeignKey("people.person_id")),  # a member's own person
    Column("created_at", DateTime, nullable=False),
    Column("failed_logins", Integer, nullable=False, server_default=text("0")),
    Column("locked_until", DateTime),  # no login before then (too many failures)
    # 0009: sessions issued under an earlier epoch are over (logout ends them server-side)
    Column("session_epoch", Integer, nullable=False, server_default=text("0")),
    CheckConstraint("role IN ('admin', 'analyst', 'member')", name="role"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("viewer", String(64), nullable=False),  # a username (not a key: users may go)
    Column("action", String(40), nullable=False),
    Column("subject_person_id", String),  # whose data was seen or changed; NULL for lists
    Column("detail", Text, nullable=False, server_default=text("''")),
    Index("ix_audit_log_at", "at"),
)

# -- 0008: peer circles ---------------------------------------------------------------------

circle_rounds = Table(
    "circle_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("params", Text, nullable=False),  # JSON: the options the round was formed with
    Column("diversity", Float, nullable=False),
    Column("repeat_pairs", Integer, nullable=False),  # pairs who had met in an earlier round
    Column("repeats_avoided", Float, nullable=False),  # expected repeats minus repeat_pairs
    Column("notes", Text, nullable=False),  # JSON list of sentences
)

circle_members = Table(
    "circle_members",
    metadata,
    Column("round_id", Integer, ForeignKey("circle_rounds.id"), primary_key=True),
    Column("person_id", String, ForeignKey("people.person_id"), primary_key=True),
    Column("circle", Integer, nullable=False),
    Column("role", String(10), nullable=False),
    CheckConstraint("role IN ('host', 'member')", name="role"),
)

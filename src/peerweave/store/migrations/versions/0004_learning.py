"""Peer learning: matching rounds, the sessions ledger, feedback, endorsements.

Revision ID: 0004
Revises: 0003
Create Date: 2025-04-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_rounds")),
    )
    op.create_table(
        "round_matches",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.String(), nullable=False),
        sa.Column("skill", sa.String(), nullable=False),
        sa.Column("teacher_id", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["match_rounds.id"],
            name=op.f("fk_round_matches_round_id_match_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["people.person_id"], name=op.f("fk_round_matches_learner_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["people.person_id"], name=op.f("fk_round_matches_teacher_id_people")
        ),
        sa.PrimaryKeyConstraint("round_id", "learner_id", "skill", name=op.f("pk_round_matches")),
    )
    op.create_table(
        "round_unmatched",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.String(), nullable=False),
        sa.Column("skill", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["match_rounds.id"],
            name=op.f("fk_round_unmatched_round_id_match_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["people.person_id"],
            name=op.f("fk_round_unmatched_learner_id_people"),
        ),
        sa.PrimaryKeyConstraint("round_id", "learner_id", "skill", name=op.f("pk_round_unmatched")),
    )
    op.create_table(
        "learning_sessions",
        sa.Column("session_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("learner_id", sa.String(), nullable=False),
        sa.Column("teacher_id", sa.String(), nullable=False),
        sa.Column("skill", sa.String(), nullable=False),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'proposed'"), nullable=False
        ),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(), nullable=True),
        sa.Column("held_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.Column("parent_session_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("wished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'scheduled', 'held', 'cancelled')",
            name=op.f("ck_learning_sessions_status"),
        ),
        sa.CheckConstraint(
            "learner_id <> teacher_id", name=op.f("ck_learning_sessions_two_people")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["people.person_id"],
            name=op.f("fk_learning_sessions_learner_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"],
            ["people.person_id"],
            name=op.f("fk_learning_sessions_teacher_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_session_id"],
            ["learning_sessions.session_id"],
            name=op.f("fk_learning_sessions_parent_session_id_learning_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["match_rounds.id"],
            name=op.f("fk_learning_sessions_round_id_match_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_learning_sessions")),
    )
    op.create_index(
        "ix_learning_sessions_teacher_skill", "learning_sessions", ["teacher_id", "skill"]
    )
    op.create_index(
        "ix_learning_sessions_learner_skill", "learning_sessions", ["learner_id", "skill"]
    )
    op.create_table(
        "session_feedback",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.String(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("prepared", sa.Boolean(), nullable=True),
        sa.Column("clear", sa.Boolean(), nullable=True),
        sa.Column("again", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('learner', 'teacher')", name=op.f("ck_session_feedback_role")),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_session_feedback_rating")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["learning_sessions.session_id"],
            name=op.f("fk_session_feedback_session_id_learning_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.person_id"],
            name=op.f("fk_session_feedback_author_id_people"),
        ),
        sa.PrimaryKeyConstraint("session_id", "role", name=op.f("pk_session_feedback")),
    )
    op.create_table(
        "endorsements",
        sa.Column("from_id", sa.String(), nullable=False),
        sa.Column("to_id", sa.String(), nullable=False),
        sa.Column("skill", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("from_id <> to_id", name=op.f("ck_endorsements_two_people")),
        sa.ForeignKeyConstraint(
            ["from_id"], ["people.person_id"], name=op.f("fk_endorsements_from_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["to_id"], ["people.person_id"], name=op.f("fk_endorsements_to_id_people")
        ),
        sa.PrimaryKeyConstraint("from_id", "to_id", "skill", name=op.f("pk_endorsements")),
    )


def downgrade() -> None:
    op.drop_table("endorsements")
    op.drop_table("session_feedback")
    op.drop_index("ix_learning_sessions_learner_skill", table_name="learning_sessions")
    op.drop_index("ix_learning_sessions_teacher_skill", table_name="learning_sessions")
    op.drop_table("learning_sessions")
    op.drop_table("round_unmatched")
    op.drop_table("round_matches")
    op.drop_table("match_rounds")

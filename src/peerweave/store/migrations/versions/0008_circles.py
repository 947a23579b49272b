"""Peer circles: stored rounds (parameters, diversity, repeats) and who sat where.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "circle_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("diversity", sa.Float(), nullable=False),
        sa.Column("repeat_pairs", sa.Integer(), nullable=False),
        sa.Column("repeats_avoided", sa.Float(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_rounds")),
    )
    op.create_table(
        "circle_members",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("circle", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.CheckConstraint("role IN ('host', 'member')", name=op.f("ck_circle_members_role")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_circle_members_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["circle_rounds.id"],
            name=op.f("fk_circle_members_round_id_circle_rounds"),
        ),
        sa.PrimaryKeyConstraint("round_id", "person_id", name=op.f("pk_circle_members")),
    )


def downgrade() -> None:
    op.drop_table("circle_members")
    op.drop_table("circle_rounds")

"""Spread: initiatives and their champions.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "kind", sa.String(length=20), server_default=sa.text("'champions'"), nullable=False
        ),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=20), nullable=False),
        sa.Column("estimated_reach", sa.Float(), nullable=True),
        sa.Column("guarantee", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('champions')", name=op.f("ck_initiatives_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiatives")),
    )
    op.create_table(
        "initiative_champions",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("marginal_gain", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_initiative_champions_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.person_id"],
            name=op.f("fk_initiative_champions_person_id_people"),
        ),
        sa.PrimaryKeyConstraint("initiative_id", "person_id", name=op.f("pk_initiative_champions")),
    )


def downgrade() -> None:
    op.drop_table("initiative_champions")
    op.drop_table("initiatives")

"""Measure: who adopted an initiative's practice and when; when each initiative started.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("initiatives") as batch:
        batch.add_column(sa.Column("started_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE initiatives SET started_at = created_at WHERE started_at IS NULL")
    op.create_table(
        "adoptions",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("adopted_at", sa.DateTime(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column(
            "source", sa.String(length=10), server_default=sa.text("'manual'"), nullable=False
        ),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "source IN ('manual', 'import', 'api', 'learning')", name=op.f("ck_adoptions_source")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_adoptions_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_adoptions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("initiative_id", "person_id", name=op.f("pk_adoptions")),
    )


def downgrade() -> None:
    op.drop_table("adoptions")
    with op.batch_alter_table("initiatives") as batch:
        batch.drop_column("started_at")

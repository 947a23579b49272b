"""Network analyses: analysis_runs and person_metrics.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT_COLUMNS = ("degree", "in_degree", "out_degree", "core", "community")
METRIC_COLUMNS = (
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


def upgrade() -> None:
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("kinds", sa.Text(), nullable=True),
        sa.Column("window_start", sa.DateTime(), nullable=True),
        sa.Column("window_end", sa.DateTime(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("ties", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_runs")),
    )
    op.create_table(
        "person_metrics",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        *(
            sa.Column(c, sa.Integer() if c in INT_COLUMNS else sa.Float(), nullable=True)
            for c in METRIC_COLUMNS
        ),
        sa.Column("roles", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["analysis_runs.id"],
            name=op.f("fk_person_metrics_run_id_analysis_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.person_id"],
            name=op.f("fk_person_metrics_person_id_people"),
        ),
        sa.PrimaryKeyConstraint("run_id", "person_id", name=op.f("pk_person_metrics")),
    )


def downgrade() -> None:
    op.drop_table("person_metrics")
    op.drop_table("analysis_runs")

"""Initial schema: imports, people, ties, person_skills.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("manager_id", sa.String(), nullable=True),
        sa.Column("department", sa.String(), nullable=True),
        sa.Column("team", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("opted_out", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'active'"), nullable=False
        ),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.Column("first_import_id", sa.Integer(), nullable=True),
        sa.Column("last_import_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'left')", name=op.f("ck_people_status")),
        sa.ForeignKeyConstraint(
            ["first_import_id"], ["imports.id"], name=op.f("fk_people_first_import_id_imports")
        ),
        sa.ForeignKeyConstraint(
            ["last_import_id"], ["imports.id"], name=op.f("fk_people_last_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_people")),
    )
    op.create_table(
        "ties",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=True),
        sa.Column("window_end", sa.DateTime(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_ties_import_id_imports")
        ),
        sa.ForeignKeyConstraint(
            ["source"], ["people.person_id"], name=op.f("fk_ties_source_people")
        ),
        sa.ForeignKeyConstraint(
            ["target"], ["people.person_id"], name=op.f("fk_ties_target_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ties")),
    )
    op.create_index("ix_ties_kind", "ties", ["kind"])
    op.create_index("ix_ties_source", "ties", ["source"])
    op.create_index("ix_ties_target", "ties", ["target"])
    op.create_table(
        "person_skills",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("skill", sa.String(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("can_teach", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("wants_to_learn", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("capacity", sa.Integer(), server_default=sa.text("2"), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("level BETWEEN 0 AND 4", name=op.f("ck_person_skills_level")),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_person_skills_import_id_imports")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_person_skills_person_id_people")
        ),
        sa.PrimaryKeyConstraint("person_id", "skill", name=op.f("pk_person_skills")),
    )


def downgrade() -> None:
    op.drop_table("person_skills")
    op.drop_index("ix_ties_target", table_name=op.f("ties"))
    op.drop_index("ix_ties_source", table_name=op.f("ties"))
    op.drop_index("ix_ties_kind", table_name=op.f("ties"))
    op.drop_table("ties")
    op.drop_table("people")
    op.drop_table("imports")

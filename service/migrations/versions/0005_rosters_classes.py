"""Rosters: classes, enrolments and the student fields a roster import fills.

Adds ``schools.state_id`` (the state's school identifier), ``students.source_id`` (the roster's
id of a student), the ``classes`` of a school year and their ``class_members``, and the
``pending_imports`` an importer previews before confirming.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0005"
down_revision: str | None = "0004"


def upgrade() -> None:
    with op.batch_alter_table("schools") as batch:
        batch.add_column(sa.Column("state_id", sa.String(length=32), nullable=True))
        batch.create_unique_constraint("uq_schools_state_id", ["state_id"])
    with op.batch_alter_table("students") as batch:
        batch.add_column(sa.Column("source_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_students_school_source_id", ["school_id", "source_id"])
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "school_id", "school_year", "source_id", name="uq_classes_school_year_source_id"
        ),
    )
    op.create_index("ix_classes_school_id", "classes", ["school_id"])
    op.create_table(
        "class_members",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("class_id", "student_id"),
    )
    op.create_index("ix_class_members_student_id", "class_members", ["student_id"])
    op.create_table(
        "pending_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_imports_user_id", "pending_imports", ["user_id"])
    op.create_index("ix_pending_imports_created_at", "pending_imports", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_imports_created_at", table_name="pending_imports")
    op.drop_index("ix_pending_imports_user_id", table_name="pending_imports")
    op.drop_table("pending_imports")
    op.drop_index("ix_class_members_student_id", table_name="class_members")
    op.drop_table("class_members")
    op.drop_index("ix_classes_school_id", table_name="classes")
    op.drop_table("classes")
    with op.batch_alter_table("students") as batch:
        batch.drop_constraint("uq_students_school_source_id", type_="unique")
        batch.drop_column("source_id")
    with op.batch_alter_table("schools") as batch:
        batch.drop_constraint("uq_schools_state_id", type_="unique")
        batch.drop_column("state_id")

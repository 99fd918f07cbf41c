"""Privacy records: the disclosure log, privacy requests, and the reach of deleted students."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.CheckConstraint("action IN ('read', 'change')", name="ck_disclosures_action"),
        sa.CheckConstraint("role IN ('coach', 'staff', 'admin')", name="ck_disclosures_role"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disclosures_at", "disclosures", ["at"])
    op.create_index("ix_disclosures_student_id", "disclosures", ["student_id"])
    op.create_table(
        "erased_reach",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("school_id", "school_year"),
    )
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('export', 'delete')", name="ck_privacy_requests_kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused', 'done')",
            name="ck_privacy_requests_status",
        ),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_privacy_requests_student_id", "privacy_requests", ["student_id"])


def downgrade() -> None:
    op.drop_index("ix_privacy_requests_student_id", table_name="privacy_requests")
    op.drop_table("privacy_requests")
    op.drop_table("erased_reach")
    op.drop_index("ix_disclosures_student_id", table_name="disclosures")
    op.drop_index("ix_disclosures_at", table_name="disclosures")
    op.drop_table("disclosures")

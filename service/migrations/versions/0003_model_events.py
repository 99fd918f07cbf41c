"""Model events: every promotion, rollback and first-start initialisation of the active model."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("replaced", sa.String(length=64), nullable=True),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("failed_checks", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_user", sa.Integer(), nullable=True),
        sa.Column("at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('promote', 'rollback', 'initialise')", name="ck_model_events_action"
        ),
        sa.ForeignKeyConstraint(["by_user"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("model_events")

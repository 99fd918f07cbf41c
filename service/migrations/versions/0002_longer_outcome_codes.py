"""Outcome codes up to 160 characters (pathway codes are '<cluster slug>.<pathway slug>')."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.alter_column(
            "code", existing_type=sa.String(length=64), type_=sa.String(length=160)
        )


def downgrade() -> None:
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.alter_column(
            "code", existing_type=sa.String(length=160), type_=sa.String(length=64)
        )

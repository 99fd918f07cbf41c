"""Mark activity entries whose student's records were deleted.

Deleting a student's records (``service.privacy``) keeps their activity entries for the state's
counts but unlinks the student and counts them once in ``erased_reach``. ``erased_student``
marks those entries so the reports do not count such an entry's attendee number as a group's
attendees as well (which counted the deleted student twice).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(
            sa.Column("erased_student", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("erased_student")

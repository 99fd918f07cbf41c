"""Mark activity entries whose student's records were deleted.

Deleting a student's records (``service.privacy``) keeps their activity entries for the state's
counts but unlinks the student and counts them once in ``erased_reach``. ``erased_student``
marks those entries so the reports do not count such an entry's attendee number as a group's
attendees as well (which counted the deleted student twice).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(
            sa.Column("erased_student", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("erased_student")

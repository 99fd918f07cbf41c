"""Coach organisations for the staff reports.

A Mississippi career coach is employed by an organisation (a community college district or a
workforce area); ``users.organisation`` names it so the reports can sum activities by employer.
Empty for staff, admins and coaches whose organisation an admin has not entered yet.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("organisation", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("organisation")

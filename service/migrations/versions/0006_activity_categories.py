"""Every activity category the state counts, with the fields each needs.

Adds to ``activities`` the fields some categories need (topic, employer, occupation code,
speaker's organisation, language of a parent conversation) and when an entry was last edited,
and the ``activity_attendees`` table naming the caseload students present at a group activity.
The category codes themselves are unchanged (``service.choices.ActivityCategory``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0006"
down_revision: str | None = "0005"

_TEXT_COLUMNS = (("topic", 300), ("employer", 200), ("organisation", 200), ("language", 40))


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        for name, length in _TEXT_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        batch_op.add_column(sa.Column("occupation_code", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "activity_attendees",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("activity_id", "student_id"),
    )
    op.create_index(
        "ix_activity_attendees_student_id", "activity_attendees", ["student_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_activity_attendees_student_id", table_name="activity_attendees")
    op.drop_table("activity_attendees")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("occupation_code")
        for name, _ in reversed(_TEXT_COLUMNS):
            batch_op.drop_column(name)

"""event list seek indexes

The public lists, the calendar and the partner pages seek events along (start_dt, id)
instead of counting and sorting every match: an index on (start_dt, id), a partial index on
the few long-running events (so a window of time starts its seek a bounded time back), and
one on (published_dt, id) for the Atom feed of newly published events.

Revision ID: c4e8a1f07d23
Revises: 3a0df44887d2
Create Date: 2026-12-06 12:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e8a1f07d23"
down_revision = "3a0df44887d2"
branch_labels = None
depends_on = None

# As coordinator.activities.models.LONG_RUNNING_SQL spells it today (written out here so that
# this migration does not change when the models do).
LONG_RUNNING_SQL = {
    "postgresql": "end_dt - start_dt > interval '31 days'",
    "sqlite": "julianday(end_dt) - julianday(start_dt) > 31",
}


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_start_id", ["start_dt", "id"], unique=False)
        batch_op.create_index(
            "ix_events_long_running",
            ["start_dt", "id"],
            unique=False,
            postgresql_where=sa.text(LONG_RUNNING_SQL["postgresql"]),
            sqlite_where=sa.text(LONG_RUNNING_SQL["sqlite"]),
        )
        batch_op.create_index("ix_events_published_id", ["published_dt", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_published_id")
        batch_op.drop_index("ix_events_long_running")
        batch_op.drop_index("ix_events_start_id")

"""partner and project seek indexes

A partner page lists the partner's nearest events on either side of now, and a project page
the project's: both seek along (start_dt, id) within the partner's or the project's events,
on (lead_partner_id, start_dt, id) and (project_id, start_dt, id), where they gathered every
event of the partner first. These replace the single-column indexes on lead_partner_id and
project_id, which they serve as well (their leading column).

On PostgreSQL, statistics on the events' durations (end_dt - start_dt), so that the planner
knows long-running events are few and reads them from ix_events_long_running, not along a
partner's or project's whole past (see DURATION_STATISTICS_SQL in activities/models.py).

Revision ID: a6c3e9f1d4b8
Revises: d5a9e1c3b7f2
Create Date: 2026-12-06 18:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a6c3e9f1d4b8"
down_revision = "d5a9e1c3b7f2"
branch_labels = None
depends_on = None


# As coordinator.activities.models.DURATION_STATISTICS_SQL spells it today.
DURATION_STATISTICS_SQL = "CREATE STATISTICS st_events_duration ON (end_dt - start_dt) FROM events"


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_lead_start", ["lead_partner_id", "start_dt", "id"], unique=False
        )
        batch_op.create_index(
            "ix_events_project_start", ["project_id", "start_dt", "id"], unique=False
        )
        batch_op.drop_index("ix_events_lead_partner_id")
        batch_op.drop_index("ix_events_project_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DURATION_STATISTICS_SQL)
        # Filled now rather than at autovacuum's next analyze of the table, but only when there
        # are rows: statistics saying "empty" make the foreign-key checks of a first bulk load
        # in one transaction (flask demo --events, a calendar import) scan the events table for
        # every inserted link, 7 times slower at 20,000 events.
        if op.get_bind().execute(sa.text("SELECT EXISTS (SELECT 1 FROM events)")).scalar():
            op.execute("ANALYZE events")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_events_duration")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_project_id", ["project_id"], unique=False)
        batch_op.create_index("ix_events_lead_partner_id", ["lead_partner_id"], unique=False)
        batch_op.drop_index("ix_events_project_start")
        batch_op.drop_index("ix_events_lead_start")

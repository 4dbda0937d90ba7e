"""covering start index

On PostgreSQL, ix_events_start_id (start_dt, id) also carries what the lists' seeks test of
each event they pass and what the agenda's opening event reads (INCLUDE): the seeks read the
index alone, where they fetched from the table every event that began in the last month and
has ended (about a thousand at 50,000 events) before reaching the page's first event. SQLite
has no INCLUDE: its index is unchanged.

Revision ID: e3f5a7c9d1b4
Revises: d2e4f6a8b0c1
Create Date: 2026-12-07 16:05:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e3f5a7c9d1b4"
down_revision = "d2e4f6a8b0c1"
branch_labels = None
depends_on = None


# As coordinator.activities.models.START_ID_INCLUDE spells it today.
INCLUDE = [
    "end_dt",
    "status",
    "visibility",
    "lead_partner_id",
    "timezone",
    "is_all_day",
    "start_date",
    "end_date",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_events_start_id", table_name="events")
    op.create_index(
        "ix_events_start_id", "events", ["start_dt", "id"], unique=False, postgresql_include=INCLUDE
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_events_start_id", table_name="events")
    op.create_index("ix_events_start_id", "events", ["start_dt", "id"], unique=False)

"""covering status and start index

On PostgreSQL, ix_events_status_start (status, start_dt) also carries the columns the month
grid, the lists' counts and their seeks read of each event (INCLUDE): those read the index
alone, where they fetched every event of the range from the table, one page per event at
50,000 events. SQLite has no INCLUDE: its index is unchanged.

Revision ID: b8e2f4a6c9d1
Revises: a6c3e9f1d4b8
Create Date: 2026-12-07 01:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b8e2f4a6c9d1"
down_revision = "a6c3e9f1d4b8"
branch_labels = None
depends_on = None


# As coordinator.activities.models.STATUS_START_INCLUDE spells it today.
INCLUDE = ["end_dt", "visibility", "id", "timezone", "is_all_day", "start_date", "end_date"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_events_status_start", table_name="events")
    op.create_index(
        "ix_events_status_start",
        "events",
        ["status", "start_dt"],
        unique=False,
        postgresql_include=INCLUDE,
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_events_status_start", table_name="events")
    op.create_index("ix_events_status_start", "events", ["status", "start_dt"], unique=False)

"""multi-day index

ix_events_multi_day: only the events lasting more than a day, on (start_dt, id), on
PostgreSQL carrying what the lists, the calendar and the partner pages read of each event
(INCLUDE, as ix_events_start_id). A window then reads the start index from a day before it
plus these few from LONG_EVENT_DAYS before, not a month of the start index (a thousand events
that have ended, read and dropped, at 50,000 events).

Revision ID: f4a6b8d0c2e5
Revises: e3f5a7c9d1b4
Create Date: 2026-12-07 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f4a6b8d0c2e5"
down_revision = "e3f5a7c9d1b4"
branch_labels = None
depends_on = None


# As coordinator.activities.models spells them today (MULTI_DAY_SQL, START_ID_INCLUDE).
WHERE = {
    "postgresql": "end_dt - start_dt > interval '1 day'",
    "sqlite": "julianday(end_dt) - julianday(start_dt) > 1",
}
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
    op.create_index(
        "ix_events_multi_day",
        "events",
        ["start_dt", "id"],
        unique=False,
        postgresql_where=sa.text(WHERE["postgresql"]),
        sqlite_where=sa.text(WHERE["sqlite"]),
        postgresql_include=INCLUDE,
    )


def downgrade():
    op.drop_index("ix_events_multi_day", table_name="events")

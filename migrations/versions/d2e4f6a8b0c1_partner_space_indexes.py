"""partner space indexes

A partner's own activities by state (My partner's activities, the home page's tasks, the
navigation badge) and its co-organiser links by answer were read from the table: the state or
the answer is not in ix_events_lead_start or ix_event_partners_partner_id. Two indexes serve
them from the index alone; the new links index leads with partner_id and replaces the old one.

Revision ID: d2e4f6a8b0c1
Revises: c1d3e5f7a9b2
Create Date: 2026-12-07 04:05:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d2e4f6a8b0c1"
down_revision = "c1d3e5f7a9b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_lead_status_start",
            ["lead_partner_id", "status", "start_dt", "id"],
            unique=False,
        )
    with op.batch_alter_table("event_partners", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_partners_partner_confirmation",
            ["partner_id", "confirmation", "event_id"],
            unique=False,
        )
        batch_op.drop_index("ix_event_partners_partner_id")


def downgrade():
    with op.batch_alter_table("event_partners", schema=None) as batch_op:
        batch_op.create_index("ix_event_partners_partner_id", ["partner_id"], unique=False)
        batch_op.drop_index("ix_event_partners_partner_confirmation")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_lead_status_start")

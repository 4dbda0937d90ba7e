"""close pending revisions of cancelled events

Cancelling an event now closes its pending revision in the same transition. Revisions left
pending by cancellations made before that (shown on the dashboard, missing from the queue,
impossible to decide) are closed here as of the cancellation, each with an audit entry.

Revision ID: b7c1d2e3f405
Revises: 5d01cfc35b58
Create Date: 2026-12-06 10:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7c1d2e3f405"
down_revision = "5d01cfc35b58"
branch_labels = None
depends_on = None

events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("cancelled_dt", sa.DateTime(timezone=True)),
    sa.column("status_changed_dt", sa.DateTime(timezone=True)),
)
revisions = sa.table(
    "event_revisions",
    sa.column("id", sa.Integer),
    sa.column("event_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("data", sa.JSON),
    sa.column("decided_dt", sa.DateTime(timezone=True)),
)
audit = sa.table(
    "audit_entries",
    sa.column("actor_id", sa.Integer),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("from_state", sa.String),
    sa.column("to_state", sa.String),
    sa.column("comment", sa.Text),
    sa.column("details", sa.JSON),
    sa.column("created_dt", sa.DateTime(timezone=True)),
)


def upgrade():
    connection = op.get_bind()
    stranded = connection.execute(
        sa.select(
            revisions.c.id,
            revisions.c.event_id,
            revisions.c.data,
            sa.func.coalesce(events.c.cancelled_dt, events.c.status_changed_dt).label("closed_dt"),
        )
        .select_from(revisions.join(events, events.c.id == revisions.c.event_id))
        .where(revisions.c.status == "pending", events.c.status == "cancelled")
        .order_by(revisions.c.id)
    ).all()
    for row in stranded:
        connection.execute(
            revisions.update()
            .where(revisions.c.id == row.id, revisions.c.status == "pending")
            .values(status="closed", decided_dt=row.closed_dt)
        )
        connection.execute(
            audit.insert().values(
                actor_id=None,  # no one decided: the upgrade closed it
                subject_type="event",
                subject_id=row.event_id,
                action="revision_closed",
                from_state="cancelled",
                to_state="cancelled",
                comment="",
                details={"revision_id": row.id, "fields": sorted(row.data or {})},
                created_dt=row.closed_dt,
            )
        )


def downgrade():
    # The closed revisions become pending again (stranded, as before the upgrade); the audit
    # log is append-only and keeps its entries.
    connection = op.get_bind()
    connection.execute(
        revisions.update()
        .where(revisions.c.status == "closed")
        .values(status="pending", decided_dt=None)
    )

"""activity status stamp checks

Events and joint projects get CHECK constraints tying their status to its stamps: a
submission (and every state after it) carries submitted_dt and a draft does not; approved and
cancelled activities carry published_dt and no other does; only cancelled ones carry
cancelled_dt. Existing rows that break these rules are repaired first, from the stamps the
row already has (status_changed_dt, then created_dt), so the constraints can be added.

Revision ID: b7d41c2e9a10
Revises: b7c1d2e3f405
Create Date: 2026-12-06 10:35:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d41c2e9a10"
down_revision = "b7c1d2e3f405"
branch_labels = None
depends_on = None

TABLES = ("events", "projects")
SUBMITTED = ("submitted", "changes_requested", "approved", "rejected", "cancelled")
PUBLISHED = ("approved", "cancelled")

# The constraints as the models declare them (coordinator.activities.models.stamp_constraints),
# written out here so that this migration does not change when the models do.
CHECKS = {
    "submitted_stamp": (
        "(status = 'draft' AND submitted_dt IS NULL) OR status = 'withdrawn'"
        " OR (status IN ('submitted', 'changes_requested', 'approved', 'rejected', 'cancelled')"
        " AND submitted_dt IS NOT NULL)"
    ),
    "published_stamp": (
        "(status IN ('approved', 'cancelled') AND published_dt IS NOT NULL)"
        " OR (NOT status IN ('approved', 'cancelled') AND published_dt IS NULL)"
    ),
    "cancelled_stamp": (
        "(status = 'cancelled' AND cancelled_dt IS NOT NULL)"
        " OR (status != 'cancelled' AND cancelled_dt IS NULL)"
    ),
}


def _repair(name):
    t = sa.table(
        name,
        sa.column("status", sa.String),
        sa.column("status_changed_dt", sa.DateTime(timezone=True)),
        sa.column("created_dt", sa.DateTime(timezone=True)),
        sa.column("submitted_dt", sa.DateTime(timezone=True)),
        sa.column("published_dt", sa.DateTime(timezone=True)),
        sa.column("cancelled_dt", sa.DateTime(timezone=True)),
    )
    # Missing stamps: the best time the row knows (a cancellation is also the latest moment
    # the activity can have been published; a submission is no earlier than the creation).
    op.execute(
        t.update()
        .where(t.c.status == "cancelled", t.c.cancelled_dt.is_(None))
        .values(cancelled_dt=t.c.status_changed_dt)
    )
    op.execute(
        t.update()
        .where(t.c.status.in_(PUBLISHED), t.c.published_dt.is_(None))
        .values(published_dt=t.c.status_changed_dt)
    )
    op.execute(
        t.update()
        .where(t.c.status.in_(SUBMITTED), t.c.submitted_dt.is_(None))
        .values(submitted_dt=sa.func.coalesce(t.c.published_dt, t.c.created_dt))
    )
    # Stamps a state cannot have: the transition table never leads there with them.
    op.execute(
        t.update()
        .where(t.c.status != "cancelled", t.c.cancelled_dt.isnot(None))
        .values(cancelled_dt=None)
    )
    op.execute(
        t.update()
        .where(t.c.status.notin_(PUBLISHED), t.c.published_dt.isnot(None))
        .values(published_dt=None)
    )
    op.execute(
        t.update()
        .where(t.c.status == "draft", t.c.submitted_dt.isnot(None))
        .values(submitted_dt=None)
    )


def upgrade():
    for name in TABLES:
        _repair(name)
        with op.batch_alter_table(name, schema=None) as batch_op:
            for check, condition in CHECKS.items():
                batch_op.create_check_constraint(check, condition)


def downgrade():
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for check in reversed(CHECKS):
                batch_op.drop_constraint(op.f(f"ck_{name}_{check}"), type_="check")

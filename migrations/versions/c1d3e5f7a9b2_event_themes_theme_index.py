"""event themes theme index

The events of a theme (the theme filter's lists, counts, month grid and feeds) were found by
reading every event_themes row: its primary key leads with the event. An index on
(theme_id, event_id) reads one theme's rows alone.

Revision ID: c1d3e5f7a9b2
Revises: b8e2f4a6c9d1
Create Date: 2026-12-07 01:50:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c1d3e5f7a9b2"
down_revision = "b8e2f4a6c9d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event_themes", schema=None) as batch_op:
        batch_op.create_index("ix_event_themes_theme_id", ["theme_id", "event_id"], unique=False)


def downgrade():
    with op.batch_alter_table("event_themes", schema=None) as batch_op:
        batch_op.drop_index("ix_event_themes_theme_id")

"""data versions

One row per cached scope ("pages", "feeds"), whose token every transaction that changes what the
scope shows rewrites before it commits (coordinator/dataversion.py): the page and feed caches
read it instead of aggregating over every event. No row is written here: a database without
one caches nothing until its first change (and stays empty for a restore).

Revision ID: d5a9e1c3b7f2
Revises: e5f2b8c4a917
Create Date: 2026-12-06 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import coordinator.db

# revision identifiers, used by Alembic.
revision = "d5a9e1c3b7f2"
down_revision = "e5f2b8c4a917"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_versions",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("changed_dt", coordinator.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_data_versions")),
    )


def downgrade():
    op.drop_table("data_versions")

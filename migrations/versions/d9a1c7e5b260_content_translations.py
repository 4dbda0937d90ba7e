"""Content in several languages: each event, project, partner and theme records its original's
language, and a translations table per model holds the other languages' text.

Revision ID: d9a1c7e5b260
Revises: c4e8a1f07d23
Create Date: 2026-12-06 16:00:00
"""

import sqlalchemy as sa
from alembic import op

import coordinator.db

revision = "d9a1c7e5b260"
down_revision = "c4e8a1f07d23"
branch_labels = None
depends_on = None

OWNERS = ("events", "projects", "partners", "themes")


def _translations_table(name: str, owner_key: str, owner_table: str, *fields: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column(owner_key, sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        *fields,
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("checked_by_author", sa.Boolean(), nullable=False),
        sa.Column("created_dt", coordinator.db.UTCDateTime(), nullable=False),
        sa.Column("updated_dt", coordinator.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            [owner_key],
            [f"{owner_table}.id"],
            name=op.f(f"fk_{name}_{owner_key}_{owner_table}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f(f"fk_{name}_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint(owner_key, "language", name=op.f(f"pk_{name}")),
    )


def upgrade():
    for owner in OWNERS:
        with op.batch_alter_table(owner) as batch:
            batch.add_column(
                sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
            )

    def texts():
        return (
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("summary", sa.String(length=500), nullable=False),
            sa.Column("description", sa.Text(), nullable=False),
        )

    _translations_table("event_translations", "event_id", "events", *texts())
    _translations_table("project_translations", "project_id", "projects", *texts())
    _translations_table(
        "partner_translations",
        "partner_id",
        "partners",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
    )
    _translations_table(
        "theme_translations",
        "theme_id",
        "themes",
        sa.Column("name", sa.String(length=120), nullable=False),
    )


def downgrade():
    for name in (
        "theme_translations",
        "partner_translations",
        "project_translations",
        "event_translations",
    ):
        op.drop_table(name)
    for owner in reversed(OWNERS):
        with op.batch_alter_table(owner) as batch:
            batch.drop_column("language")

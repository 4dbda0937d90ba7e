"""Read queries of the feed routes."""

from __future__ import annotations

from sqlalchemy import select

from coordinator.activities.models import Project
from coordinator.activities.permissions import published_projects_clause
from coordinator.extensions import db


def published_project(slug: str) -> Project | None:
    """The published project with this slug (its feed is public)."""
    return db.session.scalar(
        select(Project).where(Project.slug == slug, published_projects_clause())
    )

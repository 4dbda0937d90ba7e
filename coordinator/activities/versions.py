"""The data version of the public pages: a cheap fingerprint that moves whenever anything an
events list, calendar, event, partner or project page shows changes. Registered with the core
page cache (coordinator/pagecache.py) when the blueprint is registered."""

from __future__ import annotations

from sqlalchemy import func, select

from coordinator import pagecache
from coordinator.activities import bp
from coordinator.activities.models import (
    Confirmation,
    Event,
    EventPartner,
    EventTranslation,
    Project,
    ProjectPartner,
    ProjectTranslation,
    Theme,
    ThemeTranslation,
    event_themes,
    project_themes,
)
from coordinator.extensions import db
from coordinator.partners.models import Partner, PartnerTranslation


def _fingerprint(table_or_model, *columns):
    return [select(column).select_from(table_or_model).scalar_subquery() for column in columns]


def public_data_version() -> tuple:
    """Counts, id sums and latest stamps of every table the public pages read: an insert,
    edit, transition, deletion, link change or rename anywhere moves it."""
    parts = [
        *_fingerprint(
            Event,
            func.count(Event.id),
            func.coalesce(func.sum(Event.id), 0),
            func.max(Event.updated_dt),
            func.max(Event.status_changed_dt),
            func.coalesce(func.sum(Event.sequence), 0),
        ),
        *_fingerprint(
            Project,
            func.count(Project.id),
            func.coalesce(func.sum(Project.id), 0),
            func.max(Project.updated_dt),
            func.max(Project.status_changed_dt),
        ),
        *_fingerprint(
            Partner,
            func.count(Partner.id),
            func.coalesce(func.sum(Partner.id), 0),
            func.max(Partner.updated_dt),
        ),
        *(
            item
            for link in (EventPartner, ProjectPartner)
            for item in _fingerprint(
                link,
                func.count(),
                func.coalesce(func.sum(link.partner_id), 0),
                func.coalesce(func.sum(link.owner_id_column()), 0),
                func.max(link.responded_dt),
                func.count().filter(link.confirmation == Confirmation.CONFIRMED),
            )
        ),
        *(
            item
            for table, owner in ((event_themes, "event_id"), (project_themes, "project_id"))
            for item in _fingerprint(
                table,
                func.count(),
                func.coalesce(func.sum(table.c.theme_id), 0),
                func.coalesce(func.sum(table.c[owner]), 0),
            )
        ),
        *(
            item
            for table in (
                EventTranslation,
                ProjectTranslation,
                PartnerTranslation,
                ThemeTranslation,
            )
            for item in _fingerprint(table, func.count(), func.max(table.updated_dt))
        ),
    ]
    counts = tuple(db.session.execute(select(*parts)).one())
    themes = tuple(db.session.execute(select(Theme.id, Theme.name, Theme.is_active)).all())
    return counts, themes


@bp.record_once
def _register_page_version(state) -> None:
    pagecache.register_version(state.app, public_data_version)

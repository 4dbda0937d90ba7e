"""Which writes move the data versions of public pages and feeds (coordinator/dataversion.py):
the one home of that rule. The caches of both trust it, so a table a page or a feed reads and
this rule forgets would leave them stale; tests/test_data_version.py holds every other table to
a list of tables no public page or feed shows."""

from __future__ import annotations

from sqlalchemy import inspect

from coordinator import dataversion
from coordinator.activities.models import PUBLISHED_STATES, Event

# Every table an anonymous public page reads (lists, calendar, event, partner and project pages,
# with their filters, themes, groups and attached documents).
PAGE_TABLES = frozenset(
    {
        "events",
        "event_partners",
        "event_themes",
        "projects",
        "project_partners",
        "project_themes",
        "themes",
        "partners",
        "partner_groups",
        "partner_group_members",
        "documents",
        "document_versions",
        # Content in other languages (multilingual.py).
        "event_translations",
        "project_translations",
        "partner_translations",
        "theme_translations",
    }
)
# What a feed's bytes hold: its events with their themes, and which events its scope takes
# (co-organisers, themes). Partner and project names title their feeds: a rename or removal
# moves the feeds, a new one is in no feed built before.
FEED_TABLES = frozenset(
    {
        "events",
        "event_partners",
        "event_themes",
        "themes",
        "event_translations",
        "theme_translations",
    }
)
# Feeds in a language (?lang=) are titled with the partner's or project's translated name.
FEED_TITLE_TABLES = frozenset(
    {"partners", "projects", "partner_translations", "project_translations"}
)

_NOTHING: frozenset[str] = frozenset()


def moved_scopes(table: str, change: dataversion.Change, instance: object | None) -> frozenset[str]:
    """The data versions a write of `table` moves (`instance`: the flushed object, or None for a
    statement over rows this cannot see, which moves all the table may touch)."""
    if isinstance(instance, Event) and not _is_or_was_published(instance):
        return _NOTHING  # no public page or feed shows an event never published
    scopes = set()
    if table in PAGE_TABLES:
        scopes.add(dataversion.PAGES)
    if table in FEED_TABLES or (table in FEED_TITLE_TABLES and change != "insert"):
        scopes.add(dataversion.FEEDS)
    return frozenset(scopes)


def _is_or_was_published(event: Event) -> bool:
    state = inspect(event)
    if "status" not in state.dict:  # not loaded: it cannot be told without a query
        return True
    statuses = (state.dict["status"], *state.attrs.status.history.deleted)
    return any(status in PUBLISHED_STATES for status in statuses)


dataversion.set_rule(moved_scopes)

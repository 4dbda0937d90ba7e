"""The data versions of public pages and feeds (coordinator/dataversion.py, its rule in
activities/versions.py): which writes move them, from any process, and what reading them costs.

"Another process" is a session on an engine of its own, outside the app: what another worker or
host writes with. Its commit reaches the app only through the version row in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, delete, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from coordinator import dataversion
from coordinator.activities.models import (
    Confirmation,
    Event,
    EventPartner,
    Status,
    Theme,
    Visibility,
    event_themes,
)
from coordinator.activities.versions import PAGE_TABLES
from coordinator.extensions import db
from coordinator.feeds.models import FeedToken
from coordinator.partners.models import Partner
from tests import factories

# Tables no anonymous public page and no feed shows: accounts, tokens, mail, jobs, audit,
# proposed revisions, imported calendars' bookkeeping. A new table must join these or
# activities/versions.PAGE_TABLES.
NEVER_SHOWN = frozenset(
    {
        "api_idempotency_keys",
        "api_tokens",
        "audit_entries",
        "calendar_sources",
        "digest_subscriptions",
        "digests_sent",
        "event_revisions",
        "feed_tokens",
        "follower_settings",
        "follows",
        "held_notices",
        "imported_events",
        "invitations",
        "job_failures",
        "job_runs",
        "login_failures",
        "notice_preferences",
        "outgoing_messages",
        "password_reset_tokens",
        "users",
    }
)
BOTH = {dataversion.PAGES, dataversion.FEEDS}


def test_every_table_is_read_by_public_pages_or_named_as_never_shown(app):
    tables = {table.name for table in db.metadata.sorted_tables} - {"data_versions"}
    assert PAGE_TABLES | NEVER_SHOWN == tables
    assert not PAGE_TABLES & NEVER_SHOWN


@contextmanager
def another_process():
    """A session on an engine of its own, outside the app (another worker or host)."""
    db.session.remove()  # the app's open read would hold SQLite's write lock
    engine = create_engine(db.engine.url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def versions() -> dict[str, str]:
    """Each scope's version as the database holds it now."""
    return {scope: dataversion.current(scope, max_age=0).token for scope in dataversion.SCOPES}


def moved(before: dict[str, str]) -> set[str]:
    after = versions()
    return {scope for scope in dataversion.SCOPES if after[scope] != before[scope]}


@pytest.fixture
def world(app):
    """A published event with a theme and a pending co-organiser, and an unpublished one."""
    lead = factories.PartnerFactory(slug="lead")
    theme = factories.ThemeFactory(name="Water")
    published = factories.EventFactory(title="Published", lead_partner=lead, themes=[theme])
    draft = factories.EventFactory(title="Draft", lead_partner=lead, status=Status.DRAFT)
    co_organiser = factories.EventPartnerFactory(event=published, confirmation=Confirmation.PENDING)
    db.session.commit()
    return {
        "lead": lead.id,
        "theme": theme.id,
        "published": published.id,
        "draft": draft.id,
        "co_organiser": co_organiser.partner_id,
    }


def _edit_title(session, world):
    session.get(Event, world["published"]).title = "Renamed"


def _delete_event(session, world):
    session.delete(session.get(Event, world["published"]))


def _confirm_co_organiser(session, world):
    link = session.get(EventPartner, (world["published"], world["co_organiser"]))
    link.confirmation = Confirmation.CONFIRMED
    link.responded_dt = datetime.now(UTC)


def _attach_theme(session, world):
    event = session.get(Event, world["published"])
    event.themes.append(Theme(name="Energy", slug="energy"))


def _rename_theme(session, world):
    session.get(Theme, world["theme"]).name = "Blue economy"


def _rename_partner(session, world):
    session.get(Partner, world["lead"]).name = "Renamed Partner"


def _make_network_only(session, world):
    session.get(Event, world["published"]).visibility = Visibility.NETWORK


def _conditional_update(session, world):
    # As workflow transitions write: UPDATE ... WHERE status = :expected.
    session.execute(
        update(Event)
        .where(Event.id == world["published"], Event.status == Status.APPROVED)
        .values(summary="Changed by a statement")
    )


def _delete_theme_links(session, world):
    session.execute(delete(event_themes).where(event_themes.c.event_id == world["published"]))


def _edit_draft(session, world):
    session.get(Event, world["draft"]).title = "Still a draft"


def _add_partner(session, world):
    session.add(
        Partner(
            name="New Partner",
            acronym="NP",
            slug="new-partner",
            kind="city",
            city="Tunis",
            country="TN",
            timezone="Africa/Tunis",
        )
    )


def _record_feed_token_use(session, world):
    session.execute(update(FeedToken).values(last_used_dt=datetime.now(UTC)))


CHANGES: list[tuple[Callable, set[str]]] = [
    (_edit_title, BOTH),
    (_delete_event, BOTH),
    (_confirm_co_organiser, BOTH),
    (_attach_theme, BOTH),
    (_rename_theme, BOTH),
    (_rename_partner, BOTH),
    (_make_network_only, BOTH),
    (_conditional_update, BOTH),
    (_delete_theme_links, BOTH),
    # No page nor feed shows a draft.
    (_edit_draft, set()),
    # A new partner shows in the pages' filters, and in no feed built before.
    (_add_partner, {dataversion.PAGES}),
    (_record_feed_token_use, set()),
]


@pytest.mark.parametrize(("change", "expected"), CHANGES, ids=[c.__name__[1:] for c, _ in CHANGES])
def test_what_a_commit_in_another_process_moves(world, change, expected):
    before = versions()
    with another_process() as session:
        change(session, world)
        session.commit()
    assert moved(before) == expected


def test_a_rolled_back_change_moves_nothing(world):
    before = versions()
    with another_process() as session:
        _edit_title(session, world)
        session.flush()
        session.rollback()
    assert moved(before) == set()


def test_a_change_inside_a_savepoint_moves_the_versions_once_committed(world):
    before = versions()
    with another_process() as session:
        with session.begin_nested():
            _edit_title(session, world)
        session.commit()
    assert moved(before) == BOTH


def test_a_rolled_back_savepoint_keeps_the_change_made_before_it(world):
    before = versions()
    with another_process() as session:
        _rename_theme(session, world)
        session.flush()
        savepoint = session.begin_nested()
        _edit_title(session, world)
        session.flush()
        savepoint.rollback()
        session.commit()
    assert moved(before) == BOTH


def test_an_emptied_table_never_brings_back_a_version_a_cache_holds(world):
    seen = versions()[dataversion.PAGES]
    db.session.execute(delete(dataversion.DataVersion))
    db.session.commit()
    assert dataversion.current(dataversion.PAGES, max_age=0).token != seen
    with another_process() as session:
        _edit_title(session, world)
        session.commit()
    assert dataversion.current(dataversion.PAGES, max_age=0).token != seen


def test_the_version_is_read_once_per_interval_and_again_after_this_process_commits(world):
    first = dataversion.current(dataversion.PAGES, max_age=60)
    with another_process() as session:
        _rename_theme(session, world)
        session.commit()
    # Another process's change: seen once the interval has passed (here: asked with 0).
    db.session.remove()
    assert dataversion.current(dataversion.PAGES, max_age=60) == first
    second = dataversion.current(dataversion.PAGES, max_age=0)
    assert second.token != first.token
    # This process's own change: seen at once.
    db.session.get(Theme, world["theme"]).name = "Energy"
    db.session.commit()
    assert dataversion.current(dataversion.PAGES, max_age=60).token != second.token


# --- what reading it costs ----------------------------------------------------------------------


@contextmanager
def recorded_statements():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):  # SQLite's own transaction start
            seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


def _add_events(count: int) -> None:
    theme = factories.ThemeFactory()
    for n in range(count):
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=n + 1)
        event = factories.EventFactory(start_dt=start, end_dt=start + timedelta(hours=2))
        event.themes.append(theme)
        factories.EventPartnerFactory(event=event)
    db.session.commit()


def _reads_only_the_version_row(statements: list[str]) -> bool:
    return all("data_versions" in s and "events" not in s for s in statements)


@pytest.mark.parametrize("scope", dataversion.SCOPES)
def test_reading_a_version_is_one_row_read_at_any_size(app, scope):
    counts = []
    for size in (2, 20):
        _add_events(size)
        db.session.remove()
        with recorded_statements() as statements:
            dataversion.current(scope, max_age=0)
        assert _reads_only_the_version_row(statements), statements
        counts.append(len(statements))
    assert counts == [1, 1]


def _revalidations(app, client, url: str, headers: dict) -> list[str]:
    """The statements of a revalidation with the ETag just served, the version read afresh."""
    first = client.get(url, headers=headers)
    assert first.status_code == 200
    db.session.remove()
    with recorded_statements() as statements:
        again = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304, url
    return statements


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/events/", {}),
        ("/calendar/", {}),
        ("/calendar.ics", {}),
        ("/calendar.ics", {"Accept-Encoding": "gzip"}),
        ("/calendar.ics?theme={theme}", {"Accept-Encoding": "gzip"}),
    ],
)
def test_a_304_after_the_recheck_interval_reads_only_the_version(app, client, url, headers):
    app.config.update(PAGE_CACHE_RECHECK_SECONDS=0, FEED_RECHECK_SECONDS=0)
    counts = []
    for size in (2, 20):
        _add_events(size)
        theme = db.session.scalar(select(Theme.slug).order_by(Theme.id).limit(1))
        statements = _revalidations(app, client, url.format(theme=theme), headers)
        assert _reads_only_the_version_row(statements), statements
        counts.append(len(statements))
    assert counts == [1, 1]


# --- uncommitted changes ------------------------------------------------------------------------


def test_a_page_rendered_with_uncommitted_changes_is_neither_served_from_nor_kept_in_the_cache(
    app, client, world
):
    from tests.activities.test_page_cache import stored_pages

    assert "Published" in client.get("/events/").get_data(as_text=True)
    assert len(stored_pages(app)) == 1
    db.session.get(Event, world["published"]).title = "Not yet committed"
    db.session.flush()
    assert "Not yet committed" in client.get("/events/").get_data(as_text=True)
    assert all(b"Not yet committed" not in page for page in stored_pages(app))
    db.session.rollback()
    assert "Published" in client.get("/events/").get_data(as_text=True)


def test_a_feed_built_from_uncommitted_changes_is_not_kept(app, client, world):
    app.config["FEED_RECHECK_SECONDS"] = 0
    assert b"Published" in client.get("/calendar.ics").data
    db.session.get(Event, world["published"]).title = "Not yet committed"
    db.session.flush()
    assert b"Not yet committed" in client.get("/calendar.ics").data
    db.session.rollback()
    db.session.remove()
    served = client.get("/calendar.ics").data
    assert b"Published" in served and b"Not yet committed" not in served


def test_a_kept_value_is_built_once_per_version_and_key(world):
    builds: list[str] = []

    def build(label: str) -> Callable[[], str]:
        return lambda: builds.append(label) or f"{label} {len(builds)}"

    kept = dataversion.kept_while_unchanged
    first = kept(dataversion.PAGES, ("options", "fr"), build("fr"), max_age=0)
    assert kept(dataversion.PAGES, ("options", "fr"), build("fr"), max_age=0) == first
    kept(dataversion.PAGES, ("options", "ar"), build("ar"), max_age=0)
    assert builds == ["fr", "ar"]
    # Another process's commit moves the version: the next read builds anew.
    with another_process() as session:
        _rename_theme(session, world)
        session.commit()
    assert kept(dataversion.PAGES, ("options", "fr"), build("fr"), max_age=0) != first
    assert builds == ["fr", "ar", "fr"]


def test_a_session_with_uncommitted_changes_neither_reads_nor_leaves_a_kept_value(world):
    kept = dataversion.kept_while_unchanged
    kept(dataversion.PAGES, ("names",), lambda: "committed", max_age=60)
    db.session.get(Theme, world["theme"]).name = "Unsaved"
    db.session.flush()
    assert kept(dataversion.PAGES, ("names",), lambda: "unsaved", max_age=60) == "unsaved"
    db.session.rollback()
    assert kept(dataversion.PAGES, ("names",), lambda: "again", max_age=60) == "committed"


@pytest.mark.usefixtures("exact_query_counts")
def test_the_filter_options_follow_a_change_made_by_another_process(world, client):
    assert "Newly named theme" not in client.get("/events/").get_data(as_text=True)
    with another_process() as session:
        session.execute(update(Theme).values(name="Newly named theme"))
        session.commit()
    for url in ("/events/", "/calendar/"):
        page = client.get(url).get_data(as_text=True)
        assert '<option value="' in page and "Newly named theme" in page, url

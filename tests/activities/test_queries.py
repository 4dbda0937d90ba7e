"""A list page runs a fixed number of SQL queries, whatever the number of events."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from coordinator.activities.models import (
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    Project,
    Status,
    Theme,
    event_themes,
)
from coordinator.activities.queries import Cursor
from coordinator.extensions import db
from coordinator.partners.models import Partner
from tests import factories


@contextmanager
def count_queries():
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", before_cursor_execute)


def _network(count: int):
    """`count` published events, half upcoming and half past, each with a confirmed
    co-organiser, a theme and a project, so every eager load has work to do."""
    lead = factories.PartnerFactory(slug="lead")
    co = factories.PartnerFactory(slug="co")
    theme = factories.ThemeFactory(slug="mobility")
    project = factories.ProjectFactory(slug="hub", lead_partner=lead)
    _add_events(count, lead, co, theme, project)


def _add_events(count: int, lead, co, theme, project) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    events = []
    for index in range(count):
        offset = timedelta(days=index // 2 + 1, hours=index % 5)
        start = now + offset if index % 2 == 0 else now - offset
        event = Event(
            title=f"Event {index}",
            kind=EventKind.WORKSHOP,
            timezone="Africa/Tunis",
            start_dt=start,
            end_dt=start + timedelta(hours=2),
            lead_partner=lead,
            status=Status.APPROVED,
            submitted_dt=now,
            published_dt=now,
            country="TN",
            city="Tunis",
            project=project,
        )
        event.themes.append(theme)
        event.partner_links.append(EventPartner(partner=co, confirmation=Confirmation.CONFIRMED))
        events.append(event)
    db.session.add_all(events)
    db.session.commit()


PAGES = [
    "/events/",
    "/events/past",
    "/events/?theme=mobility&page=1",
    "/projects/hub",
    "/partners/lead",
    "/partners/co",
    "/projects/",
]


def _query_counts(client) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        # Each request starts from an empty session, as in production: the test's app
        # context would otherwise share its identity map across requests.
        db.session.remove()
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(statements)
    return counts


@pytest.mark.usefixtures("exact_query_counts")
@pytest.mark.parametrize("signed_in", [False, True])
def test_list_pages_run_a_fixed_number_of_queries(app, client, login_as, signed_in):
    _network(10)
    if signed_in:
        login_as(factories.UserFactory(role="staff"))
    small = _query_counts(client)
    # The same network with 1,000 events instead of 10.
    db.session.execute(EventPartner.__table__.delete())
    db.session.execute(event_themes.delete())
    db.session.execute(Event.__table__.delete())
    db.session.commit()
    lead, co = (
        db.session.scalar(select(Partner).where(Partner.slug == slug)) for slug in ("lead", "co")
    )
    project = db.session.scalar(select(Project).where(Project.slug == "hub"))
    theme = db.session.scalar(select(Theme).where(Theme.slug == "mobility"))
    _add_events(1000, lead, co, theme, project)
    large = _query_counts(client)
    assert large == small
    # The pages really listed the events (a page of 20, with its co-organiser and theme).
    body = client.get("/events/").get_data(as_text=True)
    assert body.count('class="card mb-3 event-card') == 20
    assert "Events: 500" in body


@pytest.mark.usefixtures("exact_query_counts")
def test_query_count_is_not_hidden_by_an_empty_page(app, client):
    """Guards the test above: the counter does see the eager loads of a filled page."""
    db.session.remove()
    with count_queries() as empty:
        client.get("/events/")
    _network(4)
    db.session.remove()
    with count_queries() as filled:
        client.get("/events/")
    assert len(filled) > len(empty)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "abc",
        "20270301T093000Z",  # no id
        "20270301T093000Z-",
        "20271301T093000Z-4",  # month 13
        "20270230T093000Z-4",  # 30 February
        "00010101T000000Z-4",  # outside the supported years
        "20270301T093000Z-99999999999",  # beyond any id
        "20270301T093000Z-٣",
        "20270301T093000.5Z-4",  # a fraction is six digits
        "20270301T093000Z-4\x00",
        "9" * 40,
    ],
)
def test_malformed_cursors_parse_to_none(raw):
    assert Cursor.parse(raw) is None


@pytest.mark.parametrize(
    "moment",
    [datetime(2027, 3, 1, 9, 30, tzinfo=UTC), datetime(2027, 3, 1, 9, 30, 0, 250, tzinfo=UTC)],
)
def test_cursor_tokens_read_back(moment):
    cursor = Cursor(moment, 42)
    assert Cursor.parse(cursor.token) == cursor
    assert cursor.token.startswith("20270301T093000")


def test_a_list_keeps_its_seek_statements_and_binds_each_instant(app):
    """The list's statements are built once per shape and way of seeking (queries.
    _seek_statement); each request binds its own instant and cursor, and reads its own rows."""
    from coordinator.activities import queries
    from coordinator.activities.filters import EventFilters

    start = datetime(2030, 3, 1, 9, tzinfo=UTC)
    events = [
        factories.EventFactory(
            start_dt=start + timedelta(days=n), end_dt=start + timedelta(days=n, hours=2)
        )
        for n in range(5)
    ]
    db.session.commit()
    queries._seek_statement.cache_clear()

    def upcoming(now, **seek):
        return queries.upcoming_events(None, EventFilters(), now=now, **seek)

    assert [e.id for e in upcoming(start - timedelta(days=1)).items] == [e.id for e in events]
    built = queries._seek_statement.cache_info().currsize
    # Another instant: the same statement, its own rows.
    page = upcoming(start + timedelta(days=2, hours=1))
    assert [e.id for e in page.items] == [e.id for e in events[2:]]
    assert page.count == 3
    assert queries._seek_statement.cache_info().currsize == built
    # A cursor's value is bound too: two cursors, one statement more.
    after_one = upcoming(start, after=Cursor.of(events[0]))
    after_three = upcoming(start, after=Cursor.of(events[2]))
    assert [e.id for e in after_one.items] == [e.id for e in events[1:]]
    assert [e.id for e in after_three.items] == [e.id for e in events[3:]]
    assert queries._seek_statement.cache_info().currsize == built + 1
    # Another shape (filtered; signed in), its own statements.
    queries.upcoming_events(None, EventFilters(countries=["TN"]), now=start)
    assert queries._seek_statement.cache_info().currsize == built + 2
    past = queries.past_events(None, EventFilters(), now=start + timedelta(days=3))
    assert [e.id for e in past.items] == [e.id for e in events[2::-1]]


def test_a_project_and_a_partner_are_read_by_their_own_slug_in_turn(app, client):
    """get_project and partner_by_slug keep one statement each and bind the slug: pages of
    two projects and two partners, one after the other, each show their own."""
    from coordinator.activities.queries import get_project
    from coordinator.partners.queries import partner_by_slug

    first, second = factories.ProjectFactory(), factories.ProjectFactory()
    db.session.commit()
    for _ in range(2):
        for project in (first, second):
            found = get_project(project.slug)
            assert (found.id, found.lead_partner.id) == (project.id, project.lead_partner.id)
            assert project.title in client.get(f"/projects/{project.slug}").get_data(as_text=True)
            partner = project.lead_partner
            assert partner_by_slug(partner.slug, with_groups=True).id == partner.id
            assert partner_by_slug(partner.slug).id == partner.id
    assert get_project("no-such-project") is None and partner_by_slug("no-such-partner") is None


def test_events_still_running_are_found_however_long_ago_they_started(app, client):
    """running_after's parts: started within the last day (the start index), longer events of
    the month before (ix_events_multi_day), long-running ones from earlier (ix_events_long_
    running). Each still-running event is listed, on the calendar and on its lead partner's
    page; each ended one is not."""
    from coordinator.activities.filters import EventFilters
    from coordinator.activities.queries import partner_events, upcoming_events
    from coordinator.calendar import services

    now = datetime.now(UTC).replace(microsecond=0)
    partner = factories.PartnerFactory()

    def event(started_hours_ago: float, lasting_hours: float):
        start = now - timedelta(hours=started_hours_ago)
        return factories.EventFactory(
            lead_partner=partner,
            timezone="UTC",
            start_dt=start,
            end_dt=start + timedelta(hours=lasting_hours),
        )

    running = [
        event(2, 4),  # the start index
        event(23, 25),  # a day long, started within the day
        event(30, 40),  # lasting more than a day, started more than a day ago
        event(24 * 20, 24 * 25),  # twenty days ago, for twenty-five days
        event(24 * 30, 24 * 30.5),  # just inside LONG_EVENT_DAYS
        event(24 * 40, 24 * 50),  # long-running
    ]
    ended = [event(30, 20), event(24 * 20, 24 * 5), event(24 * 40, 24 * 35)]
    db.session.commit()
    expected = {e.id for e in running}
    listed = {card.id for card in upcoming_events(None, EventFilters(), now=now).items}
    assert listed == expected
    assert {card.id for card in partner_events(None, partner, now=now).upcoming} == expected
    month = services.Month.containing(now.date())
    weeks = services.month_weeks(month)
    places = services.day_places(None, EventFilters(), weeks[0][0], weeks[-1][-1], month, 10)
    today = {event_id for event_id, _ in places.shown.get(now.date(), [])}
    # Every running event covers today in UTC; the ended ones cover it only if they ended today.
    assert expected <= today
    assert not {e.id for e in ended if e.end_dt.date() < now.date()} & today

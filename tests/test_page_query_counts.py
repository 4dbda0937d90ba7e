"""Every public page runs the same number of SQL statements with 5 events or with 40.

The events are spread over partners (as leads and confirmed co-organisers), themes and
projects, and half of them fall on a few days of the shown month, so a lazy load per event,
per partner, per theme or per project, or a page that renders every event of a month,
would show up as a difference between the two sizes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event as sa_event
from sqlalchemy.engine.default import NO_CACHE_KEY

from coordinator.activities.models import (
    Confirmation,
    Event,
    EventTranslation,
    Project,
    ProjectPartner,
    ProjectTranslation,
    Status,
    Theme,
    ThemeTranslation,
)
from coordinator.extensions import db
from coordinator.multilingual import set_translations
from coordinator.partners.models import Partner, PartnerTranslation
from tests import factories

MONTH = datetime.now(UTC).replace(day=1, hour=8, minute=0, second=0, microsecond=0)


def count_statements(client, url: str) -> int:
    return len(statements_of(client, url))


def statements_of(client, url: str) -> list[str]:
    """The statements one request runs, starting as a real request does (fresh session)."""
    db.session.commit()
    db.session.remove()
    g.pop("_login_user", None)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return statements


TRANSLATIONS = {
    Event: EventTranslation,
    Project: ProjectTranslation,
    Partner: PartnerTranslation,
    Theme: ThemeTranslation,
}


def translate(row):
    """Give `row` French and Arabic text for its first translatable field."""
    field = row.TRANSLATABLE[0]
    texts = {lang: {field: f"{lang} {getattr(row, field)}"} for lang in ("fr", "ar")}
    set_translations(row, texts, None, TRANSLATIONS[type(row)])
    return row


class Network:
    """Partners, themes and projects, and events added in batches spread over them."""

    def __init__(self) -> None:
        self.partners = [factories.PartnerFactory(slug=f"net-{n}") for n in range(4)]
        self.themes = [factories.ThemeFactory() for _ in range(3)]
        self.projects = [
            factories.ProjectFactory(slug=f"hub-{n}", lead_partner=self.partners[n])
            for n in range(2)
        ]
        self.count = 0
        # Everything in several languages, so a lazy load of translations would show too.
        for row in [*self.partners, *self.themes, *self.projects]:
            translate(row)

    def add_events(self, count: int) -> None:
        # The pages' requests end the session: take this network's rows into the current one.
        self.partners = [db.session.merge(p, load=True) for p in self.partners]
        self.themes = [db.session.merge(t, load=True) for t in self.themes]
        self.projects = [db.session.merge(p, load=True) for p in self.projects]
        for _ in range(count):
            n = self.count
            self.count += 1
            if n % 2:  # a few busy days of the shown month
                start = MONTH + timedelta(days=n % 4, hours=n % 7)
            else:  # from two days ago on, so both sizes have past and upcoming events
                start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=n - 2)
            # New partners keep appearing, so a per-partner lazy load would grow.
            lead = self.partners[n % 4] if n % 3 else factories.PartnerFactory()
            event = factories.EventFactory(
                lead_partner=lead,
                start_dt=start,
                end_dt=start + timedelta(hours=2),
                project=self.projects[n % 2],
                status=Status.CANCELLED if n % 9 == 4 else Status.APPROVED,
                timezone=["Europe/Paris", "Asia/Tokyo", "Africa/Tunis"][n % 3],
            )
            event.themes.append(self.themes[n % 3])
            if n % 3 == 0:
                event.themes.append(factories.ThemeFactory())
            translate(event)
            if n % 3 == 0:
                translate(event.themes[-1])
            factories.EventPartnerFactory(event=event, partner=self.partners[(n + 1) % 4])
            factories.EventPartnerFactory(
                event=event, partner=translate(factories.PartnerFactory())
            )
        db.session.commit()


PAGES = [
    "/",
    "/events/",
    "/events/past",
    "/events/?partner=net-1",
    "/events/past?theme={theme}&kind=workshop",
    "/events/{event}",
    f"/calendar/{MONTH.year}/{MONTH.month}",
    f"/calendar/agenda?month={MONTH:%Y-%m}",
    f"/calendar/agenda?day={MONTH:%Y-%m}-02",
    "/partners/",
    "/partners/net-1",
    "/projects/",
    "/projects/hub-0",
    "/events.atom",
    "/events/?q=fr+Joint",  # matched through the translations
    "/calendar.ics",
    "/calendar.ics?theme={theme}",
    "/partners/net-1/calendar.ics",
]


@pytest.mark.usefixtures("exact_query_counts")
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_every_public_page_costs_the_same_statements_at_5_and_40_events(
    app, client, login_as, signed_in
):
    network = Network()
    network.add_events(5)
    first = db.session.scalar(db.select(factories.Event).order_by(factories.Event.id).limit(1)).id
    if signed_in:
        login_as(factories.UserFactory(role="focal_point", partner=network.partners[0]))
    urls = [url.format(event=first, theme=network.themes[0].slug) for url in PAGES]
    small = {url: count_statements(client, url) for url in urls}
    network.add_events(35)
    large = {url: count_statements(client, url) for url in urls}
    assert large == small
    # The large network really fills the pages the counts were taken on.
    assert client.get("/events/").get_data(as_text=True).count('class="card mb-3 event-card') > 5
    assert "more" in client.get(urls[6]).get_data(as_text=True)


@pytest.mark.usefixtures("exact_query_counts")
def test_the_counter_sees_the_eager_loads(app, client):
    """Guards the test above: a filled page runs more statements than an empty one."""
    empty = count_statements(client, "/events/")
    Network().add_events(4)
    assert count_statements(client, "/events/") > empty


@pytest.mark.usefixtures("exact_query_counts")
def test_an_event_page_costs_the_same_statements_with_or_without_links(app, client):
    """An event with no project, co-organiser or theme against one with all of them: a load
    that skips its statement when there is nothing to load (or when what it would load is
    already in the session) would make the count depend on the data."""
    network = Network()
    network.add_events(3)
    full = db.session.scalar(db.select(factories.Event).order_by(factories.Event.id).limit(1))
    assert full.project and full.partner_links and full.themes
    bare = factories.EventFactory(title="Bare event", lead_partner=network.partners[0])
    assert not (bare.project or bare.partner_links or bare.themes)
    full_url, bare_url = f"/events/{full.id}", f"/events/{bare.id}"
    # Translations included: the event's, its partners', project's and themes' are one
    # statement, whoever is shown.
    assert len(statements_of(client, full_url)) == len(statements_of(client, bare_url))


@pytest.mark.usefixtures("exact_query_counts")
@pytest.mark.parametrize(
    ("url", "reads"),
    [
        # A list's cards: the events, then their co-organisers and themes, each statement
        # joined to the page language's translations of what it reads (activities.cards).
        ("/events/", 2),
        ("/events/past", 2),
        ("/events/{event}", 1),
        (f"/calendar/agenda?month={MONTH:%Y-%m}", 1),
        # The partner page: the partner, its events' cards (events, their links), its projects.
        ("/partners/net-1", 4),
    ],
)
def test_cards_read_the_translations_of_all_they_show_in_one_statement(app, client, url, reads):
    """The events of a list or an event page, their partners, projects and themes are all
    translated (Network): their translations come with the statements reading them, not in
    one statement per kind of owner and relationship path (five on an event page)."""
    app.config["PAGE_CACHE"] = False  # the second request is rendered, not served from it
    network = Network()
    network.add_events(6)
    first = db.session.scalar(db.select(factories.Event).order_by(factories.Event.id).limit(1))
    url, title = url.format(event=first.id), first.title
    statements_of(client, url)  # the filter form's options are kept from then on
    statements = statements_of(client, url)
    reading_translations = [s for s in statements if "_translations" in s.split("WHERE")[0]]
    assert len(reading_translations) == reads, reading_translations
    page = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f"fr {title.rstrip('0123456789')}" in page  # the cards show the French titles


@pytest.mark.usefixtures("exact_query_counts")
@pytest.mark.parametrize(
    ("url", "reads"),
    # The project page: the project, then its events' cards (events, their links).
    [("/projects/", 1), ("/projects/hub-0", 3)],
)
def test_projects_read_the_translations_of_all_they_show_in_one_statement(app, client, url, reads):
    """Projects, their lead and partner organisations and their themes are all translated
    (Network): one statement reads them all, where each relationship path took one."""
    app.config["PAGE_CACHE"] = False
    network = Network()
    network.add_events(4)
    for project in network.projects:
        partner = translate(factories.PartnerFactory())
        project.partner_links.append(
            ProjectPartner(partner=partner, confirmation=Confirmation.CONFIRMED)
        )
        project.themes.append(network.themes[0])
    db.session.commit()
    statements_of(client, url)  # the filter form's options are kept from then on
    statements = statements_of(client, url)
    reading_translations = [s for s in statements if "_translations" in s.split("WHERE")[0]]
    assert len(reading_translations) == reads, reading_translations
    page = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "fr " in page


@pytest.mark.usefixtures("exact_query_counts")
def test_every_statement_of_the_public_pages_is_compiled_once(app, client):
    """Each statement of a page has a cache key, so SQLAlchemy compiles it once and reuses
    it: a clause of our own without one (a custom construct) would have every statement
    holding it compiled anew on every request."""
    network = Network()
    network.add_events(5)
    first = db.session.scalar(db.select(factories.Event).order_by(factories.Event.id).limit(1)).id
    urls = [url.format(event=first, theme=network.themes[0].slug) for url in PAGES]
    urls += ["/calendar/", "/calendar/agenda"]  # the month and agenda each page opens on
    uncached: list[tuple[str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("SELECT", "WITH") and context.cache_hit == NO_CACHE_KEY:
            uncached.append((url, statement))

    sa_event.listen(db.engine, "after_cursor_execute", record)
    try:
        for url in urls:
            db.session.remove()
            assert client.get(url).status_code == 200, url
    finally:
        sa_event.remove(db.engine, "after_cursor_execute", record)
    assert not uncached, uncached

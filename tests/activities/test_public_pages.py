"""The public events list, archive, event page and project pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from coordinator.activities.models import (
    Confirmation,
    EventKind,
    ProjectPartner,
    ProjectTranslation,
    Status,
    Visibility,
)
from coordinator.activities.queries import PARTNER_PAGE_LIMIT as LIMIT
from coordinator.extensions import db
from coordinator.multilingual import set_translations
from tests import factories


def _text(response) -> str:
    return response.get_data(as_text=True)


def _titles(response) -> list[str]:
    """Event titles of the cards, in page order."""
    return re.findall(
        r'id="event-\d+-title">\s*<a href="/events/\d+"[^>]*>([^<]+)</a>', _text(response)
    )


def _at(days: float, hour: int = 9) -> datetime:
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def _event(title: str, days: float, **kwargs):
    start = kwargs.pop("start_dt", _at(days))
    return factories.EventFactory(
        title=title,
        start_dt=start,
        end_dt=kwargs.pop("end_dt", start + timedelta(hours=2)),
        **kwargs,
    )


# --- The upcoming list and the archive -------------------------------------------------------


def test_upcoming_list_is_soonest_first_and_archive_most_recent_first(client):
    _event("Later", 20)
    _event("Sooner", 2)
    _event("Yesterday", -1)
    _event("Last month", -30)
    db.session.commit()
    assert _titles(client.get("/events/")) == ["Sooner", "Later"]
    assert _titles(client.get("/events/past")) == ["Yesterday", "Last month"]


def test_an_event_under_way_is_still_upcoming(client):
    _event("Under way", 0, start_dt=_at(-1), end_dt=_at(1))
    db.session.commit()
    assert _titles(client.get("/events/")) == ["Under way"]
    assert _titles(client.get("/events/past")) == []


def test_list_includes_the_subscribe_partial_and_an_accessible_filter_form(client):
    factories.PartnerFactory(slug="cmi", acronym="CMI", name="Centre for Mediterranean Integration")
    factories.PartnerFactory(slug="gone", acronym="GONE", is_active=False)
    factories.ThemeFactory(slug="mobility", name="Mobility")
    factories.ThemeFactory(slug="retired", name="Retired theme", is_active=False)
    factories.ProjectFactory(slug="urban-hub", title="Urban Hub")
    factories.ProjectFactory(slug="secret-plan", title="Secret plan", status=Status.SUBMITTED)
    _event("In Tunis", 3, country="TN")
    _event("Hidden country", 3, country="JO", status=Status.SUBMITTED)
    db.session.commit()
    body = _text(client.get("/events/"))
    form = body[body.index('role="search"') : body.index("</form>")]
    for name in ("q", "partner", "project", "theme", "country", "kind", "start", "end"):
        assert f'id="filter-{name}" name="{name}"' in form
        assert f'<label class="form-label" for="filter-{name}">' in form
    assert 'value="cmi"' in form and 'value="gone"' not in form
    assert ">Mobility<" in form and "Retired theme" not in form
    assert ">Urban Hub<" in form and "Secret plan" not in form
    assert ">Tunisia<" in form and "Jordan" not in form  # only countries of visible events
    assert ">Field visit<" in form


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=mobility", {"Mobility days"}),
        ("q=TUNIS", {"In Tunis"}),
        ("partner=cmi", {"CMI led"}),
        ("partner=afd", {"CMI led"}),  # confirmed co-organiser
        ("partner=declined", set()),
        ("project=urban-hub", {"Mobility days"}),
        ("theme=heritage", {"In Tunis"}),
        ("country=TN", {"In Tunis"}),
        ("country=tn", {"In Tunis"}),
        ("kind=webinar", {"Mobility days"}),
        ("kind=webinar&kind=forum", {"Mobility days", "CMI led"}),
        ("start={in10}", {"Mobility days"}),
        ("end={in5}", {"In Tunis", "CMI led"}),
        ("start={in4}&end={in6}", {"CMI led"}),
        ("country=TN&kind=webinar", set()),
    ],
)
def test_filters_narrow_the_list(client, query, expected):
    cmi = factories.PartnerFactory(slug="cmi")
    afd = factories.PartnerFactory(slug="afd")
    declined = factories.PartnerFactory(slug="declined")
    heritage = factories.ThemeFactory(slug="heritage")
    project = factories.ProjectFactory(slug="urban-hub")
    tunis = _event("In Tunis", 2, country="TN", city="Tunis")
    tunis.themes.append(heritage)
    led = _event("CMI led", 5, lead_partner=cmi, kind=EventKind.FORUM, country="ES")
    factories.EventPartnerFactory(event=led, partner=afd)
    factories.EventPartnerFactory(event=tunis, partner=declined, confirmation=Confirmation.DECLINED)
    _event("Mobility days", 12, project=project, kind=EventKind.WEBINAR, country="FR")
    db.session.commit()
    today = datetime.now(UTC).date()
    days = {f"in{n}": (today + timedelta(days=n)).isoformat() for n in (4, 5, 6, 10)}
    query = query.format(**days)
    response = client.get(f"/events/?{query}")
    assert response.status_code == 200
    assert set(_titles(response)) == expected


def test_filters_apply_to_the_archive_too(client):
    _event("Past in Tunis", -3, country="TN")
    _event("Past in Rome", -4, country="IT")
    db.session.commit()
    assert _titles(client.get("/events/past?country=IT")) == ["Past in Rome"]


def test_selected_filters_stay_selected(client):
    factories.ThemeFactory(slug="mobility", name="Mobility")
    db.session.commit()
    body = _text(client.get("/events/?theme=mobility&q=bus+lanes&start=2027-01-02"))
    assert '<option value="mobility" selected>' in body
    assert 'value="bus lanes"' in body
    assert 'value="2027-01-02"' in body
    assert "Clear filters" in body


# --- Pagination --------------------------------------------------------------------------------


def _link(body: str, rel: str) -> str | None:
    match = re.search(rf'class="page-link" rel="{rel}" href="([^"]+)"', body)
    return match.group(1).replace("&amp;", "&") if match else None


def test_pages_of_twenty_by_cursor_keeping_filters(client):
    for index in range(45):
        _event(f"Event {index:02d}", 1 + index, country="TN")
    _event("Elsewhere", 1, country="IT")
    db.session.commit()
    first = client.get("/events/?country=TN")
    assert _titles(first) == [f"Event {i:02d}" for i in range(20)]
    body = _text(first)
    assert "Events matching the filters: 45" in body
    assert _link(body, "prev") is None
    # Forward to the end, each link keeping the filter.
    seen, url = [], "/events/?country=TN"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += _titles(response)
        url = _link(_text(response), "next")
        assert url is None or "country=TN" in url and "after=" in url
    assert seen == [f"Event {i:02d}" for i in range(45)]
    # And back from the last page.
    last = client.get(f"/events/?country=TN&after={_cursor_of(client, 'Event 39')}")
    assert _titles(last) == [f"Event {i:02d}" for i in range(40, 45)]
    back = client.get(_link(_text(last), "prev"))
    assert _titles(back) == [f"Event {i:02d}" for i in range(20, 40)]
    top = client.get(_link(_text(back), "prev"))
    assert _titles(top) == [f"Event {i:02d}" for i in range(20)]
    assert _link(_text(top), "prev") is None


def _cursor_of(client, title: str) -> str:
    from sqlalchemy import select

    from coordinator.activities.models import Event
    from coordinator.activities.queries import Cursor

    return Cursor.of(db.session.scalar(select(Event).where(Event.title == title))).token


def test_events_starting_together_are_neither_repeated_nor_skipped(client):
    """The order is (start, id): a page boundary inside a run of equal starts is exact."""
    for index in range(30):
        _event(f"Same start {index:02d}", 3)
    db.session.commit()
    first = client.get("/events/")
    second = client.get(_link(_text(first), "next"))
    assert _titles(first) + _titles(second) == [f"Same start {i:02d}" for i in range(30)]
    assert _titles(client.get(_link(_text(second), "prev"))) == _titles(first)


def test_the_archive_pages_from_the_most_recent(client):
    for index in range(25):
        _event(f"Past {index:02d}", -1 - index)
    db.session.commit()
    first = client.get("/events/past")
    assert _titles(first) == [f"Past {i:02d}" for i in range(20)]
    assert _titles(client.get(_link(_text(first), "next"))) == [
        f"Past {i:02d}" for i in range(20, 25)
    ]


def test_a_long_running_event_is_still_upcoming(client):
    """An event that began long before today and has not ended leads the upcoming list."""
    _event("Month-long exhibition", -40, end_dt=_at(5))
    _event("Tomorrow", 1)
    _event("Over", -41, end_dt=_at(-1))
    db.session.commit()
    assert _titles(client.get("/events/")) == ["Month-long exhibition", "Tomorrow"]
    assert _titles(client.get("/events/past")) == ["Over"]


def test_counts_stop_at_the_cap(client, monkeypatch):
    from coordinator.activities import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 10)
    for index in range(12):
        _event(f"Event {index:02d}", 1 + index)
    db.session.commit()
    assert "Events: 10+" in _text(client.get("/events/"))
    body = _text(client.get("/events/?q=Event+0"))  # Event 00 to Event 09: ten, not more
    assert re.search(r"Events matching the filters: 10\s*</p>", body)


@pytest.mark.parametrize(
    "cursor",
    ["-1", "abc", "", "%00", "20270301T093000Z-%00", "99991231T235959Z-2147483648", "１"],
)
@pytest.mark.parametrize("name", ["after", "before"])
def test_bad_cursors_give_the_first_page(client, name, cursor):
    _event("Only one", 2)
    db.session.commit()
    response = client.get(f"/events/?{name}={cursor}")
    assert response.status_code == 200
    assert _titles(response) == ["Only one"]


@pytest.mark.parametrize("url", ["/events/?page=2", "/events/?after=99991231T235959Z-1"])
def test_an_old_page_number_or_a_cursor_past_the_end_is_not_an_error(client, url):
    _event("Only one", 2)
    db.session.commit()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "partner=../x",
        "partner=%00",
        "project=' OR 1=1 --",
        "theme=" + "a" * 10_000,
        "country=QQQ",  # three letters: no ISO 3166 code
        "country=%C3%A9%C3%A9",
        "kind=party",
        "start=garbage",
        "end=2026-02-30",
        "start=9999-99-99",
        "q=%00%01%02",
        "q=" + "x" * 10_000,
        "q=%25_%5C",
        "start=2027-01-01&end=2026-01-01",
        "partner=" + "&partner=".join(f"p{i}" for i in range(100)),
    ],
)
def test_bad_filter_values_never_fail(client, query):
    _event("Visible", 2)
    db.session.commit()
    for path in ("/events/", "/events/past"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200, (path, query)


def test_text_search_treats_like_wildcards_literally(client):
    _event("100% urban", 2)
    _event("Other", 3)
    db.session.commit()
    assert _titles(client.get("/events/?q=100%25")) == ["100% urban"]
    assert _titles(client.get("/events/?q=%25")) == ["100% urban"]


# --- The event page -----------------------------------------------------------------------------


def test_event_page_shows_time_in_the_event_zone_with_its_name(client):
    # 08:00 UTC on 14 April 2027 is 10:00 in Cairo (EET, UTC+2; Egypt's summer time starts
    # on the last Friday of April).
    event = factories.EventFactory(
        title="Cairo urban forum",
        timezone="Africa/Cairo",
        start_dt=datetime(2027, 4, 14, 8, 0, tzinfo=UTC),
        end_dt=datetime(2027, 4, 14, 10, 30, tzinfo=UTC),
    )
    db.session.commit()
    body = _text(client.get(f"/events/{event.id}"))
    assert "Wed, Apr 14, 2027, 10:00\u202fAM–12:30\u202fPM (Cairo Time, EET)" in body


@pytest.mark.parametrize(
    "zone, start_utc, expected",
    [
        (
            "America/New_York",
            datetime(2027, 7, 1, 14, 0, tzinfo=UTC),
            "Thu, Jul 1, 2027, 10:00\u202fAM–12:00\u202fPM (New York Time, EDT)",
        ),
        (
            "Europe/Madrid",
            datetime(2027, 1, 12, 8, 30, tzinfo=UTC),
            "Tue, Jan 12, 2027, 9:30\u202fAM–11:30\u202fAM (Madrid Time, CET)",
        ),
        (
            "Asia/Beirut",
            datetime(2027, 6, 3, 7, 0, tzinfo=UTC),
            "Thu, Jun 3, 2027, 10:00\u202fAM–12:00\u202fPM (Beirut Time, EEST)",
        ),
    ],
)
def test_event_times_on_list_and_page_use_the_event_zone(client, zone, start_utc, expected):
    event = factories.EventFactory(
        title="Zoned", timezone=zone, start_dt=start_utc, end_dt=start_utc + timedelta(hours=2)
    )
    db.session.commit()
    assert expected in _text(client.get(f"/events/{event.id}"))
    assert expected in _text(client.get("/events/?start=2027-01-01"))


def test_multi_day_and_all_day_events(client):
    timed = factories.EventFactory(
        title="Two days",
        timezone="Europe/Athens",
        start_dt=datetime(2027, 3, 9, 7, 0, tzinfo=UTC),
        end_dt=datetime(2027, 3, 10, 15, 0, tzinfo=UTC),
    )
    one_day = factories.EventFactory(
        title="Heritage day",
        timezone="Africa/Tunis",
        is_all_day=True,
        start_date=date(2027, 5, 18),
        end_date=date(2027, 5, 18),
        start_dt=datetime(2027, 5, 17, 23, 0, tzinfo=UTC),
        end_dt=datetime(2027, 5, 18, 23, 0, tzinfo=UTC),
    )
    several = factories.EventFactory(
        title="Summer school",
        timezone="Europe/Rome",
        is_all_day=True,
        start_date=date(2027, 6, 7),
        end_date=date(2027, 6, 9),
        start_dt=datetime(2027, 6, 6, 22, 0, tzinfo=UTC),
        end_dt=datetime(2027, 6, 9, 22, 0, tzinfo=UTC),
    )
    db.session.commit()
    assert (
        "Tue, Mar 9, 2027, 9:00\u202fAM – Wed, Mar 10, 2027, 5:00\u202fPM (Athens Time, EET)"
        in _text(client.get(f"/events/{timed.id}"))
    )
    assert "Tue, May 18, 2027 (all day)" in _text(client.get(f"/events/{one_day.id}"))
    page = _text(client.get(f"/events/{several.id}"))
    assert "Mon, Jun 7, 2027 – Wed, Jun 9, 2027 (all day)" in page
    assert 'datetime="2027-06-07"' in page


def test_event_page_shows_place_partners_project_and_details(client):
    lead = factories.PartnerFactory(
        slug="cmi", name="Centre for Mediterranean Integration", acronym="CMI"
    )
    confirmed = factories.PartnerFactory(slug="afd", name="Agence Francaise", acronym="AFD")
    pending = factories.PartnerFactory(slug="eib", name="European Investment Bank", acronym="EIB")
    declined = factories.PartnerFactory(slug="giz", name="GIZ Agency", acronym="GIZ")
    theme = factories.ThemeFactory(name="Mobility")
    project = factories.ProjectFactory(slug="urban-hub", title="Urban Hub", acronym="UH")
    event = factories.EventFactory(
        title="Tram workshop",
        lead_partner=lead,
        project=project,
        venue="Dar Lasram",
        city="Tunis",
        country="TN",
        timezone="Africa/Tunis",
        languages="fr,ar,en",
        registration_url="https://example.org/register",
        description="## Programme\n\n<script>alert(1)</script> **bold** [x](javascript:alert(1))",
    )
    event.themes.append(theme)
    for partner, state in (
        (confirmed, Confirmation.CONFIRMED),
        (pending, Confirmation.PENDING),
        (declined, Confirmation.DECLINED),
    ):
        factories.EventPartnerFactory(event=event, partner=partner, confirmation=state)
    db.session.commit()
    body = _text(client.get(f"/events/{event.id}"))
    assert "<bdi>Dar Lasram</bdi>" in body and "<bdi>Tunis</bdi>, Tunisia" in body
    assert 'href="/partners/cmi"' in body and 'href="/partners/afd"' in body
    assert "EIB" not in body and "GIZ" not in body  # only confirmed co-organisers are credited
    assert 'href="/projects/urban-hub"' in body
    assert "Mobility" in body and "Workshop" in body
    assert "French, Arabic, and English" in body
    assert 'href="https://example.org/register"' in body
    assert "<strong>bold</strong>" in body
    assert "<script>alert(1)" not in body and 'href="javascript:' not in body


def test_online_event_shows_its_join_link_and_unsafe_links_are_not_linked(client):
    online = factories.EventFactory(
        title="Webinar",
        kind=EventKind.WEBINAR,
        city="",
        country="",
        online_url="https://meet.example.org/urban",
    )
    hostile = factories.EventFactory(
        title="Hostile", online_url="javascript:alert(1)", registration_url="data:text/html,hi"
    )
    db.session.commit()
    body = _text(client.get(f"/events/{online.id}"))
    assert '<a href="https://meet.example.org/urban"' in body
    assert "Where" not in body
    body = _text(client.get(f"/events/{hostile.id}"))
    assert 'href="javascript:' not in body and 'href="data:' not in body


def test_cancelled_event_is_shown_as_cancelled_everywhere(client):
    lead = factories.PartnerFactory(slug="cmi")
    project = factories.ProjectFactory(slug="urban-hub")
    upcoming = _event(
        "Called off",
        4,
        lead_partner=lead,
        project=project,
        status=Status.CANCELLED,
        cancel_reason="Venue closed for repairs",
        registration_url="https://example.org/register",
        online_url="https://meet.example.org/x",
    )
    past = _event("Called off earlier", -4, lead_partner=lead, status=Status.CANCELLED)
    db.session.commit()
    page = _text(client.get(f"/events/{upcoming.id}"))
    assert "This event is cancelled." in page and "Venue closed for repairs" in page
    assert "Register" not in page and "Join online" not in page
    for url, event in (
        ("/events/", upcoming),
        ("/events/past", past),
        ("/projects/urban-hub", upcoming),
        ("/partners/cmi", upcoming),
        ("/partners/cmi", past),
    ):
        body = _text(client.get(url))
        card = body[body.index(f'id="event-{event.id}-title"') :]
        card = card[: card.index("</h")]
        assert "Cancelled" in card and "cancelled-title" in card, url


def test_event_page_includes_the_shared_partials(client, app):
    """The page includes the partials other modules provide, with the event in context."""
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "activities/_event_actions.html": "ACTIONS-FOR-{{ event.id }}",
                    "feeds/_event_actions.html": "ICS-FOR-{{ event.id }}",
                    "documents/_attached.html": (
                        "DOCS-FOR-{{ subject.__class__.__name__ }}-{{ subject.id }}"
                    ),
                    "feeds/_subscribe.html": "SUBSCRIBE-"
                    "{{ subscribe_target.slug if subscribe_target else 'network' }}"
                    "-{{ subscribe_filters.to_args() if subscribe_filters else '' }}",
                }
            ),
            app.jinja_env.loader,
        ]
    )
    event = factories.EventFactory(project=factories.ProjectFactory(slug="hub"))
    db.session.commit()
    body = _text(client.get(f"/events/{event.id}"))
    for marker in (f"ACTIONS-FOR-{event.id}", f"ICS-FOR-{event.id}", f"DOCS-FOR-Event-{event.id}"):
        assert marker in body
    body = _text(client.get("/projects/hub"))
    assert "SUBSCRIBE-hub-" in body and f"DOCS-FOR-Project-{event.project.id}" in body
    assert "SUBSCRIBE-network-{&#39;kind&#39;: [&#39;forum&#39;]}" in _text(
        client.get("/events/?kind=forum")
    )


@pytest.mark.parametrize(
    "url",
    [
        "/events/0",
        "/events/99999",
        "/events/99999999999999",
        "/events/abc",
        "/events/-1",
        "/projects/nope",
        "/projects/" + "x" * 5000,
        "/projects/%00",
        "/projects/%00abc",
        "/projects/Upper",
        "/projects/a%0Ab",
    ],
)
def test_unknown_events_and_projects_are_not_found(client, url):
    assert client.get(url).status_code == 404


# --- Projects -----------------------------------------------------------------------------------


def test_projects_list_shows_published_projects_only(client):
    factories.ProjectFactory(title="Published hub")
    factories.ProjectFactory(title="Cancelled hub", status=Status.CANCELLED)
    for status in (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.CHANGES_REQUESTED,
        Status.REJECTED,
        Status.WITHDRAWN,
    ):
        factories.ProjectFactory(title=f"Hidden {status.value}", status=status)
    db.session.commit()
    body = _text(client.get("/projects/"))
    assert "Published hub" in body and "Cancelled hub" in body
    assert "Hidden" not in body


def test_project_page_gathers_its_events_partners_and_details(client):
    lead = factories.PartnerFactory(slug="cmi", acronym="CMI")
    member = factories.PartnerFactory(slug="afd", acronym="AFD", name="Agence Francaise")
    pending = factories.PartnerFactory(slug="eib", acronym="EIB", name="Pending Bank")
    theme = factories.ThemeFactory(name="Climate and environment")
    project = factories.ProjectFactory(
        slug="urban-hub",
        title="Urban Hub",
        lead_partner=lead,
        website="https://hub.example.org",
        description="The **hub** of <em>urban</em> work.",
        start_date=date(2026, 1, 1),
        end_date=date(2028, 12, 31),
    )
    project.themes.append(theme)
    from coordinator.activities.models import ProjectPartner

    db.session.add_all(
        [
            ProjectPartner(project=project, partner=member, confirmation=Confirmation.CONFIRMED),
            ProjectPartner(project=project, partner=pending),
        ]
    )
    _event("Next hub meeting", 3, project=project)
    _event("Last hub meeting", -3, project=project)
    _event("Network-only hub meeting", 4, project=project, visibility=Visibility.NETWORK)
    _event("Draft hub meeting", 5, project=project, status=Status.DRAFT)
    _event("Other project", 5)
    db.session.commit()
    body = _text(client.get("/projects/urban-hub"))
    upcoming = body[body.index('id="upcoming-heading"') : body.index('id="past-heading"')]
    past = body[body.index('id="past-heading"') :]
    assert "Next hub meeting" in upcoming and "Last hub meeting" in past
    assert "Network-only" not in body and "Draft hub meeting" not in body
    assert "Other project" not in body
    assert 'href="/partners/afd"' in body and "Pending Bank" not in body
    assert "Climate and environment" in body and "https://hub.example.org" in body
    assert "<strong>hub</strong>" in body and "<em>urban</em>" not in body
    assert "Jan 1, 2026\u2009–\u2009Dec 31, 2028" in body


# --- Partner pages ------------------------------------------------------------------------------


def test_partner_page_lists_its_events_and_projects(client):
    partner = factories.PartnerFactory(slug="cmi")
    other = factories.PartnerFactory(slug="other")
    _event("Led upcoming", 3, lead_partner=partner)
    _event("Led past", -3, lead_partner=partner)
    co_organised = _event("Co-organised", 6, lead_partner=other)
    factories.EventPartnerFactory(event=co_organised, partner=partner)
    pending = _event("Only invited", 7, lead_partner=other)
    factories.EventPartnerFactory(event=pending, partner=partner, confirmation=Confirmation.PENDING)
    _event("Not ours", 2, lead_partner=other)
    factories.ProjectFactory(title="Our project", lead_partner=partner)
    factories.ProjectFactory(title="Our draft project", lead_partner=partner, status=Status.DRAFT)
    db.session.commit()
    body = _text(client.get("/partners/cmi"))
    section = body[body.index('id="partner-activities-heading"') :]
    upcoming = section[section.index("Upcoming events") : section.index("Past events")]
    assert "Led upcoming" in upcoming and "Co-organised" in upcoming
    assert "Led past" in section[section.index("Past events") :]
    assert "Only invited" not in body and "Not ours" not in body
    assert "Our project" in body and "Our draft project" not in body


def _section_titles(body: str, start: str, end: str | None = None) -> list[str]:
    """Card titles between two headings of a page, in page order."""
    part = body[body.index(start) : body.index(end) if end else len(body)]
    return re.findall(r'id="event-\d+-title">\s*<a href="/events/\d+"[^>]*>([^<]+)</a>', part)


def _partner_lists(client, slug: str) -> tuple[list[str], list[str]]:
    body = _text(client.get(f"/partners/{slug}"))
    body = body[body.index('id="partner-activities-heading"') :]
    return (
        _section_titles(body, "Upcoming events", "Past events"),
        _section_titles(body, "Past events"),
    )


def test_partner_page_merges_led_and_co_organised_events_nearest_first(client):
    """Each list holds the nearest LIMIT of the events the partner leads and co-organises
    (confirmed) together, in time order whichever side they come from: upcoming soonest
    first, with the events under way (long-running ones too) at its top; past most recent
    first. An event it leads and is also named on appears once."""
    partner = factories.PartnerFactory(slug="cmi")
    other = factories.PartnerFactory(slug="other")

    def co_organised(title: str, days: float, **kwargs):
        event = _event(title, days, lead_partner=other, **kwargs)
        factories.EventPartnerFactory(event=event, partner=partner)
        return event

    for day in range(1, 16):  # upcoming: led on odd days, co-organised on even ones
        (_event if day % 2 else co_organised)(
            f"Up {day:02d}", day, **({"lead_partner": partner} if day % 2 else {})
        )
        (_event if day % 2 else co_organised)(
            f"Down {day:02d}", -day, **({"lead_partner": partner} if day % 2 else {})
        )
    # Under way: led for 60 days and co-organised for 45 days (long-running), and a short one.
    _event("Led exhibition", 0, start_dt=_at(-60), end_dt=_at(30), lead_partner=partner)
    co_organised("Co-organised exhibition", 0, start_dt=_at(-45), end_dt=_at(2))
    co_organised("Under way", 0, start_dt=_at(-1), end_dt=_at(1))
    # Led and also named as a co-organiser: once only.
    twice = _event("Up 15.5", 15.5, lead_partner=partner)
    factories.EventPartnerFactory(event=twice, partner=partner)
    # Not the partner's, or not shown.
    _event("Not ours", 2, lead_partner=other)
    co_organised("Ended long-running", 0, start_dt=_at(-80), end_dt=_at(-40))
    pending = _event("Only invited", 3, lead_partner=other)
    factories.EventPartnerFactory(event=pending, partner=partner, confirmation=Confirmation.PENDING)
    _event("Led draft", 4, lead_partner=partner, status=Status.DRAFT)
    co_organised("Co-organised draft", 4, status=Status.DRAFT)
    db.session.commit()

    upcoming, past = _partner_lists(client, "cmi")
    assert (
        upcoming
        == [
            "Led exhibition",
            "Co-organised exhibition",
            "Under way",
            *[f"Up {day:02d}" for day in range(1, 16)],
            "Up 15.5",
        ][:LIMIT]
    )
    assert past == [*[f"Down {day:02d}" for day in range(1, 16)], "Ended long-running"][:LIMIT]
    assert len(upcoming) == LIMIT


def test_partner_page_stops_each_list_at_the_limit_and_links_to_the_rest(client):
    partner = factories.PartnerFactory(slug="cmi")
    other = factories.PartnerFactory(slug="other")
    for day in range(1, 26):
        lead = partner if day % 3 else other
        for title, days in ((f"Up {day:02d}", day), (f"Down {day:02d}", -day)):
            event = _event(title, days, lead_partner=lead)
            if lead is other:
                factories.EventPartnerFactory(event=event, partner=partner)
    db.session.commit()
    upcoming, past = _partner_lists(client, "cmi")
    assert upcoming == [f"Up {day:02d}" for day in range(1, LIMIT + 1)]
    assert past == [f"Down {day:02d}" for day in range(1, LIMIT + 1)]
    body = _text(client.get("/partners/cmi"))
    assert 'href="/events/?partner=cmi"' in body and 'href="/events/past?partner=cmi"' in body


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_partner_page_shows_network_only_events_to_signed_in_users(client, login_as, signed_in):
    partner = factories.PartnerFactory(slug="cmi")
    other = factories.PartnerFactory(slug="other")
    _event("Public led", 2, lead_partner=partner)
    _event("Network led", 3, lead_partner=partner, visibility=Visibility.NETWORK)
    network = _event("Network co-organised", 4, lead_partner=other, visibility=Visibility.NETWORK)
    factories.EventPartnerFactory(event=network, partner=partner)
    _event("Cancelled led", -2, lead_partner=partner, status=Status.CANCELLED)
    db.session.commit()
    if signed_in:
        login_as(factories.UserFactory(role="focal_point", partner=other))
    upcoming, past = _partner_lists(client, "cmi")
    if signed_in:
        assert upcoming == ["Public led", "Network led", "Network co-organised"]
    else:
        assert upcoming == ["Public led"]
    assert past == ["Cancelled led"]


def test_partner_page_reads_visibility_per_viewer_in_one_process(client, login_as):
    """The partner page's statement is built once per process for each visibility: the
    anonymous visitor's, read first, is not the one a signed-in user then gets."""
    partner = factories.PartnerFactory(slug="cmi")
    _event("Public led", 2, lead_partner=partner)
    _event("Network led", 3, lead_partner=partner, visibility=Visibility.NETWORK)
    db.session.commit()
    assert _partner_lists(client, "cmi")[0] == ["Public led"]
    login_as(factories.UserFactory(role="focal_point", partner=partner))
    assert _partner_lists(client, "cmi")[0] == ["Public led", "Network led"]
    client.post("/logout")
    assert _partner_lists(client, "cmi")[0] == ["Public led"]


def test_partner_page_lists_its_published_projects_most_recent_first(client):
    """Projects it leads or has confirmed taking part in, published (cancelled ones marked),
    the most recent first, titled in the page's language, else marked as in the original's."""
    partner = factories.PartnerFactory(slug="cmi")
    other = factories.PartnerFactory(slug="other")

    def project(title: str, start: date, lead=other, confirmation=None, **kwargs):
        made = factories.ProjectFactory(
            title=title, acronym="", start_date=start, lead_partner=lead, **kwargs
        )
        if confirmation:
            made.partner_links.append(ProjectPartner(partner=partner, confirmation=confirmation))
        return made

    led = project("Led hub", date(2025, 1, 1), lead=partner)
    project("Joined hub", date(2026, 3, 1), confirmation=Confirmation.CONFIRMED)
    project("Cancelled hub", date(2024, 6, 1), lead=partner, status=Status.CANCELLED)
    project("Invited hub", date(2026, 5, 1), confirmation=Confirmation.PENDING)
    project("Draft hub", date(2026, 6, 1), lead=partner, status=Status.DRAFT)
    project("Someone else's hub", date(2026, 7, 1))
    set_translations(led, {"fr": {"title": "Pôle mené"}}, None, ProjectTranslation)
    db.session.commit()

    def listed(language: str) -> str:
        body = _text(client.get("/partners/cmi", headers={"Accept-Language": language}))
        return body[body.index("Joint projects") if language == "en" else 0 :]

    english = listed("en")
    titles = re.findall(r'<a href="/projects/[^"]+" dir="auto">([^<]+)</a>', english)
    assert titles[:3] == ["Joined hub", "Led hub", "Cancelled hub"]
    assert not {"Invited hub", "Draft hub", "Someone else&#39;s hub"} & set(titles)
    assert english.count("text-bg-danger") >= 1
    french = listed("fr")
    assert "Pôle mené" in french
    assert re.search(
        r'lang="en" dir="ltr">Joined hub</span></a> <small class="translation-marker', french
    )


def test_project_page_lists_the_nearest_ones_on_each_side(client):
    project = factories.ProjectFactory(slug="hub")
    for day in range(1, 24):
        _event(f"Up {day:02d}", day, project=project)
        _event(f"Down {day:02d}", -day, project=project)
    _event("Long workshop series", 0, start_dt=_at(-50), end_dt=_at(10), project=project)
    _event("Elsewhere", 1)
    db.session.commit()
    body = _text(client.get("/projects/hub"))
    upcoming = _section_titles(body, 'id="upcoming-heading"', 'id="past-heading"')
    past = _section_titles(body, 'id="past-heading"')
    assert upcoming == ["Long workshop series", *[f"Up {day:02d}" for day in range(1, LIMIT)]]
    assert past == [f"Down {day:02d}" for day in range(1, LIMIT + 1)]
    assert 'href="/events/?project=hub"' in body and 'href="/events/past?project=hub"' in body

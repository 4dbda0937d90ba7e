"""The month grid and the agenda: local days, filters kept across months, visibility, queries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import g
from sqlalchemy import event as sa_event

from coordinator.activities.models import Confirmation, EventKind, Status, Visibility
from coordinator.calendar import services
from coordinator.calendar.services import Month
from coordinator.extensions import db
from tests.factories import (
    EventFactory,
    EventPartnerFactory,
    PartnerFactory,
    ProjectFactory,
    ThemeFactory,
)


def at(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def day_cells(page: str) -> dict[str, str]:
    """The month grid's cells keyed by their ISO date."""
    cells = {}
    for chunk in page.split("<td")[1:]:
        chunk = chunk.split("</td>")[0]
        match = re.search(r'<time datetime="(\d{4}-\d{2}-\d{2})">', chunk)
        if match:
            cells[match.group(1)] = chunk
    return cells


def agenda_days(page: str) -> dict[str, str]:
    days = {}
    for chunk in page.split('<section class="agenda-day')[1:]:
        match = re.search(r'<time datetime="(\d{4}-\d{2}-\d{2})">', chunk)
        days[match.group(1)] = chunk.split("</section>")[0]
    return days


class TestLocalDays:
    def test_events_sit_on_their_own_local_day(self, client):
        # 23:30 UTC on 10 March is 08:30 on 11 March in Tokyo.
        EventFactory(
            title="Tokyo breakfast",
            timezone="Asia/Tokyo",
            start_dt=at(2026, 3, 10, 23, 30),
            end_dt=at(2026, 3, 11, 1),
        )
        # 03:00 UTC on 11 March is 20:00 on 10 March in Los Angeles.
        EventFactory(
            title="LA evening",
            timezone="America/Los_Angeles",
            start_dt=at(2026, 3, 11, 3),
            end_dt=at(2026, 3, 11, 5),
        )
        db.session.commit()
        cells = day_cells(client.get("/calendar/2026/3").get_data(as_text=True))
        assert (
            "Tokyo breakfast" in cells["2026-03-11"]
            and "Tokyo breakfast" not in cells["2026-03-10"]
        )
        assert "LA evening" in cells["2026-03-10"] and "LA evening" not in cells["2026-03-11"]

    def test_each_time_is_shown_in_the_event_zone_with_the_zone_named(self, client):
        EventFactory(
            title="Tokyo breakfast",
            timezone="Asia/Tokyo",
            start_dt=at(2026, 3, 10, 23, 30),
            end_dt=at(2026, 3, 11, 1),
        )
        db.session.commit()
        for url in ("/calendar/2026/3", "/calendar/agenda?month=2026-03"):
            page = client.get(url).get_data(as_text=True)
            assert (
                '<time datetime="2026-03-10T23:30:00+00:00" data-zone="Asia/Tokyo">'
                "8:30\u202fAM</time>" in page
            )
            assert "JST" in page and "(Tokyo Time)" in page

    def test_multi_day_and_all_day_events_cover_each_of_their_days(self, client):
        EventFactory(
            title="Summit",
            timezone="Europe/Madrid",
            is_all_day=True,
            start_date=date(2026, 3, 30),
            end_date=date(2026, 4, 1),
            start_dt=at(2026, 3, 29, 22),
            end_dt=at(2026, 4, 1, 22),
        )
        db.session.commit()
        march = day_cells(client.get("/calendar/2026/3").get_data(as_text=True))
        assert all("Summit" in march[d] for d in ("2026-03-30", "2026-03-31", "2026-04-01"))
        assert "Summit" not in march["2026-03-29"]
        assert "All day" in march["2026-03-30"]
        agenda = agenda_days(client.get("/calendar/agenda?month=2026-04").get_data(as_text=True))
        assert list(agenda) == ["2026-04-01"] and "Summit" in agenda["2026-04-01"]

    def test_an_event_ending_at_local_midnight_does_not_spill_over(self, app):
        event = EventFactory(
            timezone="Europe/Paris", start_dt=at(2026, 3, 10, 21), end_dt=at(2026, 3, 10, 23)
        )  # 22:00 to 00:00 in Paris
        assert services.local_days(event) == (date(2026, 3, 10), date(2026, 3, 10))

    def test_today_is_marked(self, client):
        today = datetime.now(UTC).date()
        page = client.get(f"/calendar/{today.year}/{today.month}").get_data(as_text=True)
        marked = re.findall(
            r'<td class="[^"]*"\s+aria-current="date">\s*<div class="day-label">\s*'
            r'<time datetime="([\d-]+)">',
            page,
        )
        assert marked == [today.isoformat()]


class TestVisibility:
    def test_only_published_events_and_network_ones_only_for_signed_in_users(
        self, client, focal_point, login_as
    ):
        start = at(2026, 5, 12, 9)
        for title, status, visibility in [
            ("Public approved", Status.APPROVED, Visibility.PUBLIC),
            ("Network approved", Status.APPROVED, Visibility.NETWORK),
            ("Public cancelled", Status.CANCELLED, Visibility.PUBLIC),
            ("Still a draft", Status.DRAFT, Visibility.PUBLIC),
            ("Waiting review", Status.SUBMITTED, Visibility.PUBLIC),
            ("Was rejected", Status.REJECTED, Visibility.PUBLIC),
        ]:
            EventFactory(
                title=title,
                status=status,
                visibility=visibility,
                start_dt=start,
                end_dt=start + timedelta(hours=2),
            )
        db.session.commit()
        for url in ("/calendar/2026/5", "/calendar/agenda?month=2026-05"):
            anonymous = client.get(url).get_data(as_text=True)
            assert "Public approved" in anonymous and "Public cancelled" in anonymous
            assert "Network approved" not in anonymous
            for hidden in ("Still a draft", "Waiting review", "Was rejected"):
                assert hidden not in anonymous
        login_as(focal_point)
        for url in ("/calendar/2026/5", "/calendar/agenda?month=2026-05"):
            signed_in = client.get(url).get_data(as_text=True)
            assert "Network approved" in signed_in
            assert "Still a draft" not in signed_in and "Waiting review" not in signed_in


class TestFilters:
    @pytest.fixture
    def network(self, app):
        marseille = PartnerFactory(slug="marseille", name="Marseille")
        tunis = PartnerFactory(slug="tunis", name="Tunis")
        water = ThemeFactory(slug="water", name="Water")
        project = ProjectFactory(slug="blue-cities", title="Blue cities")
        start = at(2026, 6, 10, 8)
        led = EventFactory(
            title="Marseille water workshop",
            lead_partner=marseille,
            country="FR",
            kind=EventKind.WORKSHOP,
            start_dt=start,
            end_dt=start + timedelta(hours=2),
            project=project,
        )
        led.themes.append(water)
        co_organised = EventFactory(
            title="Tunis webinar",
            lead_partner=tunis,
            country="TN",
            kind=EventKind.WEBINAR,
            start_dt=start,
            end_dt=start + timedelta(hours=2),
        )
        EventPartnerFactory(
            event=co_organised, partner=marseille, confirmation=Confirmation.CONFIRMED
        )
        pending = EventFactory(
            title="Tunis forum",
            lead_partner=tunis,
            country="TN",
            kind=EventKind.FORUM,
            start_dt=start,
            end_dt=start + timedelta(hours=2),
        )
        EventPartnerFactory(event=pending, partner=marseille, confirmation=Confirmation.PENDING)
        db.session.commit()

    @pytest.mark.parametrize(
        "query, shown, hidden",
        [
            ("partner=marseille", ["Marseille water workshop", "Tunis webinar"], ["Tunis forum"]),
            ("theme=water", ["Marseille water workshop"], ["Tunis webinar", "Tunis forum"]),
            ("project=blue-cities", ["Marseille water workshop"], ["Tunis webinar"]),
            ("country=TN", ["Tunis webinar", "Tunis forum"], ["Marseille water workshop"]),
            (
                "kind=webinar&kind=forum",
                ["Tunis webinar", "Tunis forum"],
                ["Marseille water workshop"],
            ),
        ],
    )
    def test_filters_narrow_both_views(self, client, network, query, shown, hidden):
        for url in (f"/calendar/2026/6?{query}", f"/calendar/agenda?month=2026-06&{query}"):
            page = client.get(url).get_data(as_text=True)
            for title in shown:
                assert title in page, (url, title)
            for title in hidden:
                assert title not in page, (url, title)

    def test_month_navigation_keeps_the_filters(self, client, network):
        page = client.get(
            "/calendar/2026/6?partner=marseille&kind=webinar&kind=forum&country=TN"
        ).get_data(as_text=True)
        nav = page.split('class="calendar-nav')[1].split("</nav>")[0]
        links = re.findall(r'href="([^"]+)"', nav)
        assert len(links) == 3
        paths = [urlsplit(link.replace("&amp;", "&")).path for link in links]
        today = datetime.now(UTC).date()
        assert paths == [
            "/calendar/2026/5",
            f"/calendar/{today.year}/{today.month}",
            "/calendar/2026/7",
        ]
        for link in links:
            args = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
            assert args == {
                "partner": ["marseille"],
                "kind": ["webinar", "forum"],
                "country": ["TN"],
            }

    def test_agenda_navigation_and_view_switch_keep_the_filters(self, client, network):
        page = client.get("/calendar/agenda?month=2026-06&theme=water").get_data(as_text=True)
        nav = page.split('class="calendar-nav')[1].split("</nav>")[0]
        links = [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', nav)]
        assert parse_qs(urlsplit(links[0]).query) == {"month": ["2026-05"], "theme": ["water"]}
        assert parse_qs(urlsplit(links[2]).query) == {"month": ["2026-07"], "theme": ["water"]}
        assert 'href="/calendar/2026/6?theme=water"' in page
        # The filter form of the agenda stays on the month shown.
        assert '<input type="hidden" name="month" value="2026-06">' in page

    def test_filter_panel_is_folded_until_filters_are_active(self, client, network):
        assert '<details class="calendar-filters card mb-3">' in client.get(
            "/calendar/2026/6"
        ).get_data(as_text=True)
        page = client.get("/calendar/2026/6?kind=webinar&kind=forum").get_data(as_text=True)
        assert '<details class="calendar-filters card mb-3" open>' in page
        assert "Active filters: 2" in page

    def test_filter_form_shows_the_active_choices(self, client, network):
        page = client.get("/calendar/2026/6?partner=marseille&kind=webinar&kind=forum").get_data(
            as_text=True
        )
        assert '<option value="marseille" selected>' in page
        assert 'id="filter-kind" name="kind" multiple' in page
        assert (
            '<option value="webinar" selected>' in page
            and '<option value="forum" selected>' in page
        )


class TestRequests:
    @pytest.mark.parametrize(
        "url",
        [
            "/calendar/2026/13",
            "/calendar/2026/0",
            "/calendar/99999/1",
            "/calendar/agenda?month=2026-13",
            "/calendar/agenda?month=%00",
            "/calendar/agenda?month=" + "9" * 10_000,
        ],
    )
    def test_bad_months_are_404(self, client, url):
        assert client.get(url).status_code == 404

    def test_hostile_filter_values_are_ignored(self, client):
        response = client.get("/calendar/2026/6?partner=%00&kind=nope&country=" + "x" * 10_000)
        assert response.status_code == 200

    def test_event_titles_link_to_the_event_page_when_it_exists(self, app):
        from coordinator import create_app

        fresh = create_app(app.config)
        if "activities.event" not in fresh.view_functions:
            fresh.add_url_rule(
                "/events/<int:event_id>", endpoint="activities.event", view_func=lambda event_id: ""
            )
        event = EventFactory(
            title="Linked event", start_dt=at(2026, 7, 1, 9), end_dt=at(2026, 7, 1, 10)
        )
        db.session.commit()
        page = fresh.test_client().get("/calendar/2026/7").get_data(as_text=True)
        assert f'<a href="/events/{event.id}" dir="auto">Linked event</a>' in page


@pytest.mark.usefixtures("exact_query_counts")
class TestQueryCount:
    def count_queries(self, client, url: str) -> int:
        # Each measured request starts as a real one does: no open transaction, and no user
        # cached on `g` (the test app context outlives requests).
        db.session.commit()
        g.pop("_login_user", None)
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    def make_events(self, count: int, partners) -> None:
        start = at(2026, 8, 1, 8)
        for index in range(count):
            event = EventFactory(
                lead_partner=partners[index % len(partners)],
                start_dt=start + timedelta(hours=index * 2),
                end_dt=start + timedelta(hours=index * 2 + 1),
                timezone=["Europe/Paris", "Asia/Tokyo", "Africa/Tunis"][index % 3],
            )
            EventPartnerFactory(event=event, partner=partners[(index + 1) % len(partners)])

    @pytest.mark.parametrize("url", ["/calendar/2026/8", "/calendar/agenda?month=2026-08"])
    def test_ten_or_three_hundred_events_cost_the_same_queries(
        self, client, url, focal_point, login_as
    ):
        partners = [PartnerFactory() for _ in range(5)]
        self.make_events(10, partners)
        login_as(focal_point)
        small = self.count_queries(client, url)
        # New lead partners too, so a per-event lazy load would show up.
        self.make_events(290, [PartnerFactory() for _ in range(40)])
        db.session.commit()
        large = self.count_queries(client, url)
        page = client.get(url).get_data(as_text=True)
        # The grid shows three per day and "+N more"; the agenda a page of 50.
        shown = page.count('class="calendar-event') + page.count('class="agenda-event')
        if "agenda" in url:
            assert shown == 50 and 'rel="next"' in page
        else:
            assert 3 * 25 <= shown <= 3 * 6 * 7 and "day-more" in page
        assert small == large

    def test_the_agenda_finds_its_opening_month_in_one_statement(self, app, client):
        """The first event not ended is read as its span: no event row, so no translations
        loaded with it (the month shown is all the page takes from it); both parts (from a
        month back, the long-running events) in one statement."""
        # At noon UTC, so its local day is its UTC day.
        start = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
        start += timedelta(days=3)
        EventFactory(start_dt=start, end_dt=start + timedelta(hours=1))
        month = Month.containing(start.date())
        # Both built in full, after one request has built what is kept per data version.
        app.config["PAGE_CACHE"] = False
        self.count_queries(client, f"/calendar/agenda?month={month}")
        opening = self.count_queries(client, "/calendar/agenda")
        given = self.count_queries(client, f"/calendar/agenda?month={month}")
        assert opening - given == 1


class TestBoundedViews:
    """A day cell shows at most DAY_LIMIT events and "+N more"; the agenda is paged."""

    def busy_day(self, count: int, day: int = 14) -> list:
        return [
            EventFactory(
                title=f"Busy {index:02d}",
                start_dt=at(2026, 9, day, 8) + timedelta(minutes=index),
                end_dt=at(2026, 9, day, 9) + timedelta(minutes=index),
                timezone="Africa/Tunis",
            )
            for index in range(count)
        ]

    def test_a_busy_day_shows_three_and_links_the_rest(self, client):
        self.busy_day(7)
        EventFactory(title="Quiet", start_dt=at(2026, 9, 20, 8), end_dt=at(2026, 9, 20, 9))
        db.session.commit()
        page = client.get("/calendar/2026/9?country=FR").get_data(as_text=True)
        cells = day_cells(page)
        busy = cells["2026-09-14"]
        assert [f"Busy {i:02d}" for i in range(3)] == re.findall(r"Busy \d\d", busy)
        link = re.search(r'<a class="small day-more" href="([^"]+)"[^>]*>([^<]+)</a>', busy)
        assert link.group(2).strip() == "+4 more"
        assert "day-more" not in cells["2026-09-20"]
        # The month still counts every event.
        assert "Events this month: 8." in page
        # The link opens that day's agenda, filters kept, with all seven.
        url = link.group(1).replace("&amp;", "&")
        assert parse_qs(urlsplit(url).query) == {"day": ["2026-09-14"], "country": ["FR"]}
        day = client.get(url).get_data(as_text=True)
        assert list(agenda_days(day)) == ["2026-09-14"]
        assert re.findall(r"Busy \d\d", day) == [f"Busy {i:02d}" for i in range(7)]
        assert "Quiet" not in day

    def test_the_agenda_pages_by_cursor(self, client, monkeypatch):
        monkeypatch.setattr(services, "AGENDA_PAGE_SIZE", 4)
        self.busy_day(10)
        db.session.commit()
        first = client.get("/calendar/agenda?month=2026-09").get_data(as_text=True)
        assert re.findall(r"Busy \d\d", first) == [f"Busy {i:02d}" for i in range(4)]
        seen, url = [], "/calendar/agenda?month=2026-09"
        while url:
            page = client.get(url).get_data(as_text=True)
            seen += re.findall(r"Busy \d\d", page)
            match = re.search(r'class="page-link" rel="next" href="([^"]+)"', page)
            url = match.group(1).replace("&amp;", "&") if match else None
            assert url is None or "month=2026-09" in url
        assert seen == [f"Busy {i:02d}" for i in range(10)]

    @pytest.mark.parametrize(
        "query", ["day=2026-13-01", "day=x", "day=%00", "day=9999-12-31", "after=zz", "before=%00"]
    )
    def test_bad_days_and_cursors_fall_back(self, client, query):
        assert client.get(f"/calendar/agenda?{query}").status_code == 200


def test_month_arithmetic():
    assert Month(2026, 1).previous == Month(2025, 12)
    assert Month(2026, 12).next == Month(2027, 1)
    assert Month.parse("2026-02").last_day == date(2026, 2, 28)
    assert Month.parse("2026-2") == Month(2026, 2)
    assert Month.parse("2026-02-01") is None and Month.parse("x-y") is None


@pytest.mark.parametrize("url", ["/calendar/?partner={slug}", "/calendar/agenda?partner={slug}"])
def test_a_partners_calendar_reads_it_by_side_within_the_window(app, client, url):
    """Its led and its co-organised events, each side read within the month along its own
    index: never every event of the partner gathered first (20 ms for the busiest at 50k)."""
    from tests.test_page_query_counts import statements_of

    app.config["PAGE_CACHE"] = False
    partner = PartnerFactory()
    EventFactory(lead_partner=partner)
    slug, partner_id = partner.slug, partner.id
    statements = statements_of(client, url.format(slug=slug))
    assert any(f"events.lead_partner_id = {partner_id}" in s for s in statements), statements
    assert not any("UNION SELECT event_partners.event_id" in s for s in statements), statements

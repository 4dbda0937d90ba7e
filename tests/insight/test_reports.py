"""The reports: figures checked against counts made in Python over loaded rows, the CSV, access."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordinator.activities.models import (
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    Status,
    Visibility,
)
from coordinator.extensions import db
from coordinator.insight.reports import Period, build_report
from tests.factories import EventFactory, PartnerFactory, ThemeFactory

PERIOD = Period(date(2025, 3, 1), date(2026, 2, 28))


@pytest.fixture
def network(app):
    """A seeded, varied network: states, visibilities, co-organisers, edges of the period."""
    rng = random.Random(20261127)
    partners = [PartnerFactory() for _ in range(6)]
    themes = [ThemeFactory() for _ in range(4)]
    countries = ["FR", "ES", "TN", "MA", "LB", ""]
    statuses = [Status.APPROVED] * 6 + [
        Status.CANCELLED,
        Status.SUBMITTED,
        Status.DRAFT,
        Status.REJECTED,
    ]
    for _ in range(160):
        start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(
            minutes=rng.randrange(0, 60 * 24 * 500)
        )
        event = EventFactory(
            lead_partner=rng.choice(partners),
            status=rng.choice(statuses),
            visibility=rng.choice([Visibility.PUBLIC, Visibility.NETWORK]),
            country=rng.choice(countries),
            kind=rng.choice(list(EventKind)),
            start_dt=start,
            end_dt=start + timedelta(hours=rng.randrange(1, 30)),
        )
        event.themes.extend(rng.sample(themes, rng.randrange(0, 3)))
        for partner in rng.sample(partners, rng.randrange(0, 3)):
            db.session.add(
                EventPartner(
                    event=event, partner=partner, confirmation=rng.choice(list(Confirmation))
                )
            )
    # Exactly on the edges: the first instant counts, the instant after the last day does not.
    EventFactory(
        title="First instant",
        start_dt=datetime(2025, 3, 1, tzinfo=UTC),
        end_dt=datetime(2025, 3, 1, 1, tzinfo=UTC),
        lead_partner=partners[0],
    )
    EventFactory(
        title="Just after",
        start_dt=datetime(2026, 3, 1, tzinfo=UTC),
        end_dt=datetime(2026, 3, 1, 1, tzinfo=UTC),
        lead_partner=partners[0],
    )
    db.session.commit()
    return partners


def expected_counts(signed_in: bool) -> dict[str, Counter]:
    """The same figures by plain Python over every loaded event."""
    events = db.session.scalars(
        select(Event).options(
            selectinload(Event.partner_links),
            selectinload(Event.themes),
            selectinload(Event.lead_partner),
        )
    ).all()
    counted = [
        e
        for e in events
        if e.status == Status.APPROVED
        and (signed_in or e.visibility == Visibility.PUBLIC)
        and PERIOD.start <= e.start_dt.astimezone(UTC).date() <= PERIOD.end
    ]
    per_partner: Counter = Counter()
    per_theme: Counter = Counter()
    per_country: Counter = Counter()
    per_month: Counter = Counter()
    for event in counted:
        involved = {event.lead_partner.slug}
        involved |= {
            link.partner.slug
            for link in event.partner_links
            if link.confirmation == Confirmation.CONFIRMED
        }
        per_partner.update(involved)
        per_theme.update(theme.slug for theme in event.themes)
        per_country[event.country] += 1
        per_month[event.start_dt.astimezone(UTC).strftime("%Y-%m")] += 1
    return {
        "total": Counter({"": len(counted)}),
        "partner": per_partner,
        "theme": per_theme,
        "country": per_country,
        "month": per_month,
    }


@pytest.mark.parametrize("signed_in", [True, False])
def test_figures_match_direct_counts(network, focal_point, signed_in):
    from flask_login import AnonymousUserMixin

    user = focal_point if signed_in else AnonymousUserMixin()
    with db.session.no_autoflush:
        report = build_report(user, PERIOD)
    expected = expected_counts(signed_in)
    assert report.total == expected["total"][""] > 0
    for section in ("partner", "theme", "country"):
        assert {f.key: f.count for f in report.sections[section]} == dict(expected[section]), (
            section
        )
    months = {f.key: f.count for f in report.sections["month"]}
    assert list(months) == [f"{y}-{m:02d}" for y, m in PERIOD.months()]
    assert len(months) == 12
    assert {k: v for k, v in months.items() if v} == dict(expected["month"])
    assert sum(months.values()) == report.total


def test_figures_are_ordered_largest_first(network, staff):
    report = build_report(staff, PERIOD)
    for section in ("partner", "theme", "country"):
        counts = [f.count for f in report.sections[section]]
        assert counts == sorted(counts, reverse=True)


def test_default_period_is_the_last_twelve_months():
    period = Period.last_twelve_months(date(2026, 11, 27))
    assert period == Period(date(2025, 12, 1), date(2026, 11, 27))
    assert len(period.months()) == 12
    assert Period.last_twelve_months(date(2026, 1, 5)).start == date(2025, 2, 1)


class TestPages:
    def test_anonymous_is_sent_to_sign_in(self, client):
        for url in ("/reports/", "/reports/activities.csv"):
            response = client.get(url)
            assert response.status_code == 302 and "/login" in response.headers["Location"]

    @pytest.mark.parametrize("role", ["focal_point", "staff"])
    def test_focal_points_and_staff_see_reports(self, client, login_as, role, partner):
        from tests.factories import UserFactory

        login_as(UserFactory(role=role, partner=partner))
        assert client.get("/reports/").status_code == 200
        assert client.get("/reports/activities.csv").status_code == 200

    def test_page_draws_accessible_charts_with_tables(self, client, network, staff, login_as):
        login_as(staff)
        page = client.get("/reports/?start=2025-03-01&end=2026-02-28").get_data(as_text=True)
        assert page.count('<svg class="bar-chart" role="img"') == 4
        for section in ("partner", "theme", "country", "month"):
            assert f'aria-labelledby="chart-{section}-title chart-{section}-desc"' in page
            assert f'<title id="chart-{section}-title">' in page
            assert f'<desc id="chart-{section}-desc">' in page
        assert page.count("<table") == 4
        report = build_report(staff, PERIOD)
        assert (
            f">{report.total} activities from March 1, 2025 to February 28, 2026<"
            in page.replace("\n", "")
        )
        assert 'href="/reports/activities.csv?start=2025-03-01&amp;end=2026-02-28"' in page

    def test_period_form_errors_are_shown_not_raised(self, client, staff, login_as):
        login_as(staff)
        for query in (
            "start=2026-02-01&end=2025-01-01",
            "start=nope&end=2026-01-01",
            "start=1900-01-01&end=2026-01-01",
            "start=%00&end=",
            "start=" + "9" * 10_000,
        ):
            response = client.get(f"/reports/?{query}")
            assert response.status_code == 400, query
            assert "is-invalid" in response.get_data(as_text=True)
            assert client.get(f"/reports/activities.csv?{query}").status_code == 400

    def test_french_page(self, client, staff, login_as):
        login_as(staff)
        page = client.get(
            "/reports/?start=2025-03-01&end=2026-02-28", headers={"Accept-Language": "fr"}
        ).get_data(as_text=True)
        assert "Activités par partenaire" in page and "1 mars 2025" in page and "févr. 2026" in page


class TestCsv:
    def read(self, client, query="start=2025-03-01&end=2026-02-28"):
        response = client.get(f"/reports/activities.csv?{query}")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))

    def test_csv_holds_the_same_figures(self, client, network, staff, login_as):
        login_as(staff)
        rows = self.read(client)
        assert rows[0] == ["section", "key", "label", "events"]
        report = build_report(staff, PERIOD)
        assert rows[1] == ["total", "", "2025-03-01/2026-02-28", str(report.total)]
        from_csv = {(r[0], r[1]): int(r[3]) for r in rows[2:]}
        from_report = {
            (s, f.key): f.count for s, figures in report.sections.items() for f in figures
        }
        assert from_csv == from_report
        expected = expected_counts(signed_in=True)
        for (section, key), count in from_csv.items():
            assert expected[section][key] == count

    def test_names_cannot_become_spreadsheet_formulas(self, client, staff, login_as):
        evil = PartnerFactory(name='=HYPERLINK("http://evil.example","x")', slug="evil")
        EventFactory(
            lead_partner=evil,
            start_dt=datetime(2025, 6, 1, 9, tzinfo=UTC),
            end_dt=datetime(2025, 6, 1, 10, tzinfo=UTC),
        )
        login_as(staff)
        rows = self.read(client)
        partner_rows = [r for r in rows if r[0] == "partner"]
        assert partner_rows == [["partner", "evil", '\'=HYPERLINK("http://evil.example","x")', "1"]]

"""Pages name time zones as places in the reader's language; the calendar feeds keep the IANA
identifiers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coordinator.extensions import db
from tests import factories

CAIRO = {"fr": "heure : Le Caire", "ar": "توقيت القاهرة", "es": "hora de El Cairo"}
# In January Cairo is at UTC+02:00, Beirut too, Madrid at UTC+01:00.
WINTER = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


def _page(client, path: str, language: str) -> str:
    return client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)


@pytest.fixture
def winter(time_machine):
    time_machine.move_to(WINTER, tick=False)


@pytest.fixture
def cairo_focal_point(app, login_as, winter):
    partner = factories.PartnerFactory(timezone="Africa/Cairo")
    user = factories.UserFactory(role="focal_point", partner=partner)
    db.session.commit()
    login_as(user)
    return user


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_partner_page_names_its_zone_in_the_language(client, language):
    partner = factories.PartnerFactory(timezone="Africa/Cairo", city="Cairo", country="EG")
    db.session.commit()
    page = _page(client, f"/partners/{partner.slug}", language)
    assert CAIRO[language] in page
    assert "Africa/Cairo" not in page


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_event_page_names_its_zone_in_the_language(client, language):
    event = factories.EventFactory(timezone="Africa/Cairo")
    db.session.commit()
    page = _page(client, f"/events/{event.id}", language)
    assert CAIRO[language] in page
    assert "Africa/Cairo" not in page


def test_manage_page_names_the_zone_in_the_language(client, login_as, staff):
    event = factories.EventFactory(timezone="Africa/Cairo")
    db.session.commit()
    login_as(staff)
    page = _page(client, f"/events/{event.id}/manage", "es")
    assert CAIRO["es"] in page
    assert "(Africa/Cairo)" not in page


def test_my_activities_name_the_zone_in_the_language(client, cairo_focal_point):
    factories.EventFactory(timezone="Africa/Cairo", lead_partner=cairo_focal_point.partner)
    db.session.commit()
    page = _page(client, "/my/activities", "ar")
    assert f"({CAIRO['ar']})" in page and "(Africa/Cairo)" not in page


def test_staff_dashboard_names_the_zone_in_the_language(client, login_as, staff):
    factories.EventFactory(timezone="Africa/Cairo")  # led alone: listed on the dashboard
    db.session.commit()
    login_as(staff)
    page = _page(client, "/staff/", "fr")
    assert f"({CAIRO['fr']})" in page and "(Africa/Cairo)" not in page


@pytest.mark.parametrize("path", ["/calendar/2027/1", "/calendar/agenda?month=2027-01"])
def test_calendar_names_the_zone_and_keeps_the_identifier_for_the_script(client, path):
    factories.EventFactory(
        timezone="Africa/Cairo",
        start_dt=datetime(2027, 1, 20, 8, 0, tzinfo=UTC),
        end_dt=datetime(2027, 1, 20, 10, 0, tzinfo=UTC),
    )
    db.session.commit()
    page = _page(client, path, "ar")
    assert f"({CAIRO['ar']})" in page
    # The script that adds the reader's own time reads the zone from data-zone.
    assert 'data-zone="Africa/Cairo"' in page


# --- The feeds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_feeds_keep_the_iana_identifier(client, language):
    event = factories.EventFactory(timezone="Africa/Cairo")
    db.session.commit()
    for path in ("/calendar.ics", f"/events/{event.id}.ics"):
        body = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
        assert "TZID:Africa/Cairo" in body
        assert "DTSTART;TZID=Africa/Cairo:" in body
        assert CAIRO[language] not in body

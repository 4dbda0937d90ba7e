"""Pages and forms name time zones as places in the reader's language; the values the forms post
and the calendar feeds keep the IANA identifiers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coordinator.activities.models import Event
from coordinator.extensions import db
from coordinator.partners.models import Partner
from tests import factories
from tests.activities.helpers import event_form_data

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


# --- The forms ---------------------------------------------------------------------------------


def test_event_form_lists_cities_in_french_with_iana_values(client, cairo_focal_point):
    html = _page(client, "/events/new", "fr")
    assert '<option selected value="Africa/Cairo">Le Caire (UTC+02:00)</option>' in html
    assert '<option value="Europe/Madrid">Madrid (UTC+01:00)</option>' in html
    assert ">Africa/Cairo<" not in html and ">Europe/Madrid<" not in html


def test_event_form_lists_cities_in_arabic_and_stores_the_identifier(client, cairo_focal_point):
    html = _page(client, "/events/new", "ar")
    assert '<option value="Asia/Beirut">بيروت (UTC+02:00)</option>' in html
    response = client.post(
        "/events/new",
        data=event_form_data(timezone="Asia/Beirut"),
        headers={"Accept-Language": "ar"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Event.timezone)) == "Asia/Beirut"


def test_partner_form_lists_cities_in_the_language(client, login_as, staff, winter):
    partner = factories.PartnerFactory(timezone="Africa/Casablanca")
    db.session.commit()
    login_as(staff)
    html = _page(client, f"/partners/{partner.slug}/edit", "es")
    assert '<option selected value="Africa/Casablanca">Casablanca (UTC+01:00)</option>' in html
    assert '<option value="Africa/Cairo">El Cairo (UTC+02:00)</option>' in html


def test_a_zone_saved_under_an_old_name_stays_chosen_on_the_form(client, login_as, staff, winter):
    partner = factories.PartnerFactory(timezone="Europe/Kiev")
    db.session.commit()
    login_as(staff)
    html = _page(client, f"/partners/{partner.slug}/edit", "fr")
    assert '<option selected value="Europe/Kiev">Kiev (UTC+02:00)</option>' in html
    assert '<option value="Europe/Kyiv">Kiev (UTC+02:00)</option>' in html
    assert db.session.get(Partner, partner.id).timezone == "Europe/Kiev"


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

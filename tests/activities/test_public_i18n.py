"""The public activity pages speak the reader's language: words, dates, lists and labels."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import force_locale

from coordinator.activities.models import (
    Confirmation,
    EventKind,
    RevisionStatus,
    Status,
    Visibility,
)
from coordinator.activities.queries import FilterChoices
from coordinator.extensions import db
from tests import factories


def _page(client, path: str, language: str) -> str:
    return client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)


def _cairo_forum(**kwargs):
    return factories.EventFactory(
        title="Cairo urban forum",
        timezone="Africa/Cairo",
        kind=EventKind.WORKSHOP,
        start_dt=datetime(2027, 4, 14, 8, 0, tzinfo=UTC),
        end_dt=datetime(2027, 4, 14, 10, 30, tzinfo=UTC),
        city="Cairo",
        country="EG",
        languages="fr,ar,en",
        **kwargs,
    )


def test_event_page_in_arabic_names_days_months_and_the_zone_in_arabic(client):
    event = _cairo_forum()
    db.session.commit()
    page = _page(client, f"/events/{event.id}", "ar")
    assert '<html lang="ar" dir="rtl">' in page
    assert "الأربعاء، 14 أبريل 2027" in page  # Wednesday, 14 April 2027
    assert "10:00 ص" in page and "12:30 م" in page  # the locale's own clock
    assert "توقيت القاهرة" in page and "EET" in page  # Cairo time, and its abbreviation
    assert "Africa/Cairo" not in page
    assert "Wed" not in page and "Apr" not in page
    assert "ورشة عمل" in page  # the kind
    assert "مصر" in page  # Egypt
    assert "الفرنسية والعربية والإنجليزية" in page  # its languages, listed the Arabic way
    assert ">الفعاليات<" in page  # the breadcrumb back to the events


def test_event_page_in_french(client):
    event = _cairo_forum()
    db.session.commit()
    page = _page(client, f"/events/{event.id}", "fr")
    assert "mer. 14 avr. 2027" in page and "heure : Le Caire" in page
    assert "Africa/Cairo" not in page
    assert "Atelier" in page and "Égypte" in page
    assert "français, arabe et anglais" in page
    assert ">Quand<" in page and ">Type<" in page


def test_events_list_in_french_translates_filters_kinds_and_countries(client):
    _cairo_forum()
    db.session.commit()
    page = _page(client, "/events/?start=2027-01-01", "fr")
    assert 'aria-label="Filtrer les événements"' in page
    assert ">Pays<" in page and ">Égypte<" in page
    assert ">Visite de terrain<" in page  # a kind option of the filter form
    assert "Effacer les filtres" in page  # a filter is active
    assert "mer. 14 avr. 2027" in page
    english = _page(client, "/events/?start=2027-01-01", "en")
    assert ">Field visit<" in english and "Wed, Apr 14, 2027" in english


def test_cancelled_event_card_in_spanish(client):
    _cairo_forum(status=Status.CANCELLED)
    db.session.commit()
    page = _page(client, "/events/?start=2027-01-01", "es")
    assert ">Cancelado<" in page and "mié, 14 abr 2027" in page


def test_project_pages_write_their_dates_the_local_way(client):
    lead = factories.PartnerFactory(acronym="CMI")
    factories.ProjectFactory(
        slug="urban-hub",
        title="Urban Hub",
        lead_partner=lead,
        start_date=date(2026, 1, 1),
        end_date=date(2028, 12, 31),
    )
    db.session.commit()
    listing = _page(client, "/projects/", "es")
    assert "1 ene 2026\u2009–\u200931 dic 2028" in listing
    assert "Dirigido por <bdi>CMI</bdi>" in listing
    page = _page(client, "/projects/urban-hub", "ar")
    assert "1 يناير 2026 – 31 ديسمبر 2028" in page
    assert ">المشاريع<" in page  # the breadcrumb


def test_unpublished_banner_names_the_state_in_the_reader_language(client, staff, login_as):
    event = _cairo_forum(status=Status.REJECTED)
    staff.locale = "fr"
    db.session.commit()
    login_as(staff)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert 'id="status-banner"' in page and "Refusé" in page


def test_enum_labels_are_lazy_and_follow_the_locale(app):
    # Made once, outside any request (as module-level form choices are)...
    options = FilterChoices(kinds=list(EventKind)).options()["kind"]
    with force_locale("fr"):
        assert str(dict(options)["field_visit"]) == "Visite de terrain"
        assert str(Status.CANCELLED.label) == "Annulé"
        assert str(RevisionStatus.CHANGES_REQUESTED.label) == "Modifications demandées"
    with force_locale("es"):
        assert str(EventKind.CONFERENCE.label) == "Conferencia"
    with force_locale("en"):
        assert [str(s.label) for s in Status] == [
            "Draft",
            "Submitted",
            "Changes requested",
            "Approved",
            "Rejected",
            "Withdrawn",
            "Cancelled",
        ]
        assert str(Visibility.NETWORK.label) == "Network members only"
        assert str(Confirmation.DECLINED.label) == "Declined"
        assert f"{EventKind.FIELD_VISIT.label}" == "Field visit"


def test_the_submitted_state_is_not_the_submission_date_column(app):
    """The catalogs' plain "Submitted" heads a date column ("Soumis le"); the state has its own
    entry, under a context."""
    with force_locale("fr"):
        assert not str(Status.SUBMITTED.label).endswith(" le")
    with force_locale("es"):
        assert not str(Status.SUBMITTED.label).endswith(" el")

"""Feed pages speak the reader's language; the feeds themselves never depend on it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coordinator.activities.models import EventKind
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.feeds.models import FeedToken
from tests import factories


def test_the_private_feed_panel_in_french(client, login_as, focal_point):
    login_as(focal_point)
    page = client.get("/account/feeds", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Flux d’agenda privés" in page and "Vous n’avez encore aucun flux privé." in page
    assert "Nom du flux" in page and 'value="Mon agenda"' in page
    assert "Créer un flux privé" in page


def test_creating_and_revoking_a_feed_in_arabic(client, login_as, focal_point):
    login_as(focal_point)
    page = client.post(
        "/account/feeds", data={"name": "الهاتف"}, headers={"Accept-Language": "ar"}
    ).get_data(as_text=True)
    assert "موجزك الخاص «<bdi>الهاتف</bdi>»" in page and "تقويم Google" in page
    # The copy script reads its messages, translated, from the page.
    assert 'data-copied-message="نُسخ العنوان إلى الحافظة."' in page
    token = db.session.scalar(select(FeedToken).where(FeedToken.owner_id == focal_point.id))
    page = client.post(
        f"/account/feeds/{token.id}/revoke",
        headers={"Accept-Language": "ar"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "أُلغي الموجز الخاص «الهاتف»؛ ولم يعد عنوانه يعمل." in page


class TestTooManyFeeds:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "FEED_MAX_TOKENS_PER_USER": 0}

    def test_the_refusal_is_in_spanish(self, client, login_as, focal_point):
        login_as(focal_point)
        response = client.post(
            "/account/feeds", data={"name": "Móvil"}, headers={"Accept-Language": "es"}
        )
        assert response.status_code == 400
        assert "Ha alcanzado el número de canales privados permitidos" in response.get_data(
            as_text=True
        )


def test_the_subscribe_panel_in_spanish(client):
    partner = factories.PartnerFactory(acronym="AMB")
    db.session.commit()
    page = client.get(f"/partners/{partner.slug}", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )
    assert "Suscribirse: Eventos de AMB" in page
    assert "Dirección del canal (péguela en cualquier aplicación de calendario)" in page
    assert 'data-copy-failed-message="Seleccione la dirección y cópiela."' in page
    # Outlook names its copy of the calendar in the reader's language too.
    assert "name=Eventos%20de%20AMB" in page


@pytest.fixture
def translated_kinds(monkeypatch):
    """Event kinds labelled in the request's language, as a page would show them: the feeds
    must still write them in the default language."""
    lazy_label = EventKind.label.fget
    monkeypatch.setattr(EventKind, "label", property(lambda kind: str(lazy_label(kind))))


@pytest.mark.parametrize("url", ["/calendar.ics", "/events.atom", "event"])
def test_feed_bytes_do_not_follow_accept_language(client, translated_kinds, url):
    event = factories.EventFactory(kind=EventKind.WORKSHOP, published_dt=utcnow())
    db.session.commit()
    url = f"/events/{event.id}.ics" if url == "event" else url
    # The first request (in Arabic) builds and caches the feed; every language gets its bytes.
    bodies = {
        language: client.get(url, headers={"Accept-Language": language}).data
        for language in ("ar", "fr", "en")
    }
    assert bodies["ar"] == bodies["fr"] == bodies["en"]
    assert b"Workshop" in bodies["en"] and "ورشة".encode() not in bodies["ar"]

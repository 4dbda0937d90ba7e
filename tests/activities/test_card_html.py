"""An event's card written in Python (activities.card_html): what it shows, escaped, in the
page's language, the same for a card read from rows and for a mapped event."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from coordinator.activities.card_html import event_card
from coordinator.activities.cards import load_event_cards
from coordinator.activities.models import EventTranslation, Status, Visibility
from coordinator.extensions import db
from coordinator.multilingual import set_translations
from tests import factories


def _both(app, event, language="en", **options) -> str:
    """The card of `event` read from rows and of the mapped event, which must be the same."""
    with app.test_request_context("/"), force_locale(language):
        (card,) = load_event_cards([event.id])
        from_card = str(event_card(card, **options))
        from_event = str(event_card(db.session.get(type(event), event.id), **options))
    assert from_card == from_event
    return from_card


def test_every_text_a_partner_wrote_is_escaped(app):
    lead = factories.PartnerFactory(acronym="<b>LEAD</b>")
    project = factories.ProjectFactory(
        lead_partner=lead, acronym="", title="<img src=x onerror=alert(1)>"
    )
    theme = factories.ThemeFactory(name="<i>water</i>")
    event = factories.EventFactory(
        lead_partner=lead,
        project=project,
        title="<script>alert(1)</script>",
        summary='"quoted" & <em>',
        city="<Tunis>",
        status=Status.APPROVED,
    )
    project.status = Status.APPROVED
    event.themes.append(theme)
    db.session.commit()
    html = _both(app, event)
    for raw in ("<script>", "<b>LEAD", "<img", "<i>water", "<em>", "<Tunis>"):
        assert raw not in html
    for escaped in (
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;b&gt;LEAD&lt;/b&gt;",
        "&lt;img src=x onerror=alert(1)&gt;",
        "&lt;i&gt;water&lt;/i&gt;",
        "&#34;quoted&#34; &amp; &lt;em&gt;",
        "<bdi>&lt;Tunis&gt;</bdi>",
    ):
        assert escaped in html


def test_a_cancelled_network_only_event_says_so_and_its_heading_has_the_level(app):
    event = factories.EventFactory(status=Status.CANCELLED, visibility=Visibility.NETWORK)
    db.session.commit()
    html = _both(app, event, "fr", level=4)
    assert 'class="card mb-3 event-card border-danger"' in html
    assert f'<h4 class="h5 card-title" id="event-{event.id}-title">' in html
    assert 'class="cancelled-title"' in html
    assert '<span class="badge text-bg-danger">Annulé</span>' in html
    assert "Membres du réseau uniquement" in html


def test_the_place_is_the_city_and_the_country_named_in_the_page_language(app):
    in_city = factories.EventFactory(city="Tunis", country="TN")
    city_only = factories.EventFactory(city="Tunis", country="")
    country_only = factories.EventFactory(city="", country="TN")
    online = factories.EventFactory(city="", country="", online_url="https://meet.example")
    db.session.commit()
    assert "· <bdi>Tunis</bdi>, Tunisie" in _both(app, in_city, "fr")
    # A city without a country is the city alone (the macro this replaced wrote "Not given").
    shown = _both(app, city_only, "fr")
    assert "· <bdi>Tunis</bdi>\n" in shown and "Non renseigné" not in shown
    assert "· تونس" in _both(app, country_only, "ar")
    online_card = _both(app, online, "es")
    assert "· En línea" in online_card and "<bdi>" not in online_card


def test_an_untranslated_title_keeps_its_language_and_direction_with_a_marker(app):
    event = factories.EventFactory(title="منتدى المدن", language="ar", summary="")
    db.session.commit()
    html = _both(app, event, "en")
    assert '<span lang="ar" dir="rtl">منتدى المدن</span></a>' in html
    assert 'translation-marker text-body-secondary">in Arabic</small>' in html
    assert '<p class="mb-1" dir="auto">' not in html  # no summary, no empty paragraph
    set_translations(event, {"en": {"title": "Cities forum"}}, None, EventTranslation)
    db.session.commit()
    translated = _both(app, event, "en")
    assert ">Cities forum</a>" in translated and "translation-marker" not in translated


@pytest.mark.parametrize("hide_project", [False, True])
def test_the_project_shows_when_published_unless_the_page_is_the_project(app, hide_project):
    published = factories.ProjectFactory(acronym="BLUE", status=Status.APPROVED)
    draft = factories.ProjectFactory(acronym="DRAFT", status=Status.SUBMITTED)
    with_published = factories.EventFactory(project=published)
    with_draft = factories.EventFactory(project=draft)
    db.session.commit()
    shown = _both(app, with_published, hide_project=hide_project)
    link = f'Project: <a href="/projects/{published.slug}" dir="auto">BLUE</a>'
    assert (link in shown) is not hide_project
    assert "DRAFT" not in _both(app, with_draft, hide_project=hide_project)


def test_the_organisers_are_the_lead_and_the_confirmed_partners_as_a_list(app):
    lead = factories.PartnerFactory(acronym="MC")
    event = factories.EventFactory(lead_partner=lead)
    alone = factories.EventFactory(lead_partner=lead)
    for acronym in ("UFM", "CMI"):
        factories.EventPartnerFactory(
            event=event, partner=factories.PartnerFactory(acronym=acronym)
        )
    db.session.commit()
    html = _both(app, event, "es")
    assert f'Organizado por <a href="/partners/{lead.slug}" dir="auto">MC</a> con ' in html
    assert '">UFM</a> y <a href="' in html or '">CMI</a> y <a href="' in html
    assert "Organizado por" in _both(app, alone, "es") and " con " not in _both(app, alone, "es")

"""Event cards read from rows (activities.cards): what a list shows of each event, in the page's
language, in two statements whatever the events hold."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import event as sa_event

from coordinator.activities.cards import EventCard, load_event_cards
from coordinator.activities.models import (
    Confirmation,
    EventTranslation,
    ProjectTranslation,
    Status,
    ThemeTranslation,
    Visibility,
)
from coordinator.extensions import db
from coordinator.multilingual import localized, set_translations
from coordinator.partners.models import PartnerTranslation
from tests import factories


def _statements(run) -> tuple[object, int]:
    counted = []

    def record(*_args):
        counted.append(1)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        return run(), len(counted)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def linked(app):
    """An event with a project, two confirmed co-organisers (added out of id order), one
    pending, one declined, and themes added out of name order; all translated to French."""
    lead = factories.PartnerFactory(name="Lead City", acronym="")
    first, second = factories.PartnerFactory(), factories.PartnerFactory()
    project = factories.ProjectFactory(lead_partner=lead, title="Blue Growth", acronym="")
    event = factories.EventFactory(
        lead_partner=lead, project=project, title="Water forum", summary="On water."
    )
    for partner in (second, first):
        factories.EventPartnerFactory(event=event, partner=partner)
    factories.EventPartnerFactory(event=event, confirmation=Confirmation.PENDING)
    factories.EventPartnerFactory(event=event, confirmation=Confirmation.DECLINED)
    for name in ("Zoning", "Adaptation"):
        event.themes.append(factories.ThemeFactory(name=name))
    set_translations(event, {"fr": {"title": "Forum de l'eau"}}, None, EventTranslation)
    set_translations(lead, {"fr": {"name": "Ville cheffe"}}, None, PartnerTranslation)
    set_translations(project, {"fr": {"title": "Croissance bleue"}}, None, ProjectTranslation)
    set_translations(event.themes[0], {"fr": {"name": "Zonage"}}, None, ThemeTranslation)
    db.session.commit()
    return event, (first, second)


def test_a_card_holds_what_the_event_shows(app, linked):
    event, (first, second) = linked
    with app.test_request_context("/"):
        (card,) = load_event_cards([event.id])
    assert isinstance(card, EventCard)
    assert (card.id, card.title, card.summary, card.kind) == (
        event.id,
        "Water forum",
        "On water.",
        event.kind,
    )
    assert (card.start_dt, card.end_dt, card.timezone) == (
        event.start_dt,
        event.end_dt,
        event.timezone,
    )
    assert card.lead_partner.slug == event.lead_partner.slug
    assert card.project.slug == event.project.slug and card.project.is_published
    # Confirmed co-organisers only, in the partners' id order; themes by name (as Event's).
    assert [p.id for p in card.confirmed_partners] == [first.id, second.id]
    assert [p.id for p in card.confirmed_partners] == [p.id for p in event.confirmed_partners]
    assert [t.name for t in card.themes] == ["Adaptation", "Zoning"]
    assert not card.is_cancelled and not card.is_online


def test_cards_come_in_the_order_asked_and_skip_missing_events(app):
    events = [factories.EventFactory() for _ in range(3)]
    db.session.commit()
    wanted = [events[2].id, events[0].id, 999_999, events[1].id]
    with app.test_request_context("/"):
        cards = load_event_cards(wanted)
        assert load_event_cards([]) == []
    assert [card.id for card in cards] == [events[2].id, events[0].id, events[1].id]


def test_cards_show_the_page_languages_text_and_fall_back_to_the_original(app, linked):
    event, _partners = linked
    with app.test_request_context("/"), force_locale("fr"):
        (card,) = load_event_cards([event.id])
        assert localized(card, "title").text == "Forum de l'eau"
        assert localized(card.lead_partner, "name").text == "Ville cheffe"
        assert localized(card.project, "title").text == "Croissance bleue"
        zoning = next(theme for theme in card.themes if theme.name == "Zoning")
        assert localized(zoning, "name").text == "Zonage"
        # No French summary: the original, marked as a fallback (the card's "in English").
        summary = localized(card, "summary")
        assert (summary.text, summary.is_fallback) == ("On water.", True)
        # A card holds the language it was read in, no other: asking for another is a bug.
        with pytest.raises(LookupError):
            localized(card, "title", "ar")
    with app.test_request_context("/"):
        (card,) = load_event_cards([event.id])
        assert localized(card, "title").text == "Water forum"


def test_cards_cost_two_statements_whatever_they_hold(app, linked):
    event, _partners = linked
    bare = [factories.EventFactory(project=None) for _ in range(5)]
    cancelled = factories.EventFactory(status=Status.CANCELLED, visibility=Visibility.NETWORK)
    db.session.commit()
    ids = [event.id, cancelled.id, *(e.id for e in bare)]  # read before counting
    with app.test_request_context("/"):
        one, for_one = _statements(lambda: load_event_cards(ids[2:3]))
        many, for_many = _statements(lambda: load_event_cards(ids))
    assert for_one == for_many == 2
    assert one[0].project is None and one[0].themes == [] and one[0].confirmed_partners == []
    assert many[1].is_cancelled and many[1].visibility == Visibility.NETWORK


def test_the_card_template_renders_a_card_as_it_rendered_an_event(app, linked):
    """The same card HTML (activities.card_html) over the mapped event and over its card."""
    event, _partners = linked
    template = "{{ event_card(event, 3) }}"
    for language in ("en", "fr"):
        with app.test_request_context("/"), force_locale(language):
            (card,) = load_event_cards([event.id])
            from_card = render_template_string(template, event=card)
            mapped = db.session.get(type(event), event.id)
            from_event = render_template_string(template, event=mapped)
        assert from_card == from_event
        assert "Croissance bleue" in from_card if language == "fr" else "Blue Growth" in from_card

"""The content-language core: which text a reader gets, how translations are stored, and the
`translated` macro's markup (coordinator/multilingual.py)."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

from coordinator.activities.models import Event, EventTranslation, Theme, ThemeTranslation
from coordinator.extensions import db
from coordinator.multilingual import (
    UnsupportedLanguage,
    localized,
    preload_translations,
    set_translations,
)
from coordinator.partners.models import Partner, PartnerTranslation
from tests import factories


@pytest.fixture
def event(app):
    event = factories.EventFactory(
        title="Rencontre des villes", summary="Un résumé", description="**Texte**", language="fr"
    )
    db.session.commit()
    return event


def test_the_readers_language_when_a_translation_has_it(event):
    set_translations(event, {"en": {"title": "Cities meet"}}, None, EventTranslation)
    shown = localized(event, "title", "en")
    assert (shown.text, shown.language, shown.is_fallback) == ("Cities meet", "en", False)


def test_each_field_falls_back_alone_to_the_original_marked_with_its_language(event):
    set_translations(event, {"en": {"title": "Cities meet"}}, None, EventTranslation)
    summary = localized(event, "summary", "en")
    assert (summary.text, summary.language, summary.is_fallback) == ("Un résumé", "fr", True)
    # The original's own language is never a fallback.
    assert not localized(event, "summary", "fr").is_fallback
    # A language without any translation: the original, marked.
    assert localized(event, "title", "es").text == "Rencontre des villes"
    assert localized(event, "title", "es").is_fallback


def test_empty_translations_are_not_stored_and_clearing_every_field_removes_the_row(event):
    assert (
        set_translations(event, {"es": {"title": "  ", "summary": ""}}, None, EventTranslation)
        == []
    )
    assert event.translations == []
    set_translations(event, {"es": {"title": "Encuentro"}}, None, EventTranslation)
    db.session.commit()
    assert [row.language for row in event.translations] == ["es"]
    assert set_translations(event, {"es": {"title": ""}}, None, EventTranslation) == ["es"]
    db.session.commit()
    assert db.session.scalars(select(EventTranslation)).all() == []


def test_a_language_the_app_does_not_offer_is_refused(event):
    with pytest.raises(UnsupportedLanguage) as refused:
        set_translations(event, {"de": {"title": "Treffen"}}, None, EventTranslation)
    assert refused.value.language == "de"
    assert event.translations == []


def test_text_in_the_originals_language_is_not_a_translation(event):
    assert set_translations(event, {"fr": {"title": "Autre"}}, None, EventTranslation) == []
    assert event.title == "Rencontre des villes"


def test_each_translation_records_its_author_and_whether_the_originals_author_checked_it(app):
    proposer, other = factories.UserFactory(), factories.UserFactory()
    event = factories.EventFactory(proposer=proposer, language="en")
    set_translations(event, {"fr": {"title": "Titre"}}, other, EventTranslation)
    set_translations(event, {"ar": {"title": "عنوان"}}, proposer, EventTranslation)
    db.session.commit()
    french, arabic = event.translation("fr"), event.translation("ar")
    assert (french.author_id, french.checked_by_author) == (other.id, False)
    assert (arabic.author_id, arabic.checked_by_author) == (proposer.id, True)
    # An unchanged text keeps its author.
    assert set_translations(event, {"fr": {"title": "Titre"}}, proposer, EventTranslation) == []
    assert event.translation("fr").author_id == other.id
    assert event.content_languages() == ["en", "ar", "fr"]
    assert event.translated_texts() == {"ar": {"title": "عنوان"}, "fr": {"title": "Titre"}}


def test_translations_go_with_their_owner(app):
    theme = factories.ThemeFactory(name="Mobility")
    set_translations(theme, {"fr": {"name": "Mobilité"}}, None, ThemeTranslation)
    db.session.commit()
    db.session.delete(theme)
    db.session.commit()
    assert db.session.scalars(select(ThemeTranslation)).all() == []


MACRO = '{% from "_macros.html" import translated %}{{ translated(event, "title") }}'


def test_an_arabic_title_on_a_french_page_is_marked_right_to_left(app):
    event = factories.EventFactory(title="لقاء المدن", language="ar")
    db.session.commit()
    with app.test_request_context(), force_locale("fr"):
        html = render_template_string(MACRO, event=event)
    assert '<span lang="ar" dir="rtl">لقاء المدن</span>' in html
    assert "translation-marker" in html


def test_a_french_title_on_an_arabic_page_is_marked_left_to_right(app):
    event = factories.EventFactory(title="Rencontre", language="fr")
    db.session.commit()
    with app.test_request_context(), force_locale("ar"):
        html = render_template_string(MACRO, event=event)
    assert '<span lang="fr" dir="ltr">Rencontre</span>' in html


def test_a_translated_title_carries_no_marker(app):
    event = factories.EventFactory(title="Rencontre", language="fr")
    set_translations(event, {"en": {"title": "Meeting <b>"}}, None, EventTranslation)
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        html = render_template_string(MACRO, event=event)
    assert html == "Meeting &lt;b&gt;"


def test_translations_load_with_their_owners_in_one_statement(app):
    for n in range(5):
        event = factories.EventFactory(title=f"E{n}")
        set_translations(event, {"fr": {"title": f"F{n}"}}, None, EventTranslation)
    db.session.commit()
    db.session.expunge_all()

    def read_titles():
        return [localized(e, "title", "fr").text for e in db.session.scalars(select(Event))]

    titles, statements = _selects_during(read_titles)
    assert sorted(titles) == [f"F{n}" for n in range(5)]
    assert len(statements) == 2  # the events, then every one's translations at once


def _selects_during(action):
    statements = []

    def record(*args):
        if args[2].lstrip().upper().startswith("SELECT"):
            statements.append(args[2])

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = action()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    return result, statements


def test_translations_of_owners_of_every_kind_preload_in_one_statement(app):
    partner = factories.PartnerFactory(name="Villes")
    set_translations(partner, {"ar": {"name": "مدن"}}, None, PartnerTranslation)
    theme = factories.ThemeFactory(name="Water")
    set_translations(theme, {"ar": {"name": "ماء"}}, None, ThemeTranslation)
    untranslated = factories.ThemeFactory(name="Energy")
    event = factories.EventFactory(title="Meeting", lead_partner=partner)
    set_translations(event, {"ar": {"title": "اجتماع", "summary": "ملخص"}}, None, EventTranslation)
    db.session.commit()
    ids = (partner.id, theme.id, untranslated.id)
    db.session.expunge_all()
    owners = [
        db.session.scalar(select(Event).options(lazyload(Event.translations))),
        db.session.scalar(
            select(Partner).where(Partner.id == ids[0]).options(lazyload(Partner.translations))
        ),
        *db.session.scalars(
            select(Theme)
            .where(Theme.id.in_(ids[1:]))
            .order_by(Theme.id)
            .options(lazyload(Theme.translations))
        ),
    ]

    _, statements = _selects_during(lambda: preload_translations(owners))
    texts, after = _selects_during(
        lambda: [
            localized(owners[0], "title", "ar").text,
            localized(owners[0], "summary", "ar").text,
            localized(owners[0], "description", "ar").is_fallback,
            localized(owners[1], "name", "ar").text,
            localized(owners[2], "name", "ar").text,
            localized(owners[3], "name", "ar").text,
        ]
    )
    assert len(statements) == 1
    assert texts == ["اجتماع", "ملخص", True, "مدن", "ماء", "Energy"]
    assert after == []  # nothing read again, the untranslated theme included
    assert all("translations" not in owner.__dict__ for owner in owners)


def test_a_preloaded_owner_shows_its_translations_changed_afterwards(app):
    event = factories.EventFactory(title="Meeting")
    set_translations(event, {"fr": {"title": "Réunion"}}, None, EventTranslation)
    db.session.commit()
    db.session.expunge_all()
    shown = db.session.scalar(select(Event).options(lazyload(Event.translations)))
    preload_translations([shown])
    assert localized(shown, "title", "fr").text == "Réunion"

    set_translations(shown, {"fr": {"title": "Rencontre"}}, None, EventTranslation)
    assert localized(shown, "title", "fr").text == "Rencontre"  # the loaded collection wins
    db.session.commit()  # expires the event: what was preloaded is forgotten with it
    assert localized(shown, "title", "fr").text == "Rencontre"

    preload_translations([db.session.scalar(select(Event).options(lazyload(Event.translations)))])
    db.session.execute(update(EventTranslation).values(title="Rendez-vous"))
    db.session.refresh(shown)  # so is a refreshed one's
    assert localized(shown, "title", "fr").text == "Rendez-vous"

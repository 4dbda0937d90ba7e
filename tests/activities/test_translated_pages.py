"""Every page shows content in the reader's language: an event's, project's, partner's or
theme's translation when it has one, otherwise the original, inside an element carrying its own
lang and dir, with a small "in Arabic" marker in the page's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coordinator.activities.models import EventTranslation, ThemeTranslation
from coordinator.extensions import db
from coordinator.multilingual import set_translations
from coordinator.partners.models import PartnerTranslation
from tests import factories

LANGUAGES = ["en", "fr", "es", "ar"]

# An English event translated into the three other languages.
FORUM = {
    "en": "Harbour cities forum",
    "fr": "Forum des villes portuaires",
    "es": "Foro de ciudades portuarias",
    "ar": "منتدى المدن المينائية",
}
FORUM_SUMMARY = {
    "en": "Port authorities and mayors meet.",
    "fr": "Autorités portuaires et maires se réunissent.",
    "es": "Autoridades portuarias y alcaldes se reúnen.",
    "ar": "تلتقي سلطات الموانئ ورؤساء البلديات.",
}
# An event written in Arabic, translated into nothing.
MEDINA = "ملتقى المدن العتيقة"
# A project written in French, translated into nothing (left to right inside an Arabic page).
PORTS = "Ports d’hier et de demain"
AGENCY = {
    "en": "Water Agency",
    "fr": "Agence de l’eau",
    "es": "Agencia del Agua",
    "ar": "وكالة المياه",
}
THEME = {
    "en": "Maritime affairs",
    "fr": "Affaires maritimes",
    "es": "Asuntos marítimos",
    "ar": "الشؤون البحرية",
}
# "in Arabic" / "in French" as each page's language names them.
ARABIC_NAMED = {"en": "Arabic", "fr": "arabe", "es": "árabe"}
FRENCH_NAMED = {"en": "French", "es": "francés", "ar": "الفرنسية"}


def _others(texts: dict[str, str], field: str, original: str = "en") -> dict:
    return {lang: {field: text} for lang, text in texts.items() if lang != original}


@pytest.fixture
def content(app):
    """A network whose pages hold a translated event, an untranslated Arabic one, a French
    project and a translated partner and theme."""
    theme = factories.ThemeFactory(name=THEME["en"], slug="maritime")
    set_translations(theme, _others(THEME, "name"), None, ThemeTranslation)
    agency = factories.PartnerFactory(name=AGENCY["en"], acronym="", slug="water-agency")
    set_translations(agency, _others(AGENCY, "name"), None, PartnerTranslation)
    project = factories.ProjectFactory(
        title=PORTS, language="fr", summary="", slug="ports", acronym="", lead_partner=agency
    )
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=3)
    forum = factories.EventFactory(
        title=FORUM["en"],
        summary=FORUM_SUMMARY["en"],
        lead_partner=agency,
        project=project,
        start_dt=start,
        end_dt=start + timedelta(hours=2),
        themes=[theme],
    )
    texts = _others(FORUM, "title")
    for lang in texts:
        texts[lang]["summary"] = FORUM_SUMMARY[lang]
    set_translations(forum, texts, None, EventTranslation)
    medina = factories.EventFactory(
        title=MEDINA,
        language="ar",
        summary="",
        lead_partner=agency,
        project=project,
        start_dt=start + timedelta(hours=3),
        end_dt=start + timedelta(hours=5),
        themes=[theme],
    )
    db.session.commit()
    local = start.astimezone(ZoneInfo(forum.timezone))
    return {
        "forum": forum.id,
        "medina": medina.id,
        "month": f"/calendar/{local.year}/{local.month}",
        "agenda": f"/calendar/agenda?month={local:%Y-%m}",
    }


def _page(client, path: str, language: str) -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    # Machine-readable blocks (JSON-LD) are the feeds' business, not the page's text.
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


def _fallback(original: str, lang: str, direction: str) -> str:
    return f'<span lang="{lang}" dir="{direction}">{original}</span>'


LIST_PAGES = ["/events/", "month", "agenda", "/partners/water-agency", "/projects/ports"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", LIST_PAGES)
def test_pages_listing_events_show_each_title_in_the_reader_language_or_marked(
    client, content, page, language
):
    html = _page(client, content.get(page, page), language)
    assert FORUM[language] in html
    for other in LANGUAGES:
        if other != language:
            assert FORUM[other] not in html
    if language == "ar":  # the Arabic original, as written, unmarked
        assert MEDINA in html
        assert _fallback(MEDINA, "ar", "rtl") not in html
    else:  # the Arabic original, right to left inside this page, marked "in Arabic"
        assert _fallback(MEDINA, "ar", "rtl") in html
        assert ARABIC_NAMED[language] in html
        assert 'class="translation-marker' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_event_page_shows_title_summary_themes_and_lead_in_the_reader_language(
    client, content, language
):
    html = _page(client, f"/events/{content['forum']}", language)
    assert f"<title>{FORUM[language]} · " in html
    assert FORUM[language] in html and FORUM_SUMMARY[language] in html
    assert THEME[language] in html and AGENCY[language] in html
    for other in LANGUAGES:
        if other != language:
            assert FORUM[other] not in html and THEME[other] not in html
    # The project has no translation: French, marked, except on the French page.
    if language == "fr":
        assert PORTS in html and _fallback(PORTS, "fr", "ltr") not in html
    else:
        assert _fallback(PORTS, "fr", "ltr") in html
        assert FRENCH_NAMED[language] in html


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_an_arabic_title_on_another_language_page_is_right_to_left_and_marked(
    client, content, language
):
    html = _page(client, f"/events/{content['medina']}", language)
    title = re.search(r'<span dir="auto"[^>]*data-testid="event-title">(.*?)</span>\s*<small', html)
    assert title is not None
    assert title.group(1) == _fallback(MEDINA, "ar", "rtl")
    assert '<small class="translation-marker text-body-secondary">' in html
    assert ARABIC_NAMED[language] in html
    # Plain text where no element fits: the page's <title>.
    assert f"<title>{MEDINA} · " in html


def test_an_arabic_title_on_a_french_page_carries_dir_rtl_on_its_own_element(client, content):
    html = _page(client, f"/events/{content['medina']}", "fr")
    assert '<html lang="fr" dir="ltr">' in html
    assert f'<span lang="ar" dir="rtl">{MEDINA}</span>' in html
    assert "en arabe" in html or "arabe</small>" in html


def test_a_french_title_on_an_arabic_page_is_left_to_right(client, content):
    html = _page(client, "/projects/ports", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert _fallback(PORTS, "fr", "ltr") in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_partner_pages_name_the_partner_in_the_reader_language(client, content, language):
    for path in ("/partners/water-agency", "/partners/"):
        html = _page(client, path, language)
        assert AGENCY[language] in html
        for other in LANGUAGES:
            if other != language:
                assert AGENCY[other] not in html
    assert f"<title>{AGENCY[language]} · " in _page(client, "/partners/water-agency", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_project_pages_show_the_french_original_marked_elsewhere(client, content, language):
    for path in ("/projects/ports", "/projects/"):
        html = _page(client, path, language)
        if language == "fr":
            assert PORTS in html and _fallback(PORTS, "fr", "ltr") not in html
        else:
            assert _fallback(PORTS, "fr", "ltr") in html
            assert FRENCH_NAMED[language] in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_filter_options_name_themes_in_the_reader_language(client, content, language):
    for path in ("/events/", content["month"]):
        html = _page(client, path, language)
        option = re.search(r'<option value="maritime"[^>]*>([^<]*)</option>', html)
        assert option is not None, path
        assert option.group(1) == THEME[language]


def test_the_arabic_events_page_names_every_theme_in_arabic(client, app):
    """The demo's themes, with the names the migration and the demo give them: none left in
    English on the Arabic events page, in badges or in the filter."""
    from coordinator.demo.network import load_demo_network

    load_demo_network()
    themes = db.session.scalars(db.select(factories.Theme)).all()
    for theme in themes:
        event = factories.EventFactory(themes=[theme])
        event.translations  # noqa: B018 (loaded before the commit)
    db.session.commit()
    html = _page(client, "/events/", "ar")
    for theme in themes:
        assert theme.name not in html, theme.name
        assert theme.translation("ar").name in html
    assert "التنقل" in html and "التراث الثقافي" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("منتدى المدن", True),  # the Arabic translation's title
        ("villes portuaires", True),  # the French one's
        ("alcaldes", True),  # the Spanish summary
        ("Harbour", True),  # the original
        ("العتيقة", True),  # an Arabic original
        ("Hafen", False),
    ],
)
def test_search_finds_events_by_any_language(client, content, query, found):
    html = _page(client, f"/events/?q={query}", "en")
    assert (FORUM["en"] in html or MEDINA in html) is found


def test_search_matches_each_event_by_its_own_translations_only(client, content):
    html = _page(client, "/events/?q=villes+portuaires", "fr")
    assert FORUM["fr"] in html
    assert MEDINA not in html


def test_decision_mail_names_the_event_in_each_recipient_language(app):
    """Each focal point reads the event's title in their own language (their saved locale),
    or the original where no translation has it."""
    from coordinator.activities import services
    from coordinator.activities.models import Status
    from coordinator.activities.workflow import Action
    from tests.activities.helpers import Cast, outbox

    cast = Cast()
    readers = {
        lang: factories.UserFactory(role="focal_point", partner=cast.lead_partner, locale=lang)
        for lang in LANGUAGES
    }
    event = cast.event(Status.SUBMITTED, title=FORUM["en"])
    texts = _others(FORUM, "title")
    del texts["es"]  # no Spanish: the Spanish reader gets the original
    set_translations(event, texts, None, EventTranslation)
    services.transition(cast.staff, event, Action.APPROVE)
    mail = {m.recipient: m for m in outbox()}
    for lang, user in readers.items():
        expected = FORUM["en"] if lang == "es" else FORUM[lang]
        assert expected in mail[user.email].subject
        assert expected in mail[user.email].body_text
    assert FORUM["en"] not in mail[readers["ar"].email].body_text


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_pages_name_themes_partners_and_titles_in_the_reader_language(
    client, content, login_as, language
):
    """The reports count per theme and partner under their names in the page's language;
    the review queue lists a proposal under its translated title."""
    from coordinator.activities.models import Event, Status
    from coordinator.audit.models import record
    from tests.factories import set_status

    staff = factories.UserFactory(role="staff", partner=None, locale=language)
    forum = db.session.get(Event, content["forum"])
    set_status(forum, Status.SUBMITTED)
    login_as(staff)
    reports = _page(client, "/reports/", language)
    assert THEME[language] in reports
    for other in LANGUAGES:
        if other != language:
            assert THEME[other] not in reports
    queue = _page(client, "/review/", language)
    assert FORUM[language] in queue
    # The dashboard: the forum waiting, and an earlier decision on it, in the reader's words.
    record(
        actor=staff,
        subject_type="event",
        subject_id=content["forum"],
        action="approve",
        from_state="submitted",
        to_state="approved",
    )
    db.session.commit()
    dashboard = _page(client, "/staff/", language)
    decided = dashboard.split('id="decisions-heading"')[1]
    assert FORUM[language] in decided and FORUM[language] in dashboard.split("decisions-heading")[0]
    assert AGENCY[language] in dashboard


@pytest.mark.parametrize("fallback", [False, True], ids=["translated", "original"])
def test_hostile_text_in_a_translation_is_escaped_and_its_markdown_sanitised(client, fallback):
    """A translation is rendered as the original is: titles escaped, descriptions through the
    same Markdown and sanitiser, whether shown as the translation or as a marked original."""
    hostile = {
        "title": "<img src=x onerror=alert(1)>Forum",
        "summary": '"><script>alert(2)</script>',
        "description": "**gras** <script>alert(3)</script> [x](javascript:alert(4))",
    }
    if fallback:  # a French original read on an English page
        event = factories.EventFactory(language="fr", **hostile)
    else:
        event = factories.EventFactory()
        set_translations(event, {"fr": hostile}, None, EventTranslation)
    db.session.commit()
    language = "en" if fallback else "fr"
    html = _page(client, f"/events/{event.id}", language)
    raw = client.get(f"/events/{event.id}", headers={"Accept-Language": language}).get_data(
        as_text=True
    )
    assert "&lt;img src=x onerror=alert(1)&gt;Forum" in html
    assert "<img src=x" not in raw and "<script>alert" not in raw
    assert 'href="javascript' not in raw
    assert "<strong>gras</strong>" in html


def test_a_field_empty_in_the_original_shows_where_a_translation_has_it(client):
    event = factories.EventFactory(summary="", description="")
    set_translations(
        event,
        {"fr": {"summary": "Résumé en français.", "description": "Le **programme**."}},
        None,
        EventTranslation,
    )
    db.session.commit()
    french = _page(client, f"/events/{event.id}", "fr")
    assert "Résumé en français." in french and "<strong>programme</strong>" in french
    english = _page(client, f"/events/{event.id}", "en")
    assert "Résumé" not in english and 'id="about-heading"' not in english


@pytest.mark.parametrize("language", LANGUAGES)
def test_documents_pages_name_their_subject_in_the_reader_language(client, content, language):
    html = _page(client, f"/events/{content['forum']}/documents", language)
    assert f" · {FORUM[language]} · " in html  # <title>: Documents · the title · site
    for other in LANGUAGES:
        if other != language:
            assert FORUM[other] not in html
    partner = _page(client, "/partners/water-agency/documents", language)
    assert AGENCY[language] in partner


def test_one_address_read_in_four_languages_in_a_row(client, content):
    """The anonymous page cache keeps each language's page apart."""
    for _ in range(2):
        for language in LANGUAGES:
            html = _page(client, "/events/", language)
            assert FORUM[language] in html

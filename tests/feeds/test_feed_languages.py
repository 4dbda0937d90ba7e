"""Feeds in the reader's language (`?lang=`): translated texts, the fallbacks marked with the
iCalendar LANGUAGE parameter, feeds without `lang` pinned byte for byte, one cache entry and one
version per language; the subscribe links asking for the page's language."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from coordinator.activities.models import EventTranslation, ThemeTranslation
from coordinator.extensions import db
from coordinator.feeds import cache as feeds_cache
from coordinator.multilingual import set_translations
from coordinator.partners.models import PartnerTranslation
from tests.feeds.fixed_dataset import NOW, make_fixed_events, network_feed_bytes
from tests.feeds.validation import check_with_icalendar, check_with_vobject, validate_feed

GOLDEN = Path(__file__).resolve().parent / "golden" / "network.ics"
LANGUAGES = ("en", "fr", "es", "ar")


@pytest.fixture
def dataset(app):
    return make_fixed_events()


@pytest.fixture
def translated(dataset):
    """Some translations of everything the feed shows, some missing on purpose."""
    french, arabic = dataset["french"], dataset["arabic"]
    set_translations(
        french,
        {
            "en": {
                "title": "Meeting of water cities",
                "summary": "A workshop on water management.",
                "description": "Full **programme** and registration.",
            },
            # A title only: the summary and description stay French (and so does DESCRIPTION).
            "ar": {"title": "لقاء مدن المياه"},
        },
        None,
        EventTranslation,
    )
    set_translations(
        arabic,
        {
            "fr": {
                "title": "Forum des villes méditerranéennes",
                "summary": "Une rencontre sur le climat.",
                "description": "Programme de la rencontre.",
            },
            "en": {"title": "Mediterranean cities forum"},
        },
        None,
        EventTranslation,
    )
    set_translations(
        dataset["water"],
        {"fr": {"name": "Eau"}, "es": {"name": "Agua"}, "ar": {"name": "المياه"}},
        None,
        ThemeTranslation,
    )
    # No Spanish name for this theme: Spanish feeds show the English one, marked.
    set_translations(
        dataset["climate"],
        {"fr": {"name": "Climat et environnement"}, "ar": {"name": "المناخ والبيئة"}},
        None,
        ThemeTranslation,
    )
    set_translations(
        dataset["lead"], {"fr": {"name": "Réseau des villes"}}, None, PartnerTranslation
    )
    db.session.commit()
    return dataset


@pytest.fixture
def fixed_clock(monkeypatch):
    """Feeds requested over HTTP are built at the fixed dataset's moment."""
    monkeypatch.setattr(feeds_cache, "utcnow", lambda: NOW)


def _vevents(body: bytes) -> dict[str, object]:
    calendar = check_with_icalendar(body)
    return {str(event["UID"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


def _categories(vevent) -> list[tuple[str, list[str]]]:
    found = vevent.get("CATEGORIES")
    found = found if isinstance(found, list) else [found]
    return [(c.params.get("LANGUAGE", ""), [str(name) for name in c.cats]) for c in found]


def _text(vevent, name: str) -> tuple[str, str]:
    prop = vevent[name]
    return str(prop), prop.params.get("LANGUAGE", "")


# --- without lang: the originals, byte for byte -------------------------------------------------


def test_a_feed_without_lang_is_the_bytes_it_always_was(dataset):
    """The golden file was written by the code before `?lang=` existed (commit 6697421)."""
    assert network_feed_bytes() == GOLDEN.read_bytes()


def test_translations_change_nothing_in_a_feed_without_lang(translated, fixed_clock, client):
    assert network_feed_bytes() == GOLDEN.read_bytes()
    # Over HTTP too, whatever language the request's browser speaks.
    for language in LANGUAGES:
        response = client.get("/calendar.ics", headers={"Accept-Language": language})
        assert response.data == GOLDEN.read_bytes()
    assert b"LANGUAGE=" not in GOLDEN.read_bytes()


# --- ?lang= -------------------------------------------------------------------------------------

# (title, its LANGUAGE) per event and feed language; a LANGUAGE other than the feed's marks the
# original shown in place of a missing translation.
EXPECTED_SUMMARY = {
    "en": {
        "701": ("Meeting of water cities", "en"),
        "702": ("Mediterranean cities forum", "en"),
        "703": ("Cancelled: Coastal resilience webinar", "en"),
        "704": ("Jornada de puertas abiertas", "es"),
    },
    "fr": {
        "701": ("Rencontre des villes de l’eau", "fr"),
        "702": ("Forum des villes méditerranéennes", "fr"),
        # The original is English: so is the whole title, its "Cancelled" included.
        "703": ("Cancelled: Coastal resilience webinar", "en"),
        "704": ("Jornada de puertas abiertas", "es"),
    },
    "es": {
        "701": ("Rencontre des villes de l’eau", "fr"),
        "702": ("منتدى المدن المتوسطية", "ar"),
        "703": ("Cancelled: Coastal resilience webinar", "en"),
        "704": ("Jornada de puertas abiertas", "es"),
    },
    "ar": {
        "701": ("لقاء مدن المياه", "ar"),
        "702": ("منتدى المدن المتوسطية", "ar"),
        "703": ("Cancelled: Coastal resilience webinar", "en"),
        "704": ("Jornada de puertas abiertas", "es"),
    },
}

# DESCRIPTION's language (summary and description together) per event and feed language.
EXPECTED_DESCRIPTION = {
    "en": {"701": "en", "702": "ar", "703": "en", "704": "es"},
    "fr": {"701": "fr", "702": "fr", "703": "en", "704": "es"},
    "es": {"701": "fr", "702": "ar", "703": "en", "704": "es"},
    # The Arabic translation of 701 has a title only: its DESCRIPTION stays wholly French.
    "ar": {"701": "fr", "702": "ar", "703": "en", "704": "es"},
}

KIND = {"en": "Forum", "fr": "Forum", "es": "Foro", "ar": "منتدى"}
CLIMATE = {
    "en": ("en", "Climate and environment"),
    "fr": ("fr", "Climat et environnement"),
    "es": ("en", "Climate and environment"),
    "ar": ("ar", "المناخ والبيئة"),
}
WATER = {"en": "Water", "fr": "Eau", "es": "Agua", "ar": "المياه"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_feed_in_each_language(translated, fixed_clock, client, language):
    response = client.get(f"/calendar.ics?lang={language}")
    assert response.status_code == 200
    body = response.data
    readings = validate_feed(body)
    # Every parser reads every event.
    for parser, events in readings.items():
        assert {uid.split("@")[0] for uid in events} >= {"701", "702", "703"}, parser
    vevents = _vevents(body)
    for uid, expected in EXPECTED_SUMMARY[language].items():
        assert _text(vevents[uid], "SUMMARY") == expected, (uid, language)
        description, description_language = _text(vevents[uid], "DESCRIPTION")
        assert description_language == EXPECTED_DESCRIPTION[language][uid], (uid, language)
    # Theme names in the feed's language where translated, each group marked with its own.
    climate_language, climate = CLIMATE[language]
    forum = _categories(vevents["702"])
    names = dict((lang, names) for lang, names in forum)
    assert climate in names[climate_language]
    assert WATER[language] in names[language]
    assert KIND[language] in names[language]
    # vobject reads the parameter the same way.
    parsed = check_with_vobject(body)
    by_uid = {event.uid.value.split("@")[0]: event for event in parsed.vevent_list}
    assert by_uid["702"].summary.params["LANGUAGE"] == [EXPECTED_SUMMARY[language]["702"][1]]


def test_an_arabic_title_in_a_french_feed_is_marked_arabic(dataset, fixed_clock, client):
    """No French translation at all: the Arabic original, with LANGUAGE=ar on each text."""
    body = client.get("/calendar.ics?lang=fr").data
    validate_feed(body)
    unfolded_body = body.decode().replace("\r\n ", "")
    assert "SUMMARY;LANGUAGE=ar:منتدى المدن المتوسطية\r\n" in unfolded_body
    assert "DESCRIPTION;LANGUAGE=ar:لقاء حول المناخ." in unfolded_body
    # The words around the text are in the text's language too (Arabic "Details").
    description = str(_vevents(body)["702"]["DESCRIPTION"])
    assert description.endswith("التفاصيل: http://localhost/events/702")
    # The French original of 701 in a French feed is French, and says so.
    assert "SUMMARY;LANGUAGE=fr:Rencontre des villes de l’eau\r\n" in unfolded_body


def test_the_feed_words_follow_the_text_language(translated, fixed_clock, client):
    vevents = _vevents(client.get("/calendar.ics?lang=fr").data)
    description = str(vevents["701"]["DESCRIPTION"])
    assert description.startswith("Un atelier sur la gestion de l’eau.")
    assert description.endswith("Détails: http://localhost/events/701")
    # The cancelled English original stays English throughout, its links' words included.
    cancelled = str(vevents["703"]["DESCRIPTION"])
    assert cancelled.startswith("This event has been cancelled. The speaker is ill.")
    assert "Register: https://example.org/register" in cancelled
    spanish = _vevents(client.get("/calendar.ics?lang=es").data)
    # Only the Spanish original is in Spanish in a Spanish feed (nothing else is translated).
    assert str(spanish["704"]["DESCRIPTION"]) == "Detalles: http://localhost/events/704"
    assert str(spanish["702"]["DESCRIPTION"]).endswith("التفاصيل: http://localhost/events/702")


def test_an_unsupported_language_is_refused_with_the_reason(dataset, client):
    for url in (
        "/calendar.ics?lang=de",
        "/events.atom?lang=xx",
        "/partners/mcn/calendar.ics?lang=DE",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "is not offered" in response.get_data(as_text=True)
        assert "en, fr, es, ar" in response.get_data(as_text=True)
    event_id = dataset["french"].id
    assert client.get(f"/events/{event_id}.ics?lang=zz").status_code == 400
    # An empty lang is no lang.
    assert client.get(f"/events/{event_id}.ics?lang=").status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/partners/mcn/calendar.ics", "/events/702.ics"],
)
def test_partner_and_single_event_feeds_take_lang(translated, fixed_clock, client, url):
    body = client.get(f"{url}?lang=fr").data
    validate_feed(body)
    vevent = _vevents(body)["702"]
    assert _text(vevent, "SUMMARY") == ("Forum des villes méditerranéennes", "fr")
    if url.startswith("/partners"):
        calendar = check_with_icalendar(body)
        # The partner's name in the feed's language, in the calendar's description.
        assert "Réseau des villes" in str(calendar["X-WR-CALDESC"])
    original = client.get(url).data
    assert b"LANGUAGE=" not in original and "منتدى المدن المتوسطية".encode() in original


@pytest.mark.parametrize(
    ("query", "shown"),
    [("theme=water", {"701", "702"}), ("country=TN", {"702"}), ("kind=forum", {"702"})],
)
def test_theme_country_and_kind_feeds_take_lang(translated, fixed_clock, client, query, shown):
    body = client.get(f"/calendar.ics?{query}&lang=ar").data
    validate_feed(body)
    vevents = _vevents(body)
    assert set(vevents) == shown
    assert _text(vevents["702"], "SUMMARY") == ("منتدى المدن المتوسطية", "ar")
    assert ("ar", ["المناخ والبيئة", "المياه", "منتدى"]) in _categories(vevents["702"])


def test_a_private_feed_takes_lang(translated, fixed_clock, client):
    from tests.feeds.factories import FeedTokenFactory

    FeedTokenFactory(raw="p" * 43)
    db.session.commit()
    url = f"/feeds/{'p' * 43}/calendar.ics"
    french = client.get(f"{url}?lang=fr")
    assert french.status_code == 200
    validate_feed(french.data)
    assert _text(_vevents(french.data)["702"], "SUMMARY") == (
        "Forum des villes méditerranéennes",
        "fr",
    )
    assert b"LANGUAGE=" not in client.get(url).data
    assert client.get(f"{url}?lang=it").status_code == 400


# --- the cache and versions ---------------------------------------------------------------------


def test_each_language_has_its_own_cache_entry_and_validators(translated, fixed_clock, client):
    french = client.get("/calendar.ics?lang=fr")
    english = client.get("/calendar.ics?lang=en")
    plain = client.get("/calendar.ics")
    assert "Forum des villes méditerranéennes" in french.get_data(as_text=True)
    assert "Mediterranean cities forum" in english.get_data(as_text=True)
    assert len({french.data, english.data, plain.data}) == 3
    assert len({french.headers["ETag"], english.headers["ETag"], plain.headers["ETag"]}) == 3
    # Asked again, each language answers from its own entry (304 on its own ETag).
    again = client.get("/calendar.ics?lang=fr", headers={"If-None-Match": french.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/calendar.ics?lang=fr").data == french.data


def test_a_translation_edit_moves_the_language_feeds_only(translated, fixed_clock, client):
    french = client.get("/calendar.ics?lang=fr")
    plain = client.get("/calendar.ics")
    set_translations(
        translated["arabic"], {"fr": {"title": "Le forum des villes"}}, None, EventTranslation
    )
    db.session.commit()
    changed = client.get("/calendar.ics?lang=fr", headers={"If-None-Match": french.headers["ETag"]})
    assert changed.status_code == 200
    assert "Le forum des villes" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != french.headers["ETag"]
    # The feed without lang shows originals: same bytes, still a 304 (the feeds' one data
    # version moved, so it was rebuilt once, to the same bytes).
    same = client.get("/calendar.ics", headers={"If-None-Match": plain.headers["ETag"]})
    assert same.status_code == 304
    # A theme renamed in French moves the French feed too.
    set_translations(translated["water"], {"fr": {"name": "Eaux"}}, None, ThemeTranslation)
    db.session.commit()
    assert "Eaux" in client.get("/calendar.ics?lang=fr").get_data(as_text=True)


# --- links --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_subscribe_links_carry_the_page_language(dataset, client, language):
    page = client.get("/events/", headers={"Accept-Language": language}).get_data(as_text=True)
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    webcal = next(h for h in hrefs if h.startswith("webcal://"))
    assert webcal == f"webcal://localhost/calendar.ics?lang={language}"
    google = next(h for h in hrefs if h.startswith("https://calendar.google.com/calendar/r?"))
    assert parse_qs(urlsplit(google).query)["cid"] == [webcal]
    outlook = next(h for h in hrefs if h.startswith("https://outlook.live.com/"))
    assert parse_qs(urlsplit(outlook).query)["url"] == [
        f"http://localhost/calendar.ics?lang={language}"
    ]
    partner = client.get("/partners/mcn", headers={"Accept-Language": language}).get_data(
        as_text=True
    )
    assert f"webcal://localhost/partners/mcn/calendar.ics?lang={language}" in partner
    event = client.get("/events/702", headers={"Accept-Language": language}).get_data(as_text=True)
    assert f'href="/events/702.ics?lang={language}"' in event


# --- Atom ---------------------------------------------------------------------------------------

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def _atom_entries(body: bytes) -> tuple[object, dict[str, object]]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    entries = {}
    for entry in root.findall("a:entry", ATOM):
        href = entry.find("a:link", ATOM).get("href")
        entries[href.rsplit("/", 1)[1]] = entry
    return root, entries


@pytest.fixture
def published(translated):
    for key in ("french", "arabic", "cancelled", "all_day"):
        translated[key].published_dt = translated[key].updated_dt
    db.session.commit()
    return translated


@pytest.mark.parametrize("language", LANGUAGES)
def test_atom_entries_say_their_language(published, client, language):
    root, entries = _atom_entries(client.get(f"/events.atom?lang={language}").data)
    assert root.get(XML_LANG) == language
    for uid, (title, title_language) in EXPECTED_SUMMARY[language].items():
        entry = entries[uid]
        assert entry.get(XML_LANG) == title_language, (uid, language)
        assert entry.find("a:title", ATOM).text == title
        # Summary and content carry xml:lang only where it differs from the entry's.
        content = entry.find("a:content", ATOM)
        text_language = EXPECTED_DESCRIPTION[language][uid]
        assert content.get(XML_LANG) == (None if text_language == title_language else text_language)
    terms = [c.get("term") for c in entries["702"].findall("a:category", ATOM)]
    assert KIND[language] in terms and CLIMATE[language][1] in terms


def test_an_arabic_original_in_a_french_atom_feed(published, client):
    root, entries = _atom_entries(client.get("/events.atom?lang=fr").data)
    # Translated into French: the entry is French, its author's name too.
    forum = entries["702"]
    assert forum.get(XML_LANG) == "fr"
    assert forum.find("a:author/a:name", ATOM).text == "Réseau des villes"
    # The Arabic title of 701 exists but French is asked: the French original, marked French.
    assert entries["701"].get(XML_LANG) == "fr"
    set_translations(published["arabic"], {"fr": {"title": ""}}, None, EventTranslation)
    db.session.commit()
    _, entries = _atom_entries(client.get("/events.atom?lang=fr").data)
    forum = entries["702"]
    assert forum.get(XML_LANG) == "ar"
    assert forum.find("a:title", ATOM).text == "منتدى المدن المتوسطية"
    # Its summary and content are still translated: marked French inside an Arabic entry.
    assert forum.find("a:summary", ATOM).get(XML_LANG) == "fr"


def test_atom_without_lang_shows_originals_marked_with_their_language(published, client):
    body = client.get("/events.atom", headers={"Accept-Language": "fr"}).data
    root, entries = _atom_entries(body)
    assert root.get(XML_LANG) == "en"  # the feed's own words: the default language
    assert entries["702"].get(XML_LANG) == "ar"
    assert entries["702"].find("a:title", ATOM).text == "منتدى المدن المتوسطية"
    assert entries["701"].get(XML_LANG) == "fr"
    assert entries["703"].find("a:title", ATOM).text == "Cancelled: Coastal resilience webinar"


def test_atom_without_lang_reads_no_translations_and_in_a_language_reads_them(published, client):
    """The originals' feed shows no translated text: it reads none (two statements besides
    the feeds' data version: the entries with their authors, and their themes)."""
    from sqlalchemy import event as sa_event

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("SELECT") and "data_versions" not in statement:
            statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get("/events.atom")
        originals = list(statements)
        statements.clear()
        french = client.get("/events.atom?lang=fr").data
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert len(originals) == 2
    assert not [s for s in originals if "_translations" in s]
    # In French the entries' translations are read (and shown).
    assert [s for s in statements if "event_translations" in s]
    _, entries = _atom_entries(french)
    assert entries["701"].find("a:title", ATOM).text


# --- JSON-LD ------------------------------------------------------------------------------------


def _jsonld(page: str) -> dict:
    import json

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


@pytest.mark.parametrize(
    ("language", "name", "in_language"),
    [
        # An English title but no English summary: name and description are one language,
        # so both are the Arabic original's.
        ("en", "منتدى المدن المتوسطية", "ar"),
        ("fr", "Forum des villes méditerranéennes", "fr"),
        ("es", "منتدى المدن المتوسطية", "ar"),
        ("ar", "منتدى المدن المتوسطية", "ar"),
    ],
)
def test_jsonld_in_the_page_language(published, client, language, name, in_language):
    page = client.get("/events/702", headers={"Accept-Language": language}).get_data(as_text=True)
    data = _jsonld(page)
    assert data["inLanguage"] == in_language
    assert data["name"] == name
    summary = {"fr": "Une rencontre sur le climat.", "ar": "لقاء حول المناخ."}[in_language]
    assert data["description"] == summary
    organizer = "Réseau des villes" if language == "fr" else "Mediterranean Cities Network"
    assert data["organizer"]["name"] == organizer


def test_an_online_event_is_online_in_the_feed_language(app):
    from coordinator.feeds.services import feed_language, to_feed_event
    from tests import factories

    event = factories.EventFactory(
        online_url="https://meet.example.org/x", venue="", city="", country=""
    )
    db.session.commit()
    with app.test_request_context("/"):
        assert to_feed_event(event).location == "Online"
        with feed_language("fr"):
            assert to_feed_event(event, language="fr").location == "En ligne"
        with feed_language("es"):
            assert to_feed_event(event, language="es").location == "En línea"


def test_the_subscribe_panel_names_the_partner_in_the_page_language(translated, client):
    partner = translated["lead"]
    partner.acronym = ""
    db.session.commit()
    page = client.get("/partners/mcn", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "S’abonner : Événements de Réseau des villes" in page
    assert "name=%C3%89v%C3%A9nements%20de%20R%C3%A9seau%20des%20villes" in page  # Outlook
    english = client.get("/partners/mcn", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "name=Mediterranean%20Cities%20Network%20events" in english


def test_a_translation_edit_moves_last_modified_of_the_event_download_and_atom(app, client):
    from datetime import timedelta

    from tests import factories

    event = factories.EventFactory(title="Rencontre", language="fr")
    set_translations(event, {"en": {"title": "Meeting"}}, None, EventTranslation)
    db.session.commit()
    before = client.get(f"/events/{event.id}.ics?lang=en")
    plain_before = client.get(f"/events/{event.id}.ics")
    atom = client.get("/events.atom?lang=en")
    row = event.translation("en")
    row.title = "A meeting"
    row.updated_dt = event.updated_dt + timedelta(hours=1)
    db.session.commit()
    after = client.get(
        f"/events/{event.id}.ics?lang=en",
        headers={"If-Modified-Since": before.headers["Last-Modified"]},
    )
    assert after.status_code == 200 and "SUMMARY;LANGUAGE=en:A meeting" in after.get_data(
        as_text=True
    )
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
    newer = client.get(
        "/events.atom?lang=en", headers={"If-Modified-Since": atom.headers["Last-Modified"]}
    )
    assert newer.status_code == 200 and "A meeting" in newer.get_data(as_text=True)
    # The originals did not change: the download without lang keeps its date. (Compared with
    # its own earlier date: the translation may have been stamped a second after the event.)
    plain = client.get(f"/events/{event.id}.ics")
    assert plain.headers["Last-Modified"] == plain_before.headers["Last-Modified"]

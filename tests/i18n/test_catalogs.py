"""The catalogs are complete, keep their placeholders, are compiled and cover every string."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "coordinator" / "translations"
LANGUAGES = ["en", "fr", "es", "ar"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def load_catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def messages(catalog):
    return [message for message in catalog if message.id]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    catalog = load_catalog(language)
    assert not catalog.fuzzy, f"{language}: the catalog header is marked fuzzy"
    untranslated = [
        m.id
        for m in messages(catalog)
        if not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert untranslated == [], f"{language}: untranslated entries"
    assert fuzzy == [], f"{language}: fuzzy entries"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    for message in messages(load_catalog(language)):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, (language, message.id, string)


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_translations_are_not_copies_of_the_english(language):
    """A few identical words are right (Agenda, Forum); a catalog of copies is not translated."""
    entries = messages(load_catalog(language))
    copies = [m.id for m in entries if m.string == m.id]
    assert len(copies) <= len(entries) // 20, copies


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_source(language):
    """The committed .mo is what `make babel-compile` makes of the .po."""
    compiled = BytesIO()
    write_mo(compiled, load_catalog(language))
    compiled.seek(0)
    expected = {m.id: m.string for m in read_mo(compiled) if m.id}
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        committed = {m.id: m.string for m in read_mo(handle) if m.id}
    assert committed == expected, f"run `make babel-compile` for {language}"


def extracted_message_ids() -> set[str]:
    method_map, options_map = parse_mapping_cfg(open(ROOT / "babel.cfg"))
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "lazy_gettext": None,
        "_l": None,
        "pgettext": ((1, "c"), 2),
        "npgettext": ((1, "c"), 2, 3),
        "lazy_ngettext": (1, 2),
    }
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_extraction_finds_no_string_missing_from_the_catalogs():
    extracted = extracted_message_ids()
    assert "Calendar" in extracted  # the extraction itself works
    for language in LANGUAGES:
        known = {
            m.id[0] if isinstance(m.id, tuple) else m.id for m in messages(load_catalog(language))
        }
        missing = sorted(extracted - known)
        assert missing == [], f"{language}: run `make babel-update` and translate {missing}"

"""Compiled catalogs that include the translation parts not yet merged into the .po files.

Engineers write their translations to coordinator/translations/_parts/<name>.json and the lead
merges them into the catalogs. A test that renders a page in French must pass both before that
merge (on the engineer's branch) and after it (when the part may be gone): point
BABEL_TRANSLATION_DIRECTORIES at `compiled_catalogs(tmp_dir)`, which is the committed catalogs
with any parts laid over entries they leave empty, and call `forget_loaded_translations()`
before and after: Flask-Babel keeps loaded catalogs per process, by language only.
"""

from __future__ import annotations

import json
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from coordinator import i18n

TRANSLATIONS = Path(__file__).resolve().parents[2] / "coordinator" / "translations"
LANGUAGES = ("en", "fr", "es", "ar")


def _parts() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted((TRANSLATIONS / "_parts").glob("*.json")):
        for msgid, translations in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(msgid, {}).update(translations)
    return merged


def compiled_catalogs(directory: Path) -> Path:
    parts = _parts()
    for language in LANGUAGES:
        with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle, locale=language)
        for msgid, translations in parts.items():
            existing = catalog.get(msgid)
            if existing is not None and existing.string:
                continue  # the merged catalog wins
            text = msgid if language == "en" else translations.get(language)
            if text:
                catalog.add(msgid, text)
        target = directory / language / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        with open(target / "messages.mo", "wb") as handle:
            write_mo(handle, catalog)
    return directory


def forget_loaded_translations() -> None:
    """Drop the catalogs Flask-Babel loaded, so the next lookup reads the configured directory."""
    i18n.babel.domain_instance.cache.clear()

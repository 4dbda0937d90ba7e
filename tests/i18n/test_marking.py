"""Every piece of text a template shows is marked for translation.

Together with test_catalogs.py (every marked string is translated in all four catalogs) this
proves that a page has no English left in French, Spanish or Arabic.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# Names and codes that read the same in every language.
UNTRANSLATED_WORDS = {
    "coordinator",
    "MedCities",
    "iCalendar",
    "webcal",
    "Google",
    "Outlook",
    "Apple",
    "Thunderbird",
    "CSV",
    "SVG",
    "PDF",
    "UTC",
    "URL",
    "ICS",
    "Atom",
    "JSON",
    "LD",
    "English",
    "Français",
    "Español",
    "العربية",
    "ltr",
    "rtl",
}

_TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
_JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)
_RAW_BLOCKS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>", re.S)
_ATTRIBUTE = re.compile(r'\b(aria-label|title|placeholder|alt)="([^"]*)"')
_WORD = re.compile(r"[^\W\d_]{2,}")
_ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")


def unmarked_text(source: str) -> list[str]:
    """Literal words a template would show untranslated (text nodes and labelling attributes)."""
    source = _TRANS_BLOCK.sub("\x00", source)
    source = _JINJA.sub("\x00", source)
    source = _RAW_BLOCKS.sub("", source)
    found: list[str] = []
    for tag in _TAG.findall(source):
        for _, value in _ATTRIBUTE.findall(tag):
            found.extend(_words(value))
    text = _ENTITY.sub(" ", _TAG.sub(" ", source))
    found.extend(_words(text))
    return found


def _words(text: str) -> list[str]:
    return [
        word for word in _WORD.findall(text.replace("\x00", " ")) if word not in UNTRANSLATED_WORDS
    ]


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*.html"))


def test_the_checker_finds_unmarked_text():
    assert unmarked_text('<p class="x">Hello {{ name }}</p>') == ["Hello"]
    assert unmarked_text('<a title="Open it" href="{{ u }}">{{ _("Open") }}</a>') == ["Open", "it"]
    assert unmarked_text('<li class="{% if a %}active{% endif %}">{{ _("Home") }}</li>') == []
    assert unmarked_text("{% trans n=1 %}One thing{% endtrans %} <b>{{ x }}</b>") == []


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_text_is_marked_for_translation(template):
    assert unmarked_text(template.read_text(encoding="utf-8")) == []

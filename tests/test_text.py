"""Markdown rendered for pages: sanitised, and each text parsed once however often shown."""

from __future__ import annotations

from markupsafe import Markup

from coordinator import text
from coordinator.text import render_markdown


def test_a_shown_text_is_parsed_once_and_a_changed_text_anew(monkeypatch):
    parsed: list[str] = []
    real = text._markdown.render

    def counting(source: str) -> str:
        parsed.append(source)
        return real(source)

    monkeypatch.setattr(text._markdown, "render", counting)
    text._rendered.cache_clear()
    first = render_markdown("Some **details** [here](javascript:alert(1))")
    again = render_markdown("Some **details** [here](javascript:alert(1))")
    changed = render_markdown("Other **details**")
    assert parsed == ["Some **details** [here](javascript:alert(1))", "Other **details**"]
    assert first == again and isinstance(again, Markup)
    assert "<strong>details</strong>" in first and "href" not in first  # no javascript: link
    assert changed == Markup("<p>Other <strong>details</strong></p>\n")
    assert render_markdown("") == Markup("") and render_markdown(None) == Markup("")

"""A pure Atom (RFC 4287) writer for newly published events."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

# Characters XML 1.0 forbids (controls other than tab/newline/CR, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class AtomEntry:
    id: str
    title: str
    url: str
    published_dt: datetime
    updated_dt: datetime
    summary: str
    content_html: str
    author: str
    categories: tuple[str, ...] = ()
    # xml:lang of the entry (its title's language) and of its summary and content (one language
    # for both), written on those elements only when it differs from the entry's.
    language: str = ""
    text_language: str = ""


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value or ""))


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("", value or ""))


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lang(language: str) -> str:
    return f" xml:lang={_attr(language)}" if language else ""


def build_atom(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    site_url: str,
    entries: Iterable[AtomEntry],
    language: str = "",
) -> bytes:
    """The feed; `language` is the xml:lang of the feed's own texts, each entry names its own."""
    entries = list(entries)
    updated = max((e.updated_dt for e in entries), default=datetime(2000, 1, 1, tzinfo=UTC))
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom"{_lang(language)}>',
        f"  <id>{_text(feed_id)}</id>",
        f"  <title>{_text(title)}</title>",
        f"  <updated>{_time(updated)}</updated>",
        f'  <link rel="self" type="application/atom+xml" href={_attr(self_url)}/>',
        f'  <link rel="alternate" type="text/html" href={_attr(site_url)}/>',
        "  <generator>coordinator</generator>",
    ]
    for entry in entries:
        text_lang = _lang(entry.text_language if entry.text_language != entry.language else "")
        out += [
            f"  <entry{_lang(entry.language)}>",
            f"    <id>{_text(entry.id)}</id>",
            f"    <title>{_text(entry.title)}</title>",
            f'    <link rel="alternate" type="text/html" href={_attr(entry.url)}/>',
            f"    <published>{_time(entry.published_dt)}</published>",
            f"    <updated>{_time(entry.updated_dt)}</updated>",
            f"    <author><name>{_text(entry.author)}</name></author>",
        ]
        out += [f"    <category term={_attr(term)}/>" for term in entry.categories if term]
        if entry.summary:
            out.append(f"    <summary{text_lang}>{_text(entry.summary)}</summary>")
        # Already sanitised HTML (markdown-it + nh3), escaped once more as Atom's type="html".
        out.append(f'    <content type="html"{text_lang}>{_text(entry.content_html)}</content>')
        out.append("  </entry>")
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")

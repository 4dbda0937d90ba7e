"""Markdown rendering that is safe for user content: markdown-it without HTML, then nh3."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

_ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(source: str | None) -> Markup:
    """Markdown to sanitised HTML: only http, https and mailto links survive."""
    if not source:
        return Markup("")
    return _rendered(source)


# The same few descriptions are shown on every request for an event, project or partner page,
# and parsing one costs more than the rest of its block: each text's HTML is kept, by the text
# itself (a changed text is another key), for the last RENDERED_TEXTS texts.
RENDERED_TEXTS = 512


@lru_cache(maxsize=RENDERED_TEXTS)
def _rendered(source: str) -> Markup:
    html = _markdown.render(source)
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 - sanitised by nh3 just above


def markdown_to_text(source: str | None) -> str:
    """Markdown to readable plain text (for calendar feeds): no markup characters, list items
    as "- " lines, a link as its text followed by its address when they differ."""
    if not source:
        return ""
    out: list[str] = []
    lists: list[list[int]] = []  # one [next number] per open ordered list, [0] for bullets
    for token in _markdown.parse(source):
        kind = token.type
        if kind == "bullet_list_open":
            lists.append([0])
        elif kind == "ordered_list_open":
            lists.append([int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            out.append("\n" if lists else "\n\n")
        elif kind == "list_item_open":
            counter = lists[-1] if lists else [0]
            indent = "  " * (len(lists) - 1)
            if counter[0]:
                out.append(f"{indent}{counter[0]}. ")
                counter[0] += 1
            else:
                out.append(f"{indent}- ")
        elif kind in ("paragraph_close", "heading_close", "blockquote_close"):
            out.append("\n" if lists and kind == "paragraph_close" else "\n\n")
        elif kind in ("fence", "code_block"):
            out.append(token.content.rstrip("\n") + "\n\n")
        elif kind == "hr":
            out.append("\n")
        elif kind == "inline":
            out.append(_inline_text(token.children or []))
    text = "".join(out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _inline_text(children) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            label = "".join(parts[start:])
            if href and href != label and href.removeprefix("mailto:") != label:
                parts.append(f" ({href})")
    return "".join(parts)

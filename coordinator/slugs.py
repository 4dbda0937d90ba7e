"""URL slugs."""

from __future__ import annotations

import re
import unicodedata

# The one slug rule of URLs and filters: what slugify makes (lower-case ASCII letters, digits and
# hyphens), as long as the longest slug column (projects and themes: 120).
SLUG_MAX_LENGTH = 120
SLUG_REGEX = rf"[a-z0-9][a-z0-9-]{{0,{SLUG_MAX_LENGTH - 1}}}"
_SLUG = re.compile(SLUG_REGEX)


def is_slug(value: str) -> bool:
    """Whether value could be a slug (and is safe to compare with slug columns)."""
    return _SLUG.fullmatch(value) is not None


def slugify(value: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "item"

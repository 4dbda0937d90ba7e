"""URL slugs."""

from __future__ import annotations

import re
import unicodedata


def slugify(value: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "item"

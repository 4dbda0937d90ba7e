"""URL converters with bounds: a path value that cannot name a row 404s before any query.

`<id:...>` is a row id: 1 to 2^31-1, the range of the INTEGER primary keys on both engines
(PostgreSQL raises on a larger parameter, SQLite on one past 2^63: a 500 either way).
`<slug:...>` is one slug rule for partners, projects, themes and route words (lower-case ASCII
letters, digits and hyphens, 120 characters at most), so NUL bytes, which PostgreSQL refuses in
text, and other junk never reach the database.

Token routes (invitations, password resets, private feeds) keep the plain converter: a token is
hashed before any query, and their views answer a bad link with their own clear message.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter, IntegerConverter, Map

from coordinator.slugs import SLUG_REGEX

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """A positive 32-bit row id, written without leading zeros."""

    # Ten digits at most: a longer number is past the range, and int() of a long digit string
    # is slow (and refused past 4300 digits).
    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)


class SlugConverter(BaseConverter):
    """A slug as coordinator.slugs makes them; anything else does not match the route."""

    regex = SLUG_REGEX


CONVERTERS: dict[str, type[BaseConverter]] = {
    "id": IdConverter,
    "slug": SlugConverter,
}


def register(app: Flask) -> None:
    """Make the converters usable in route decorators; call before registering blueprints."""
    app.url_map.converters.update(CONVERTERS)


__all__ = ["CONVERTERS", "MAX_ID", "register"]

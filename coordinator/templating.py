"""Template helpers shared by every page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from markupsafe import Markup

from coordinator.forms import input_direction
from coordinator.i18n import zone_info
from coordinator.multilingual import localized, translated_html, translation_marker
from coordinator.text import render_markdown


def local_time(value: datetime | None, tz_name: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(zone_info(tz_name)).strftime(fmt)


def zone_abbreviation(value: datetime, tz_name: str) -> str:
    return value.astimezone(zone_info(tz_name)).strftime("%Z")


def format_date(value: date | None, fmt: str = "%d %b %Y") -> str:
    return value.strftime(fmt) if value else ""


def bidi_isolate(value: str | None) -> Markup:
    """User-written text inside interface text, in a <bdi> so its direction is its own: an English
    name in an Arabic sentence keeps its full stop and brackets where they belong, and the
    sentence around it keeps its order."""
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>{}</bdi>").format(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["bdi"] = bidi_isolate
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["zone_abbreviation"] = zone_abbreviation
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_site():
        return {"site_name": app.config["SITE_NAME"]}

    register_globals(app)


def register_globals(app: Flask) -> None:
    app.jinja_env.globals["input_direction"] = input_direction
    # A translatable field in the page's language, or the original (see multilingual.py).
    app.jinja_env.globals["tr"] = localized
    app.jinja_env.globals["translated_html"] = translated_html
    app.jinja_env.globals["translation_marker"] = translation_marker

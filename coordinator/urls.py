"""Absolute URLs (in mail, feeds, Atom, JSON-LD, subscribe links) from the one configured BASE_URL.

Never from the request: its Host (or X-Forwarded-Host) is chosen by the client, and a password
reset link mailed to an attacker's host is an account takeover. The same helper works inside a
request and outside one (CLI commands, mail threads), since nothing here reads the request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def absolute_url(endpoint: str, **values: Any) -> str:
    """url_for(endpoint, **values) as an absolute URL under BASE_URL. Endpoint names are full
    ("module.view"); values that are no route arguments become the query string."""
    current_app.inject_url_defaults(endpoint, values)
    return _base_adapter().build(endpoint, values, force_external=True)


def base_url() -> str:
    """BASE_URL without a trailing slash, e.g. https://coordinator.example.org."""
    return current_app.config["BASE_URL"].rstrip("/")


def _base_adapter() -> MapAdapter:
    parts = urlsplit(base_url())
    return current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )

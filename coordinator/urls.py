"""Absolute URLs (in mail, feeds, Atom, JSON-LD, subscribe links) from the one configured BASE_URL.

Never from the request: its Host (or X-Forwarded-Host) is chosen by the client, and a password
reset link mailed to an attacker's host is an account takeover. The same helper works inside a
request and outside one (CLI commands, mail threads), since nothing here reads the request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import flask
from flask import current_app
from flask.globals import _cv_request
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


class Flask(flask.Flask):
    """Flask, with the paths its pages link to built once per process.

    A page of twenty event cards builds about a hundred links, and werkzeug builds each anew
    (5 µs: the rule's converters, quoting, the query string): 4% of a page. A path depends
    only on the endpoint, its values and the request's script root and host, so it is kept
    under those (a few thousand at most; past BUILT_PATHS the store starts again). Only plain
    calls are kept: a relative endpoint, an anchor, a method, a scheme, an external URL, a
    value that is not a string or an integer, or an app with url_defaults functions goes to
    Flask's url_for every time."""

    BUILT_PATHS = 8192

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built_paths: dict[tuple, str] = {}

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        # The request context as Flask's url_for finds it (a proxy lookup costs a microsecond).
        context = _cv_request.get(None)
        if (
            context is None
            or _anchor
            or _method
            or _scheme
            or _external
            or endpoint[:1] == "."
            or any(self.url_default_functions.values())
        ):
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        for value in values.values():
            # Exact types: True == 1 and 1.0 == 1 would otherwise share a key with 1.
            if type(value) is not str and type(value) is not int:
                return super().url_for(endpoint, **values)
        adapter = context.url_adapter
        where = (adapter.script_name, adapter.server_name, adapter.subdomain)
        key = (endpoint, *where, *values.items())
        built = self._built_paths.get(key)
        if built is None:
            built = super().url_for(endpoint, **values)
            if len(self._built_paths) >= self.BUILT_PATHS:
                self._built_paths.clear()
            self._built_paths[key] = built
        return built

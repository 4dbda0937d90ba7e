"""Deny by default: every route needs a signed-in user unless its view is marked @public."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, request
from flask_login import current_user

from coordinator.extensions import login_manager
from coordinator.roles import is_signed_in

View = TypeVar("View", bound=Callable)


def public(view: View) -> View:
    """Mark a view as reachable without signing in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public_endpoint(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static" or endpoint.endswith(".static"):
        return True
    view = app.view_functions.get(endpoint)
    return bool(view is not None and getattr(view, "is_public", False))


def init_app(app: Flask) -> None:
    @app.before_request
    def require_sign_in():
        if request.endpoint is None:
            return None  # 404/405 are answered by the router
        if is_public_endpoint(app, request.endpoint) or is_signed_in(current_user):
            return None
        return login_manager.unauthorized()

"""Flask-Login wiring: the session id is `<user id>:<nonce>`, so rotating the nonce revokes it."""

from __future__ import annotations

from flask import Flask, current_app, g, request, request_started, session
from flask_login.config import COOKIE_NAME

from coordinator.extensions import db, login_manager
from coordinator.i18n import lazy_gettext as _l
from coordinator.tokens import same_token


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # Flask-Login flashes the message into the session, which stores plain strings only:
    # the lazy message is turned into text (in the page's language) when it is flashed.
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    # On request_started, so it runs before every before_request hook (the locale selector
    # reads current_user in one of them).
    request_started.connect(_forget_cached_user, app)


def _forget_cached_user(sender, **extra) -> None:
    # Flask-Login caches the user in `g`, which lives as long as the app context. A
    # server gives each request its own context, but a test that keeps one context
    # pushed would otherwise let one client's user answer for the next request.
    # Flask-WTF caches the CSRF token there the same way.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    # A visitor who is not signed in (no user in the session, no remember-me cookie) is
    # anonymous without asking Flask-Login. Its "strong" session protection would find their
    # session (which holds a CSRF token, and no login identifier) foreign on every request and
    # mark it changed, so that each answer re-signed and re-sent the session cookie: a cached
    # page's 304 then cost about as much as the page.
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    if "_user_id" not in session and remember_cookie not in request.cookies:
        g._login_user = login_manager.anonymous_user()


@login_manager.user_loader
def load_user(session_id: str):
    from coordinator.accounts.models import User

    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled or not same_token(nonce, user.session_nonce or ""):
        return None
    return user

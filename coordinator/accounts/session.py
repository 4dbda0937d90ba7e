"""Flask-Login wiring: the session id is `<user id>:<nonce>`, so rotating the nonce revokes it."""

from __future__ import annotations

from flask import Flask

from coordinator.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str):
    from coordinator.accounts.models import User

    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled or user.session_nonce != nonce:
        return None
    return user

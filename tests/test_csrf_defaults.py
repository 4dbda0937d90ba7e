"""CSRF is on by the production defaults, not only when a test switches it on.

Every other CSRF test sets WTF_CSRF_ENABLED itself, so a `WTF_CSRF_ENABLED = False` slipped
into DefaultConfig would pass them all. This app takes the setting from the defaults alone.
"""

from __future__ import annotations

import re

import pytest

from coordinator import create_app
from coordinator.activities.models import Event, Status
from coordinator.config import DefaultConfig
from coordinator.extensions import db
from tests.activities.helpers import Cast
from tests.conftest import DEFAULT_PASSWORD


@pytest.fixture
def app_config(app_config):
    """The suite's configuration minus its CSRF switch: whatever the defaults say applies."""
    return {key: value for key, value in app_config.items() if key != "WTF_CSRF_ENABLED"}


def test_the_defaults_decide(app, app_config):
    assert "WTF_CSRF_ENABLED" not in app_config
    assert getattr(DefaultConfig, "WTF_CSRF_ENABLED", True) is True
    assert create_app(app_config).config.get("WTF_CSRF_ENABLED", True) is True


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _signed_in(client) -> bool:
    return "Sign out" in client.get("/").get_data(as_text=True)


def test_posts_without_a_token_are_refused(client):
    cast = Cast()
    event = cast.event(Status.DRAFT)
    db.session.commit()
    event_id = event.id

    # Sign-in without the token: refused, and nobody is signed in.
    forged = client.post("/login", data={"email": cast.lead.email, "password": DEFAULT_PASSWORD})
    assert forged.status_code == 400
    assert not _signed_in(client)

    # With the page's token it works, which proves the 400s below are about the token.
    response = client.post(
        "/login",
        data={
            "email": cast.lead.email,
            "password": DEFAULT_PASSWORD,
            "csrf_token": _token(client, "/login"),
        },
    )
    assert response.status_code == 302 and _signed_in(client)

    # A workflow action without the token: refused, the proposal stays a draft.
    assert client.post(f"/events/{event_id}/workflow/submit").status_code == 400
    db.session.rollback()
    assert db.session.get(Event, event_id).status == Status.DRAFT

    # Sign-out without the token: refused, still signed in.
    assert client.post("/logout").status_code == 400
    assert _signed_in(client)

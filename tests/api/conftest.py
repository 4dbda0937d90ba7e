"""API test helpers: tokens made through the token service, bearer headers."""

from __future__ import annotations

import pytest

from coordinator.accounts.api_tokens import create_api_token
from coordinator.extensions import db


def make_token(user, scopes=("read", "propose"), name="Our website") -> str:
    _, raw = create_api_token(user, name, list(scopes))
    db.session.commit()
    return raw


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def token_for():
    def _make(user, scopes=("read", "propose")):
        return bearer(make_token(user, scopes))

    return _make


def proposal(**overrides) -> dict:
    body = {
        "title": "Water forum",
        "summary": "Cities and water.",
        "kind": "forum",
        "timezone": "Europe/Paris",
        "start_date": "2031-05-12",
        "start_time": "10:00",
        "end_date": "2031-05-12",
        "end_time": "12:00",
        "city": "Marseille",
        "country": "FR",
        "visibility": "public",
    }
    body.update(overrides)
    return body

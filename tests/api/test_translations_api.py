"""The JSON API's event writes take the original's language and translations, checked by the
proposal form (coordinator/api/proposals.py) exactly as on the page."""

from __future__ import annotations

from sqlalchemy import select

from coordinator.activities.models import Event
from coordinator.extensions import db
from tests.api.conftest import bearer, make_token, proposal


def _event(event_id: int) -> Event:
    db.session.rollback()
    return db.session.scalars(select(Event).where(Event.id == event_id)).one()


def test_a_proposal_in_french_with_an_english_translation(client, focal_point):
    headers = bearer(make_token(focal_point))
    created = client.post(
        "/api/v1/events",
        json=proposal(
            title="Forum de l'eau",
            language="fr",
            translations={"en": {"title": "Water forum", "summary": ""}, "es": {"title": " "}},
        ),
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    event = _event(created.get_json()["event"]["id"])
    assert (event.language, event.title) == ("fr", "Forum de l'eau")
    assert event.translated_texts() == {"en": {"title": "Water forum"}}  # empty ones not stored
    assert event.translation("en").author_id == focal_point.id

    # A PATCH changes the languages it names; the others stay, and so does the original's.
    patched = client.patch(
        f"/api/v1/events/{event.id}",
        json={"translations": {"ar": {"title": "منتدى المياه"}}},
        headers=headers,
    )
    assert patched.status_code == 200, patched.get_json()
    event = _event(event.id)
    assert event.language == "fr"
    assert event.content_languages() == ["fr", "ar", "en"]


def test_unoffered_languages_and_unknown_fields_are_422(client, focal_point):
    headers = bearer(make_token(focal_point))
    for body in (
        proposal(translations={"de": {"title": "Wasserforum"}}),
        proposal(translations={"fr-x": {"title": "Forum"}}),
        proposal(translations={"fr": {"venue": "Port"}}),
        proposal(translations={"fr": {"title": "x" * 201}}),
        proposal(language="de"),
    ):
        response = client.post("/api/v1/events", json=body, headers=headers)
        assert response.status_code == 422, body
    assert db.session.scalars(select(Event)).all() == []

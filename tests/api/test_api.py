"""The JSON API's HTTP behaviour: problem+json errors, 401/403, ETag, CORS, proposals through the
form's validation, Idempotency-Key, the token page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coordinator.accounts.models import ApiToken
from coordinator.activities.models import Event, Visibility
from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from tests import factories
from tests.api.conftest import bearer, make_token, proposal

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"]
    return body


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/nowhere", 404),
        ("get", "/api/v1/events/99999", 404),
        ("delete", "/api/v1/events", 405),
        ("get", "/api/v1/events?limit=0", 422),
        ("get", "/api/v1/events?kind=party", 422),
        ("get", "/api/v1/events?cursor=bm9wZQ", 422),
        ("get", "/api/v1/me/activities", 401),
        ("post", "/api/v1/events", 401),
    ],
)
def test_every_error_is_problem_json(client, method, path, status):
    _problem(getattr(client, method)(path), status)


def test_field_errors_are_listed(client):
    body = _problem(client.get("/api/v1/events?limit=500&from=yesterday"), 422)
    assert {e["field"] for e in body["errors"]} == {"limit", "from"}


def test_a_bad_token_is_401_even_on_public_reads(client, focal_point):
    response = client.get("/api/v1/events", headers=bearer("not-a-token"))
    assert _problem(response, 401)["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    _problem(client.get("/api/v1/events", headers={"Authorization": "Basic eDp5"}), 401)


def test_missing_scope_is_403_and_staff_may_not_propose(client, focal_point, staff):
    read_only = bearer(make_token(focal_point, ["read"]))
    body = _problem(client.post("/api/v1/events", json=proposal(), headers=read_only), 403)
    assert body["code"] == "insufficient_scope"
    staff_token = bearer(make_token(staff, ["read", "propose"]))
    _problem(client.post("/api/v1/events", json=proposal(), headers=staff_token), 403)
    propose_only = bearer(make_token(focal_point, ["propose"]))
    _problem(client.get("/api/v1/me/activities", headers=propose_only), 403)


def test_revoked_tokens_and_deactivated_users_are_401(client, app, login_as, focal_point, staff):
    raw = make_token(focal_point)
    assert client.get("/api/v1/me/activities", headers=bearer(raw)).status_code == 200
    focal_point.is_enabled = False
    db.session.commit()
    _problem(client.get("/api/v1/me/activities", headers=bearer(raw)), 401)
    focal_point.is_enabled = True
    token = db.session.scalar(select(ApiToken))
    token.revoked_dt = datetime.now(UTC)
    db.session.commit()
    _problem(client.get("/api/v1/me/activities", headers=bearer(raw)), 401)


def test_deactivation_revokes_tokens_for_good(client, login_as, staff, focal_point):
    raw = make_token(focal_point)
    login_as(staff)
    response = client.post(f"/staff/users/{focal_point.id}/deactivate")
    assert response.status_code in (302, 303), response.status_code
    assert db.session.scalar(select(ApiToken)).revoked_dt is not None
    focal_point.is_enabled = True
    db.session.commit()
    _problem(client.get("/api/v1/me/activities", headers=bearer(raw)), 401)


def test_the_session_cookie_gives_no_access(client, login_as, focal_point):
    """Writes carry no CSRF token, so a signed-in browser must not be able to use them."""
    login_as(focal_point)
    _problem(client.post("/api/v1/events", json=proposal()), 401)
    network = factories.EventFactory(visibility=Visibility.NETWORK)
    db.session.commit()
    _problem(client.get(f"/api/v1/events/{network.id}"), 404)


# --- HTTP caching and CORS ------------------------------------------------------------------


def test_etag_and_304(client, app):
    factories.EventFactory()
    db.session.commit()
    first = client.get("/api/v1/events")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    again = client.get("/api/v1/events", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    factories.EventFactory()
    db.session.commit()
    assert client.get("/api/v1/events", headers={"If-None-Match": etag}).status_code == 200


def test_token_reads_are_private(client, focal_point):
    response = client.get("/api/v1/events", headers=bearer(make_token(focal_point)))
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_cors_for_reads_never_for_writes(client, focal_point):
    origin = {"Origin": "https://partner.example"}
    read = client.get("/api/v1/events", headers=origin)
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    write = client.post(
        "/api/v1/events", json=proposal(), headers={**origin, **bearer(make_token(focal_point))}
    )
    assert write.status_code == 201
    assert "Access-Control-Allow-Origin" not in write.headers
    preflight = client.options(
        "/api/v1/events",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert "POST" not in preflight.headers.get("Access-Control-Allow-Methods", "")


# --- reads ----------------------------------------------------------------------------------


def test_event_shape(client, app):
    theme = factories.ThemeFactory(name="Water", slug="water")
    event = factories.EventFactory(
        timezone="America/New_York",
        start_dt=datetime(2031, 3, 9, 14, 0, tzinfo=UTC),
        end_dt=datetime(2031, 3, 9, 16, 0, tzinfo=UTC),
        online_url="https://meet.example/x",
        languages="en, fr",
        themes=[theme],
    )
    co = factories.EventPartnerFactory(event=event)
    factories.EventPartnerFactory(event=event, confirmation="pending")
    db.session.commit()
    body = client.get(f"/api/v1/events/{event.id}").get_json()
    assert body["start"] == {
        "utc": "2031-03-09T14:00:00Z",
        "local": "2031-03-09T10:00:00",
        "timezone": "America/New_York",
    }
    assert body["status"] == "published" and body["sequence"] == 0
    assert [p["role"] for p in body["partners"]] == ["lead", "co_organiser"]
    assert body["partners"][1]["slug"] == co.partner.slug
    assert body["themes"] == [
        {
            "id": theme.id,
            "slug": "water",
            "name": "Water",
            "language": "en",
            "translations": {},
            "field_languages": {"name": "en"},
        }
    ]
    assert body["online_url"] == "https://meet.example/x" and body["languages"] == ["en", "fr"]
    assert body["links"]["html"].endswith(f"/events/{event.id}")
    assert body["links"]["ics"].endswith(f"/events/{event.id}.ics")


def test_cursor_pagination_is_stable_and_filters_apply(client, app):
    start = datetime(2031, 1, 1, 9, tzinfo=UTC)
    events = [
        factories.EventFactory(start_dt=start, end_dt=start + timedelta(hours=1)) for _ in range(5)
    ]
    factories.EventFactory(country="MA")
    db.session.commit()
    seen, cursor = [], None
    while True:
        url = "/api/v1/events?country=FR&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e.id for e in events]
    later = datetime.now(UTC) + timedelta(seconds=1)
    recent = client.get("/api/v1/events", query_string={"updated_since": later.isoformat()})
    assert recent.get_json()["items"] == []


# --- writes ---------------------------------------------------------------------------------


def test_the_forms_validation_applies(client, focal_point):
    headers = bearer(make_token(focal_point))
    # 02:30 on 30 March 2031 does not exist in Paris (the clocks jump from 02:00 to 03:00).
    gap = proposal(start_date="2031-03-30", start_time="02:30", end_date="2031-03-30")
    body = _problem(client.post("/api/v1/events", json=gap, headers=headers), 422)
    assert [e["field"] for e in body["errors"]] == ["start_time"]
    backwards = proposal(start_time="12:00", end_time="10:00")
    body = _problem(client.post("/api/v1/events", json=backwards, headers=headers), 422)
    assert body["errors"] == [
        {"field": "end_time", "message": "The event must end after it starts."}
    ]
    body = _problem(client.post("/api/v1/events", json={"title": ""}, headers=headers), 422)
    assert {"title", "kind", "timezone", "start_date", "end_date"} <= {
        e["field"] for e in body["errors"]
    }
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_clashes_are_returned_as_data(client, focal_point, app):
    other = factories.EventFactory(
        start_dt=datetime(2031, 5, 12, 9, tzinfo=UTC),
        end_dt=datetime(2031, 5, 12, 17, tzinfo=UTC),
        city="Marseille",
    )
    db.session.commit()
    body = client.post(
        "/api/v1/events", json=proposal(), headers=bearer(make_token(focal_point))
    ).get_json()
    assert [c["event_id"] for c in body["clashes"]["items"]] == [other.id]
    assert body["clashes"]["items"][0]["reasons"]


def test_patch_and_submit(client, focal_point, other_focal_point, staff, app):
    headers = bearer(make_token(focal_point))
    created = client.post("/api/v1/events", json=proposal(), headers=headers)
    event_id = created.get_json()["event"]["id"]
    assert created.headers["Location"].endswith(f"/api/v1/events/{event_id}")
    patched = client.patch(
        f"/api/v1/events/{event_id}", json={"title": "Sea forum"}, headers=headers
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["event"]["title"] == "Sea forum"
    assert patched.get_json()["event"]["start"]["local"] == "2031-05-12T10:00:00"
    other = bearer(make_token(other_focal_point))
    _problem(client.patch(f"/api/v1/events/{event_id}", json={"title": "x"}, headers=other), 404)
    _problem(client.post(f"/api/v1/events/{event_id}/submit", headers=other), 404)
    submitted = client.post(f"/api/v1/events/{event_id}/submit", headers=headers)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    _problem(client.post(f"/api/v1/events/{event_id}/submit", headers=headers), 409)
    _problem(client.patch(f"/api/v1/events/{event_id}", json={"title": "y"}, headers=headers), 409)


def test_writes_are_rate_limited_per_token(client, focal_point, app):
    app.config["API_WRITE_RATE_LIMIT"] = "2 per minute"
    first, second = bearer(make_token(focal_point)), bearer(make_token(focal_point, name="CRM"))
    for _ in range(2):
        assert client.post("/api/v1/events", json=proposal(), headers=first).status_code == 201
    limited = client.post("/api/v1/events", json=proposal(), headers=first)
    _problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert client.post("/api/v1/events", json=proposal(), headers=second).status_code == 201


# --- Idempotency-Key ------------------------------------------------------------------------


def test_a_retried_post_returns_the_first_result(client, focal_point):
    headers = {**bearer(make_token(focal_point)), "Idempotency-Key": "order-42"}
    first = client.post("/api/v1/events", json=proposal(), headers=headers)
    again = client.post("/api/v1/events", json=proposal(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1
    creations = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "create")
    assert db.session.scalar(creations) == 1
    other = client.post("/api/v1/events", json=proposal(title="Other"), headers=headers)
    assert _problem(other, 422)["errors"][0]["field"] == "Idempotency-Key"
    _problem(
        client.post("/api/v1/events", json=proposal(), headers={**headers, "Idempotency-Key": "é"}),
        422,
    )


# --- the token page -------------------------------------------------------------------------


def test_token_page_shows_a_token_once_and_revokes_it(client, login_as, focal_point):
    login_as(focal_point)
    assert client.get("/account").status_code == 200
    assert b"/account/api-tokens" in client.get("/account").data
    page = client.get("/account/api-tokens")
    assert page.status_code == 200
    created = client.post(
        "/account/api-tokens", data={"name": "CRM", "scopes": ["read", "propose"]}
    )
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    token = db.session.scalar(select(ApiToken))
    text = created.get_data(as_text=True)
    raw = text.split('id="api-token" type="text" dir="ltr" value="')[1].split('"')[0]
    assert token.token_hash != raw and token.scope_set == {"read", "propose"}
    assert raw not in client.get("/account/api-tokens").get_data(as_text=True)
    client.get("/logout")
    assert client.get("/api/v1/me/activities", headers=bearer(raw)).status_code == 200
    login_as(focal_point)
    client.post(f"/account/api-tokens/{token.id}/revoke")
    _problem(client.get("/api/v1/me/activities", headers=bearer(raw)), 401)


def test_token_form_errors(client, login_as, focal_point, other_focal_point):
    login_as(focal_point)
    assert (
        client.post("/account/api-tokens", data={"name": "", "scopes": ["read"]}).status_code == 400
    )
    assert client.post("/account/api-tokens", data={"name": "x"}).status_code == 400
    assert (
        client.post("/account/api-tokens", data={"name": "x", "scopes": ["admin"]}).status_code
        == 400
    )
    raw = make_token(other_focal_point)
    token = db.session.scalar(select(ApiToken))
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/me/activities", headers=bearer(raw)).status_code == 200


def test_the_token_page_needs_sign_in(client):
    assert client.get("/account/api-tokens").status_code == 302


def test_a_crash_under_the_api_is_a_problem_without_details(app):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/_explode", "api_test_explode", explode)
    app.view_functions["api_test_explode"].is_public = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/api/v1/_explode")
    body = _problem(response, 500)
    assert "secret" not in response.get_data(as_text=True) and "detail" not in body

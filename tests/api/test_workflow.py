"""A proposal made through the API is the same proposal as one made with the forms: it shows in
the web workflow (manage page, review queue), and the forms' proposals show in the API; the
audit trail and the e-mails are the same."""

from __future__ import annotations

from sqlalchemy import select

from coordinator.activities.models import Event, Status
from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from coordinator.mail import OutgoingMessage
from tests import factories
from tests.activities.helpers import event_form_data
from tests.api.conftest import bearer, make_token
from tests.conftest import login

FORM_FIELDS = ("title", "summary", "kind", "timezone", "start_date", "start_time", "end_date")


def _trail(event_id: int) -> list[tuple]:
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == "event", AuditEntry.subject_id == event_id)
        .order_by(AuditEntry.id)
    )
    return [(e.action, e.from_state, e.to_state, e.actor_id) for e in entries]


def _mail(event: Event) -> list[tuple[str, str]]:
    messages = db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id))
    return sorted(
        (m.recipient, m.subject.replace(event.title, "<title>"))
        for m in messages
        if event.title in m.subject or event.title in m.body_text
    )


def _api_body(data: dict) -> dict:
    body = {name: data[name] for name in (*FORM_FIELDS, "end_time", "city", "country")}
    body["theme_ids"] = [int(i) for i in data.get("theme_ids", [])]
    body["partner_ids"] = [int(i) for i in data.get("partner_ids", [])]
    return body


def test_api_and_form_proposals_leave_the_same_trail_and_mail(
    app, client, focal_point, other_partner, staff
):
    factories.UserFactory(role="focal_point", partner=other_partner)  # is asked to confirm
    theme = factories.ThemeFactory()
    db.session.commit()
    data = event_form_data(theme_ids=[str(theme.id)], partner_ids=[str(other_partner.id)])

    # With the forms.
    login(client, focal_point)
    assert client.post("/events/new", data={**data, "title": "By form"}).status_code == 302
    by_form = db.session.scalar(select(Event).where(Event.title == "By form"))
    assert client.post(f"/events/{by_form.id}/workflow/submit").status_code == 302

    # Through the API.
    api = app.test_client()
    headers = bearer(make_token(focal_point, ["read", "propose"]))
    created = api.post(
        "/api/v1/events", json={**_api_body(data), "title": "By API"}, headers=headers
    )
    assert created.status_code == 201, created.get_json()["errors"]
    event_id = created.get_json()["event"]["id"]
    assert api.post(f"/api/v1/events/{event_id}/submit", headers=headers).status_code == 200
    by_api = db.session.get(Event, event_id)

    for field in ("start_dt", "end_dt", "timezone", "kind", "visibility", "lead_partner_id"):
        assert getattr(by_api, field) == getattr(by_form, field), field
    assert [t.id for t in by_api.themes] == [t.id for t in by_form.themes]
    assert (
        _trail(by_api.id)
        == _trail(by_form.id)
        == [
            ("create", None, "draft", focal_point.id),
            ("submit", "draft", "submitted", focal_point.id),
        ]
    )
    assert _mail(by_api) == _mail(by_form) and _mail(by_api)

    # The API's proposal is in the web workflow: its manage page and the staff's queue.
    manage = client.get(f"/events/{event_id}/manage")
    assert manage.status_code == 200 and "By API" in manage.get_data(as_text=True)
    login(client, staff)
    queue = client.get("/review/").get_data(as_text=True)
    assert "By API" in queue and "By form" in queue


def test_a_form_draft_is_edited_and_submitted_through_the_api(app, client, focal_point):
    login(client, focal_point)
    assert client.post("/events/new", data=event_form_data(title="Form draft")).status_code == 302
    event = db.session.scalar(select(Event))
    api = app.test_client()
    headers = bearer(make_token(focal_point, ["read", "propose"]))
    mine = api.get("/api/v1/me/activities", headers=headers).get_json()["items"]
    assert [(i["id"], i["status"]) for i in mine] == [(event.id, "draft")]
    patched = api.patch(f"/api/v1/events/{event.id}", json={"summary": "Changed"}, headers=headers)
    assert patched.status_code == 200
    assert api.post(f"/api/v1/events/{event.id}/submit", headers=headers).status_code == 200
    db.session.expire_all()
    assert event.status == Status.SUBMITTED and event.summary == "Changed"
    assert event.start_dt.isoformat().startswith("2030-06-03T07:30")
    page = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert "Changed" in page
    assert [t[0] for t in _trail(event.id)] == ["create", "edit", "submit"]


def test_changes_requested_on_the_web_are_answered_through_the_api(app, client, focal_point, staff):
    api = app.test_client()
    headers = bearer(make_token(focal_point, ["read", "propose"]))
    body = _api_body(event_form_data())
    event_id = api.post("/api/v1/events", json=body, headers=headers).get_json()["event"]["id"]
    api.post(f"/api/v1/events/{event_id}/submit", headers=headers)
    login(client, staff)
    sent_back = client.post(
        f"/events/{event_id}/workflow/request-changes", data={"comment": "Add a venue."}
    )
    assert sent_back.status_code == 302
    patched = api.patch(f"/api/v1/events/{event_id}", json={"venue": "Fort"}, headers=headers)
    assert patched.status_code == 200
    resubmitted = api.post(f"/api/v1/events/{event_id}/submit", headers=headers)
    assert resubmitted.get_json()["status"] == "submitted"

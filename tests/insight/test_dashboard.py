"""The staff dashboard: who may open it and what it lists."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coordinator.activities.models import (
    Confirmation,
    EventRevision,
    RevisionStatus,
    Status,
)
from coordinator.audit.models import record
from coordinator.extensions import db
from coordinator.insight.permissions import can_view_dashboard, can_view_reports
from tests.factories import EventFactory, EventPartnerFactory, ProjectFactory, UserFactory

NOW = datetime.now(UTC)


class TestPermissions:
    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get("/staff/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    def test_focal_points_are_refused(self, client, focal_point, login_as):
        login_as(focal_point)
        assert client.get("/staff/").status_code == 403

    @pytest.mark.parametrize("role", ["staff", "admin"])
    def test_staff_and_admins_may_open_it(self, client, login_as, role):
        login_as(UserFactory(role=role))
        response = client.get("/staff/")
        assert response.status_code == 200
        assert "Staff dashboard" in response.get_data(as_text=True)

    def test_predicates(self, app, focal_point, staff, admin):
        from flask_login import AnonymousUserMixin

        anonymous = AnonymousUserMixin()
        assert [can_view_dashboard(u) for u in (anonymous, focal_point, staff, admin)] == [
            False,
            False,
            True,
            True,
        ]
        assert [can_view_reports(u) for u in (anonymous, focal_point, staff, admin)] == [
            False,
            True,
            True,
            True,
        ]


def test_waiting_items_are_listed_oldest_first_with_their_age(client, staff, login_as):
    EventFactory(
        title="Fresh proposal", status=Status.SUBMITTED, submitted_dt=NOW - timedelta(hours=3)
    )
    EventFactory(
        title="Old proposal", status=Status.SUBMITTED, submitted_dt=NOW - timedelta(days=9)
    )
    ProjectFactory(
        title="Project waiting", status=Status.SUBMITTED, submitted_dt=NOW - timedelta(days=4)
    )
    published = EventFactory(title="Published with change", status=Status.APPROVED)
    db.session.add(
        EventRevision(
            event=published, data={"title": "New title"}, created_dt=NOW - timedelta(days=2)
        )
    )
    db.session.add(
        EventRevision(
            event=published,
            data={"title": "Done"},
            status=RevisionStatus.APPROVED,
            created_dt=NOW - timedelta(days=20),
        )
    )
    EventFactory(title="A draft", status=Status.DRAFT)
    EventFactory(title="Was rejected", status=Status.REJECTED)
    login_as(staff)
    page = client.get("/staff/").get_data(as_text=True)
    waiting = page.split('id="waiting-heading"')[1].split("</section>")[0]
    order = [
        waiting.index(t)
        for t in ("Old proposal", "Project waiting", "Published with change", "Fresh proposal")
    ]
    assert order == sorted(order)
    assert (
        "9 days" in waiting and "4 days" in waiting and "2 days" in waiting and "3 hours" in waiting
    )
    assert "Change to a published event" in waiting
    assert "A draft" not in page and "Was rejected" not in page
    assert waiting.count("<tr>") == 1 + 4  # header row and four items


def test_recent_decisions_come_from_the_audit_log(client, staff, login_as):
    approved = EventFactory(title="Approved event")
    project = ProjectFactory(title="Refused project", status=Status.REJECTED)
    changed = EventFactory(title="Changed event")
    record(
        actor=staff,
        subject_type="event",
        subject_id=approved.id,
        action="approve",
        from_state="submitted",
        to_state="approved",
        comment="Well prepared",
    )
    record(
        actor=staff,
        subject_type="project",
        subject_id=project.id,
        action="reject",
        from_state="submitted",
        to_state="rejected",
        comment="Out of scope",
    )
    record(  # a revision decision is recorded on its event
        actor=staff,
        subject_type="event",
        subject_id=changed.id,
        action="revision_approved",
        from_state="approved",
        to_state="approved",
    )
    record(
        actor=staff,
        subject_type="event",
        subject_id=approved.id,
        action="submit",
        from_state="draft",
        to_state="submitted",
        comment="Not a decision",
    )
    login_as(staff)
    page = client.get("/staff/").get_data(as_text=True)
    decisions = page.split('id="decisions-heading"')[1].split("</section>")[0]
    for text in (
        "Approved event",
        "Refused project",
        "Changed event",
        "Changes approved",
        "Well prepared",
        "Out of scope",
        "Rejected",
        staff.name,
    ):
        assert text in decisions
    assert "Not a decision" not in decisions


def _decision_rows(client) -> list[str]:
    page = client.get("/staff/").get_data(as_text=True)
    decisions = page.split('id="decisions-heading"')[1].split("</section>")[0]
    return re.findall(r"<tr>.*?</tr>", decisions, flags=re.S)[1:]  # the header row aside


def test_recent_decisions_are_staff_decisions_only(client, staff, login_as):
    """Every staff decision shows with its staff member and comment; what focal points do
    (edit, resubmit, propose changes, cancel their own event) never does, whatever state it
    leaves the activity in."""
    from tests.activities.helpers import Cast, event_form_data

    cast = Cast()
    sent_back = cast.event(Status.SUBMITTED, title="Sent back forum")
    published = cast.event(Status.APPROVED, title="Published forum")
    own = cast.event(Status.APPROVED, title="Own cancellation")
    by_staff = cast.event(Status.APPROVED, title="Staff cancellation")

    def post(path, **data):
        response = client.post(path, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    def form(title):
        return event_form_data(title=title, partner_ids=[str(cast.co_partner.id)])

    login_as(staff)
    post(f"/events/{sent_back.id}/workflow/request-changes", comment="Add the agenda")
    login_as(cast.lead)
    post(f"/events/{sent_back.id}/edit", **form("Sent back forum"))
    post(f"/events/{sent_back.id}/workflow/submit")
    post(f"/events/{published.id}/edit", **form("Published forum, renamed"))
    post(f"/events/{own.id}/workflow/cancel", comment="Our venue closed")
    revision = db.session.scalars(select(EventRevision)).one()
    login_as(staff)
    post(f"/revisions/{revision.id}/reject", comment="Keep the old title")
    login_as(cast.admin)
    post(f"/events/{by_staff.id}/workflow/cancel", comment="Duplicate of another event")

    login_as(staff)
    rows = _decision_rows(client)
    assert len(rows) == 3, rows
    cancelled, rejected, requested = rows  # newest first
    assert "Staff cancellation" in cancelled and "Cancelled" in cancelled
    assert cast.admin.name in cancelled and "Duplicate of another event" in cancelled
    assert "Published forum" in rejected and "Changes rejected" in rejected
    assert staff.name in rejected and "Keep the old title" in rejected
    assert "Sent back forum" in requested and "Changes requested" in requested
    assert staff.name in requested and "Add the agenda" in requested
    everything = "".join(rows)
    assert cast.lead.name not in everything and "Own cancellation" not in everything


def test_upcoming_events_without_a_confirmed_co_organiser(client, staff, login_as):
    EventFactory(
        title="Alone soon",
        start_dt=NOW + timedelta(days=3),
        end_dt=NOW + timedelta(days=3, hours=2),
    )
    pending_only = EventFactory(
        title="Only pending partner",
        start_dt=NOW + timedelta(days=5),
        end_dt=NOW + timedelta(days=5, hours=2),
    )
    EventPartnerFactory(event=pending_only, confirmation=Confirmation.PENDING)
    declined = EventFactory(
        title="Declined partner",
        start_dt=NOW + timedelta(days=6),
        end_dt=NOW + timedelta(days=6, hours=1),
    )
    EventPartnerFactory(event=declined, confirmation=Confirmation.DECLINED)
    confirmed = EventFactory(
        title="Well supported",
        start_dt=NOW + timedelta(days=4),
        end_dt=NOW + timedelta(days=4, hours=1),
    )
    EventPartnerFactory(event=confirmed, confirmation=Confirmation.CONFIRMED)
    EventFactory(
        title="Already over",
        start_dt=NOW - timedelta(days=3),
        end_dt=NOW - timedelta(days=3) + timedelta(hours=1),
    )
    EventFactory(title="Cancelled alone", status=Status.CANCELLED)
    EventFactory(title="Submitted alone", status=Status.SUBMITTED)
    login_as(staff)
    page = client.get("/staff/").get_data(as_text=True)
    lonely = page.split('id="lonely-heading"')[1].split("</section>")[0]
    titles = re.findall(r"(Alone soon|Only pending partner|Declined partner)", lonely)
    assert titles == ["Alone soon", "Only pending partner", "Declined partner"]  # soonest first
    for absent in ("Well supported", "Already over", "Cancelled alone", "Submitted alone"):
        assert absent not in lonely


def test_empty_dashboard_says_so_in_the_users_language(client, staff, login_as):
    login_as(staff)
    page = client.get("/staff/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "No hay nada pendiente de revisión." in page
    assert "Todavía no hay decisiones." in page

"""The staff dashboard: who may open it and what it lists."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

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
    revision = EventRevision(event=changed, data={}, status=RevisionStatus.APPROVED)
    db.session.add(revision)
    db.session.flush()
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
    record(
        actor=staff,
        subject_type="event_revision",
        subject_id=revision.id,
        action="approve",
        from_state="pending",
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
        "Well prepared",
        "Out of scope",
        "Rejected",
        staff.name,
    ):
        assert text in decisions
    assert "Not a decision" not in decisions


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

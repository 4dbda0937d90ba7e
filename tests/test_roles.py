"""The role rules of coordinator/roles.py, and every permissions module built on them.

A deactivated account whose session somehow survived (a request that loaded it just before
it was deactivated, a user loader that forgets the check) must count as signed out wherever
"signed in" used to be written by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from coordinator import roles
from coordinator.accounts import permissions as account_permissions
from coordinator.accounts.models import User
from coordinator.activities import permissions as activity_permissions
from coordinator.activities.models import Status, Visibility
from coordinator.activities.workflow import Actor, actor_roles
from coordinator.documents import permissions as document_permissions
from coordinator.documents.models import Document, DocumentVisibility
from coordinator.extensions import db, login_manager
from coordinator.insight import permissions as insight_permissions
from coordinator.mail import permissions as mail_permissions
from tests import factories


def _user(role: str = "focal_point", partner_id: int | None = 7, enabled: bool = True):
    return SimpleNamespace(
        is_authenticated=True,
        is_enabled=enabled,
        is_staff=role in ("staff", "admin"),
        is_admin=role == "admin",
        is_focal_point=role == "focal_point",
        partner_id=partner_id if role == "focal_point" else None,
    )


# --- roles.py on its own ---------------------------------------------------------------------


@pytest.mark.parametrize("user", [None, AnonymousUserMixin(), _user(enabled=False)])
def test_nobody_signed_out_or_deactivated_holds_any_role(user):
    led = SimpleNamespace(lead_partner_id=7)
    assert not roles.is_signed_in(user)
    assert not roles.is_staff(user)
    assert not roles.is_admin(user)
    assert not roles.is_focal_point(user)
    assert not roles.is_focal_point_of(user, 7)
    assert not roles.is_lead_focal_point(user, led)


def test_deactivated_staff_and_admin_are_not_staff():
    assert not roles.is_staff(_user("staff", enabled=False))
    assert not roles.is_admin(_user("admin", enabled=False))


def test_staff_and_admin():
    assert roles.is_signed_in(_user("staff"))
    assert roles.is_staff(_user("staff")) and not roles.is_admin(_user("staff"))
    assert roles.is_staff(_user("admin")) and roles.is_admin(_user("admin"))
    assert not roles.is_staff(_user("focal_point"))


def test_focal_point_of_its_own_partner_only():
    focal_point = _user("focal_point", partner_id=7)
    assert roles.is_focal_point(focal_point)
    assert roles.is_focal_point_of(focal_point, 7)
    assert not roles.is_focal_point_of(focal_point, 8)
    assert not roles.is_focal_point_of(focal_point, None)
    assert roles.is_lead_focal_point(focal_point, SimpleNamespace(lead_partner_id=7))
    assert not roles.is_lead_focal_point(focal_point, SimpleNamespace(lead_partner_id=8))


def test_a_focal_point_without_a_partner_is_no_focal_point_of_anything():
    orphan = _user("focal_point", partner_id=None)
    assert not roles.is_focal_point(orphan)
    assert not roles.is_lead_focal_point(orphan, SimpleNamespace(lead_partner_id=None))


def test_staff_is_no_lead_focal_point():
    assert not roles.is_lead_focal_point(_user("staff"), SimpleNamespace(lead_partner_id=None))


# --- each former copy of "signed in", through its callers -------------------------------------


@pytest.fixture
def surviving_sessions(monkeypatch):
    """Break Flask-Login's coupling of is_authenticated to is_active (is_enabled), the way a
    session that survived its account's deactivation would look: roles.py must still refuse."""
    monkeypatch.setattr(User, "is_authenticated", property(lambda self: True))


@pytest.fixture
def deactivated_staff(app, surviving_sessions):
    return factories.UserFactory(role="admin", partner=None, is_enabled=False)


@pytest.fixture
def deactivated_focal_point(app, partner, surviving_sessions):
    return factories.UserFactory(role="focal_point", partner=partner, is_enabled=False)


def test_accounts_permissions_refuse_a_deactivated_admin(deactivated_staff):
    assert not account_permissions.can_manage_users(deactivated_staff)
    assert not account_permissions.can_invite(deactivated_staff, "staff")


def test_activity_permissions_refuse_a_deactivated_user(
    deactivated_staff, deactivated_focal_point, partner
):
    network_only = factories.EventFactory(visibility=Visibility.NETWORK, lead_partner=partner)
    submitted = factories.EventFactory(status=Status.SUBMITTED, lead_partner=partner)
    draft_project = factories.ProjectFactory(status=Status.DRAFT, lead_partner=partner)
    for user in (deactivated_staff, deactivated_focal_point):
        assert not activity_permissions.can_view_event(user, network_only)
        assert not activity_permissions.can_view_event(user, submitted)
        assert not activity_permissions.can_review(user)
        assert not activity_permissions.can_decide(user, submitted)
        assert not activity_permissions.can_manage_event(user, submitted)
        assert not activity_permissions.can_view_project(user, draft_project)
        assert not activity_permissions.can_propose_activity(user)
        assert actor_roles(user, partner.id) == set()
    assert actor_roles(factories.UserFactory(role="focal_point", partner=partner), partner.id) == {
        Actor.LEAD
    }


def test_document_permissions_refuse_a_deactivated_user(
    deactivated_staff, deactivated_focal_point, partner
):
    event = factories.EventFactory(lead_partner=partner)
    document = Document(event=event, title="Minutes", visibility=DocumentVisibility.NETWORK)
    for user in (deactivated_staff, deactivated_focal_point):
        assert not document_permissions.can_view(user, document)
        assert not document_permissions.can_upload(user, event)
        assert not document_permissions.can_see_deleted(user, event)


def test_insight_and_mail_permissions_refuse_a_deactivated_user(
    deactivated_staff, deactivated_focal_point
):
    assert not insight_permissions.can_view_dashboard(deactivated_staff)
    assert not insight_permissions.can_view_reports(deactivated_staff)
    assert not insight_permissions.can_view_reports(deactivated_focal_point)
    assert not mail_permissions.can_manage_mail(deactivated_staff)


def test_the_sign_in_gate_sends_a_surviving_deactivated_session_to_sign_in(
    app, client, login_as, admin, monkeypatch, surviving_sessions
):
    login_as(admin)
    assert client.get("/staff/").status_code == 200
    admin.is_enabled = False
    db.session.commit()
    # The session survives: a user loader that forgot the is_enabled check.
    monkeypatch.setattr(
        login_manager,
        "_user_callback",
        lambda session_id: db.session.get(User, int(session_id.partition(":")[0])),
    )
    response = client.get("/staff/")
    assert response.status_code in (302, 303, 401), response.status_code
    assert "/login" in response.headers.get("Location", "")


def test_clashes_are_shown_to_staff_and_the_lead_partner_only():
    event = SimpleNamespace(lead_partner_id=7)
    assert activity_permissions.can_see_clashes(_user("staff"), event)
    assert activity_permissions.can_see_clashes(_user("focal_point", partner_id=7), event)
    assert not activity_permissions.can_see_clashes(_user("focal_point", partner_id=8), event)
    assert not activity_permissions.can_see_clashes(_user("staff", enabled=False), event)
    assert not activity_permissions.can_see_clashes(None, event)

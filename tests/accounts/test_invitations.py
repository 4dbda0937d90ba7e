"""Staff invite focal points: single-use, expiring, hashed links bound to email and partner."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from coordinator.accounts import services
from coordinator.accounts.models import Invitation, Role, User
from coordinator.db import utcnow
from coordinator.errors import PermissionDenied
from coordinator.extensions import db
from tests.accounts.helpers import last_message_to, link_token

NEW_PASSWORD = "a brand new passphrase"


def _invite(client, login_as, staff, partner, email="new.person@example.org"):
    login_as(staff)
    response = client.post(
        "/staff/users/invite",
        data={
            "email": email,
            "name": "New Person",
            "role": "focal_point",
            "partner": partner.id,
        },
    )
    assert response.status_code == 302
    client.post("/logout")
    return link_token(last_message_to(email), "invite")


def test_staff_invite_sends_a_link_and_stores_only_its_hash(client, login_as, staff, partner):
    token = _invite(client, login_as, staff, partner)
    invitation = db.session.scalar(select(Invitation))
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.email == "new.person@example.org"
    assert invitation.partner_id == partner.id and invitation.role == Role.FOCAL_POINT
    lifetime = invitation.expires_dt - invitation.created_dt
    assert timedelta(days=7) - timedelta(seconds=5) < lifetime <= timedelta(days=7)


def test_invitee_sets_name_and_password_and_is_signed_in(client, login_as, staff, partner):
    token = _invite(client, login_as, staff, partner)
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200 and partner.name in page.get_data(as_text=True)
    response = client.post(
        f"/invite/{token}",
        data={"name": "Nadia Haddad", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Nadia Haddad" in home and "Sign out" in home
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.partner_id == partner.id and user.role == Role.FOCAL_POINT


def test_an_invitation_works_once(client, login_as, staff, partner):
    token = _invite(client, login_as, staff, partner)
    data = {"name": "Nadia", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/invite/{token}", data=data).status_code == 302
    client.post("/logout")
    again = client.post(f"/invite/{token}", data=data)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert client.get(f"/invite/{token}").status_code == 410


def test_an_expired_invitation_is_refused(client, login_as, staff, partner, time_machine):
    token = _invite(client, login_as, staff, partner)
    time_machine.move_to(utcnow() + timedelta(days=7, seconds=1))
    response = client.get(f"/invite/{token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    data = {"name": "Nadia", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/invite/{token}", data=data).status_code == 410
    assert db.session.scalar(select(User).where(User.email == "new.person@example.org")) is None


@pytest.mark.parametrize("token", ["nonsense", "x" * 43, "%00"])
def test_an_unknown_token_is_a_clear_404(client, token):
    response = client.get(f"/invite/{token}")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)


def test_a_weak_password_is_refused_and_the_invitation_stays_open(client, login_as, staff, partner):
    token = _invite(client, login_as, staff, partner)
    for password in ("short", "password123"):
        response = client.post(
            f"/invite/{token}", data={"name": "Nadia", "password": password, "confirm": password}
        )
        assert response.status_code == 400
    assert "too common" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Invitation)).used_dt is None


def test_the_account_is_bound_to_the_invited_email(client, login_as, staff, partner):
    token = _invite(client, login_as, staff, partner)
    client.post(
        f"/invite/{token}",
        data={
            "name": "Nadia",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "email": "attacker@example.org",
            "partner": "999",
            "role": "admin",
        },
    )
    assert db.session.scalar(select(User).where(User.email == "attacker@example.org")) is None
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.role == Role.FOCAL_POINT and user.partner_id == partner.id


def test_a_new_invitation_replaces_the_open_one(client, login_as, staff, partner):
    first = _invite(client, login_as, staff, partner)
    second = _invite(client, login_as, staff, partner)
    assert client.get(f"/invite/{first}").status_code == 410
    assert client.get(f"/invite/{second}").status_code == 200


def test_inviting_an_existing_account_is_a_form_error(
    client, login_as, staff, partner, focal_point
):
    login_as(staff)
    response = client.post(
        "/staff/users/invite",
        follow_redirects=True,
        data={"email": focal_point.email, "role": "focal_point", "partner": partner.id},
    )
    assert "already exists" in response.get_data(as_text=True)


def test_focal_points_cannot_invite(client, login_as, focal_point, partner):
    login_as(focal_point)
    response = client.post(
        "/staff/users/invite",
        data={"email": "x@example.org", "role": "focal_point", "partner": partner.id},
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Invitation)) is None


def test_only_admins_invite_staff(app, staff, admin):
    with app.test_request_context("/"):
        with pytest.raises(PermissionDenied):
            services.invite_user(staff, email="s@example.org", name="", role="staff", partner=None)
        invitation, _ = services.invite_user(
            admin, email="s@example.org", name="", role="staff", partner=None
        )
    assert invitation.role == Role.STAFF and invitation.partner is None


def test_a_focal_point_invitation_needs_an_active_partner(app, staff, partner):
    partner.is_active = False
    with app.test_request_context("/"):
        with pytest.raises(services.DomainError):
            services.invite_user(
                staff, email="a@example.org", name="", role="focal_point", partner=None
            )
        with pytest.raises(services.DomainError):
            services.invite_user(
                staff, email="a@example.org", name="", role="focal_point", partner=partner
            )


def test_invite_form_on_the_partner_page(client, login_as, staff, partner):
    login_as(staff)
    page = client.get(f"/partners/{partner.slug}").get_data(as_text=True)
    assert "Invite a focal point" in page
    assert f'name="partner" value="{partner.id}"' in page

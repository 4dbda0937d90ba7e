"""The staff users page: listing, deactivation and reactivation."""

from coordinator.extensions import db
from tests.conftest import login
from tests.factories import UserFactory


def test_staff_see_users_with_role_partner_and_status(client, login_as, staff, focal_point):
    focal_point.is_enabled = False
    login_as(staff)
    page = client.get("/staff/users").get_data(as_text=True)
    assert focal_point.email in page and focal_point.partner.acronym in page
    assert "Deactivated" in page and "Focal point" in page


def test_focal_points_get_403(client, login_as, focal_point):
    login_as(focal_point)
    assert client.get("/staff/users").status_code == 403


def test_deactivation_kills_the_sessions(app, client, login_as, staff, focal_point):
    db.session.commit()
    victim = app.test_client()
    login(victim, focal_point)
    login_as(staff)
    assert client.post(f"/staff/users/{focal_point.id}/deactivate").status_code == 302
    assert victim.get("/account").status_code == 302
    db.session.rollback()
    assert not focal_point.is_enabled
    refused = app.test_client().post(
        "/login", data={"email": focal_point.email, "password": "correct horse battery staple"}
    )
    assert refused.status_code == 400 and "not right" in refused.get_data(as_text=True)


def test_reactivation(client, login_as, staff, focal_point):
    focal_point.is_enabled = False
    login_as(staff)
    assert client.post(f"/staff/users/{focal_point.id}/reactivate").status_code == 302
    db.session.rollback()
    assert focal_point.is_enabled


def test_staff_cannot_deactivate_staff_but_admins_can(client, login_as, staff, admin):
    other_staff = UserFactory(role="staff")
    login_as(staff)
    assert client.post(f"/staff/users/{other_staff.id}/deactivate").status_code == 403
    page = client.get("/staff/users").get_data(as_text=True)
    assert f"/staff/users/{other_staff.id}/deactivate" not in page
    client.post("/logout")
    login_as(admin)
    assert f"/staff/users/{other_staff.id}/deactivate" in client.get("/staff/users").get_data(
        as_text=True
    )
    assert client.post(f"/staff/users/{other_staff.id}/deactivate").status_code == 302


def test_nobody_deactivates_themselves(client, login_as, admin):
    login_as(admin)
    assert client.post(f"/staff/users/{admin.id}/deactivate").status_code == 403


def test_unknown_user_is_404(client, login_as, staff):
    login_as(staff)
    assert client.post("/staff/users/999999/deactivate").status_code == 404


def test_staff_see_only_the_focal_point_role_in_the_invite_form(client, login_as, staff, admin):
    login_as(staff)
    page = client.get("/staff/users").get_data(as_text=True)
    assert 'value="focal_point"' in page and 'value="staff"' not in page
    client.post("/logout")
    login_as(admin)
    page = client.get("/staff/users").get_data(as_text=True)
    assert 'value="staff"' in page and 'value="admin"' in page

"""The profile page: your name and your password."""

from coordinator.extensions import db
from tests.conftest import DEFAULT_PASSWORD, login

NEW_PASSWORD = "a longer better passphrase"


def test_edit_name(client, login_as, focal_point):
    login_as(focal_point)
    page = client.get("/account").get_data(as_text=True)
    assert focal_point.email in page and "profile_extra" not in page
    response = client.post("/account", data={"profile-name": "Renamed Person"})
    assert response.status_code == 302
    db.session.rollback()
    assert focal_point.name == "Renamed Person"


def test_empty_name_is_a_form_error(client, login_as, focal_point):
    login_as(focal_point)
    response = client.post("/account", data={"profile-name": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.get_data(as_text=True)


def test_change_password_needs_the_current_one(client, login_as, focal_point):
    login_as(focal_point)
    response = client.post(
        "/account/password",
        data={
            "password-current_password": "not my password",
            "password-new_password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "current password is not right" in response.get_data(as_text=True)


def test_change_password_keeps_this_session_and_ends_the_others(app, client, login_as, focal_point):
    login_as(focal_point)
    other = app.test_client()
    login(other, focal_point)
    response = client.post(
        "/account/password",
        data={
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "Sign out" in client.get("/account").get_data(as_text=True)
    assert other.get("/account").status_code == 302  # sent to sign in
    db.session.rollback()
    login(app.test_client(), focal_point, NEW_PASSWORD)


def test_common_new_password_is_refused(client, login_as, focal_point):
    login_as(focal_point)
    response = client.post(
        "/account/password",
        data={
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": "password123",
            "password-confirm": "password123",
        },
    )
    assert response.status_code == 400 and "too common" in response.get_data(as_text=True)


def test_profile_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

from coordinator.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import DEFAULT_PASSWORD


def test_focal_point_and_staff_sign_in(live_server, page, focal_point, staff):
    db.session.commit()
    sign_in(page, live_server, focal_point.email, DEFAULT_PASSWORD)
    assert page.get_by_text(f"Welcome, {focal_point.name}").is_visible()
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("link", name="Sign in").is_visible()

    sign_in(page, live_server, staff.email, DEFAULT_PASSWORD)
    assert page.get_by_text(f"Welcome, {staff.name}").is_visible()


def test_wrong_password_shows_a_form_error(live_server, page, focal_point):
    db.session.commit()
    sign_in(page, live_server, focal_point.email, "not-the-password")
    assert page.get_by_text("The email or password is not right.").is_visible()

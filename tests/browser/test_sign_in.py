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


def test_invited_focal_point_accepts_and_lands_signed_in(app, live_server, page, staff, partner):
    from coordinator.accounts.services import invite_user

    with app.test_request_context("/"):
        _, token = invite_user(
            staff,
            email="invitee@example.org",
            name="Invited Person",
            role="focal_point",
            partner=partner,
        )
        db.session.commit()  # like a view: the request's end discards what is not committed
    page.goto(f"{live_server}/invite/{token}")
    assert page.get_by_text(partner.name).first.is_visible()
    assert page.get_by_label("Your name").input_value() == "Invited Person"
    page.get_by_label("Choose a password").fill("a long invitation passphrase")
    page.get_by_label("Repeat the password").fill("a long invitation passphrase")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert page.get_by_text("Welcome, Invited Person").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    # The link is spent.
    page.goto(f"{live_server}/invite/{token}")
    assert page.get_by_text("already been used").is_visible()


def test_staff_invite_from_the_partner_page(live_server, page, staff, partner):
    db.session.commit()
    sign_in(page, live_server, staff.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/partners/{partner.slug}")
    form = page.locator("form.invite-form")
    form.get_by_label("Email").fill("someone.new@example.org")
    form.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state()
    assert page.get_by_text("Invitation sent to someone.new@example.org").is_visible()

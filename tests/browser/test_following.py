"""Following a partner in the browser: the button on its page (a real form with its CSRF
token), its "Following" state, and the partner listed on /account/following, where it can be
unfollowed again."""

from __future__ import annotations

from coordinator.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import PartnerFactory


def test_follow_a_partner_and_see_it_on_account_following(live_server, page, focal_point):
    PartnerFactory(name="Municipalité de Tunis", acronym="TUN", slug="tunis", country="TN")
    db.session.commit()
    sign_in(page, live_server, focal_point.email, DEFAULT_PASSWORD)

    page.goto(f"{live_server}/partners/tunis")
    page.get_by_role("button", name="Follow Municipalité de Tunis").click()
    page.wait_for_load_state()
    assert page.url.endswith("/partners/tunis")
    assert page.get_by_text("You follow Municipalité de Tunis.").is_visible()
    assert page.locator(".follow-form").get_by_text("Following").is_visible()
    assert page.get_by_role("button", name="Unfollow Municipalité de Tunis").is_visible()

    page.goto(f"{live_server}/account/following")
    follows = page.locator("#follows")
    assert follows.get_by_text("Municipalité de Tunis", exact=True).first.is_visible()
    assert "Partners:" in follows.inner_text()
    follows.get_by_role("button", name="Unfollow Municipalité de Tunis").click()
    page.wait_for_load_state()
    assert page.get_by_text("You no longer follow Municipalité de Tunis.").is_visible()
    assert page.locator("#follows").count() == 0

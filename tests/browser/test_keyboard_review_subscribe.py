"""Two more keyboard-only journeys (sign-in and propose are in test_keyboard.py): a reviewer
approves a proposal with a comment, and a visitor opens the subscribe menu and copies the feed
address. Tab, Shift+Tab, typing, Space and Enter only; every focus stop must be visible."""

from __future__ import annotations

import json

from coordinator.activities.models import Status
from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from tests.browser.test_keyboard import Keyboard
from tests.conftest import DEFAULT_PASSWORD

COMMENT = "Well prepared, thank you."


def test_a_reviewer_approves_a_proposal_with_the_keyboard_alone(
    live_server, network, staff, make_page
):
    waiting = network.waiting
    page = make_page("desktop", "en", live_server)
    keys = Keyboard(page)

    page.goto(live_server + "/login")
    keys.tab_to_field("email")
    keys.type(staff.email)
    keys.tab_to_field("password")
    keys.type(DEFAULT_PASSWORD)
    keys.follow("Enter")
    assert page.evaluate("location.pathname") != "/login", "sign-in by keyboard failed"

    # Navigation → review queue → the proposal's manage page.
    keys.tab_to("el.getAttribute('href') === '/review/'")
    keys.follow("Enter")
    keys.tab_to(f"el.getAttribute('href') === '/events/{waiting.id}/manage'")
    keys.follow("Enter")
    assert page.evaluate("location.pathname") == f"/events/{waiting.id}/manage"

    keys.tab_to_field("decision-comment")
    keys.type(COMMENT)
    keys.tab_to(
        "el.type === 'submit' && el.form && !el.getAttribute('formaction') "
        "&& el.form.querySelector('#decision-comment') !== null"
    )
    keys.follow("Enter")

    assert len(keys.visited) > 5 and keys.invisible == [], json.dumps(keys.invisible, indent=1)
    try:
        db.session.refresh(waiting)
        assert waiting.status == Status.APPROVED
        entry = (
            db.session.query(AuditEntry)
            .filter_by(subject_type="event", subject_id=waiting.id, action="approve")
            .one()
        )
        assert entry.comment == COMMENT and entry.actor_id == staff.id
    finally:
        db.session.rollback()


def test_a_visitor_opens_the_subscribe_menu_and_copies_the_address_by_keyboard(
    live_server, network, make_page
):
    page = make_page("phone", "en", live_server)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    keys = Keyboard(page)
    page.goto(live_server + "/events/")

    keys.tab_to("el.tagName === 'SUMMARY' && el.parentElement.matches('details.feeds-subscribe')")
    assert page.locator("details.feeds-subscribe").get_attribute("open") is None
    keys.press("Enter")
    assert page.locator("details.feeds-subscribe").get_attribute("open") is not None

    # The menu's entries are the next tab stops: Apple/Thunderbird, Google, Outlook, the address.
    keys.press("Tab")
    assert page.evaluate("document.activeElement.href").startswith("webcal://")
    keys.press("Tab")
    assert page.evaluate("document.activeElement.href").startswith("https://calendar.google.com/")
    keys.press("Tab")
    assert page.evaluate("document.activeElement.href").startswith("https://outlook.live.com/")
    keys.tab_to("el.dataset.feedsCopy === 'feed-url-network'")
    keys.press("Space")
    page.get_by_text("Address copied to the clipboard.").wait_for()
    address = page.locator("#feed-url-network").input_value()
    assert page.evaluate("navigator.clipboard.readText()") == address
    # The feed asks for the page's language.
    assert address.endswith("/calendar.ics?lang=en")

    # Shift+Tab back to the summary and Space closes the menu again.
    keys.tab_to(
        "el.tagName === 'SUMMARY' && el.parentElement.matches('details.feeds-subscribe')",
        backwards=True,
    )
    keys.press("Space")
    assert page.locator("details.feeds-subscribe").get_attribute("open") is None
    assert keys.invisible == [], json.dumps(keys.invisible, indent=1)

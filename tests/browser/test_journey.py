"""The whole journey of a joint event, in a real browser: propose with a co-organiser, confirm,
changes requested, resubmit, approve, a revision waits while the published version stays,
and a cancellation shows.

The public pages (/events/ and /events/<id>) belong to another branch; their assertions are
grouped in check_public_* helpers and run only when those endpoints exist.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from coordinator.activities.models import Event, Status
from coordinator.extensions import db
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import DEFAULT_PASSWORD

# 09:30 reads "09:30" or "9:30 AM" depending on the page's locale format.
NINE_THIRTY = re.compile(r"\b0?9:30\b")


def switch_user(page, base_url: str, user) -> None:
    sign_out = page.get_by_role("button", name="Sign out")
    if sign_out.count():
        sign_out.click()
        page.wait_for_load_state()
    sign_in(page, base_url, user.email, DEFAULT_PASSWORD)
    expect(page.get_by_text(f"Welcome, {user.name}")).to_be_visible()


def check_public_event_page(app, page, base_url: str, event_id: int, *texts) -> None:
    if "activities.event" not in app.view_functions:
        return
    page.goto(f"{base_url}/events/{event_id}")
    for text in texts:
        expect(page.locator("main")).to_contain_text(text)


def check_public_list(app, page, base_url: str, *texts) -> None:
    if "activities.events" not in app.view_functions:
        return
    page.goto(f"{base_url}/events/")
    for text in texts:
        expect(page.locator("main")).to_contain_text(text)


def test_joint_event_journey(app, live_server, page):
    lead_partner = factories.PartnerFactory(
        name="Beirut Municipality",
        acronym="BM",
        city="Beirut",
        country="LB",
        timezone="Asia/Beirut",
    )
    co_partner = factories.PartnerFactory(
        name="Ville de Tunis", acronym="VT", city="Tunis", country="TN", timezone="Africa/Tunis"
    )
    lead = factories.UserFactory(role="focal_point", partner=lead_partner, name="Rania Lead")
    co = factories.UserFactory(role="focal_point", partner=co_partner, name="Sami Co")
    staff = factories.UserFactory(role="staff", name="Marta Staff")
    db.session.commit()
    base = live_server

    # (1) A focal point proposes an event with a co-organiser, in her partner's time zone.
    switch_user(page, base, lead)
    page.goto(f"{base}/events/new")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Beirut")
    page.get_by_label("Title", exact=True).fill("Coastal resilience workshop")
    page.get_by_label("Summary", exact=True).fill("Cities share their flood plans.")
    page.get_by_label("Description", exact=True).fill("Bring **your** maps.")
    page.get_by_label("Start date").fill("2030-06-03")
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End date").fill("2030-06-03")
    page.get_by_label("End time").fill("13:00")
    page.get_by_label("Venue").fill("Beit Beirut")
    page.get_by_label("City").fill("Beirut")
    page.get_by_label("Country").select_option(label="Lebanon")
    page.get_by_label("Ville de Tunis (VT)").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Draft")
    when = page.get_by_test_id("event-when")
    expect(when).to_contain_text(NINE_THIRTY)
    expect(when).to_contain_text("EEST (Beirut Time)")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Submitted")
    event_id = int(re.search(r"/events/(\d+)/manage", page.url).group(1))

    # (2) The co-organiser confirms, from their space.
    switch_user(page, base, co)
    page.goto(f"{base}/my/activities")
    page.get_by_test_id(f"request-event-{event_id}").get_by_role("link").click()
    page.get_by_role("button", name="Confirm co-organising").click()
    expect(page.get_by_test_id(f"confirmation-{co_partner.slug}")).to_contain_text("Confirmed")

    # (3) Staff see the confirmation and request changes, with a comment.
    switch_user(page, base, staff)
    page.goto(f"{base}/review/")
    queue_row = page.get_by_test_id(f"queue-event-{event_id}")
    expect(queue_row).to_contain_text("VT: confirmed")
    queue_row.get_by_role("link", name="Coastal resilience workshop").click()
    page.get_by_label("Comment to the proposer").fill("Please add a registration link.")
    page.get_by_role("button", name="Request changes", exact=True).click()
    expect(page.get_by_test_id("event-status")).to_have_text("Changes requested")

    # (4) The proposer reads the comment, revises and resubmits.
    switch_user(page, base, lead)
    page.goto(f"{base}/events/{event_id}/manage")
    expect(page.get_by_test_id("review-comment")).to_have_text("Please add a registration link.")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Registration link").fill("https://register.example.org/coastal")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("button", name="Resubmit for review").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Submitted")

    # (5) Staff approve.
    switch_user(page, base, staff)
    page.goto(f"{base}/events/{event_id}/manage")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Published")

    # (6) Published, shown in its own time zone.
    expect(page.get_by_test_id("event-when")).to_contain_text(NINE_THIRTY)
    expect(page.get_by_test_id("event-when")).to_contain_text("(Beirut Time)")
    check_public_list(app, page, base, "Coastal resilience workshop", NINE_THIRTY)
    check_public_event_page(
        app, page, base, event_id, "Coastal resilience workshop", NINE_THIRTY, "Ville de Tunis"
    )

    # (7) An edit of the published event waits as a revision; the published version stays.
    switch_user(page, base, lead)
    page.goto(f"{base}/events/{event_id}/manage")
    page.get_by_role("link", name="Propose changes").click()
    page.get_by_label("Title", exact=True).fill("Coastal resilience workshop 2030")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Changes waiting for review")).to_be_visible()
    expect(page.get_by_test_id("revision-diff")).to_contain_text("Coastal resilience workshop 2030")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coastal resilience workshop")
    expect(page.get_by_test_id("event-status")).to_have_text("Published")
    check_public_event_page(app, page, base, event_id, "Coastal resilience workshop")
    if "activities.event" in app.view_functions:
        expect(page.locator("main")).not_to_contain_text("Coastal resilience workshop 2030")

    # (8) The lead partner cancels with a reason; it shows as cancelled.
    page.goto(f"{base}/events/{event_id}/manage")
    page.get_by_label("Reason (shown with the event)").fill("The venue is closed for repairs.")
    page.get_by_role("button", name="Cancel the event").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Cancelled")
    expect(page.get_by_text("This event is cancelled.")).to_be_visible()
    check_public_event_page(
        app, page, base, event_id, "ancelled", "The venue is closed for repairs."
    )
    check_public_list(app, page, base, "Coastal resilience workshop")

    event = db.session.get(Event, event_id)
    assert event.status == Status.CANCELLED and event.sequence == 1
    assert event.title == "Coastal resilience workshop"
    assert event.registration_url == "https://register.example.org/coastal"
    db.session.commit()

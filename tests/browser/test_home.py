"""The home page as a task inbox (focal point, staff) and as the next events (visitors), and
the review of changes to a published event from the action box: in Chromium, in English and
Arabic, at 1280 px and 360 px. axe-core finds no serious or critical violation, phones do not
scroll sideways, and screenshots go to tests/browser/screenshots/ (git-ignored, CI artefacts).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from coordinator.activities.models import Confirmation, EventRevision, Status
from coordinator.extensions import db
from tests.browser.conftest import sign_in
from tests.browser.helpers import SCREENSHOTS, VIEWPORTS, run_axe, screenshot, scroll_width
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import EventFactory, EventPartnerFactory, UserFactory


@pytest.fixture
def inbox(app, network, staff):
    """A Marseille focal point with one task of each kind, and changes to a published event
    waiting for staff."""
    marseille, tunis, beirut = (network.partners[s] for s in ("marseille", "tunis", "beirut"))
    EventPartnerFactory(event=network.waiting, partner=marseille, confirmation=Confirmation.PENDING)
    sent_back = EventFactory(
        title="Circular economy in port cities: a peer-learning workshop",
        lead_partner=marseille,
        status=Status.CHANGES_REQUESTED,
    )
    sent_back.review_comment = "Please name the speakers and add the agenda."
    EventFactory(title="Draft: youth and the sea", lead_partner=marseille, status=Status.DRAFT)
    changed = network.events[0]  # published, led by Marseille
    revision = EventRevision(
        event=changed,
        proposer_id=None,
        data={"title": "Urban water resilience workshop (second edition)"},
    )
    db.session.add(revision)
    focal_point = UserFactory(role="focal_point", partner=marseille, name="Claire Focal")
    db.session.commit()
    assert tunis and beirut
    return SimpleNamespace(focal_point=focal_point, changed=changed, revision=revision)


def check_page(page, name: str, language: str, viewport: str) -> list[dict]:
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == language, name
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    screenshot(page, f"{name}-{language}-{viewport}", SCREENSHOTS)
    width, limit = scroll_width(page), VIEWPORTS[viewport]["width"]
    assert width <= limit, f"{name} ({language}) scrolls sideways at {limit} px: {width} px wide"
    return run_axe(page)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_home_pages_pass_axe_and_fit_phones(
    live_server, network, inbox, staff, make_page, viewport, language
):
    failures = {}

    visitor = make_page(viewport, language, live_server)
    visitor.goto(live_server + "/")
    upcoming = visitor.get_by_test_id("next-events")
    assert upcoming.locator("article.event-card").count() >= 3
    assert upcoming.locator("a[href^='webcal://']").count() == 1  # the network feed
    assert visitor.get_by_test_id("nav-tasks").count() == 0
    if violations := check_page(visitor, "home-anonymous", language, viewport):
        failures["home-anonymous"] = violations

    focal = make_page(viewport, language, live_server)
    sign_in(focal, live_server, inbox.focal_point.email, DEFAULT_PASSWORD)
    focal.goto(live_server + "/")
    assert focal.get_by_test_id("answer-tasks").get_by_role("link").count() == 1
    assert focal.get_by_test_id("changes-tasks").get_by_role("link").count() == 1
    assert focal.get_by_test_id("draft-tasks").get_by_role("link").count() == 1
    assert focal.get_by_test_id("revisions-waiting").get_by_role("link").count() == 1
    badge = focal.get_by_test_id("nav-tasks")
    assert badge.locator(".badge").inner_text().strip() == "3"
    if language == "en":  # what a screen reader reads: the word, the number, what it means
        assert " ".join(badge.text_content().split()) == "Tasks 3 (3 waiting for you)"
    if violations := check_page(focal, "home-focal-point", language, viewport):
        failures["home-focal-point"] = violations

    reviewer = make_page(viewport, language, live_server)
    sign_in(reviewer, live_server, staff.email, DEFAULT_PASSWORD)
    reviewer.goto(live_server + "/")
    review = reviewer.get_by_test_id("review-tasks")
    assert review.get_by_role("link").first.inner_text() == network.waiting.title
    assert reviewer.get_by_test_id("revision-tasks").get_by_role("link").count() == 1
    if violations := check_page(reviewer, "home-staff", language, viewport):
        failures["home-staff"] = violations
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)


def test_the_badge_is_a_number_to_the_eye_and_words_to_a_screen_reader(
    live_server, network, inbox, make_page
):
    page = make_page("desktop", "en", live_server)
    sign_in(page, live_server, inbox.focal_point.email, DEFAULT_PASSWORD)
    page.goto(live_server + "/events/")
    link = page.get_by_role("link", name="Tasks (3 waiting for you)")
    assert link.is_visible()
    assert link.locator(".badge").get_attribute("aria-hidden") == "true"
    assert link.locator(".visually-hidden").bounding_box()["width"] <= 1
    with page.expect_navigation():
        link.click()
    assert page.locator("h1").inner_text() == "Your tasks"


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_staff_decide_pending_changes_from_the_action_box(
    live_server, network, inbox, staff, make_page, viewport, language
):
    """The decision on the changes is the first thing in "What you can do", above cancelling;
    staff approve from there and the published event changes."""
    page = make_page(viewport, language, live_server)
    sign_in(page, live_server, staff.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/events/{inbox.changed.id}/manage")
    box = page.locator("section[aria-labelledby=actions-heading]")
    buttons = box.locator("button[type=submit]")
    first = buttons.first
    assert "/revisions/" in (first.evaluate("b => b.form.action"))
    assert buttons.last.evaluate("b => b.form.action").endswith("/workflow/cancel")
    if language == "en":
        assert first.inner_text() == "Approve the changes"
    # On a phone the box follows the details; on a wide screen it is in view at once.
    if viewport == "desktop":
        assert first.bounding_box()["y"] < VIEWPORTS["desktop"]["height"]
    violations = check_page(page, "review-changes", language, viewport)
    assert violations == [], json.dumps(violations, indent=1, ensure_ascii=False)

    box.locator("textarea#revision-comment").fill("Thank you.")
    with page.expect_navigation():
        first.click()
    assert page.locator("h1").inner_text() == "Urban water resilience workshop (second edition)"
    assert box.locator("#revision-comment").count() == 0
    db.session.rollback()
    db.session.refresh(inbox.revision)
    assert inbox.revision.status.value == "approved"


@pytest.mark.parametrize(("language", "viewport"), [("en", "desktop"), ("ar", "phone")])
def test_a_focal_point_with_many_drafts_follows_more_to_the_whole_list(
    live_server, network, inbox, make_page, language, viewport
):
    """The home page shows the latest drafts with their number and "+N more"; the link leads to
    My partner's activities, whose draft group shows its latest with "+N more" to the whole
    list, on a page of its own (axe-clean, no sideways scrolling)."""
    from coordinator.activities.inbox import HOME_LIMIT
    from coordinator.activities.proposals import SPACE_LIMIT

    drafts = max(HOME_LIMIT, SPACE_LIMIT) + 3
    for number in range(drafts - 1):  # the inbox fixture has one draft already
        EventFactory(
            title=f"Draft workshop {number}",
            lead_partner=inbox.focal_point.partner,
            status=Status.DRAFT,
        )
    db.session.commit()
    page = make_page(viewport, language, live_server)
    sign_in(page, live_server, inbox.focal_point.email, DEFAULT_PASSWORD)
    page.goto(live_server + "/")
    section = page.get_by_test_id("draft-tasks")
    assert section.locator("li.task-item").count() == HOME_LIMIT
    assert section.locator(".badge").inner_text().strip() in (str(drafts), f"{drafts:,}")
    with page.expect_navigation():
        page.get_by_test_id("draft-tasks-more").click()
    assert "/my/activities" in page.url

    more = page.get_by_test_id("more-events-draft")
    assert page.locator("[data-testid^=my-event-]").count() >= SPACE_LIMIT
    with page.expect_navigation():
        more.get_by_role("link").click()
    assert "show=events-draft" in page.url
    assert page.locator("[data-testid^=my-event-]").count() == drafts
    violations = check_page(page, "my-activities-drafts", language, viewport)
    assert violations == [], json.dumps(violations, indent=1, ensure_ascii=False)

"""The proposal form in a browser: two co-organisers picked from the check box list by keyboard
(typing in its filter, Space to tick), a country chosen by name, a document attached to the draft
with a progress bar, the reviewer seeing it and approving; the error summary taking the focus;
axe-core and phone widths in English and Arabic; and the form without JavaScript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from coordinator.activities.models import Event, Status
from coordinator.documents.models import Document, DocumentVisibility
from coordinator.extensions import db
from tests import factories
from tests.browser.conftest import sign_in
from tests.browser.helpers import VIEWPORTS, run_axe, scroll_width
from tests.conftest import DEFAULT_PASSWORD
from tests.documents import samples

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PARTNER_NAMES = [
    ("Agence Française de Développement", "AFD", "FR"),
    ("Ville de Tunis", "VT", "TN"),
    ("Municipality of Sfax", "SFAX", "TN"),
    ("Ajuntament de Barcelona", "BCN", "ES"),
    ("Città di Napoli", "NAP", "IT"),
    ("بلدية صيدا", "SAIDA", "LB"),
    ("Center for Mediterranean Integration", "CMI", "FR"),
    ("Union for the Mediterranean", "UfM", "ES"),
]


def save_screenshot(page, name: str) -> None:
    """A full-page screenshot in tests/browser/screenshots/ (git-ignored; a CI artefact)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def cast(app):
    lead_partner = factories.PartnerFactory(
        name="Beirut Municipality", acronym="BM", country="LB", timezone="Asia/Beirut"
    )
    partners = {
        acronym: factories.PartnerFactory(
            name=name, acronym=acronym, country=country, timezone="Europe/Paris"
        )
        for name, acronym, country in PARTNER_NAMES
    }
    for name in ("Water and sanitation", "Urban mobility", "Climate adaptation"):
        factories.ThemeFactory(name=name)
    lead = factories.UserFactory(role="focal_point", partner=lead_partner, name="Rania Lead")
    staff = factories.UserFactory(role="staff", name="Marta Staff")
    db.session.commit()
    return lead, staff, partners


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_until(page, predicate_js: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return
    raise AssertionError(f"never reached by Tab: {predicate_js}")


def tick_by_keyboard(page, field: str, query: str, label: str) -> None:
    """Focus the filter, type, Tab to the box whose label is `label`, press Space."""
    page.locator(f"#{field}-filter").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(query)
    expect(page.locator(f"#{field}-count")).not_to_be_empty()
    tab_until(
        page,
        f"el.type === 'checkbox' && el.name === {field!r} && "
        f"document.querySelector(`label[for='${{el.id}}']`).innerText.trim() === {label!r}",
    )
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), label


def test_propose_with_keyboard_attach_a_document_and_the_reviewer_approves(
    live_server, make_page, cast
):
    lead, staff, partners = cast
    base = live_server
    page = make_page("desktop", "en", base)
    sign_in(page, base, lead.email, DEFAULT_PASSWORD)
    page.goto(f"{base}/events/new")
    expect(page.get_by_text("Hold Ctrl")).to_have_count(0)
    page.get_by_label("Title", exact=True).fill("Coastal resilience workshop")
    page.get_by_label("Summary", exact=True).fill("Cities share their flood plans.")
    page.get_by_label("Start date").fill("2030-06-03")
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End date").fill("2030-06-03")
    page.get_by_label("End time").fill("13:00")
    page.get_by_label("City").fill("Beirut")

    # The time zone list starts with the partner's own zone, then the network's.
    first_group = page.locator("#timezone optgroup").first
    expect(first_group.locator("option").first).to_have_attribute("value", "Asia/Beirut")
    expect(page.locator("#timezone")).to_have_value("Asia/Beirut")

    # Two co-organisers from the check box list, by keyboard: filter, Tab, Space.
    partner_list = page.locator("#partner_ids-options")
    tick_by_keyboard(page, "partner_ids", "tunis", "Ville de Tunis (VT)")
    # Only the matching partner shows while filtering.
    expect(partner_list.locator("[data-choice]:visible")).to_have_count(1)
    tick_by_keyboard(page, "partner_ids", "francaise", "Agence Française de Développement (AFD)")
    # The filter ignores accents; the first ticked partner stays in view.
    expect(partner_list.locator("[data-choice]:visible")).to_have_count(2)
    page.locator("#partner_ids-filter").focus()
    page.keyboard.press("Enter")  # Enter in a filter never sends the form
    expect(page).to_have_url(f"{base}/events/new")
    # Three themes need no filter: the boxes alone, ticked with Space.
    expect(page.locator("#theme_ids-filter")).to_have_count(0)
    page.get_by_label("Water and sanitation").focus()
    page.keyboard.press("Space")

    # The country, chosen by its name.
    page.get_by_label("Country").select_option(label="Lebanon")
    save_screenshot(page, "proposal-form")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Draft")
    event_id = int(page.url.split("/events/")[1].split("/")[0])

    # The draft's page has a Documents section: attach the concept note (with a progress bar).
    documents = page.locator("#documents")
    expect(documents.get_by_role("heading", name="Documents")).to_be_visible()
    documents.get_by_role("link", name="Upload a document").click()
    page.get_by_label("File").set_input_files(
        {"name": "concept-note.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("c")}
    )
    page.get_by_label("Title").fill("Concept note")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("“Concept note” was uploaded.")).to_be_visible()
    assert page.url.startswith(f"{base}/events/{event_id}/manage")
    expect(
        page.locator("#documents").get_by_role("link", name="Concept note", exact=True)
    ).to_be_visible()

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Submitted")

    # The reviewer opens the manage page, sees the document and approves.
    reviewer = make_page("desktop", "en", base)
    sign_in(reviewer, base, staff.email, DEFAULT_PASSWORD)
    reviewer.goto(f"{base}/events/{event_id}/manage")
    staff_documents = reviewer.locator("#documents")
    expect(staff_documents.get_by_role("link", name="Concept note", exact=True)).to_be_visible()
    with reviewer.expect_download() as download:
        staff_documents.get_by_role("link", name="Download Concept note").click()
    assert download.value.suggested_filename == "concept-note.pdf"
    save_screenshot(reviewer, "review-page")
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(reviewer.get_by_test_id("event-status")).to_have_text("Published")

    event = db.session.get(Event, event_id)
    try:
        assert event.status == Status.APPROVED
        assert event.country == "LB" and event.timezone == "Asia/Beirut"
        assert {link.partner.acronym for link in event.partner_links} == {"VT", "AFD"}
        assert [theme.name for theme in event.themes] == ["Water and sanitation"]
        titles = db.session.scalars(select(Document.title).where(Document.event_id == event_id))
        assert list(titles) == ["Concept note"]
    finally:
        db.session.rollback()


def test_the_error_summary_takes_the_focus_and_leads_to_each_field(live_server, make_page, cast):
    lead, _, _ = cast
    page = make_page("desktop", "en", live_server)
    sign_in(page, live_server, lead.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/events/new")
    page.get_by_label("Title", exact=True).fill("Late workshop")
    page.get_by_label("Start date").fill("2030-06-03")
    page.get_by_label("Start time").fill("15:00")
    page.get_by_label("End date").fill("2030-06-03")
    page.get_by_label("End time").fill("10:00")
    page.get_by_label("Online link").fill("www.example")
    page.get_by_role("button", name="Save draft").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.evaluate("window.scrollY") < 200  # the summary is at the top, in view
    save_screenshot(page, "proposal-form-error-summary")
    summary.get_by_role("link", name="End time: The event must end after it starts.").click()
    expect(page.locator("#end_time")).to_be_focused()
    summary.get_by_role("link", name="Online link", exact=False).click()
    expect(page.locator("#online_url")).to_be_focused()
    expect(page.locator("#online_url-error")).to_have_text(
        "Enter a web address starting with http:// or https://."
    )


def _check(page, viewport: str) -> list[dict]:
    width = scroll_width(page)
    assert width <= VIEWPORTS[viewport]["width"], f"{page.url} scrolls sideways: {width} px"
    # Every partner's name fits its label: nothing clipped, in any script.
    clipped = page.evaluate(
        """() => Array.from(document.querySelectorAll('.choice-options label'))
              .filter(l => l.scrollWidth > l.clientWidth + 1).map(l => l.innerText)"""
    )
    assert clipped == [], clipped
    return run_axe(page)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_form_errors_and_review_pages_pass_axe_and_fit(
    live_server, make_page, cast, attach_document, viewport, language
):
    lead, staff, partners = cast
    failures = {}
    page = make_page(viewport, language, live_server)
    sign_in(page, live_server, lead.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/events/new")
    page.locator("#partner_ids-filter").fill("صيدا" if language == "ar" else "Tunis")
    if violations := _check(page, viewport):
        failures["form"] = violations
    page.locator("#partner_ids-filter").fill("")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    if violations := _check(page, viewport):
        failures["errors"] = violations
    if language == "ar":
        save_screenshot(page, f"proposal-form-errors-ar-{viewport}")

    event = factories.EventFactory(
        lead_partner=lead.partner, status=Status.SUBMITTED, title="Forum of coastal cities"
    )
    factories.EventPartnerFactory(event=event, partner=partners["VT"])
    db.session.commit()
    attach_document(event, lead, "Concept note")
    reviewer = make_page(viewport, language, live_server)
    sign_in(reviewer, live_server, staff.email, DEFAULT_PASSWORD)
    reviewer.goto(f"{live_server}/events/{event.id}/manage")
    expect(
        reviewer.locator("#documents").get_by_role("link", name="Concept note", exact=True)
    ).to_be_visible()
    if violations := _check(reviewer, viewport):
        failures["manage"] = violations
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)


@pytest.fixture
def attach_document(app):
    def _attach(subject, user, title: str) -> Document:
        import io

        from coordinator.documents import services
        from coordinator.documents.storage import get_storage

        document = services.create_document(
            subject=subject,
            user=user,
            title=title,
            description="",
            visibility=DocumentVisibility.PARTNERS,
            filename="concept-note.pdf",
            stream=io.BytesIO(samples.pdf(title)),
            storage=get_storage(),
        )
        db.session.commit()
        return document

    return _attach


def documents_count() -> int:
    try:
        return db.session.scalar(select(func.count()).select_from(Document))
    finally:
        db.session.rollback()


def test_a_slow_upload_shows_progress_and_can_be_cancelled(live_server, make_page, cast):
    lead, _, _ = cast
    event = factories.EventFactory(lead_partner=lead.partner, status=Status.DRAFT)
    db.session.commit()
    page = make_page("desktop", "en", live_server)
    sign_in(page, live_server, lead.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/events/{event.id}/documents/new")
    # A slow line: 256 kB/s up, so a 4 MB file takes a while.
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 262144},
    )
    big = samples.pdf("big") + b"%" + b"0" * 4_000_000 + b"\n"
    page.get_by_label("File").set_input_files(
        {"name": "big.pdf", "mimeType": "application/pdf", "buffer": big}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    progress = page.locator("#upload-progress-bar")
    expect(progress).to_be_visible()
    page.wait_for_function(
        "document.getElementById('upload-progress-bar').value > 0", timeout=15_000
    )
    cancel = page.get_by_role("button", name="Cancel the upload")
    expect(cancel).to_be_focused()
    cancel.click()
    expect(page.get_by_role("status").filter(has_text="Upload cancelled")).to_be_visible()
    expect(progress).to_be_hidden()
    assert documents_count() == 0


def test_the_form_and_the_upload_work_without_javascript(live_server, browser, cast):
    lead, _, partners = cast
    context = browser.new_context(
        viewport=VIEWPORTS["phone"], java_script_enabled=False, locale="en-GB"
    )
    try:
        page = context.new_page()
        sign_in(page, live_server, lead.email, DEFAULT_PASSWORD)
        page.goto(f"{live_server}/events/new")
        expect(page.locator("#partner_ids-filter")).to_be_hidden()  # useless without a script
        page.get_by_label("Title", exact=True).fill("Offline-friendly forum")
        page.get_by_label("Start date").fill("2030-06-03")
        page.get_by_label("End date").fill("2030-06-04")
        page.get_by_label("All-day event").check()
        page.get_by_label("Ville de Tunis (VT)").check()
        page.get_by_label("Città di Napoli (NAP)").check()
        page.get_by_label("Country").select_option(label="Tunisia")
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_test_id("event-status")).to_have_text("Draft")
        page.locator("#documents").get_by_role("link", name="Upload a document").click()
        page.get_by_label("File").set_input_files(
            {"name": "agenda.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("a")}
        )
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(
            page.locator("#documents").get_by_role("link", name="agenda.pdf", exact=True)
        ).to_be_visible()
    finally:
        context.close()
    event = db.session.scalars(select(Event).where(Event.title == "Offline-friendly forum")).one()
    try:
        assert event.is_all_day and event.country == "TN"
        assert {link.partner.acronym for link in event.partner_links} == {"VT", "NAP"}
    finally:
        db.session.rollback()


def test_a_refused_upload_comes_back_with_the_error_summary(live_server, make_page, cast):
    lead, _, _ = cast
    event = factories.EventFactory(lead_partner=lead.partner, status=Status.DRAFT)
    db.session.commit()
    page = make_page("phone", "en", live_server)
    sign_in(page, live_server, lead.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/events/{event.id}/documents/new")
    page.get_by_label("File").set_input_files(
        {"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00" * 64}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link").first.click()
    expect(page.locator("#file")).to_be_focused()
    assert documents_count() == 0

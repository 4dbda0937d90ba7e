"""A focal point connects her calendar by file upload, sees the drafts, completes one (themes,
a co-organiser) and submits it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from coordinator.extensions import db
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import DEFAULT_PASSWORD

FIXTURE = Path(__file__).resolve().parent.parent / "calendars" / "fixtures" / "apple.ics"


def test_connect_a_calendar_by_upload_and_submit_a_draft(app, live_server, page):
    partner = factories.PartnerFactory(name="Ville de Marseille", acronym="VdM")
    co_partner = factories.PartnerFactory(name="Città di Genova", acronym="CdG")
    theme = factories.ThemeFactory(name="Mobility")
    lead = factories.UserFactory(role="focal_point", partner=partner, name="Claire Lead")
    db.session.commit()
    base = live_server
    sign_in(page, base, lead.email, DEFAULT_PASSWORD)
    page.goto(f"{base}/partners/{partner.slug}")
    page.get_by_role("link", name="Calendars connected").click()
    page.get_by_label("Name of this calendar").fill("Apple calendar")
    page.get_by_label("…or upload an .ics file").set_input_files(str(FIXTURE))
    page.get_by_role("button", name="Connect and import").click()
    expect(page.locator("#sync-counts")).to_contain_text("2 new, 0 updated")
    table = page.locator("#imported-events")
    expect(table).to_contain_text("Study visit: tramway depot")
    expect(table).to_contain_text("Mobility workshop")
    table.get_by_role("link", name="Mobility workshop").click()
    expect(page.locator("#imported-from")).to_contain_text("Imported from Apple calendar")
    expect(page.get_by_test_id("event-status")).to_have_text("Draft")
    event_id = int(re.search(r"/events/(\d+)/manage", page.url).group(1))
    page.goto(f"{base}/events/{event_id}/edit")
    page.get_by_label(theme.name, exact=True).check()
    page.get_by_label(co_partner.display_name).check()
    page.get_by_label("City").fill("Marseille")
    page.get_by_label("Country").select_option(label="France")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("event-status")).to_have_text("Submitted")

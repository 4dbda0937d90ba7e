"""Proposing an event in two languages in a browser: the language panels become tabs operated by
mouse and keyboard (arrow keys, End), the original's language has no tab of its own, axe finds
nothing serious, and the saved draft reads in both languages."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from coordinator.activities.models import Event
from coordinator.extensions import db
from tests import factories
from tests.browser.conftest import sign_in
from tests.browser.helpers import run_axe
from tests.conftest import DEFAULT_PASSWORD


def test_propose_an_event_with_a_second_language_tab(live_server, make_page, app):
    partner = factories.PartnerFactory(name="Ville de Tunis", acronym="VT", country="TN")
    lead = factories.UserFactory(role="focal_point", partner=partner, name="Rania Lead")
    db.session.commit()
    page = make_page("desktop", "en", live_server)
    sign_in(page, live_server, lead.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/events/new")

    tabs = page.get_by_role("tablist", name="Languages of the text")
    expect(tabs).to_be_visible()
    # The page is in English, so the original is: no "English" tab beside "Original text".
    expect(tabs.get_by_role("tab")).to_have_text(
        ["Original text", "Français", "Español", "العربية"]
    )
    original_tab = tabs.get_by_role("tab", name="Original text")
    expect(original_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#language")).to_have_value("en")

    page.get_by_label("Title", exact=True).fill("Water forum")
    page.get_by_label("Summary", exact=True).fill("Cities compare how they save water.")
    page.get_by_label("Start date").fill("2030-06-03")
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End date").fill("2030-06-03")
    page.get_by_label("End time").fill("13:00")

    # A mouse click opens the French panel; the original's fields are hidden meanwhile.
    tabs.get_by_role("tab", name="Français").click()
    french_title = page.get_by_label("Title (French)")
    expect(french_title).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_be_hidden()
    french_title.fill("Forum de l'eau")
    page.get_by_label("Summary (French)").fill("Les villes comparent leurs économies d'eau.")
    assert run_axe(page) == []

    # By keyboard: arrows move between the tabs, End goes to the last one.
    tabs.get_by_role("tab", name="Français").focus()
    page.keyboard.press("ArrowRight")
    expect(tabs.get_by_role("tab", name="Español")).to_be_focused()
    expect(page.get_by_label("Title (Spanish)")).to_be_visible()
    page.keyboard.press("End")
    arabic_tab = tabs.get_by_role("tab", name="العربية")
    expect(arabic_tab).to_be_focused()
    expect(arabic_tab).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Tab")  # into the panel's first field
    expect(page.get_by_label("Title (Arabic)")).to_be_focused()

    # Choosing French as the original's language hides the French tab and offers English.
    original_tab.click()
    page.locator("#language").select_option("fr")
    expect(tabs.get_by_role("tab", name="Français")).to_be_hidden()
    expect(tabs.get_by_role("tab", name="English")).to_be_visible()
    page.locator("#language").select_option("en")
    expect(tabs.get_by_role("tab", name="Français")).to_be_visible()

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("content-languages")).to_contain_text("English (original), French")

    db.session.rollback()
    event = db.session.scalars(select(Event)).one()
    assert event.language == "en"
    assert event.translated_texts() == {
        "fr": {"title": "Forum de l'eau", "summary": "Les villes comparent leurs économies d'eau."}
    }
    db.session.rollback()

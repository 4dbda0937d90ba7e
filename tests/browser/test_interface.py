"""The interface in Chromium: axe-core finds no serious or critical violation, phones do not
scroll sideways, Arabic is right-to-left, the language switch and the viewer's local time work.

Screenshots go to tests/browser/artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import sign_in
from tests.browser.helpers import ARTIFACTS, AXE, run_axe, tab_to
from tests.conftest import DEFAULT_PASSWORD

PAGES = {
    "home": "/",
    "calendar-month": "/calendar/",
    "calendar-agenda": "/calendar/agenda",
    "dashboard": "/staff/",
    "reports": "/reports/",
}


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_pages_pass_axe_and_fit_phones(live_server, network, staff, make_page, viewport, language):
    assert AXE.exists(), "install axe-core: (cd tests/axe && npm ci)"
    ARTIFACTS.mkdir(exist_ok=True)
    page = make_page(viewport, language, live_server)
    sign_in(page, live_server, staff.email, DEFAULT_PASSWORD)
    failures = {}
    for name, path in PAGES.items():
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{language}-{viewport}.png"), full_page=True)
        violations = run_axe(page)
        if violations:
            failures[name] = violations
        if viewport == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{name} scrolls sideways at 360 px: {width}"
    assert failures == {}, __import__("json").dumps(failures, indent=1)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_anonymous_calendar_passes_axe(live_server, network, make_page, language):
    page = make_page("phone", language, live_server)
    page.goto(live_server + "/calendar/agenda")
    assert "Network-only strategy session" not in page.content()
    assert "Urban water resilience workshop" in page.content()
    assert run_axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_language_switch_keeps_the_page_and_works_without_javascript(browser, live_server, network):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(live_server + "/calendar/agenda?theme=water")
        page.get_by_role("button", name="العربية").click()
        page.wait_for_load_state()
        assert page.url == live_server + "/calendar/agenda?theme=water"
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.get_by_role("heading", level=1).inner_text().startswith("جدول الأعمال")
        page.get_by_role("button", name="Français").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        # Month navigation without JavaScript keeps the filter.
        page.get_by_role("link", name="Mois suivant").click()
        assert "theme=water" in page.url
    finally:
        context.close()


def test_viewer_local_time_is_added_when_zones_differ(live_server, network, make_page):
    page = make_page("desktop", "en", live_server, timezone="America/New_York")
    page.goto(live_server + "/calendar/agenda")
    page.wait_for_selector(".viewer-time")
    notes = page.locator(".viewer-time").all_inner_texts()
    assert notes and all(note.startswith("(your time: ") for note in notes)

    same_zone = make_page("desktop", "en", live_server, timezone="Europe/Paris")
    same_zone.goto(live_server + "/calendar/agenda?partner=marseille&country=FR")
    same_zone.wait_for_load_state("load")
    assert "Urban water resilience workshop" in same_zone.content()
    assert same_zone.locator(".viewer-time").count() == 0


def test_calendar_by_keyboard_alone(live_server, network, make_page):
    page = make_page("desktop", "en", live_server)
    page.goto(live_server + "/calendar/")
    assert page.locator("details.calendar-filters[open]").count() == 0
    # Open the filter panel, choose a kind, apply: all from the keyboard.
    tab_to(page, "el.tagName === 'SUMMARY'")
    page.keyboard.press("Enter")
    tab_to(page, "el.id === 'filter-theme'")
    page.keyboard.press("ArrowDown")  # the only theme: "Water and sanitation"
    tab_to(page, "el.id === 'filter-kind'")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # the third option: "Workshop"
    tab_to(page, "el.type === 'submit' && el.closest('.calendar-filters')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "kind=workshop" in page.url and "theme=water" in page.url
    tab_to(page, "el.rel === 'next'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "kind=workshop" in page.url and "theme=water" in page.url
    assert page.locator("details.calendar-filters[open]").count() == 1
    today = datetime.now(UTC).date()
    following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert f"/calendar/{following.year}/{following.month}?" in page.url

"""The interface in Chromium: axe-core finds no serious or critical violation, phones do not
scroll sideways, Arabic is right-to-left, the language switch and the viewer's local time work.

Screenshots go to tests/browser/artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from coordinator.activities.models import Confirmation, EventKind, Status, Visibility
from coordinator.audit.models import record
from coordinator.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import (
    EventFactory,
    EventPartnerFactory,
    PartnerFactory,
    ProjectFactory,
    ThemeFactory,
)

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 780}}
PAGES = {
    "home": "/",
    "calendar-month": "/calendar/",
    "calendar-agenda": "/calendar/agenda",
    "dashboard": "/staff/",
    "reports": "/reports/",
}


@pytest.fixture
def network(app, staff):
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = now.replace(day=1, hour=9)
    marseille = PartnerFactory(name="Ville de Marseille", acronym="MRS", slug="marseille")
    tunis = PartnerFactory(
        name="Municipalité de Tunis",
        acronym="TUN",
        slug="tunis",
        country="TN",
        timezone="Africa/Tunis",
    )
    beirut = PartnerFactory(
        name="بلدية بيروت", acronym="BEY", slug="beirut", country="LB", timezone="Asia/Beirut"
    )
    water = ThemeFactory(name="Water and sanitation", slug="water")
    ProjectFactory(title="Blue Mediterranean cities", slug="blue", lead_partner=marseille)
    specs = [
        ("Urban water resilience workshop", marseille, "Europe/Paris", EventKind.WORKSHOP, 2, 3),
        ("Webinar: financing climate adaptation", tunis, "Africa/Tunis", EventKind.WEBINAR, 9, 2),
        ("ملتقى المدن المتوسطية", beirut, "Asia/Beirut", EventKind.FORUM, 15, 5),
        ("Field visit to the Sfax waterfront", tunis, "Africa/Tunis", EventKind.FIELD_VISIT, 15, 4),
        (
            "Coordination meeting of focal points",
            marseille,
            "Europe/Madrid",
            EventKind.MEETING,
            21,
            2,
        ),
    ]
    for title, lead, zone, kind, day_offset, hours in specs:
        start = first + timedelta(days=day_offset)
        event = EventFactory(
            title=title,
            lead_partner=lead,
            timezone=zone,
            kind=kind,
            start_dt=start,
            end_dt=start + timedelta(hours=hours),
            country=lead.country,
            city=lead.city,
        )
        event.themes.append(water)
        EventPartnerFactory(
            event=event,
            partner=beirut if lead is not beirut else marseille,
            confirmation=Confirmation.CONFIRMED if day_offset % 2 else Confirmation.PENDING,
        )
    EventFactory(
        title="Network-only strategy session",
        visibility=Visibility.NETWORK,
        lead_partner=marseille,
        start_dt=first + timedelta(days=5, hours=3),
        end_dt=first + timedelta(days=5, hours=5),
    )
    waiting = EventFactory(
        title="Proposed summer school",
        status=Status.SUBMITTED,
        lead_partner=tunis,
        submitted_dt=now - timedelta(days=6),
    )
    decided = EventFactory(title="Approved exchange programme", lead_partner=beirut)
    record(
        actor=staff,
        subject_type="event",
        subject_id=decided.id,
        action="approve",
        from_state="submitted",
        to_state="approved",
        comment="Thank you, well prepared.",
    )
    assert waiting.id
    db.session.commit()


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def make_page(browser):
    contexts = []

    def _make(viewport: str, language: str, base_url: str, timezone: str = "Europe/Paris"):
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], bypass_csp=True, locale="en-GB", timezone_id=timezone
        )
        context.add_cookies([{"name": "lang", "value": language, "url": base_url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield _make
    for context in contexts:
        context.close()


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


def tab_to(page, predicate_js: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies predicate_js(el)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return
    raise AssertionError(f"never reached by Tab: {predicate_js}")


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

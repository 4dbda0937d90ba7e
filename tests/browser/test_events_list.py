"""The public events list shows events above the fold, on a desktop and on a phone, in English
and Arabic: the filters are a folded panel and the subscribe block is one button with a menu."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.helpers import run_axe, scroll_width

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SIZES = {"1280": {"width": 1280, "height": 900}, "360": {"width": 360, "height": 800}}
# Where the first event title must start at the latest (CSS px from the top of the page).
FOLD = {"1280": 400, "360": 400}


def _open(browser, base_url: str, size: str, language: str):
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True, locale="en-GB")
    context.add_cookies([{"name": "lang", "value": language, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("size", ["1280", "360"])
def test_the_first_event_is_above_the_fold(live_server, network, browser, size, language):
    context, page = _open(browser, live_server, size, language)
    try:
        page.goto(live_server + "/events/")
        first = page.locator(".event-card .card-title a").first
        top = first.bounding_box()["y"]
        assert top < FOLD[size], f"first event title at y={top} px ({size}, {language})"
        assert scroll_width(page) <= SIZES[size]["width"]
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"events-{language}-{size}.png"), full_page=True)
        assert (violations := run_axe(page)) == [], json.dumps(violations, indent=1)

        # The subscribe menu opens in place without pushing the page sideways.
        page.locator("details.feeds-subscribe > summary").click()
        assert page.locator("details.feeds-subscribe").get_attribute("open") is not None
        assert page.locator("#feed-url-network").is_visible()
        menu = page.locator(".feeds-subscribe-menu").bounding_box()
        assert menu["x"] >= 0 and menu["x"] + menu["width"] <= SIZES[size]["width"]
        assert scroll_width(page) <= SIZES[size]["width"]
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"events-subscribe-{language}-{size}.png"))
        assert (violations := run_axe(page)) == [], json.dumps(violations, indent=1)

        # A filter set: the panel is open, the events still follow it.
        page.goto(live_server + "/events/?kind=workshop")
        assert page.locator("details.event-filters").get_attribute("open") is not None
        assert page.locator("#filter-kind").input_value() == "workshop"
        assert page.locator(".event-card").count() == 1
        assert scroll_width(page) <= SIZES[size]["width"]
        assert (violations := run_axe(page)) == [], json.dumps(violations, indent=1)
    finally:
        context.close()

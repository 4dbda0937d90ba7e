"""The pages changed for funders' reports and date consistency pass axe-core and fit phones, in
English and Arabic: the reports (acronym labels, export links), the agenda and the dashboard."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import sign_in
from tests.browser.helpers import VIEWPORTS, run_axe, screenshot, scroll_width
from tests.conftest import DEFAULT_PASSWORD


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_reports_agenda_and_dashboard_pass_axe(
    live_server, network, staff, make_page, viewport, language
):
    page = make_page(viewport, language, live_server)
    sign_in(page, live_server, staff.email, DEFAULT_PASSWORD)
    failures = {}
    for name, path in (
        ("reports", "/reports/"),
        ("agenda", "/calendar/agenda"),
        ("dashboard", "/staff/"),
    ):
        response = page.goto(live_server + path)
        assert response.status == 200, path
        screenshot(page, f"{name}-{language}-{viewport}")
        width = scroll_width(page)
        assert width <= VIEWPORTS[viewport]["width"], f"{name} scrolls sideways: {width} px"
        if violations := run_axe(page):
            failures[name] = violations
    # Staff find the per-event workbook beside the figures (request tests check its contents).
    page.goto(live_server + "/reports/")
    assert page.locator("a[href*='/reports/events.xlsx']").count() == 1
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)

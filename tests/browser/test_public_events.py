"""The public events list on a phone-sized screen: filter, page through, open an event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coordinator.activities.models import EventKind
from coordinator.extensions import db
from tests import factories


def test_visitor_filters_pages_and_opens_an_event_at_360px(live_server, browser):
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    for index in range(25):
        factories.EventFactory(
            title=f"Tunis workshop {index:02d}",
            country="TN",
            city="Tunis",
            timezone="Africa/Tunis",
            start_dt=start + timedelta(days=index + 1),
            end_dt=start + timedelta(days=index + 1, hours=2),
        )
    factories.EventFactory(
        title="Rome webinar", country="IT", kind=EventKind.WEBINAR, timezone="Europe/Rome"
    )
    db.session.commit()

    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server}/events/")
        assert page.get_by_role("heading", name="Upcoming events", level=1).is_visible()
        # The filters are folded under their summary until a filter is set.
        assert not page.get_by_label("Country").is_visible()
        page.locator("details.event-filters > summary").click()
        page.get_by_label("Country").select_option("TN")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_load_state()
        assert "country=TN" in page.url
        assert page.get_by_text("Events matching the filters: 25").is_visible()
        assert page.get_by_text("Rome webinar").count() == 0
        # Nothing sticks out sideways on a narrow screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.get_by_role("link", name="Next").click()
        page.wait_for_load_state()
        assert "country=TN" in page.url and "after=" in page.url  # the next page, by cursor
        assert page.get_by_label("Country").input_value() == "TN"
        page.get_by_role("link", name="Tunis workshop 24").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Tunis workshop 24", level=1).is_visible()
        assert page.get_by_text("(Tunis Time, CET)").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()

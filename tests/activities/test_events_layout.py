"""The events list puts the events first: a one-line header with the subscribe menu, the filters
folded into a panel that is open only when a filter is set, then the list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from coordinator.extensions import db
from tests import factories


def _upcoming(title: str) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    factories.EventFactory(title=title, start_dt=start, end_dt=start + timedelta(hours=2))


def _filters_panel(page: str) -> str:
    return re.search(r'<details class="event-filters[^"]*"[^>]*>', page).group(0)


def test_the_list_follows_a_folded_filter_panel_and_a_subscribe_menu(client):
    _upcoming("Water forum in Tunis")
    db.session.commit()
    page = client.get("/events/").get_data(as_text=True)

    title = page.index("Water forum in Tunis")
    subscribe = page.index('<details class="feeds-subscribe')
    filters = page.index('<details class="event-filters')
    # Header (with the subscribe button), then the folded filters, then the events.
    assert page.index("<h1") < subscribe < filters < page.index('id="filter-q"') < title
    assert " open" not in _filters_panel(page)
    # The subscribe block is a menu behind one button, closed at first.
    menu = re.search(r"<details class=\"feeds-subscribe[^>]*>(.*?)</details>", page, re.S)
    assert menu and "<summary" in menu.group(1)
    assert "open" not in menu.group(0).split(">", 1)[0]
    for label in ("Subscribe (Apple, Thunderbird…)", "Google Calendar", "Outlook", "Copy"):
        assert label in menu.group(1)
    # The old full-width subscribe card is gone from above the list.
    assert 'feeds-subscribe" aria-labelledby' not in page


def test_the_filter_panel_is_open_when_a_filter_is_set(client):
    _upcoming("Water forum in Tunis")
    db.session.commit()
    for query in ("q=water", "kind=forum", "start=2030-01-01"):
        page = client.get(f"/events/?{query}").get_data(as_text=True)
        assert " open" in _filters_panel(page), query
    archive = client.get("/events/past?q=water").get_data(as_text=True)
    assert " open" in _filters_panel(archive)
    assert " open" not in _filters_panel(client.get("/events/past").get_data(as_text=True))

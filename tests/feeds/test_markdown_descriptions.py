"""Feed descriptions carry the event's Markdown as plain text, not as raw markup."""

from __future__ import annotations

from icalendar import Calendar

from coordinator.extensions import db
from coordinator.text import markdown_to_text
from tests import factories

SOURCE = """**Agenda**

1. Welcome by *the mayor*
2. Visit [the port](https://port.example/visit)

- bring `maps`
- contact [info@port.example](mailto:info@port.example)

## Practical
Lunch _offered_."""


def test_markdown_becomes_readable_plain_text():
    assert markdown_to_text(SOURCE) == (
        "Agenda\n\n"
        "1. Welcome by the mayor\n"
        "2. Visit the port (https://port.example/visit)\n\n"
        "- bring maps\n"
        "- contact info@port.example\n\n"
        "Practical\n\n"
        "Lunch offered."
    )


def test_empty_and_plain_text_pass_through():
    assert markdown_to_text(None) == ""
    assert markdown_to_text("") == ""
    assert markdown_to_text("Just a line, 3 * 4 = 12.") == "Just a line, 3 * 4 = 12."
    # Raw HTML is not interpreted (html=False): it stays the text the author typed.
    assert markdown_to_text("a <b>b</b>") == "a <b>b</b>"


def test_the_calendar_feed_describes_events_without_markdown(client):
    factories.EventFactory(title="Port visit", summary="", description=SOURCE)
    db.session.commit()
    feed = Calendar.from_ical(client.get("/calendar.ics").data)
    (vevent,) = [c for c in feed.walk("VEVENT")]
    description = str(vevent["DESCRIPTION"])
    assert "Agenda\n\n1. Welcome by the mayor" in description
    assert "Visit the port (https://port.example/visit)" in description
    assert "**" not in description and "[the port]" not in description and "`" not in description

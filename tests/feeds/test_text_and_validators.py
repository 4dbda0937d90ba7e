"""Separators in text read back exactly in every parser, and feed validators are stable.

A title or category with `,` `;` `\\` or a line break must come back as written: a writer that
forgets to escape splits one category into two or cuts a title. An ETag must name the bytes,
not the moment they were built: one that changes on every request defeats every 304.
"""

from __future__ import annotations

import icalendar
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream

from coordinator.extensions import db
from tests import factories
from tests.feeds.validation import read_with_ical_js, unfolded, validate_feed

# A title is one line (the writer joins its lines), so the line break travels in the summary,
# which opens the multi-line DESCRIPTION.
TITLE = "Forum, day 1; ports \\ cities, C:\\new\\, C:\\;"
SUMMARY = "Cities, ports; coasts \\ islands\nSecond line, too; really"
THEME = "Water, sanitation; cities \\ coasts"
SECOND_THEME = "Blue economy"


@pytest.fixture
def event(app):
    theme = factories.ThemeFactory(name=THEME)
    other = factories.ThemeFactory(name=SECOND_THEME)
    event = factories.EventFactory(title=TITLE, summary=SUMMARY, themes=[theme, other])
    db.session.commit()
    return event


def _by_parser(body: bytes, uid_part: str) -> dict[str, tuple[str, list[str], str]]:
    """(SUMMARY, CATEGORIES, DESCRIPTION) of the one event whose UID contains uid_part, as
    each Python reader reads them."""
    found = {}
    calendar = icalendar.Calendar.from_ical(body)
    (vevent,) = [e for e in calendar.walk("VEVENT") if uid_part in str(e["UID"])]
    categories = vevent.get("CATEGORIES")
    groups = categories if isinstance(categories, list) else [categories]
    found["icalendar"] = (
        str(vevent["SUMMARY"]),
        [str(c) for g in groups for c in g.cats],
        str(vevent["DESCRIPTION"]),
    )
    parsed = vobject.readOne(body.decode("utf-8"))
    (vevent,) = [e for e in parsed.vevent_list if uid_part in e.uid.value]
    cats = [c for line in vevent.contents.get("categories", []) for c in line.value]
    found["vobject"] = (vevent.summary.value, cats, vevent.description.value)
    (vevent,) = [
        e
        for e in IcsCalendarStream.calendar_from_ics(body.decode("utf-8")).events
        if uid_part in e.uid
    ]
    found["ical"] = (vevent.summary, list(vevent.categories), vevent.description)
    return found


def _unescaped(value: str, char: str) -> int:
    """How many times char appears in a TEXT value without a backslash escaping it."""
    count, escaped = 0, False
    for c in value:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == char:
            count += 1
    return count


@pytest.mark.parametrize("url", ["/calendar.ics", "/events/{id}.ics"])
def test_separators_are_escaped_in_the_content_lines(client, event, url):
    """Lenient readers accept a bare `;` in TEXT; RFC 5545 (3.3.11) and strict ones do not."""
    lines = unfolded(client.get(url.format(id=event.id)).data)
    uid = next(
        i for i, line in enumerate(lines) if line.startswith("UID:") and str(event.id) in line
    )
    begin = max(i for i in range(uid) if lines[i] == "BEGIN:VEVENT")
    end = lines.index("END:VEVENT", uid)
    values = {
        line.split(":", 1)[0].split(";")[0]: line.split(":", 1)[1]
        for line in lines[begin:end]
        if ":" in line
    }
    for name in ("SUMMARY", "DESCRIPTION"):
        assert _unescaped(values[name], ";") == 0 and _unescaped(values[name], ",") == 0, name
    assert _unescaped(values["CATEGORIES"], ";") == 0
    assert _unescaped(values["CATEGORIES"], ",") == 2  # between the three categories only


@pytest.mark.parametrize("url", ["/calendar.ics", "/events/{id}.ics"])
def test_separators_in_titles_and_categories_read_back_exactly(client, event, url):
    response = client.get(url.format(id=event.id))
    assert response.status_code == 200
    body = response.data
    validate_feed(body)
    readings = _by_parser(body, str(event.id))
    assert set(readings) == {"icalendar", "vobject", "ical"}
    for parser, (summary, categories, description) in readings.items():
        assert summary == TITLE, parser
        if parser != "ical":  # it splits CATEGORIES at escaped commas too (its own bug)
            # Each category whole: an unescaped comma would split the theme in two.
            assert sorted(categories) == sorted([THEME, SECOND_THEME, "Workshop"]), parser
        assert description.startswith(SUMMARY), (parser, description)


def test_ical_js_reads_the_title_exactly(client, event):
    js = read_with_ical_js(client.get(f"/events/{event.id}.ics").data)
    assert [e["summary"] for e in js["events"]] == [TITLE]


def test_single_event_download_answers_304_to_its_own_etag(client, event):
    url = f"/events/{event.id}.ics"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(url)
    assert again.headers["ETag"] == etag and again.data == first.data
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    event.title = "Renamed"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.parametrize("url", ["/calendar.ics", "/events.atom", "/events/{id}.ics"])
def test_two_uncached_builds_of_the_same_data_have_the_same_etag(app, client, event, url):
    url = url.format(id=event.id)
    first = client.get(url)
    assert first.status_code == 200
    app.extensions.pop("feeds.cache", None)  # forget every built feed: the next one is rebuilt
    second = client.get(url)
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.data == first.data
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

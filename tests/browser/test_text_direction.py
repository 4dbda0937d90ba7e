"""On an Arabic page, an English title is laid out left to right: its closing bracket and full
stop end it on the right instead of jumping to its left edge."""

from __future__ import annotations

from coordinator.extensions import db
from tests import factories

TITLE = "Urban water forum (2026)."

# Where the first and the last character of an element's text are drawn, in page pixels.
_FIRST_AND_LAST_CHARACTER_X = """e => {
  const text = e.firstChild;
  const at = (i) => {
    const range = document.createRange();
    range.setStart(text, i);
    range.setEnd(text, i + 1);
    return range.getBoundingClientRect().left;
  };
  return [at(0), at(text.length - 1)];
}"""


def test_english_event_title_reads_left_to_right_on_an_arabic_page(live_server, make_page):
    event = factories.EventFactory(title=TITLE)
    db.session.commit()
    page = make_page("desktop", "ar", live_server)
    page.goto(f"{live_server}/events/{event.id}")

    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    title = page.locator("#event-title").get_by_text(TITLE, exact=True)
    assert title.evaluate("e => getComputedStyle(e).direction") == "ltr"
    first, last = title.evaluate(_FIRST_AND_LAST_CHARACTER_X)
    assert first < last  # "U" on the left, the full stop on the right

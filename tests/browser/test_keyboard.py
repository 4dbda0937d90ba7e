"""A focal point signs in, proposes a joint event with a co-organiser and a theme, and submits
it for review with the keyboard alone: Tab, Shift+Tab, typing, arrow keys, Space and Enter.
No clicks and no filling by selector; wherever the focus goes, it can be seen.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from coordinator.activities.models import Event, Status
from coordinator.extensions import db
from tests.browser.helpers import focus_indicator
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import UserFactory

TITLE = "Keyboard-only workshop on coastal flooding"


class Keyboard:
    """Moves the focus like a keyboard user and records every focus that cannot be seen."""

    def __init__(self, page):
        self.page = page
        self.keyboard = page.keyboard
        self.invisible: list[dict] = []
        self.visited: list[dict] = []

    def press(self, key: str) -> dict:
        self.keyboard.press(key)
        focused = focus_indicator(self.page)
        self.visited.append(focused)
        if not focused["visible"]:
            self.invisible.append({"after": key, **focused})
        return focused

    def tab_to(self, predicate_js: str, limit: int = 80, backwards: bool = False) -> None:
        """Press Tab (Shift+Tab backwards) until the focused element satisfies predicate_js(el)."""
        for _ in range(limit):
            self.press("Shift+Tab" if backwards else "Tab")
            if self.page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
                return
        raise AssertionError(f"never reached from the keyboard: {predicate_js}")

    def tab_to_field(self, field_id: str) -> None:
        self.tab_to(f"el.id === {field_id!r}")

    def type(self, text: str) -> None:
        self.keyboard.type(text)

    def value(self, field_id: str):
        return self.page.evaluate(
            """id => { const el = document.getElementById(id);
                 if (!el) {  // a check box list: the labels of the ticked boxes
                   return Array.from(document.querySelectorAll(`input[name="${id}"]:checked`),
                     box => document.querySelector(`label[for="${box.id}"]`).innerText.trim());
                 }
                 return el.multiple ? Array.from(el.selectedOptions, o => o.text) : el.value; }""",
            field_id,
        )

    def follow(self, key: str = "Enter") -> None:
        with self.page.expect_navigation():
            self.keyboard.press(key)
        self.page.wait_for_load_state("load")


def test_propose_and_submit_an_event_with_the_keyboard_alone(live_server, network, make_page):
    marseille = network.partners["marseille"]
    proposer = UserFactory(role="focal_point", partner=marseille, name="Claire Focal")
    db.session.commit()
    page = make_page("desktop", "en", live_server)
    keys = Keyboard(page)

    # Sign in.
    page.goto(live_server + "/login")
    keys.tab_to_field("email")
    keys.type(proposer.email)
    keys.tab_to_field("password")
    keys.type(DEFAULT_PASSWORD)
    keys.follow("Enter")
    assert page.evaluate("location.pathname") != "/login", "sign-in by keyboard failed"

    # From the main navigation to the proposal form.
    keys.tab_to("el.getAttribute('href') === '/my/activities'")
    keys.follow("Enter")
    keys.tab_to("el.getAttribute('href') === '/events/new'")
    keys.follow("Enter")
    assert page.evaluate("location.pathname") == "/events/new"

    # What: a title typed, corrected after coming back with Shift+Tab.
    keys.tab_to_field("title")
    keys.type("Keyboard-only workshop")
    keys.tab_to_field("summary")
    keys.type("Cities compare their flood maps.")
    keys.tab_to("el.id === 'title'", backwards=True)
    keys.press("End")
    keys.type(" on coastal flooding")
    assert keys.value("title") == TITLE
    keys.tab_to_field("description")
    keys.type("Bring **your** maps.")
    keys.tab_to_field("kind")
    keys.press("ArrowDown")  # from the first kind to the second
    kind = keys.value("kind")
    keys.tab_to_field("theme_ids-0")
    keys.press("Space")  # ticks the first (only) theme of the check box list
    assert keys.value("theme_ids") == ["Water and sanitation"]

    # When: the partner's own zone is preselected; dates and times typed segment by segment.
    keys.tab_to_field("timezone")
    assert keys.value("timezone") == marseille.timezone
    keys.tab_to_field("start_date")
    type_date(keys, "2030-06-06")
    assert keys.value("start_date") == "2030-06-06"
    keys.tab_to_field("start_time")
    type_time(keys, "09:30")
    assert keys.value("start_time") == "09:30"
    keys.tab_to_field("end_date")
    type_date(keys, "2030-06-06")
    keys.tab_to_field("end_time")
    type_time(keys, "11:30")
    assert (keys.value("end_date"), keys.value("end_time")) == ("2030-06-06", "11:30")

    # Where, and who: a co-organising partner ticked in the check box list.
    keys.tab_to_field("city")
    keys.type("Marseille")
    keys.tab_to("el.name === 'partner_ids' && el.labels[0].innerText.includes('Tunis')")
    keys.press("Space")
    co_organisers = keys.value("partner_ids")
    assert co_organisers == ["Municipalité de Tunis (TUN)"], co_organisers

    # Save the draft with the form's first button, then submit it for review.
    keys.tab_to("el.type === 'submit' && el.form && el.form.querySelector('#title') !== null")
    keys.follow("Enter")
    assert "/manage" in page.evaluate("location.pathname"), page.locator("main").inner_text()
    keys.tab_to("el.form && el.form.action.endsWith('/workflow/submit')")
    keys.follow("Space")

    assert len(keys.visited) > 30 and keys.invisible == [], json.dumps(keys.invisible, indent=1)
    event = db.session.scalars(select(Event).where(Event.title == TITLE)).one()
    try:
        assert event.status == Status.SUBMITTED
        assert event.lead_partner_id == marseille.id
        assert event.proposer_id == proposer.id
        assert event.kind.value == kind
        assert [theme.slug for theme in event.themes] == ["water"]
        assert [link.partner.slug for link in event.partner_links] == ["tunis"]
        assert event.summary == "Cities compare their flood maps."
        assert event.timezone == "Europe/Paris" and event.city == "Marseille"
        assert event.start_dt.isoformat() == "2030-06-06T07:30:00+00:00"
        assert event.end_dt.isoformat() == "2030-06-06T09:30:00+00:00"
    finally:
        db.session.rollback()  # end the read: the live server shares the SQLite file


def type_date(keys: Keyboard, iso: str) -> None:
    """Type a date into Chromium's date input. Its segments follow the browser's own locale
    (month/day/year or day/month/year), so the dates here have the same day and month."""
    year, month, day = iso.split("-")
    assert month == day, "day and month must be equal to type them in either order"
    keys.type(f"{month}{day}{year}")


def type_time(keys: Keyboard, hhmm: str) -> None:
    """Type a morning time into Chromium's time input: a 12-hour input takes the final "A" as
    AM, a 24-hour input ignores it."""
    hours, minutes = hhmm.split(":")
    assert int(hours) < 12, "a morning time reads the same on 12- and 24-hour inputs"
    keys.type(f"{hours}{minutes}A")

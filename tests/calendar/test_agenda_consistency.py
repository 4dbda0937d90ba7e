"""The agenda: no stray separator before the kind, and it opens on a month with events to come."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import time_machine

from coordinator.activities.models import EventKind
from coordinator.extensions import db
from tests.factories import EventFactory, PartnerFactory

LOCALTIME_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "calendar-localtime.js"


def at(year, month, day, hour=0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def _details(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", chunk)).strip()
        for chunk in re.findall(
            r'class="small text-body-secondary agenda-details">(.*?)</div>', page, re.S
        )
    ]


def test_the_details_line_starts_with_the_kind(client):
    lead = PartnerFactory(name="Ville de Marseille")
    EventFactory(
        title="Forum",
        kind=EventKind.CONFERENCE,
        lead_partner=lead,
        city="Marseille",
        country="FR",
        start_dt=at(2030, 3, 4, 9),
        end_dt=at(2030, 3, 4, 11),
        timezone="Europe/Paris",
    )
    db.session.commit()
    page = client.get("/calendar/agenda?month=2030-03").get_data(as_text=True)
    (details,) = _details(page)
    assert details == "Conference · Marseille, France · Led by Ville de Marseille"
    # The time sits on its own line: nothing after it begins with a separator.
    assert not re.search(r"</span>\s*·", page)


def test_the_viewer_time_has_no_leading_zero_hour():
    script = LOCALTIME_JS.read_text(encoding="utf-8")
    assert 'hour: "2-digit"' not in script and 'hour: "numeric"' in script


class TestOpeningMonth:
    def test_on_the_last_evening_of_a_month_it_opens_on_the_next_event(self, client):
        EventFactory(title="Done in May", start_dt=at(2030, 5, 3, 9), end_dt=at(2030, 5, 3, 11))
        EventFactory(title="June forum", start_dt=at(2030, 6, 10, 9), end_dt=at(2030, 6, 10, 11))
        db.session.commit()
        with time_machine.travel(at(2030, 5, 31, 20), tick=False):
            page = client.get("/calendar/agenda").get_data(as_text=True)
        assert "June forum" in page and "Done in May" not in page

    def test_it_stays_on_this_month_while_events_are_left_in_it(self, client):
        EventFactory(title="Late May", start_dt=at(2030, 5, 31, 21), end_dt=at(2030, 5, 31, 22))
        EventFactory(title="June forum", start_dt=at(2030, 6, 10, 9), end_dt=at(2030, 6, 10, 11))
        db.session.commit()
        with time_machine.travel(at(2030, 5, 31, 20), tick=False):
            page = client.get("/calendar/agenda").get_data(as_text=True)
        assert "Late May" in page and "June forum" not in page

    def test_without_events_to_come_it_opens_on_today(self, client):
        EventFactory(title="Done in May", start_dt=at(2030, 5, 3, 9), end_dt=at(2030, 5, 3, 11))
        db.session.commit()
        with time_machine.travel(at(2030, 5, 31, 20), tick=False):
            page = client.get("/calendar/agenda").get_data(as_text=True)
        assert "Done in May" in page

    def test_an_explicit_month_is_kept(self, client):
        EventFactory(title="Done in May", start_dt=at(2030, 5, 3, 9), end_dt=at(2030, 5, 3, 11))
        EventFactory(title="June forum", start_dt=at(2030, 6, 10, 9), end_dt=at(2030, 6, 10, 11))
        db.session.commit()
        with time_machine.travel(at(2030, 5, 31, 20), tick=False):
            page = client.get("/calendar/agenda?month=2030-05").get_data(as_text=True)
        assert "Done in May" in page and "June forum" not in page

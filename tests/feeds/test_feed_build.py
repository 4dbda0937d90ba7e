"""The fast feed build writes the bytes of the slow one: VEVENT lines written directly are the
ones icalendar's component model writes, events read as rows (themes by one query a batch,
descriptions skipped when they cannot fit) make the feed the ORM entities make, and VTIMEZONEs
assembled from years scanned once are the ones a scan of the whole range finds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event, EventKind, Status
from coordinator.extensions import db
from coordinator.feeds.cache import build_feed
from coordinator.feeds.ical import (
    FeedEvent,
    event_component,
    fit_events,
    forget_rendered_events,
    vevent_octets,
)
from coordinator.feeds.scopes import Window, network_scope, scoped
from coordinator.feeds.services import calendar_meta, feed_language, reach_notice, to_feed_event
from coordinator.feeds.vtimezone import _observance, _state, observances, transitions, zone_for
from tests import factories

UPDATED = datetime(2026, 11, 1, 8, 30, 15, 123456, tzinfo=UTC)

# Long lines whose fold falls on every kind of character: a backslash or a caret at the 74th
# octet (icalendar never splits an escape), multi-octet characters across the boundary.
TEXTS = (
    "",
    "  ",
    "short",
    "a" * 73 + "\\b",
    "a" * 72 + "\\b" + "c" * 80,
    "x" * 66 + "^" + "y" * 200,
    "^" * 150,
    "a^b" * 60,
    "\\" * 100,
    "u" * 64 + ";,\\" * 30,
    "é" * 50 + "ü" * 50,
    "a" * 73 + "€" + "b" * 100,
    "يوم الشبكة " * 20,
    "μέρα, νύχτα; " * 15,
    "line\nbreak\r\nand\ttab\x00 \x1b\u2028end" * 4,
    "C:\\Nouveau\\N dossier; a,b \\n \\\\ fin",
)
URLS = (
    "",
    "https://example.org/e",
    "https://example.org/" + "p" * 120 + "?q=a b&r=é",
    "javascript:alert(1)",
    "ftp://example.org/x",
)
ZONES = ("Europe/Paris", "UTC", "Etc/GMT", "Africa/Casablanca", "Asia/Beirut", "Nowhere/Zone", "")


def _variety() -> list[FeedEvent]:
    events = []
    start = datetime(2027, 3, 27, 22, 30, 5, 999, tzinfo=UTC)
    for index in range(len(TEXTS) * len(URLS)):
        text = TEXTS[index % len(TEXTS)]
        url = URLS[index % len(URLS)]
        all_day = index % 6 == 0
        moment = start + timedelta(hours=index * 7)
        events.append(
            FeedEvent(
                uid=f"{index}@test{text[:5]}",
                title=text,
                start_dt=moment,
                end_dt=moment + timedelta(hours=index % 5 + 1),
                timezone=ZONES[index % len(ZONES)],
                updated_dt=UPDATED + timedelta(seconds=index),
                created_dt=None if index % 4 == 0 else UPDATED - timedelta(days=index),
                sequence=index % 3 - 1,
                is_all_day=all_day,
                start_date=moment.date() if all_day else None,
                end_date=moment.date() + timedelta(days=index % 3) if all_day else None,
                summary=TEXTS[(index + 3) % len(TEXTS)],
                description=TEXTS[(index + 5) % len(TEXTS)] * 3,
                location=TEXTS[(index + 7) % len(TEXTS)],
                latitude=(None, 43.2964821, -91.0, 0.0)[index % 4],
                longitude=(None, 5.36978, 10.0, -179.9999999)[index % 4],
                url=url,
                online_url=URLS[(index + 2) % len(URLS)],
                registration_url=URLS[(index + 1) % len(URLS)],
                categories=(TEXTS[index % len(TEXTS)], "", "Atelier, eau"),
                is_cancelled=index % 5 == 0,
                cancel_reason=TEXTS[(index + 1) % len(TEXTS)],
            )
        )
    return events


@pytest.mark.parametrize("max_description", [2000, 40, 0])
def test_vevent_lines_are_the_bytes_icalendar_writes_for_the_component(max_description):
    for event in _variety():
        vevent, tzid = event_component(event, max_description)
        octets, written_tzid = vevent_octets(event, max_description)
        assert octets == vevent.to_ical(sorted=False), event
        assert written_tzid == tzid


# Zones whose rules moved lately or move often: Ramadan in Casablanca, DST brought back (Cairo),
# abolished (Mexico City), negative DST (Dublin), half-hour DST (Lord Howe), Nuuk's 2023 change.
TRICKY_ZONES = (
    "Africa/Casablanca",
    "Africa/Cairo",
    "America/Mexico_City",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "America/Nuuk",
    "Asia/Gaza",
    "America/Santiago",
    "Asia/Tehran",
    "Europe/Paris",
)


def _whole_range_observances(tzid: str, first_year: int, last_year: int) -> tuple:
    """The observances a single scan of the whole range finds (SCAN_STEP all along)."""
    zone = zone_for(tzid)
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    initial = _state(zone, start)
    result = [_observance((start + initial[0]).replace(tzinfo=None), initial, initial)]
    for instant, old, new in transitions(zone, start, end):
        result.append(_observance((instant + old[0]).replace(tzinfo=None), old, new))
    return tuple(result)


@pytest.mark.parametrize("tzid", TRICKY_ZONES)
def test_vtimezones_from_years_scanned_once_are_those_of_a_whole_scan(tzid):
    for first_year, last_year in ((2020, 2020), (2022, 2024), (2025, 2029), (2026, 2027)):
        assert observances(tzid, first_year, last_year) == _whole_range_observances(
            tzid, first_year, last_year
        )


def _reference_feed(window: Window, max_bytes: int) -> bytes:
    """The feed as it was written before: ORM entities, themes through the relationship,
    descriptions always read."""
    scope = network_scope(EventFilters())
    events = db.session.scalars(
        scoped(select(Event), scope).where(window.clause()).order_by(Event.start_dt, Event.id)
    ).all()
    meta = calendar_meta(scope.name, scope.description)
    with feed_language():
        return fit_events(
            meta, [to_feed_event(event) for event in events], max_bytes, reach_notice
        ).body


def _dataset() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    themes = [factories.ThemeFactory(name=name) for name in ("Water", "Climate", "Áreas")]
    for index in range(60):
        start = now + timedelta(days=index // 3, hours=index)
        all_day = index % 7 == 0
        factories.EventFactory(
            title=f"Event {index}: eau; villes, μέρα",
            summary="Résumé " * (index % 4),
            description="# Agenda\n\n- one\n- [two](https://example.org/x)\n\n" * (index % 5),
            kind=list(EventKind)[index % len(EventKind)],
            timezone=("Europe/Paris", "Africa/Casablanca", "UTC", "Asia/Beirut")[index % 4],
            start_dt=start,
            end_dt=start + timedelta(hours=2, days=1 if all_day else 0),
            is_all_day=all_day,
            start_date=start.date() if all_day else None,
            end_date=start.date() + timedelta(days=1) if all_day else None,
            online_url="https://meet.example.org/room" if index % 3 == 0 else "",
            registration_url="https://example.org/register" if index % 2 else "",
            latitude=43.3 if index % 2 else None,
            longitude=5.4 if index % 2 else None,
            venue="Hôtel de ville" if index % 2 else "",
            themes=themes[: index % 4],
            status=Status.CANCELLED if index % 11 == 0 else Status.APPROVED,
            cancel_reason="Salle fermée" if index % 11 == 0 else "",
        )
    db.session.commit()


@pytest.mark.parametrize("max_bytes", [900_000, 30_000, 12_000])
def test_rows_write_the_feed_the_orm_entities_write(app, max_bytes):
    _dataset()
    app.config["FEED_MAX_BYTES"] = max_bytes
    window = Window.at(datetime.now(UTC))
    with app.test_request_context():
        forget_rendered_events()
        reference = _reference_feed(window, max_bytes)
        forget_rendered_events()
        built = build_feed(network_scope(EventFilters()), window, "v", None)
    assert built.body == reference
    assert len(built.body) <= max_bytes
    if max_bytes < 900_000:  # cut short: says how far it reaches
        assert built.until is not None and isinstance(built.until, date)
        assert b"subscribe to a narrower feed" in built.body.replace(b"\r\n ", b"")
    else:
        assert built.until is None and built.event_count == 60  # cancelled: shown in their grace

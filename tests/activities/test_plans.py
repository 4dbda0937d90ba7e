"""The lists, the partner filter and the month grid are read through the indexes meant for
them: EXPLAIN on PostgreSQL, over a few thousand events, for the statements the pages run.

SQLite's planner is not the one that serves the site, so the test runs on PostgreSQL only
(CI's PostgreSQL stage sets COORDINATOR_DATABASE_URL).
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import insert, text

from coordinator.activities.models import Event, EventPartner, Theme, event_themes
from coordinator.extensions import db
from coordinator.partners.models import Partner

EVENTS = 6000
PARTNERS = 30


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "EXPLAIN plans are PostgreSQL's: run with COORDINATOR_DATABASE_URL set "
            "(CI's PostgreSQL stage does)"
        )
    # The statements of the pages themselves: the anonymous page cache's data-version aggregate
    # (one per recheck interval, not per request) reads every row and is measured by
    # bench/scale.py instead.
    app.config["PAGE_CACHE"] = False
    return app


def _seed() -> None:
    """EVENTS events over ±2 years, 30 partners and 8 themes; a few long-running ones, some
    drafts, cancelled or network-only. Then ANALYZE, so the planner knows the sizes."""
    now = datetime.now(UTC).replace(microsecond=0)
    rnd = random.Random(13)
    db.session.execute(
        insert(Partner),
        [dict(id=n, name=f"Partner {n}", acronym=f"P{n}", slug=f"p{n}") for n in range(1, 31)],
    )
    db.session.execute(insert(Theme), [dict(id=n, name=f"T{n}", slug=f"t{n}") for n in range(1, 9)])
    events, links, themes = [], [], []
    for number in range(1, EVENTS + 1):
        start = now + timedelta(minutes=rnd.randint(-2 * 365 * 1440, 2 * 365 * 1440))
        long_running = rnd.random() < 0.01
        length = timedelta(days=rnd.randint(40, 200) if long_running else 0, hours=2)
        status = rnd.choice(["approved"] * 8 + ["cancelled", "draft"])
        published = status != "draft"
        events.append(
            dict(
                id=number,
                title=f"Event {number}",
                kind="workshop",
                timezone="Europe/Paris",
                start_dt=start,
                end_dt=start + length,
                lead_partner_id=rnd.randint(1, PARTNERS),
                status=status,
                status_changed_dt=now,
                created_dt=now,
                updated_dt=now,
                submitted_dt=now if published else None,
                published_dt=now - timedelta(minutes=number) if published else None,
                cancelled_dt=now if status == "cancelled" else None,
                country=rnd.choice(["FR", "TN", "ES", "IT", "MA"]),
                visibility="public" if rnd.random() > 0.1 else "network",
            )
        )
        links.append(
            dict(
                event_id=number,
                partner_id=rnd.randint(1, PARTNERS),
                confirmation=rnd.choice(["confirmed", "pending"]),
            )
        )
        themes.append(dict(event_id=number, theme_id=rnd.randint(1, 8)))
    db.session.execute(insert(Event), events)
    db.session.execute(insert(EventPartner), links)
    db.session.execute(event_themes.insert(), themes)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _plans(client, url: str) -> list[tuple[str, str]]:
    """(statement, plan) of each statement on events the page ran."""
    ran: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        ran.append((statement, parameters))

    db.session.remove()
    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    plans = []
    with db.engine.connect() as connection:
        cursor = connection.connection.cursor()
        for statement, parameters in ran:
            verb = statement.lstrip().split(None, 1)[0].upper()
            if " events" not in statement or verb not in ("SELECT", "WITH"):
                continue
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append((statement, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def _seeks(plans, *needles: str) -> list[str]:
    """Plans of the statements that read events by (start_dt, id) and contain the needles."""
    return [
        plan
        for statement, plan in plans
        if "ORDER BY events.start_dt" in statement and all(n in statement for n in needles)
    ]


def test_the_events_list_seeks_the_start_index(postgresql, client):
    _seed()
    plans = _plans(client, "/events/")
    # No statement of the page reads every event: not the seeks, nor the countries of the
    # filter form; the count stops after COUNT_CAP + 1 rows whichever way it reads them.
    for statement, plan in plans:
        if statement.startswith("SELECT count("):
            assert plan.splitlines()[1].strip().startswith("->  Limit"), plan
        else:
            assert "Seq Scan on events" not in plan, f"{statement}\n{plan}"
    seeks = _seeks(plans)
    assert len(seeks) == 2, plans  # the running-or-future part and the long-running part
    for plan in seeks:
        assert "Seq Scan on events" not in plan, plan
    assert "ix_events_start_id" in seeks[0], seeks[0]
    assert "ix_events_long_running" in seeks[1], seeks[1]
    # The next page seeks from its cursor the same way.
    past = _plans(client, "/events/past")
    (seek,) = _seeks(past)
    assert "Index Scan Backward using ix_events_start_id" in seek, seek


def test_the_partner_filter_reads_the_partner_indexes(postgresql, client):
    _seed()
    plans = _plans(client, "/events/?partner=p7")
    seeks = _seeks(plans, "event_partners")
    assert seeks, plans
    for plan in seeks:
        assert "Seq Scan on events" not in plan, plan
        assert "Seq Scan on event_partners" not in plan, plan
        assert "ix_event_partners_partner_id" in plan, plan
    assert "ix_events_lead_partner_id" in seeks[0], seeks[0]
    # The partner page runs the same filter.
    page = _seeks(_plans(client, "/partners/p7"), "event_partners")
    assert page and all("ix_event_partners_partner_id" in plan for plan in page), page


def test_the_month_grid_reads_a_window_of_the_start_index(postgresql, client):
    _seed()
    month = datetime.now(UTC) + timedelta(days=60)
    plans = _plans(client, f"/calendar/{month.year}/{month.month}")
    for statement, plan in plans:
        assert "Seq Scan on events" not in plan, f"{statement}\n{plan}"
    (window,) = [
        plan
        for statement, plan in plans
        if "events.is_all_day" in statement and "events.title" not in statement
    ]
    assert "Seq Scan on events" not in window, window
    assert "ix_events_start_id" in window and "ix_events_long_running" in window, window


def test_the_atom_feed_reads_the_newest_published(postgresql, client):
    _seed()
    plans = _plans(client, "/events.atom")
    (newest,) = [plan for statement, plan in plans if "ORDER BY events.published_dt" in statement]
    assert "ix_events_published_id" in newest, newest


def _reads_a_start_range(plan: str) -> bool:
    """The plan reads the start index from a lower bound (or the long-running events' index),
    not from the network's first event on."""
    return bool(re.search(r"Index Cond: .*start_dt >=", plan)) or "ix_events_long_running" in plan


def test_the_agenda_finds_its_opening_month_from_a_month_back(postgresql, client):
    _seed()
    plans = _plans(client, "/calendar/agenda")
    opening = [
        plan
        for statement, plan in plans
        # The first event not ended, read as its span (the agenda's page of events reads
        # only (start_dt, id) along the index, then loads whole rows without LIMIT).
        if "events.end_dt >" in statement
        and "LIMIT" in statement
        and "events.timezone" in statement
    ]
    assert len(opening) == 2, plans
    for plan in opening:
        assert _reads_a_start_range(plan), plan


def test_the_feed_reads_its_window_as_start_index_ranges(postgresql, client):
    _seed()
    plans = _plans(client, "/calendar.ics")
    window = _seeks(plans, "events.end_dt >")
    assert len(window) >= 3, plans  # the size bound, the long-running events, the batches
    for plan in window:
        assert "Seq Scan on events" not in plan and _reads_a_start_range(plan), plan

"""`flask --app wsgi demo --events N`: synthetic events at scale, spread like the real ones,
consistent with the status CHECK constraints, a top-up that is deterministic for a seed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from coordinator.activities.models import (
    PUBLISHED_STATES,
    SUBMITTED_STATES,
    Event,
    EventPartner,
    Status,
    Visibility,
    event_themes,
)
from coordinator.demo.activities import demo_events, load_demo_activities
from coordinator.demo.network import load_demo_network
from coordinator.demo.scale import add_synthetic_events, synthetic_event_count
from coordinator.extensions import db

TODAY = date(2026, 12, 7)


@pytest.fixture
def demo(app):
    load_demo_network()
    load_demo_activities(TODAY)
    db.session.commit()


def _synthetic_events() -> list[Event]:
    curated = [spec.title for spec in demo_events()]
    return db.session.scalars(
        select(Event).where(Event.title.not_in(curated)).order_by(Event.id)
    ).all()


def _remove_synthetic_events() -> None:
    ids = [event.id for event in _synthetic_events()]
    db.session.execute(delete(event_themes).where(event_themes.c.event_id.in_(ids)))
    db.session.execute(delete(EventPartner).where(EventPartner.event_id.in_(ids)))
    db.session.execute(delete(Event).where(Event.id.in_(ids)))
    db.session.commit()
    db.session.expunge_all()


def test_top_up_adds_only_the_difference(demo):
    assert synthetic_event_count() == 0
    assert add_synthetic_events(150, today=TODAY) == 150
    db.session.commit()
    assert synthetic_event_count() == 150
    # Running it again with the same N adds nothing; a larger N adds the difference.
    assert add_synthetic_events(150, today=TODAY) == 0
    assert add_synthetic_events(200, today=TODAY) == 50
    db.session.commit()
    assert synthetic_event_count() == 200
    assert len({event.title for event in _synthetic_events()}) == 200


def test_events_spread_over_the_network(demo):
    add_synthetic_events(1500, today=TODAY)
    db.session.commit()
    events = _synthetic_events()
    assert len(events) == 1500
    assert len({event.timezone for event in events}) == 16
    assert len({event.lead_partner_id for event in events}) >= 15
    assert len({event.country for event in events if event.country}) >= 12
    assert len({event.city for event in events if event.city}) >= 20
    assert {event.status for event in events} == set(Status)
    published = [event for event in events if event.status in PUBLISHED_STATES]
    assert 0.8 < len(published) / len(events) < 0.95
    assert any(event.visibility == Visibility.NETWORK for event in published)
    assert sum(event.project_id is not None for event in events) > 150
    assert sum(bool(event.partner_links) for event in events) > 700
    assert all(event.themes for event in events)
    assert any(event.is_all_day for event in events)
    assert any(event.online_url for event in events)
    # Two years either side of today, on working days in the event's own zone.
    starts = [event.start_dt for event in events]
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    assert min(starts) < now - timedelta(days=600)
    assert max(starts) > now + timedelta(days=600)
    assert max(starts) < now + timedelta(days=740)
    assert all(event.end_dt > event.start_dt for event in events)


def test_stamps_agree_with_each_status(demo):
    add_synthetic_events(600, today=TODAY)
    db.session.commit()
    now = datetime.now(UTC)
    for event in _synthetic_events():
        published = event.status in PUBLISHED_STATES
        assert (event.published_dt is not None) == published, event
        assert (event.cancelled_dt is not None) == (event.status == Status.CANCELLED), event
        if event.status == Status.DRAFT:
            assert event.submitted_dt is None
        if event.status in SUBMITTED_STATES:
            assert event.submitted_dt is not None
            assert event.created_dt <= event.submitted_dt
        if published:
            assert event.submitted_dt <= event.published_dt <= now
        if event.is_all_day:
            assert event.start_date <= event.end_date
        else:
            assert event.start_date is None and event.end_date is None


def test_the_same_seed_gives_the_same_events(demo):
    def snapshot():
        return [
            (e.title, e.start_dt, e.status, e.visibility, e.timezone, [t.id for t in e.themes])
            for e in _synthetic_events()
        ]

    add_synthetic_events(120, seed=7, today=TODAY)
    db.session.commit()
    first = snapshot()
    _remove_synthetic_events()
    add_synthetic_events(120, seed=7, today=TODAY)
    db.session.commit()
    assert snapshot() == first
    _remove_synthetic_events()
    add_synthetic_events(120, seed=8, today=TODAY)
    db.session.commit()
    assert snapshot() != first


def test_without_the_demo_network_it_says_what_to_do(app):
    with pytest.raises(LookupError, match="demo network"):
        add_synthetic_events(10)


def test_the_command_loads_the_network_then_tops_up(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--events", "80", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Synthetic events: 80 added, 80 in the database." in result.output
    again = runner.invoke(args=["demo", "--events", "80"])
    assert "Synthetic events: 0 added" in again.output
    assert synthetic_event_count() == 80
    total = db.session.scalar(select(func.count()).select_from(Event))
    assert total == 80 + len(demo_events())
    assert runner.invoke(args=["demo", "--events", "-5"]).exit_code != 0


def test_on_postgresql_the_bulk_load_leaves_planner_statistics(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (run with COORDINATOR_DATABASE_URL)")
    from sqlalchemy import text

    def last_analysed():
        db.session.commit()  # a fresh snapshot of the statistics views
        return db.session.scalar(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'events'")
        )

    before = last_analysed()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--events", "30", "--seed", "3"])
    assert result.exit_code == 0, result.output
    after = last_analysed()
    assert after is not None and (before is None or after > before)

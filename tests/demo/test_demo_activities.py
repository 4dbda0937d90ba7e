"""The demo year of joint activities: idempotent, every state, valid times, many zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coordinator.activities.models import (
    Confirmation,
    Event,
    EventPartner,
    Project,
    Status,
    Visibility,
)
from coordinator.audit.models import AuditEntry
from coordinator.demo.activities import load_demo_activities
from coordinator.demo.network import demo_data, load_demo_network
from coordinator.extensions import db


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def demo(app):
    load_demo_network()
    load_demo_activities()
    db.session.commit()


def test_loading_twice_adds_nothing(demo):
    counts = {model: _count(model) for model in (Event, Project, EventPartner, AuditEntry)}
    load_demo_activities()
    db.session.commit()
    assert {model: _count(model) for model in counts} == counts
    assert 60 <= counts[Event] <= 80
    assert 3 <= counts[Project] <= 4


def test_every_state_is_present_with_its_history(demo):
    statuses = set(db.session.scalars(select(Event.status).distinct()).all())
    assert statuses == set(Status)
    for status in Status:
        event = db.session.scalar(select(Event).where(Event.status == status).limit(1))
        trail = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == "event", AuditEntry.subject_id == event.id)
            .order_by(AuditEntry.created_dt, AuditEntry.id)
        ).all()
        assert trail[0].action == "create"
        assert trail[-1].to_state == status.value
        # Each step starts where the previous one ended.
        for previous, step in zip(trail, trail[1:], strict=False):
            assert step.from_state == previous.to_state
        if status in (Status.CHANGES_REQUESTED, Status.REJECTED):
            assert trail[-1].comment and trail[-1].actor.is_staff
            assert event.review_comment == trail[-1].comment
        if status == Status.CANCELLED:
            assert event.cancel_reason and event.cancelled_dt
    now = datetime.now(UTC)
    assert db.session.scalar(select(func.max(AuditEntry.created_dt))) <= now


def test_times_zones_and_kinds_of_events(demo):
    events = db.session.scalars(select(Event)).all()
    zones = {event.timezone for event in events}
    assert len(zones) >= 10
    wanted = set(demo_data()["event_timezones_to_exercise"])
    assert len(zones & wanted) >= 12
    for event in events:
        assert event.end_dt > event.start_dt, event.title
        ZoneInfo(event.timezone)
        local_start = event.start_dt.astimezone(ZoneInfo(event.timezone))
        assert local_start.weekday() < 5, event.title
        if event.is_all_day:
            assert local_start.hour == 0 and local_start.date() == event.start_date
            assert event.end_date >= event.start_date
        else:
            assert 8 <= local_start.hour <= 17, event.title
        assert event.online_url or (event.city and event.country and event.venue), event.title
    assert any(event.is_all_day for event in events)
    assert any(event.online_url and not event.city for event in events)
    assert any(event.visibility == Visibility.NETWORK for event in events)
    confirmations = set(db.session.scalars(select(EventPartner.confirmation).distinct()).all())
    assert confirmations == set(Confirmation)


def test_a_year_around_today(demo):
    today = date.today()
    published = db.session.scalars(select(Event).where(Event.status == Status.APPROVED)).all()
    upcoming = [e for e in published if e.start_dt > datetime.now(UTC)]
    past = [e for e in published if e.end_dt < datetime.now(UTC)]
    assert len(upcoming) >= 20 and len(past) >= 15
    assert max(e.start_dt for e in published).date() <= today + timedelta(days=260)
    assert min(e.start_dt for e in published).date() >= today - timedelta(days=260)


def test_projects_group_events(demo):
    projects = db.session.scalars(select(Project)).all()
    published = [p for p in projects if p.is_published]
    assert len(published) >= 3
    for project in published:
        assert len(project.events) >= 2, project.slug
        assert project.end_date > project.start_date
    assert any(not p.is_published for p in projects)


def test_demo_pages_render(demo, client):
    """The demo calendar is what `make run` shows: the public pages serve it."""
    body = client.get("/events/").get_data(as_text=True)
    assert "Events: " in body and 'rel="next"' in body  # more upcoming events than one page
    body = client.get("/events/?q=economic+development+fair").get_data(as_text=True)
    assert "Local economic development fair" in body and "Cancelled" in body
    assert client.get("/events/past").status_code == 200
    for project in db.session.scalars(select(Project)).all():
        status = client.get(f"/projects/{project.slug}").status_code
        assert status == (200 if project.is_published else 404)
    for event in db.session.scalars(select(Event)).all():
        response = client.get(f"/events/{event.id}")
        visible = event.is_published and event.visibility == Visibility.PUBLIC
        assert response.status_code == (200 if visible else 404), event.title


def test_demo_command_loads_the_activities(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    first = _count(Event)
    assert first >= 60
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert _count(Event) == first


def test_stamps_agree_with_the_history_and_nobody_is_mailed(demo):
    """The history is replayed through the workflow at its own moments: each stamp is the
    time of the audit entry that set it, and the replay queues no mail."""
    from coordinator.mail import OutgoingMessage

    assert _count(OutgoingMessage) == 0
    stamps = {"submit": "submitted_dt", "approve": "published_dt", "cancel": "cancelled_dt"}
    for model, subject_type in ((Event, "event"), (Project, "project")):
        for activity in db.session.scalars(select(model)).all():
            trail = db.session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.subject_type == subject_type, AuditEntry.subject_id == activity.id
                )
                .order_by(AuditEntry.id)
            ).all()
            assert trail[0].created_dt == activity.created_dt
            assert trail[-1].created_dt == activity.status_changed_dt
            latest = {entry.action: entry.created_dt for entry in trail}  # a resubmission too
            for action, column in stamps.items():
                assert getattr(activity, column) == latest.get(action), (activity, column)


def test_several_events_speak_two_or_more_languages(demo):
    """`make run` shows translations and marked fallbacks: originals in French, Arabic and
    Spanish, translated into other languages, and themes named in all four."""
    from coordinator.activities.models import Theme

    events = db.session.scalars(select(Event)).all()
    multilingual = [e for e in events if len(e.content_languages()) >= 2]
    assert len(multilingual) >= 4
    originals = {e.language for e in events}
    assert {"en", "fr", "ar", "es"} <= originals
    arabic = next(e for e in events if e.language == "ar")
    assert arabic.localized("title", "fr").is_fallback  # shown marked on French pages
    french = next(e for e in events if e.language == "fr")
    assert set(french.content_languages()) == {"fr", "en", "ar"}
    assert not french.localized("description", "ar").is_fallback
    for theme in db.session.scalars(select(Theme)).all():
        assert theme.content_languages() == ["en", "ar", "es", "fr"]
    assert all(t.checked_by_author for e in multilingual for t in e.translations)
    project = db.session.scalar(select(Project).where(Project.slug == "med-suds"))
    assert project.localized("title", "ar").text.startswith("استراتيجيات")

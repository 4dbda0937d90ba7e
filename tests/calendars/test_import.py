"""Imported events become drafts, then follow their calendar through the workflow."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.activities import services as activities
from coordinator.activities.models import Event, EventRevision, RevisionStatus, Status
from coordinator.activities.workflow import Action
from coordinator.calendars import services
from coordinator.calendars.models import ImportedEvent
from coordinator.extensions import db
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def source(app, partner, focal_point):
    theme = factories.ThemeFactory()
    return services.add_source(
        focal_point,
        partner,
        {
            "name": "Our Outlook",
            "url": "",
            "default_kind": "forum",
            "default_theme_ids": [theme.id],
        },
    )


def run(source, name: str, actor=None, now=NOW) -> services.ImportResult:
    result = services.import_payload(source, (FIXTURES / name).read_bytes(), actor, now)
    db.session.commit()
    return result


def events_by_title() -> dict[str, Event]:
    return {event.title: event for event in db.session.scalars(select(Event))}


def test_new_events_become_drafts_of_the_partner(source, partner, focal_point):
    result = run(source, "outlook.ics", focal_point)
    assert result.counts() == {"new": 3, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 0}
    event = events_by_title()["[joint] Steering committee"]
    assert event.status == Status.DRAFT and event.lead_partner_id == partner.id
    assert event.proposer_id == focal_point.id
    assert event.kind.value == "forum" and [t.id for t in event.themes] == source.default_theme_ids
    assert event.timezone == "Europe/Berlin" and event.submitted_dt is None
    assert source.last_counts["new"] == 3 and source.last_error == ""


def test_the_keyword_or_category_filter_skips_other_events(app, partner, focal_point):
    source = services.add_source(
        focal_point, partner, {"name": "Google", "url": "", "category": "medcities"}
    )
    result = run(source, "google.ics")
    assert (result.new, result.skipped) == (5, 1)  # four calls and the all-day days; no dentist
    assert "Dentist" not in events_by_title()


def test_a_second_import_of_an_unchanged_source_changes_nothing(source):
    run(source, "outlook.ics")
    before = {e.id: (e.title, e.start_dt, e.updated_dt) for e in db.session.scalars(select(Event))}
    result = run(source, "outlook.ics")
    assert result.counts() == {"new": 0, "updated": 0, "unchanged": 3, "skipped": 0, "errors": 0}
    after = {e.id: (e.title, e.start_dt, e.updated_dt) for e in db.session.scalars(select(Event))}
    assert after == before
    assert db.session.scalar(select(db.func.count(EventRevision.id))) == 0


def _changed(body: bytes, old: bytes, new: bytes) -> bytes:
    assert old in body
    return body.replace(old, new)


def test_a_change_updates_a_draft_in_place(source):
    run(source, "outlook.ics")
    body = _changed(
        (FIXTURES / "outlook.ics").read_bytes(),
        b"DTSTART;TZID=W. Europe Standard Time:20270615T100000",
        b"DTSTART;TZID=W. Europe Standard Time:20270615T110000",
    )
    result = services.import_payload(source, body, None, NOW)
    db.session.commit()
    assert result.updated == 1
    event = events_by_title()["[joint] Steering committee"]
    assert event.status == Status.DRAFT
    assert event.start_dt == datetime(2027, 6, 15, 9, 0, tzinfo=UTC)
    link = db.session.scalar(select(ImportedEvent).where(ImportedEvent.event_id == event.id))
    assert "start_dt" in link.source_changed


def _publish(event: Event, lead, staff) -> None:
    activities.transition(lead, event, Action.SUBMIT)
    activities.transition(staff, event, Action.APPROVE)
    db.session.commit()


def test_a_changed_source_turns_a_published_event_into_a_pending_revision(
    source, focal_point, staff
):
    run(source, "outlook.ics")
    event = events_by_title()["[joint] Steering committee"]
    _publish(event, focal_point, staff)
    body = _changed(
        (FIXTURES / "outlook.ics").read_bytes(),
        b"SUMMARY;LANGUAGE=en-GB:[joint] Steering committee",
        b"SUMMARY;LANGUAGE=en-GB:[joint] Steering committee (moved room)",
    )
    result = services.import_payload(source, body, None, NOW)
    db.session.commit()
    assert result.updated == 1
    db.session.refresh(event)
    assert event.title == "[joint] Steering committee"  # the published version stays
    revision = activities.pending_revision(event)
    assert revision is not None and revision.status == RevisionStatus.PENDING
    assert revision.data == {"title": "[joint] Steering committee (moved room)"}
    activities.approve_revision(staff, revision)
    db.session.commit()
    db.session.refresh(event)
    assert event.title == "[joint] Steering committee (moved room)" and event.sequence == 1
    again = services.import_payload(source, body, None, NOW)
    assert again.updated == 0 and activities.pending_revision(event) is None


def test_a_local_edit_survives_the_next_import(source, focal_point):
    run(source, "outlook.ics")
    event = events_by_title()["[joint] Steering committee"]
    data = {**activities._deserialised_snapshot(event), "title": "Steering committee 2027"}
    activities.edit_event(focal_point, event, data)
    db.session.commit()
    body = _changed(
        _changed(
            (FIXTURES / "outlook.ics").read_bytes(),
            b"SUMMARY;LANGUAGE=en-GB:[joint] Steering committee",
            b"SUMMARY;LANGUAGE=en-GB:[joint] Steering committee (renamed)",
        ),
        b"LOCATION;LANGUAGE=en-GB:Palais du Pharo\\, Marseille",
        b"LOCATION;LANGUAGE=en-GB:Villa M\\, Marseille",
    )
    result = services.import_payload(source, body, None, NOW)
    db.session.commit()
    db.session.refresh(event)
    assert result.updated == 1
    assert event.title == "Steering committee 2027"  # changed here: kept
    assert event.venue == "Villa M, Marseille"  # only changed in the calendar: applied
    link = services.link_for_event(event.id)
    assert link.kept_local == {"title": "[joint] Steering committee (renamed)"}
    assert link.source_changed == ["venue"]


def test_a_removal_proposes_a_cancellation_that_staff_confirm(source, focal_point, staff):
    run(source, "cancelled_v1.ics")
    walk = events_by_title()["Jerusalem heritage walk"]
    _publish(walk, focal_point, staff)
    body = (FIXTURES / "cancelled_v1.ics").read_bytes()
    start = body.index(b"BEGIN:VEVENT\r\nUID:c0ffee02")
    end = body.index(b"END:VEVENT\r\n", start) + len(b"END:VEVENT\r\n")
    result = services.import_payload(source, body[:start] + body[end:], None, NOW)
    db.session.commit()
    assert result.updated == 1
    db.session.refresh(walk)
    assert walk.status == Status.APPROVED  # never cancelled silently
    proposals = services.proposed_cancellations()
    assert [link.event_id for link in proposals] == [walk.id]
    assert proposals[0].removal_reason == "removed"
    services.confirm_cancellation(staff, proposals[0], "Removed from the partner's calendar.")
    db.session.commit()
    db.session.refresh(walk)
    assert walk.status == Status.CANCELLED and walk.sequence == 1


def test_a_cancelled_event_with_a_higher_sequence_proposes_a_cancellation(
    source, focal_point, staff
):
    run(source, "cancelled_v1.ics")
    forum = events_by_title()["Istanbul waterfront forum"]
    _publish(forum, focal_point, staff)
    result = run(source, "cancelled_v2.ics")
    assert (result.updated, result.unchanged) == (1, 1)
    link = services.link_for_event(forum.id)
    assert (link.cancellation, link.removal_reason, link.sequence) == ("proposed", "cancelled", 0)
    assert run(source, "cancelled_v2.ics").updated == 0  # proposed once
    services.dismiss_cancellation(staff, link)
    db.session.commit()
    assert forum.status == Status.APPROVED and run(source, "cancelled_v2.ics").updated == 0


def test_an_older_sequence_is_skipped(source):
    run(source, "nextcloud.ics")
    body = (FIXTURES / "nextcloud.ics").read_bytes().replace(b"SEQUENCE:3", b"SEQUENCE:1")
    body = body.replace(b"(afternoon\\, Ramadan)", b"(stale copy)")
    result = services.import_payload(source, body, None, NOW)
    # recurring-ical-events gives every occurrence the series' highest SEQUENCE: the whole
    # stale copy of the series is older than what was imported.
    assert (result.skipped, result.updated) == (3, 0)
    assert "Monthly partners meeting (afternoon, Ramadan)" in events_by_title()


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"this is garbage", "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nX:\xff\xfe\r\nEND:VCALENDAR\r\n", "not UTF-8"),
        (b"BEGIN:VCALENDAR\r\n" + b"X" * (10 * 1024 * 1024 + 1), "larger than 10 MB"),
    ],
)
def test_a_broken_calendar_is_a_clear_error_on_its_source_only(app, partner, payload, words):
    good = services.add_source(None or _staff(), partner, {"name": "good", "url": ""})
    bad = services.add_source(_staff(), partner, {"name": "bad", "url": ""})
    services.import_payload(bad, payload, None, NOW)
    services.import_payload(good, (FIXTURES / "apple.ics").read_bytes(), None, NOW)
    db.session.commit()
    assert words in bad.last_error and bad.last_counts["errors"] == 1
    assert good.last_error == "" and good.last_counts["new"] == 2


def _staff():
    return factories.UserFactory(role="staff", partner=None)


def test_twenty_megabytes_are_refused_before_parsing(app, partner):
    source = services.add_source(_staff(), partner, {"name": "huge", "url": ""})
    event = (
        b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270301T100000Z\r\nSUMMARY:"
        + b"A" * 900
        + b"\r\nEND:VEVENT\r\n"
    )
    body = b"BEGIN:VCALENDAR\r\n" + event * (20 * 1024 * 1024 // len(event)) + b"END:VCALENDAR\r\n"
    result = services.import_payload(source, body, None, NOW)
    assert "larger than 10 MB" in result.error and source.last_error == result.error

"""The dashboard and the reports cost a fixed number of queries, whatever the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import g
from sqlalchemy import event as sa_event

from coordinator.activities.models import EventRevision, Status
from coordinator.audit.models import record
from coordinator.extensions import db
from tests.factories import EventFactory, EventPartnerFactory, PartnerFactory, ProjectFactory


def count_queries(client, url: str) -> int:
    db.session.commit()
    g.pop("_login_user", None)  # as in a real request: no user cached on the app context
    statements: list[str] = []

    def record_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record_statement)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record_statement)
    return len(statements)


def add_activity(count: int, staff) -> None:
    now = datetime.now(UTC)
    for index in range(count):
        lead = PartnerFactory()
        waiting = EventFactory(
            lead_partner=lead,
            status=Status.SUBMITTED,
            submitted_dt=now - timedelta(hours=index + 1),
        )
        ProjectFactory(lead_partner=lead, status=Status.SUBMITTED, submitted_dt=now)
        published = EventFactory(
            lead_partner=lead,
            start_dt=now + timedelta(days=index + 1),
            end_dt=now + timedelta(days=index + 1, hours=2),
        )
        EventPartnerFactory(event=published, partner=PartnerFactory())
        revision = EventRevision(event=published, data={})
        db.session.add(revision)
        db.session.flush()
        record(
            actor=staff,
            subject_type="event",
            subject_id=waiting.id,
            action="request_changes",
            from_state="submitted",
            to_state="changes_requested",
        )
        record(
            actor=staff,
            subject_type="event_revision",
            subject_id=revision.id,
            action="approve",
            from_state="pending",
            to_state="approved",
        )
        EventFactory(
            lead_partner=lead,
            start_dt=now - timedelta(days=index + 2),
            end_dt=now - timedelta(days=index + 2) + timedelta(hours=1),
        )


def test_dashboard_queries_do_not_grow(client, staff, login_as):
    add_activity(3, staff)
    login_as(staff)
    small = count_queries(client, "/staff/")
    add_activity(30, staff)
    # The waiting list shows its WAITING_LIMIT oldest: with 3 activities it shows every kind
    # (events, projects, revisions), each loaded with its relations; with 33, the 20 oldest
    # are all events, so the page may cost fewer statements, never more.
    assert count_queries(client, "/staff/") <= small


def test_report_queries_do_not_grow(client, staff, login_as):
    add_activity(3, staff)
    login_as(staff)
    small = count_queries(client, "/reports/")
    add_activity(30, staff)
    assert count_queries(client, "/reports/") == small

"""The home page: a task inbox for focal points and staff, the next events for everyone, and
the tasks' count in the navigation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event

from coordinator.activities.inbox import focal_point_inbox, staff_inbox, task_count
from coordinator.activities.models import (
    Confirmation,
    EventRevision,
    ProjectPartner,
    Status,
    Visibility,
)
from coordinator.activities.proposals import awaiting_review
from coordinator.extensions import db
from tests.factories import (
    EventFactory,
    EventPartnerFactory,
    PartnerFactory,
    ProjectFactory,
    UserFactory,
)

NOW = datetime.now(UTC)


def _section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"')[1].split("</section>")[0]


def _badge(html: str) -> str:
    nav = html.split('data-testid="nav-tasks"')[1].split(">", 1)[1].split("</a>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", nav).split())


@pytest.fixture
def partner_work(app, partner, other_partner):
    """Work of one partner (`partner`), and what is not its work."""
    asking = EventFactory(
        title="Asks us to co-organise", lead_partner=other_partner, status=Status.SUBMITTED
    )
    EventPartnerFactory(event=asking, partner=partner, confirmation=Confirmation.PENDING)
    answered = EventFactory(title="Already answered", lead_partner=other_partner)
    EventPartnerFactory(event=answered, partner=partner, confirmation=Confirmation.CONFIRMED)
    draft_naming_us = EventFactory(
        title="Their draft naming us", lead_partner=other_partner, status=Status.DRAFT
    )
    EventPartnerFactory(event=draft_naming_us, partner=partner, confirmation=Confirmation.PENDING)
    project = ProjectFactory(
        title="Project asking us", lead_partner=other_partner, status=Status.APPROVED
    )
    db.session.add(
        ProjectPartner(project=project, partner=partner, confirmation=Confirmation.PENDING)
    )
    sent_back = EventFactory(
        title="Sent back to us", lead_partner=partner, status=Status.CHANGES_REQUESTED
    )
    sent_back.review_comment = "Please add the agenda."
    EventFactory(title="Our draft", lead_partner=partner, status=Status.DRAFT)
    ProjectFactory(title="Our project draft", lead_partner=partner, status=Status.DRAFT)
    published = EventFactory(title="Our published event", lead_partner=partner)
    db.session.add(EventRevision(event=published, data={"title": "Renamed"}))
    EventFactory(title="Our proposal under review", lead_partner=partner, status=Status.SUBMITTED)
    EventFactory(
        title="Their sent back", lead_partner=other_partner, status=Status.CHANGES_REQUESTED
    )
    db.session.commit()


def test_a_focal_point_is_greeted_with_its_tasks(client, login_as, focal_point, partner_work):
    login_as(focal_point)
    html = client.get("/").get_data(as_text=True)
    assert "<h1" in html and "Your tasks" in html
    assert "Joint events and activities of the" not in html  # the visitors' banner
    answers = _section(html, "answer-tasks")
    assert "Asks us to co-organise" in answers and "Project asking us" in answers
    assert "names your institution as co-organiser" in answers
    tasks = html.split('data-testid="next-events"')[0]  # the inbox, not the upcoming events
    for absent in ("Already answered", "Their draft naming us"):
        assert absent not in tasks
    changes = _section(html, "changes-tasks")
    assert "Sent back to us" in changes and "Please add the agenda." in changes
    assert "Their sent back" not in tasks
    drafts = _section(html, "draft-tasks")
    assert "Our draft" in drafts and "Our project draft" in drafts
    waiting = _section(html, "revisions-waiting")
    assert "Our published event" in waiting
    assert "Our proposal under review" not in tasks  # staff's turn, not a task
    # Answers (2), changes requested (1), drafts (2): five tasks, in the navigation too.
    assert _badge(html) == "Tasks 5 (5 waiting for you)"
    assert _badge(client.get("/events/").get_data(as_text=True)) == "Tasks 5 (5 waiting for you)"


def test_staff_see_the_review_queue_by_age_and_revisions_to_decide(client, login_as, staff):
    EventFactory(
        title="Fresh proposal", status=Status.SUBMITTED, submitted_dt=NOW - timedelta(hours=3)
    )
    EventFactory(
        title="Old proposal", status=Status.SUBMITTED, submitted_dt=NOW - timedelta(days=9)
    )
    ProjectFactory(
        title="Project waiting", status=Status.SUBMITTED, submitted_dt=NOW - timedelta(days=4)
    )
    published = EventFactory(title="Published with change")
    db.session.add(
        EventRevision(event=published, data={"title": "X"}, created_dt=NOW - timedelta(days=2))
    )
    cancelled = EventFactory(title="Cancelled with change", status=Status.CANCELLED)
    db.session.add(EventRevision(event=cancelled, data={"title": "Y"}))
    EventFactory(title="A draft", status=Status.DRAFT)
    login_as(staff)
    html = client.get("/").get_data(as_text=True)
    review = _section(html, "review-tasks")
    order = [review.index(t) for t in ("Old proposal", "Project waiting", "Fresh proposal")]
    assert order == sorted(order)  # the oldest waiting first
    assert "waiting for 9 days" in review and "waiting for 3 hours" in review
    revisions = _section(html, "revision-tasks")
    assert "Published with change" in revisions and "waiting for 2 days" in revisions
    assert "Cancelled with change" not in review + revisions and "A draft" not in html
    assert _badge(html) == "Tasks 4 (4 waiting for you)"


def test_nothing_to_do_says_so(client, login_as, focal_point):
    login_as(focal_point)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="no-tasks"' in html
    assert _badge(html) == "Tasks 0 (0 waiting for you)"


def test_visitors_get_the_next_events_and_the_network_feed(client, partner):
    soon = NOW + timedelta(days=1)
    for days, title in ((3, "Third"), (1, "First"), (2, "Second"), (4, "Fourth"), (5, "Fifth")):
        EventFactory(
            title=f"{title} event",
            lead_partner=partner,
            start_dt=NOW + timedelta(days=days),
            end_dt=NOW + timedelta(days=days, hours=2),
        )
    EventFactory(
        title="Over already",
        start_dt=NOW - timedelta(days=2),
        end_dt=NOW - timedelta(days=2) + timedelta(hours=1),
    )
    EventFactory(
        title="Members only",
        visibility=Visibility.NETWORK,
        start_dt=soon,
        end_dt=soon + timedelta(hours=1),
    )
    EventFactory(
        title="Under review",
        status=Status.SUBMITTED,
        start_dt=soon,
        end_dt=soon + timedelta(hours=1),
    )
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    upcoming = _section(html, "next-events")
    titles = re.findall(r"(First|Second|Third|Fourth|Fifth) event", upcoming)
    assert titles == ["First", "Second", "Third", "Fourth"]  # a few, soonest first
    for absent in ("Over already", "Members only", "Under review"):
        assert absent not in upcoming
    assert "webcal://" in html and "Subscribe" in html  # the network feed
    assert 'data-testid="nav-tasks"' not in html and "Your tasks" not in html


def test_signed_in_members_see_network_only_events_too(client, login_as, focal_point):
    soon = NOW + timedelta(days=1)
    EventFactory(
        title="Members only",
        visibility=Visibility.NETWORK,
        start_dt=soon,
        end_dt=soon + timedelta(hours=1),
    )
    login_as(focal_point)
    assert "Members only" in _section(client.get("/").get_data(as_text=True), "next-events")


def test_the_badge_counts_what_the_inboxes_list_in_one_query(app, staff, focal_point, partner_work):
    inbox = focal_point_inbox(focal_point.partner_id)
    assert task_count(focal_point) == inbox.count == 5
    assert task_count(staff) == staff_inbox().count == awaiting_review(limit=1).total == 3
    assert task_count(UserFactory(role="focal_point", partner=PartnerFactory())) == 0
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        task_count(staff)
        task_count(focal_point)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) == 2

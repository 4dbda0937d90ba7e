"""Workflow notice preferences: at once, daily, weekly or never per kind; collected notices reach
the digest exactly as they would have come one by one; security mail is always immediate."""

from __future__ import annotations

import io
import re

import time_machine

from coordinator.accounts import services as accounts
from coordinator.accounts.notices import (
    Delivery,
    HeldNotice,
    NoticeKind,
    preferences_of,
    set_preferences,
)
from coordinator.activities import services as activities
from coordinator.activities.models import Confirmation, Status
from coordinator.activities.workflow import Action
from coordinator.documents import services as documents
from coordinator.documents.models import DocumentVisibility
from coordinator.documents.storage import LocalStorage
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import Cast
from tests.following.helpers import digests, outbox, send_at, utc


def _notices(messages, user) -> list[tuple[str, str]]:
    """(subject, body without the greeting) of each single notice mailed to the user."""
    return [
        (m.subject, m.body_text.split("\n", 2)[2].strip())
        for m in messages
        if m.recipient == user.email and not m.headers
    ]


def _digest_notices(body: str) -> list[tuple[str, str]]:
    """(subject, body) of each notice a digest carries."""
    section = body.split("Notices you chose to receive in this digest:", 1)[1].split("\n-- \n")[0]
    parts = re.split(r"^== (.+) ==$", section, flags=re.M)[1:]
    return [(subject, text.strip()) for subject, text in zip(parts[::2], parts[1::2], strict=True)]


def test_a_daily_digest_carries_the_same_notices_as_the_single_mails(app):
    cast = Cast()
    collector = factories.UserFactory(role="focal_point", partner=cast.lead_partner)
    set_preferences(
        collector, {NoticeKind.DECISIONS: Delivery.DAILY, NoticeKind.REVISIONS: Delivery.DAILY}
    )
    event = cast.event(Status.SUBMITTED, start_dt=utc(2030, 6, 1, 8), end_dt=utc(2030, 6, 1, 9))
    with time_machine.travel(utc(2027, 5, 3, 8), tick=False):
        activities.transition(cast.staff, event, Action.REQUEST_CHANGES, "Add the venue.")
        activities.transition(cast.lead, event, Action.SUBMIT)
        activities.transition(cast.staff, event, Action.APPROVE)
        revision = activities.propose_imported_revision(cast.lead, event, {"venue": "Pharo"})
        activities.approve_revision(cast.staff, revision, "Thanks.")
        db.session.commit()
    single = _notices(outbox(), cast.lead)  # the lead kept "at once"
    assert len(single) == 3  # changes requested, approved, changes approved
    assert _notices(outbox(), collector) == []  # nothing came one by one

    send_at(utc(2027, 5, 4, 1))
    [digest] = [m for m in digests() if m.recipient == collector.email]
    assert sorted(_digest_notices(digest.body_text)) == sorted(single)
    # Carried once: the next day's run has nothing for them.
    send_at(utc(2027, 5, 5, 1))
    assert len([m for m in digests() if m.recipient == collector.email]) == 1


def test_weekly_and_never_and_kinds_kept_at_once(app):
    cast = Cast()
    set_preferences(
        cast.co_organiser,
        {
            NoticeKind.CO_ORGANISER_REQUESTS: Delivery.WEEKLY,
            NoticeKind.DECISIONS: Delivery.NONE,
        },
    )
    set_preferences(cast.staff, {NoticeKind.DECISIONS: Delivery.NONE})
    event = cast.event(Status.DRAFT, start_dt=utc(2030, 6, 1, 8), end_dt=utc(2030, 6, 1, 9))
    with time_machine.travel(utc(2027, 5, 4, 8), tick=False):  # a Tuesday
        activities.transition(cast.lead, event, Action.SUBMIT)  # asks the co-organiser
        activities.transition(cast.admin, event, Action.APPROVE)
        db.session.commit()
    recipients = {m.recipient for m in outbox()}
    assert cast.co_organiser.email not in recipients  # the request waits, the decision is dropped
    assert cast.staff.email not in recipients and cast.admin.email in recipients
    send_at(utc(2027, 5, 5, 1))  # a daily run: nothing for a weekly choice
    assert [m for m in digests() if m.recipient == cast.co_organiser.email] == []
    send_at(utc(2027, 5, 10, 6))  # Monday morning: last week's digest
    [weekly] = [m for m in digests() if m.recipient == cast.co_organiser.email]
    assert "Co-organise" in weekly.body_text
    assert "Approved" not in weekly.body_text


def test_security_mail_is_always_immediate(app):
    user = factories.UserFactory(role="focal_point")
    set_preferences(user, dict.fromkeys(NoticeKind, Delivery.NONE))
    db.session.commit()
    accounts.request_password_reset(user.email)
    db.session.commit()
    assert [m.kind for m in outbox() if m.recipient == user.email] == ["password_reset"]


def test_new_documents_notify_the_partners_involved_as_they_chose(app, tmp_path):
    """A partners-only document: the confirmed co-organiser's focal points hear of it."""
    cast = Cast()
    event = cast.event(Status.APPROVED)
    event.partner_links[0].confirmation = Confirmation.CONFIRMED
    collector = factories.UserFactory(role="focal_point", partner=cast.co_partner)
    set_preferences(collector, {NoticeKind.NEW_DOCUMENTS: Delivery.DAILY})
    db.session.commit()
    documents.create_document(
        subject=event,
        user=cast.lead,
        title="Programme",
        description="",
        visibility=DocumentVisibility.PARTNERS,
        filename="programme.txt",
        stream=io.BytesIO(b"Day one: arrivals.\n"),
        storage=LocalStorage(tmp_path),
    )
    db.session.commit()
    told = {m.recipient for m in outbox() if m.subject.startswith("New document")}
    assert told == {cast.co_organiser.email}  # not the uploader, not staff, not the collector
    assert cast.unrelated.email not in told
    [held] = db.session.query(HeldNotice).filter_by(user_id=collector.id).all()
    assert held.subject == "New document: Programme"


def test_the_preferences_page_saves_choices(app, client, login_as):
    cast = Cast()
    login_as(cast.lead)
    page = client.get("/account/notifications")
    assert page.status_code == 200 and "New documents" in page.get_data(as_text=True)
    response = client.post(
        "/account/notifications",
        data={
            "co_organiser_requests": "weekly",
            "decisions": "daily",
            "revisions": "none",
            "new_documents": "immediate",
        },
    )
    assert response.status_code == 302
    assert preferences_of(cast.lead)[NoticeKind.DECISIONS] == Delivery.DAILY
    assert preferences_of(cast.lead)[NoticeKind.REVISIONS] == Delivery.NONE
    bad = client.post("/account/notifications", data={"decisions": "hourly"})
    assert bad.status_code == 400


def test_one_click_on_a_users_digest_stops_its_digests(app):
    from coordinator.following.queries import digest_period_of
    from coordinator.following.services import recipient_of_user, unsubscribe_url

    cast = Cast()
    set_preferences(
        cast.lead, {NoticeKind.DECISIONS: Delivery.DAILY, NoticeKind.REVISIONS: Delivery.WEEKLY}
    )
    db.session.commit()
    path = unsubscribe_url(recipient_of_user(cast.lead)).removeprefix("http://localhost")
    db.session.commit()
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert digest_period_of(cast.lead) is None
    choices = preferences_of(cast.lead)
    assert choices[NoticeKind.DECISIONS] == choices[NoticeKind.REVISIONS] == Delivery.NONE
    assert choices[NoticeKind.CO_ORGANISER_REQUESTS] == Delivery.IMMEDIATE  # left as it was

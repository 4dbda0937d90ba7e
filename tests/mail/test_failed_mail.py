"""Mail is never dropped: after the last attempt it is *failed*, listed (CLI and staff page) and
sent again on request; mail whose invitation or reset link is dead is reported, never sent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from coordinator import mail
from coordinator.accounts import services
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.mail import MailStatus, OutgoingMessage, backoff, queue_mail
from tests.accounts.helpers import last_message_to, link_token
from tests.conftest import DEFAULT_PASSWORD

MAX_ATTEMPTS = 8
INVITEE = "new.person@example.org"
NOTIFIED = "someone@example.org"


@pytest.fixture
def app_config(app_config):
    # Every attempt comes from `mail send` (cron), so the test walks the backoff itself. The
    # reset link outlives the whole outage (about 64 minutes) but not the wait after it.
    return {
        **app_config,
        "MAIL_SEND_AFTER_REQUEST": False,
        "MAIL_MAX_ATTEMPTS": MAX_ATTEMPTS,
        "PASSWORD_RESET_LIFETIME_SECONDS": 2 * 3600,
    }


def _statuses() -> dict[str, MailStatus]:
    db.session.rollback()
    messages = db.session.scalars(select(OutgoingMessage)).all()
    return {message.recipient: message.status for message in messages}


def _queue_three(client, login_as, staff, focal_point, partner) -> None:
    """A password reset, an invitation and a plain notification, each queued the real way."""
    client.post("/forgot-password", data={"email": focal_point.email})
    login_as(staff)
    response = client.post(
        "/staff/users/invite",
        data={
            "email": INVITEE,
            "name": "New Person",
            "role": "focal_point",
            "partner": partner.id,
        },
    )
    assert response.status_code == 302
    queue_mail(NOTIFIED, "A notification", "Something happened.")
    db.session.commit()


def _outage(app, time_machine) -> list[str]:
    """Run `mail send` at each due time while the SMTP port refuses; returns each run's output."""
    runner = app.test_cli_runner()
    outputs = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt > 1:
            time_machine.move_to(utcnow() + backoff(attempt - 1) + timedelta(seconds=5))
        outputs.append(runner.invoke(args=["mail", "send"]).output)
    return outputs


def test_the_mail_outage(
    app, client, login_as, staff, focal_point, partner, smtp_server, time_machine
):
    start, _, inbox = smtp_server  # not started: the port refuses connections
    _queue_three(client, login_as, staff, focal_point, partner)
    outage_start = utcnow()

    outputs = _outage(app, time_machine)
    assert all("failed 3" in output for output in outputs), outputs
    assert utcnow() - outage_start > timedelta(minutes=63)  # what used to drop mail silently
    assert _statuses() == {
        focal_point.email: MailStatus.FAILED,
        INVITEE: MailStatus.FAILED,
        NOTIFIED: MailStatus.FAILED,
    }
    for message in db.session.scalars(select(OutgoingMessage)):
        assert message.attempts == MAX_ATTEMPTS and "refused" in message.last_error.lower()
    db.session.rollback()

    # Nothing happens to failed mail by itself, however long one waits (the reset link, two
    # hours long, expires meanwhile; the invitation's seven days do not).
    runner = app.test_cli_runner()
    time_machine.move_to(utcnow() + timedelta(days=1))
    assert "sent 0, failed 0" in runner.invoke(args=["mail", "send"]).output

    # Listed by the CLI and on the staff page.
    listing = runner.invoke(args=["mail", "failed"]).output
    assert "3 failed" in listing
    for recipient in (focal_point.email, INVITEE, NOTIFIED):
        assert recipient in listing
    login_as(staff)  # a day later: the earlier session has ended
    page = client.get("/staff/mail").get_data(as_text=True)
    for recipient in (focal_point.email, INVITEE, NOTIFIED):
        assert recipient in page
    assert "ConnectionRefusedError" in page

    # The server is back; the reset link (2 hours) has expired meanwhile, the invitation not.
    start()
    result = runner.invoke(args=["mail", "retry", "--all"])
    assert result.exit_code == 0, result.output
    assert f"to {focal_point.email} NOT SENT (expired)" in result.output
    assert "password reset link expired" in result.output
    assert "sent 2, failed 0" in result.output
    assert sorted(message["To"] for message in inbox.messages) == sorted([INVITEE, NOTIFIED])
    assert _statuses() == {
        focal_point.email: MailStatus.EXPIRED,
        INVITEE: MailStatus.SENT,
        NOTIFIED: MailStatus.SENT,
    }

    # Exactly once: another retry or cron run sends nothing more.
    assert "queued again 0" in runner.invoke(args=["mail", "retry", "--all"]).output
    assert "sent 0, failed 0" in runner.invoke(args=["mail", "send"]).output
    assert len(inbox.messages) == 2
    # The invitation that went out still works.
    invitation_link = link_token(last_message_to(INVITEE), "invite")
    client.post("/logout")
    assert client.get(f"/invite/{invitation_link}").status_code == 200

    # The expired reset is reported, on the CLI and on the page, for a person to act on.
    listing = runner.invoke(args=["mail", "failed"]).output
    assert "0 failed" in listing and "1 not sent because their link no longer works" in listing
    assert focal_point.email in listing
    login_as(staff)
    page = client.get("/staff/mail").get_data(as_text=True)
    assert focal_point.email in page and "Link expired" in page
    assert INVITEE not in page


def test_a_reset_whose_link_expires_during_the_outage_is_never_sent(
    app, client, focal_point, smtp_server, time_machine
):
    start, _, inbox = smtp_server
    app.config["PASSWORD_RESET_LIFETIME_SECONDS"] = 3600  # the default: shorter than the backoff
    db.session.commit()
    client.post("/forgot-password", data={"email": focal_point.email})
    runner = app.test_cli_runner()
    for attempt in range(1, MAX_ATTEMPTS):
        runner.invoke(args=["mail", "send"])
        time_machine.move_to(utcnow() + backoff(attempt) + timedelta(seconds=5))
        if utcnow() > last_message_to(focal_point.email).expires_dt:
            break
        db.session.rollback()
    start()
    result = runner.invoke(args=["mail", "send"])
    assert "sent 0" in result.output and "not sent (dead link) 1" in result.output
    assert inbox.messages == []
    assert _statuses() == {focal_point.email: MailStatus.EXPIRED}


def test_a_failed_reset_whose_link_was_used_is_void_and_not_sent(
    app, client, focal_point, smtp_server, time_machine
):
    start, _, inbox = smtp_server
    db.session.commit()
    client.post("/forgot-password", data={"email": focal_point.email})
    _outage(app, time_machine)
    assert _statuses() == {focal_point.email: MailStatus.FAILED}
    # The person asked again once the mail worked, and used the newer link.
    start()
    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    client.post("/forgot-password", data={"email": focal_point.email})
    mail.wait_for_deliveries()
    token = link_token(last_message_to(focal_point.email), "reset")
    with app.test_request_context():
        services.reset_password(token, "another fine passphrase")
    db.session.commit()
    [failed] = db.session.scalars(
        select(OutgoingMessage).where(OutgoingMessage.status == MailStatus.FAILED)
    ).all()

    result = app.test_cli_runner().invoke(args=["mail", "retry", str(failed.id)])
    assert f"#{failed.id} to {focal_point.email} NOT SENT (void)" in result.output
    assert "the password reset link was used" in result.output
    db.session.rollback()
    assert db.session.get(OutgoingMessage, failed.id).status == MailStatus.VOID
    assert len(inbox.messages) == 1  # only the newer link


def test_messages_with_links_know_their_kind_token_and_expiry(
    client, login_as, staff, focal_point, partner
):
    _queue_three(client, login_as, staff, focal_point, partner)
    reset = last_message_to(focal_point.email)
    invitation = last_message_to(INVITEE)
    notification = last_message_to(NOTIFIED)
    assert (reset.kind, invitation.kind, notification.kind) == (
        "password_reset",
        "invitation",
        None,
    )
    assert reset.expires_dt - reset.created_dt == pytest.approx(
        timedelta(hours=2), abs=timedelta(seconds=5)
    )
    assert invitation.expires_dt - invitation.created_dt == pytest.approx(
        timedelta(days=7), abs=timedelta(seconds=5)
    )
    assert notification.expires_dt is None and notification.link_id is None
    assert {reset.status, invitation.status, notification.status} == {MailStatus.QUEUED}


class TestRetryCommand:
    def test_needs_ids_or_all(self, app):
        runner = app.test_cli_runner()
        assert runner.invoke(args=["mail", "retry"]).exit_code == 2
        assert runner.invoke(args=["mail", "retry", "1", "--all"]).exit_code == 2
        assert runner.invoke(args=["mail", "retry", "99999999999"]).exit_code == 2

    def test_leaves_messages_that_are_not_failed_alone(self, app, smtp_server):
        start, _, inbox = smtp_server
        start()
        message = queue_mail(NOTIFIED, "Queued", "Still waiting for its turn.")
        message.next_attempt_dt = utcnow() + timedelta(hours=1)
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["mail", "retry", str(message.id), "424242"])
        assert f"#{message.id}: not a failed message" in result.output
        assert "#424242: not a failed message" in result.output
        db.session.rollback()
        assert db.session.get(OutgoingMessage, message.id).status == MailStatus.QUEUED
        assert inbox.messages == []


def _failed_message(recipient: str = NOTIFIED) -> OutgoingMessage:
    message = queue_mail(recipient, "Lost in the outage", "Please read me.")
    message.status = MailStatus.FAILED
    message.attempts = MAX_ATTEMPTS
    message.last_error = "ConnectionRefusedError: [Errno 111] Connection refused"
    message.last_attempt_dt = utcnow()
    db.session.commit()
    return message


class TestStaffPage:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAIL_SEND_AFTER_REQUEST": True}

    def test_staff_see_failed_mail_with_what_went_wrong(self, client, login_as, staff):
        message = _failed_message()
        login_as(staff)
        response = client.get("/staff/mail")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert NOTIFIED in html and "Lost in the outage" in html
        assert "Connection refused" in html and f"/staff/mail/{message.id}/retry" in html
        assert 'action="/staff/mail/retry"' in html

    def test_a_focal_point_is_refused(self, client, login_as, focal_point):
        _failed_message()
        login_as(focal_point)
        response = client.get("/staff/mail")
        assert response.status_code == 403
        assert NOTIFIED not in response.get_data(as_text=True)

    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        response = client.get("/staff/mail")
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    @pytest.mark.parametrize("role", ["anonymous", "focal_point"])
    @pytest.mark.parametrize("action", ["one", "all"])
    def test_only_staff_may_retry(self, client, login_as, focal_point, smtp_server, role, action):
        start, _, inbox = smtp_server
        start()
        message = _failed_message()
        if role == "focal_point":
            login_as(focal_point)
        path = f"/staff/mail/{message.id}/retry" if action == "one" else "/staff/mail/retry"
        response = client.post(path)
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == 403
        mail.wait_for_deliveries()
        assert _statuses() == {NOTIFIED: MailStatus.FAILED} and inbox.messages == []

    def test_staff_retry_one_message_and_it_is_sent_once(
        self, client, login_as, staff, smtp_server
    ):
        start, _, inbox = smtp_server
        start()
        message = _failed_message()
        other = _failed_message("other@example.org")
        login_as(staff)
        response = client.post(f"/staff/mail/{message.id}/retry")
        assert response.status_code == 302 and response.headers["Location"] == "/staff/mail"
        db.session.rollback()
        mail.wait_for_deliveries()
        assert [delivered["To"] for delivered in inbox.messages] == [NOTIFIED]
        assert _statuses() == {NOTIFIED: MailStatus.SENT, "other@example.org": MailStatus.FAILED}
        # A second click on the same (now sent) message does nothing.
        client.post(f"/staff/mail/{message.id}/retry")
        db.session.rollback()
        mail.wait_for_deliveries()
        assert len(inbox.messages) == 1
        assert db.session.get(OutgoingMessage, other.id).attempts == MAX_ATTEMPTS

    def test_staff_retry_all_and_an_expired_invitation_is_reported_not_sent(
        self, client, login_as, staff, partner, smtp_server, time_machine
    ):
        start, _, inbox = smtp_server
        start()
        _failed_message()
        invitation_mail = queue_mail(
            INVITEE,
            "You are invited",
            "Open the link.",
            kind="invitation",
            expires_dt=utcnow() + timedelta(days=7),
        )
        invitation_mail.status = MailStatus.FAILED
        db.session.commit()
        time_machine.move_to(utcnow() + timedelta(days=8))
        login_as(staff)
        response = client.post("/staff/mail/retry", follow_redirects=True)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f"Not sent to {INVITEE}: Link expired" in html
        assert "Messages queued again and being sent: 1." in html
        db.session.rollback()
        mail.wait_for_deliveries()
        assert [delivered["To"] for delivered in inbox.messages] == [NOTIFIED]
        assert _statuses() == {NOTIFIED: MailStatus.SENT, INVITEE: MailStatus.EXPIRED}
        page = client.get("/staff/mail").get_data(as_text=True)
        assert INVITEE in page and "invitation link expired" in page

    def test_an_unknown_or_out_of_range_id_is_404(self, client, login_as, staff):
        login_as(staff)
        assert client.post("/staff/mail/424242/retry").status_code == 404
        assert client.post("/staff/mail/99999999999/retry").status_code == 404


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    @staticmethod
    def _token(client, path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    @pytest.mark.parametrize("action", ["one", "all"])
    def test_a_retry_without_the_token_is_refused(self, client, staff, action):
        message = _failed_message()
        response = client.post(
            "/login",
            data={
                "email": staff.email,
                "password": DEFAULT_PASSWORD,
                "csrf_token": self._token(client, "/login"),
            },
        )
        assert response.status_code == 302
        path = f"/staff/mail/{message.id}/retry" if action == "one" else "/staff/mail/retry"
        assert client.post(path).status_code == 400
        assert _statuses() == {NOTIFIED: MailStatus.FAILED}
        # With the page's token the same POST goes through.
        token = self._token(client, "/staff/mail")
        assert client.post(path, data={"csrf_token": token}).status_code == 302
        mail.wait_for_deliveries()

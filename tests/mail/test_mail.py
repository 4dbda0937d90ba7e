"""Mail through a real SMTP server (aiosmtpd) on loopback: delivery, outage, rollback."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator import mail
from coordinator.access import public
from coordinator.db import utcnow
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.mail import OutgoingMessage, queue_mail


def _settle():
    """End the test's transaction (the SQLite lock) and wait for the delivery thread."""
    db.session.rollback()
    mail.wait_for_deliveries()
    db.session.rollback()


def _messages():
    return db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)).all()


def test_a_queued_message_is_delivered_after_the_request_commits(client, focal_point, smtp_server):
    start, _, inbox = smtp_server
    start()
    db.session.commit()
    response = client.post("/forgot-password", data={"email": focal_point.email})
    assert response.status_code == 302
    _settle()
    assert len(inbox.messages) == 1
    delivered = inbox.messages[0]
    assert delivered["To"] == focal_point.email
    assert "/reset/" in delivered.get_payload(decode=True).decode()
    [message] = _messages()
    assert message.sent_dt is not None and message.attempts == 1 and message.last_error == ""


def test_a_server_that_is_down_fails_no_request_and_loses_no_message(
    app, client, focal_point, smtp_server, time_machine
):
    start, _, inbox = smtp_server  # not started: the port refuses connections
    db.session.commit()
    response = client.post("/forgot-password", data={"email": focal_point.email})
    assert response.status_code == 302
    _settle()
    [message] = _messages()
    assert message.sent_dt is None and message.attempts == 1
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()

    # Still not due (backoff): `mail send` leaves it alone.
    start()
    runner = app.test_cli_runner()
    assert "sent 0, failed 0" in runner.invoke(args=["mail", "send"]).output
    time_machine.move_to(utcnow() + timedelta(minutes=2))
    result = runner.invoke(args=["mail", "send"])
    assert "sent 1, failed 0" in result.output, result.output
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == focal_point.email
    db.session.rollback()
    [message] = _messages()
    assert message.sent_dt is not None and message.attempts == 2


def test_nothing_is_sent_when_the_request_rolls_back(app, client, smtp_server):
    start, _, inbox = smtp_server
    start()

    @public
    def queue_then_refuse():
        queue_mail("someone@example.org", "Never", "This must not leave.")
        raise DomainError("Refused after queueing.")

    @public
    def queue_then_crash():
        queue_mail("someone@example.org", "Never", "This must not leave either.")
        raise RuntimeError("boom")

    app.add_url_rule("/_test/refuse", view_func=queue_then_refuse, methods=["POST"])
    app.add_url_rule("/_test/crash", view_func=queue_then_crash, methods=["POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/_test/refuse").status_code == 400
    assert client.post("/_test/crash").status_code == 500
    _settle()
    assert inbox.messages == [] and _messages() == []


def test_two_senders_never_send_one_message_twice(app, smtp_server):
    start, _, inbox = smtp_server
    start()
    queue_mail("someone@example.org", "Once", "Only once.")
    db.session.commit()
    assert mail.deliver_due() == mail.DeliveryCounts(sent=1)
    assert mail.deliver_due() == mail.DeliveryCounts()
    message_id = _messages()[0].id
    assert mail.deliver_messages([message_id]) == mail.DeliveryCounts()
    assert len(inbox.messages) == 1


def test_headers_cannot_be_injected_through_the_subject(app, smtp_server):
    start, _, inbox = smtp_server
    start()
    queue_mail("someone@example.org", "Hello\r\nBcc: victim@example.org", "Body")
    db.session.commit()
    mail.deliver_due()
    [delivered] = inbox.messages
    assert delivered["Bcc"] is None and delivered["Subject"] == "Hello Bcc: victim@example.org"


class TestWithoutMailServer:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAIL_SERVER": None}

    def test_messages_land_in_the_outbox(self, app, client, focal_point):
        db.session.commit()
        client.post("/forgot-password", data={"email": focal_point.email})
        _settle()
        files = list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
        assert len(files) == 1
        parsed = message_from_bytes(files[0].read_bytes())
        assert parsed["To"] == focal_point.email
        assert _messages()[0].sent_dt is not None


def test_the_test_client_does_not_close_responses(app):
    """Why delivery does not hang on response.call_on_close: under the test client it never runs."""
    calls = []

    @public
    def view():
        from flask import make_response

        response = make_response("ok")
        response.call_on_close(lambda: calls.append("closed"))
        return response

    app.add_url_rule("/_test/close", view_func=view)
    response = app.test_client().get("/_test/close")
    assert response.get_data() == b"ok" and calls == []
    response.close()
    assert calls == ["closed"]

"""The one way coordinator sends mail: queue in the transaction, deliver after the commit.

With MAIL_SERVER set, messages go out through SMTP; otherwise they are written to the
log and to instance/outbox/ so a laptop without a mail server still works. A message
that fails is kept and retried with backoff; a mail server that is down never fails
the request that queued it.

When a request that queued mail ends, the messages it committed are sent from a short
background thread. Not from `response.call_on_close`: Flask's test client never closes
its responses, so that hook does not run under it, and sending inside the request would
make "forgot password" answer slower for known addresses than for unknown ones.
`flask --app wsgi mail send` (cron) retries whatever is still due.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import ForeignKey, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db

log = logging.getLogger(__name__)


class OutgoingMessage(db.Model):
    __tablename__ = "outgoing_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


def queue_mail(recipient: str, subject: str, body_text: str, user=None) -> OutgoingMessage:
    """Queue a message in the current transaction; it is sent after the request commits."""
    message = OutgoingMessage(
        recipient=recipient,
        subject=" ".join(subject.split())[:300],
        body_text=body_text,
        user_id=getattr(user, "id", None),
    )
    db.session.add(message)
    db.session.flush()
    g.setdefault("mail_queued_ids", []).append(message.id)
    return message


def _build(message: OutgoingMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="coordinator")
    email.set_content(message.body_text)
    return email


def _transmit(app: Flask, email: EmailMessage, message_id: int) -> None:
    config = app.config
    if not config.get("MAIL_SERVER"):
        outbox = Path(config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{message_id:06d}.eml").write_bytes(bytes(email))
        log.info("mail (no MAIL_SERVER, written to %s): to=%s subject=%s",
                 outbox, email["To"], email["Subject"])
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                    timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


# A claimed message is left alone by other senders for this long (a crash mid-send retries it).
CLAIM_LEASE = timedelta(minutes=10)


def _deliver_one(app: Flask, message_id: int) -> bool | None:
    """Send one message if it is still due; True sent, False failed, None not ours to send."""
    now = utcnow()
    # Claim it with a conditional UPDATE so two workers never send the same message.
    claimed = db.session.execute(
        update(OutgoingMessage)
        .where(
            OutgoingMessage.id == message_id,
            OutgoingMessage.sent_dt.is_(None),
            OutgoingMessage.next_attempt_dt <= now,
            OutgoingMessage.attempts < app.config["MAIL_MAX_ATTEMPTS"],
        )
        .values(next_attempt_dt=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return None
    message = db.session.get(OutgoingMessage, message_id)
    try:
        _transmit(app, _build(message, app.config["MAIL_DEFAULT_SENDER"]), message.id)
    except (OSError, smtplib.SMTPException) as error:
        message.attempts += 1
        message.last_error = f"{type(error).__name__}: {error}"[:1000]
        message.next_attempt_dt = utcnow() + backoff(message.attempts)
        log.warning("mail to %s failed (attempt %d): %s",
                    message.recipient, message.attempts, message.last_error)
        db.session.commit()
        return False
    message.attempts += 1
    message.sent_dt = utcnow()
    db.session.commit()
    return True


def deliver_messages(message_ids: list[int]) -> tuple[int, int]:
    """Send these messages (if still due); returns (sent, failed). Needs an app context."""
    app = current_app._get_current_object()
    results = [_deliver_one(app, message_id) for message_id in message_ids]
    return results.count(True), results.count(False)


def deliver_due(limit: int = 50) -> tuple[int, int]:
    """Send messages whose time has come; returns (sent, failed). Needs an app context."""
    now = utcnow()
    ids = db.session.scalars(
        select(OutgoingMessage.id)
        .where(
            OutgoingMessage.sent_dt.is_(None),
            OutgoingMessage.next_attempt_dt <= now,
            OutgoingMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
        )
        .order_by(OutgoingMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return deliver_messages(list(ids))


_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def _start_delivery(app: Flask, message_ids: list[int]) -> None:
    def run() -> None:
        try:
            with app.app_context():
                try:
                    deliver_messages(message_ids)
                except Exception:  # delivery must never break anything; cron retries
                    log.exception("mail delivery failed")
                    db.session.rollback()
                finally:
                    db.session.remove()
        finally:
            with _threads_lock:
                _threads.discard(threading.current_thread())

    # Not a daemon: a worker that shuts down finishes sending first.
    thread = threading.Thread(target=run, name="mail-delivery")
    with _threads_lock:
        _threads.add(thread)
    thread.start()


def wait_for_deliveries(timeout: float = 30.0) -> None:
    """Wait until every delivery started after a request has finished (tests, shutdown)."""
    with _threads_lock:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)


def init_app(app: Flask) -> None:
    @app.teardown_request
    def _deliver_after_request(error):
        message_ids = g.pop("mail_queued_ids", None)
        if not message_ids or error is not None:
            return
        if not app.config.get("MAIL_SEND_AFTER_REQUEST", True):
            return  # left to `flask mail send`
        # Whatever the view did not commit is discarded (so never sent). Ending the
        # transaction also frees SQLite for the delivery thread's own connection.
        db.session.rollback()
        _start_delivery(app, message_ids)

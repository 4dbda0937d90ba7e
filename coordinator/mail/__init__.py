"""The one way coordinator sends mail: queue in the transaction, deliver after the commit.

With MAIL_SERVER set, messages go out through SMTP; otherwise they are written to the
log and to instance/outbox/ so a laptop without a mail server still works. A message
that fails is kept and retried with backoff; a mail server that is down never fails
the request that queued it.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import ForeignKey, String, Text, select
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
    g.mail_queued = True
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


def deliver_due(limit: int = 50) -> tuple[int, int]:
    """Send messages whose time has come; returns (sent, failed). Needs an app context."""
    app = current_app._get_current_object()
    now = utcnow()
    ids = db.session.scalars(
        select(OutgoingMessage.id)
        .where(
            OutgoingMessage.sent_dt.is_(None),
            OutgoingMessage.next_attempt_dt <= now,
            OutgoingMessage.attempts < app.config["MAIL_MAX_ATTEMPTS"],
        )
        .order_by(OutgoingMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = failed = 0
    for message_id in ids:
        message = db.session.get(OutgoingMessage, message_id)
        if message is None or message.sent_dt is not None:
            db.session.commit()
            continue
        try:
            _transmit(app, _build(message, app.config["MAIL_DEFAULT_SENDER"]), message.id)
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:1000]
            message.next_attempt_dt = utcnow() + backoff(message.attempts)
            failed += 1
            log.warning("mail to %s failed (attempt %d): %s",
                        message.recipient, message.attempts, message.last_error)
        else:
            message.attempts += 1
            message.sent_dt = utcnow()
            sent += 1
        db.session.commit()
    return sent, failed


def init_app(app: Flask) -> None:
    @app.after_request
    def _deliver_after_response(response):
        if g.pop("mail_queued", False):
            def deliver() -> None:
                with app.app_context():
                    try:
                        deliver_due()
                    except Exception:  # delivery must never break a response already sent
                        log.exception("mail delivery failed")
                        db.session.rollback()
                    finally:
                        db.session.remove()

            response.call_on_close(deliver)
        return response

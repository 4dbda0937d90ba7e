"""The one way coordinator sends mail: queue in the transaction, deliver after the commit.

With MAIL_SERVER set, messages go out through SMTP; otherwise they are written to the
log and to instance/outbox/ so a laptop without a mail server still works. A message
that fails is kept and retried with backoff; a mail server that is down never fails
the request that queued it.

When a request that queued mail ends, a delivery job for the messages it committed is put
on the job queue (coordinator.jobs), carrying their ids only: the job re-reads each message
and claims it, so a job run twice sends nothing twice. Not from `response.call_on_close`:
Flask's test client never closes its responses, so that hook does not run under it, and
sending inside the request would make "forgot password" answer slower for known addresses
than for unknown ones. When the queue cannot be reached, the messages are sent from a short
background thread instead. The worker's `deliver_due` job, every minute, sends whatever is
still due (retries, and mail whose job was lost); `flask --app wsgi mail send` does the same
by hand or from cron where no worker runs.

Mail is never dropped. Each message has a status (`MailStatus`): queued, sending, sent,
failed, expired or void. After MAIL_MAX_ATTEMPTS failed attempts it becomes *failed* and
waits for a person: the staff page /staff/mail or `flask --app wsgi mail retry` queues it
again. A message that carries an invitation or password-reset link knows its kind, the id
of the link's token and when the link expires; it is never sent once the link is dead
(*expired*, or *void* when used, replaced or the account changed), so nobody receives a
link that cannot work, and staff see whom to invite again.
"""

from __future__ import annotations

import enum
import logging
import smtplib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import Blueprint, Flask, current_app, g
from flask_babel import gettext
from huey import crontab
from sqlalchemy import JSON, Enum, ForeignKey, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from coordinator import jobs
from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db

log = logging.getLogger(__name__)

# The blueprint of the undelivered-mail pages (their routes are in views.py).
bp = Blueprint("mail", __name__)


class MailStatus(enum.StrEnum):
    """The states of an outgoing message (the values stored in outgoing_messages.status)."""

    QUEUED = "queued"  # waiting for its first or next attempt (next_attempt_dt)
    SENDING = "sending"  # claimed by a sender; if the sender dies, the claim lapses (CLAIM_LEASE)
    SENT = "sent"
    FAILED = "failed"  # every attempt failed: waits for `mail retry` or the staff page
    EXPIRED = "expired"  # not sent: the invitation or reset link in it had expired
    VOID = "void"  # not sent: its link was used or replaced, or the account changed


# Kinds of message to people whose address no page or command shows (see shown_recipient).
PRIVATE_KINDS = ("digest_confirmation",)

# Messages a person has to look at: nothing will happen to them on its own.
UNDELIVERED = (MailStatus.FAILED, MailStatus.EXPIRED, MailStatus.VOID)


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
    status: Mapped[MailStatus] = mapped_column(
        Enum(
            MailStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        ),
        default=MailStatus.QUEUED,
        index=True,
    )
    last_attempt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A message carrying a single-use link: its kind ("invitation", "password_reset"), the id
    # of the token row behind the link, and when the link stops working.
    kind: Mapped[str | None] = mapped_column(String(32))
    link_id: Mapped[int | None] = mapped_column()
    expires_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Extra headers of list mail (digests): List-Unsubscribe and List-Unsubscribe-Post.
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON)

    @property
    def shown_recipient(self) -> str:
        """The address as staff pages and commands show it. People without an account who
        asked for a digest (its confirmation, or list mail) were promised that nobody sees
        their address: for them, a placeholder."""
        if self.user_id is None and (self.kind in PRIVATE_KINDS or self.headers):
            return gettext("a digest subscriber")
        return self.recipient


# kind -> a function that, given the link's token id, says why the link can no longer be used
# (None when it still can). The domain that owns the link registers it (accounts does for
# invitations and password resets): mail is core and imports no domain.
LinkCheck = Callable[[int], str | None]
_link_checks: dict[str, LinkCheck] = {}


def register_link_check(kind: str, check: LinkCheck) -> None:
    """Tell mail how to find out whether a link of this kind still works."""
    _link_checks[kind] = check


def dead_link(message: OutgoingMessage) -> tuple[MailStatus, str] | None:
    """(expired or void, why) when the link this message carries no longer works, else None."""
    if message.expires_dt is not None and message.expires_dt <= utcnow():
        when = message.expires_dt.strftime("%Y-%m-%d %H:%M UTC")
        return MailStatus.EXPIRED, f"Not sent: the {_kind_name(message.kind)} expired on {when}."
    check = _link_checks.get(message.kind or "")
    if check is not None and message.link_id is not None:
        problem = check(message.link_id)
        if problem:
            return MailStatus.VOID, f"Not sent: {problem}"
    return None


def _kind_name(kind: str | None) -> str:
    return {"invitation": "invitation link", "password_reset": "password reset link"}.get(
        kind or "", "link"
    )


def queue_mail(
    recipient: str,
    subject: str,
    body_text: str,
    user=None,
    *,
    kind: str | None = None,
    link_id: int | None = None,
    expires_dt: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> OutgoingMessage:
    """Queue a message in the current transaction; it is sent after the request commits.

    A message carrying a single-use link gives its kind, the token's id and expiry, so it is
    not sent (nor resent) once the link is dead. `headers` are extra headers (a digest's
    List-Unsubscribe), written into the message as given."""
    message = OutgoingMessage(
        recipient=recipient,
        subject=" ".join(subject.split())[:300],
        body_text=body_text,
        user_id=getattr(user, "id", None),
        status=MailStatus.QUEUED,
        kind=kind,
        link_id=link_id,
        expires_dt=expires_dt,
        headers=headers or None,
    )
    db.session.add(message)
    db.session.flush()
    g.setdefault("mail_queued_ids", []).append(message.id)
    return message


# List-Unsubscribe holds long URLs that must reach the mail client verbatim: under the default
# 78-character limit the email package would turn a long token into RFC 2047 encoded words,
# which no client reads as a URL. RFC 5322 allows 998 characters per line.
_LIST_MAIL_POLICY = email_policy.default.clone(max_line_length=998)


def _build(message: OutgoingMessage, sender: str) -> EmailMessage:
    email = EmailMessage(policy=_LIST_MAIL_POLICY) if message.headers else EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="coordinator")
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body_text)
    return email


def _transmit(app: Flask, email: EmailMessage, message_id: int) -> None:
    config = app.config
    if not config.get("MAIL_SERVER"):
        outbox = Path(config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{message_id:06d}.eml").write_bytes(bytes(email))
        log.info(
            "mail (no MAIL_SERVER, written to %s): to=%s subject=%s",
            outbox,
            email["To"],
            email["Subject"],
        )
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


# A claimed message is left alone by other senders for this long (a crash mid-send retries it).
CLAIM_LEASE = timedelta(minutes=10)


# Claimable: queued and due, or claimed by a sender whose lease has run out (it died).
def _due_clause(now: datetime):
    return (
        OutgoingMessage.status.in_((MailStatus.QUEUED, MailStatus.SENDING)),
        OutgoingMessage.next_attempt_dt <= now,
    )


def _deliver_one(app: Flask, message_id: int) -> MailStatus | None:
    """Send one message if it is still due; returns its new status, None if not ours to send."""
    now = utcnow()
    # Claim it with a conditional UPDATE so two workers never send the same message.
    claimed = db.session.execute(
        update(OutgoingMessage)
        .where(OutgoingMessage.id == message_id, *_due_clause(now))
        .values(status=MailStatus.SENDING, next_attempt_dt=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return None
    message = db.session.get(OutgoingMessage, message_id)
    dead = dead_link(message)
    if dead is not None:
        message.status, message.last_error = dead
        log.warning(
            "mail to %s not sent (%s): %s", message.recipient, message.status, message.last_error
        )
        db.session.commit()
        return message.status
    try:
        _transmit(app, _build(message, app.config["MAIL_DEFAULT_SENDER"]), message.id)
    except (OSError, smtplib.SMTPException) as error:
        message.attempts += 1
        message.last_attempt_dt = utcnow()
        message.last_error = f"{type(error).__name__}: {error}"[:1000]
        if message.attempts >= app.config["MAIL_MAX_ATTEMPTS"]:
            # Never dropped: it waits, listed, for `mail retry` or the staff page.
            message.status = MailStatus.FAILED
            log.error(
                "mail to %s FAILED after %d attempts, kept for `flask mail retry`: %s",
                message.recipient,
                message.attempts,
                message.last_error,
            )
        else:
            message.status = MailStatus.QUEUED
            message.next_attempt_dt = message.last_attempt_dt + backoff(message.attempts)
            log.warning(
                "mail to %s failed (attempt %d): %s",
                message.recipient,
                message.attempts,
                message.last_error,
            )
        db.session.commit()
        return message.status
    message.attempts += 1
    message.last_attempt_dt = message.sent_dt = utcnow()
    message.status = MailStatus.SENT
    db.session.commit()
    return MailStatus.SENT


@dataclass(frozen=True)
class DeliveryCounts:
    """What one delivery run did: sent; attempts that failed (retried later, or failed for
    good); messages not sent because their link was dead."""

    sent: int = 0
    failed: int = 0
    not_sent: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, failed {self.failed}, not sent (dead link) {self.not_sent}"


def deliver_messages(message_ids: Sequence[int]) -> DeliveryCounts:
    """Send these messages (if still due). Needs an app context."""
    app = current_app._get_current_object()
    results = [_deliver_one(app, message_id) for message_id in message_ids]
    return DeliveryCounts(
        sent=results.count(MailStatus.SENT),
        failed=results.count(MailStatus.QUEUED) + results.count(MailStatus.FAILED),
        not_sent=results.count(MailStatus.EXPIRED) + results.count(MailStatus.VOID),
    )


def deliver_due(limit: int = 50) -> DeliveryCounts:
    """Send messages whose time has come. Needs an app context."""
    ids = db.session.scalars(
        select(OutgoingMessage.id)
        .where(*_due_clause(utcnow()))
        .order_by(OutgoingMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return deliver_messages(list(ids))


# --- Messages that need a person: list, count, retry -----------------------------------


def undelivered_messages(limit: int = 500) -> list[OutgoingMessage]:
    """Failed, expired and void messages, newest first."""
    return list(
        db.session.scalars(
            select(OutgoingMessage)
            .where(OutgoingMessage.status.in_(UNDELIVERED))
            .order_by(OutgoingMessage.created_dt.desc(), OutgoingMessage.id.desc())
            .limit(limit)
        )
    )


def count_by_status() -> dict[MailStatus, int]:
    """How many messages are in each state (every state present, zeros included)."""
    rows = db.session.execute(
        select(OutgoingMessage.status, func.count()).group_by(OutgoingMessage.status)
    ).all()
    counts = dict.fromkeys(MailStatus, 0)
    counts.update({MailStatus(status): count for status, count in rows})
    return counts


@dataclass
class RetryOutcome:
    """What a retry did: messages queued again, and messages not sent because of a dead link."""

    queued: list[OutgoingMessage] = field(default_factory=list)
    not_sent: list[OutgoingMessage] = field(default_factory=list)


def retry_failed(message_ids: Sequence[int] | None = None, actor=None) -> RetryOutcome:
    """Queue failed messages again with a fresh round of attempts, due now (all failed ones when
    message_ids is None); one whose link is dead becomes expired or void instead. Only flushes:
    the caller commits, then delivers `outcome.queued`. Messages not failed are left alone."""
    from coordinator.audit.models import record

    query = select(OutgoingMessage).where(OutgoingMessage.status == MailStatus.FAILED)
    if message_ids is not None:
        query = query.where(OutgoingMessage.id.in_(list(message_ids)))
    outcome = RetryOutcome()
    for message in db.session.scalars(query.order_by(OutgoingMessage.id)).all():
        dead = dead_link(message)
        values = (
            {"status": dead[0], "last_error": dead[1]}
            if dead is not None
            else {"status": MailStatus.QUEUED, "attempts": 0, "next_attempt_dt": utcnow()}
        )
        # Conditional, so a message retried twice at once (two staff, or cron) moves once.
        changed = db.session.execute(
            update(OutgoingMessage)
            .where(OutgoingMessage.id == message.id, OutgoingMessage.status == MailStatus.FAILED)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            continue
        db.session.refresh(message)
        (outcome.not_sent if dead is not None else outcome.queued).append(message)
        record(
            actor=actor,
            subject_type="outgoing_message",
            subject_id=message.id,
            action="retry_mail",
            from_state=MailStatus.FAILED.value,
            to_state=message.status.value,
        )
    return outcome


def deliver_after_request(messages: Sequence[OutgoingMessage]) -> None:
    """Send these messages from the after-request thread, as freshly queued mail is sent."""
    g.setdefault("mail_queued_ids", []).extend(message.id for message in messages)


def _deliver_job(message_ids: Sequence[int]) -> str:
    """Send these outgoing messages if they are still due (the outbox says; a message already
    sent or claimed by another worker is left alone)."""
    return str(deliver_messages(list(message_ids)))


def _deliver_due_job() -> str:
    """Send every message whose time has come: retries, and anything whose job was lost."""
    return str(deliver_due(limit=1000))


# The job that delivers given messages, and the sweep every minute (no retries: the next
# minute's run is the retry).
DELIVERY_JOB = jobs.register_job(jobs.Job("mail.deliver", _deliver_job)).name
jobs.register_periodic(
    jobs.PeriodicJob(
        jobs.Job("mail.deliver_due", _deliver_due_job, retries=0),
        crontab(minute="*"),
        timedelta(minutes=1),
    )
)
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
    """Wait until every delivery started after a request has finished, in a fallback thread
    or as an in-process job (JOBS_URL=immediate) (tests, shutdown)."""
    jobs.wait_for_jobs(timeout)
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
        if not jobs.enqueue(DELIVERY_JOB, message_ids):
            _start_delivery(app, message_ids)  # the queue is down: send from here

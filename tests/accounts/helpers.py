"""Helpers for account tests: read the link out of a queued message."""

from __future__ import annotations

import re

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.mail import OutgoingMessage


def last_message_to(email: str) -> OutgoingMessage | None:
    return db.session.scalar(
        select(OutgoingMessage)
        .where(OutgoingMessage.recipient == email)
        .order_by(OutgoingMessage.id.desc())
    )


def link_token(message: OutgoingMessage, prefix: str) -> str:
    match = re.search(rf"http://[^/\s]+/{prefix}/([A-Za-z0-9_\-]+)", message.body_text)
    assert match, message.body_text
    return match.group(1)

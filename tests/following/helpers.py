"""Builders for the following and digest tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from coordinator.activities import services as activities
from coordinator.activities.models import Status
from coordinator.activities.workflow import Action
from coordinator.extensions import db
from coordinator.following import services
from coordinator.following.digests import send_due_digests
from coordinator.following.models import FollowKind
from coordinator.mail import OutgoingMessage
from tests import factories


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def outbox() -> list[OutgoingMessage]:
    return list(db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))


def digests() -> list[OutgoingMessage]:
    return [m for m in outbox() if m.headers and "List-Unsubscribe" in m.headers]


class Network:
    """A lead partner in Paris time, staff, and a focal point elsewhere following the partner."""

    def __init__(self, locale: str | None = None):
        self.partner = factories.PartnerFactory(timezone="Europe/Paris", country="FR")
        self.staff = factories.UserFactory(role="staff")
        self.lead = factories.UserFactory(role="focal_point", partner=self.partner)
        own = factories.PartnerFactory(timezone="Europe/Paris")
        self.follower = factories.UserFactory(role="focal_point", partner=own, locale=locale)
        services.follow(self.follower, FollowKind.PARTNER, str(self.partner.id))
        db.session.commit()

    def submitted_event(self, start: datetime, **kwargs):
        return factories.EventFactory(
            lead_partner=self.partner,
            proposer=self.lead,
            status=Status.SUBMITTED,
            start_dt=start,
            end_dt=start + timedelta(hours=3),
            **kwargs,
        )

    def approve_at(self, event, moment: datetime) -> None:
        """Staff approve the event at this instant (the audit entry is stamped then)."""
        with time_machine.travel(moment, tick=False):
            activities.transition(self.staff, event, Action.APPROVE)
            db.session.commit()


def send_at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return send_due_digests(moment)

"""Shared data builders for the workflow tests."""

from __future__ import annotations

from sqlalchemy import func, select

from coordinator.activities.models import Confirmation, Status
from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from coordinator.mail import OutgoingMessage
from tests import factories


def event_form_data(**overrides) -> dict:
    """A valid proposal as the browser posts it (local times in Europe/Paris)."""
    data = {
        "title": "Mediterranean water forum",
        "summary": "Cities compare how they save water.",
        "description": "Three sessions, **one** field visit.",
        "kind": "workshop",
        "timezone": "Europe/Paris",
        "start_date": "2030-06-03",
        "start_time": "09:30",
        "end_date": "2030-06-03",
        "end_time": "17:00",
        "venue": "Villa Méditerranée",
        "city": "Marseille",
        "country": "FR",
        "online_url": "",
        "languages": "en, fr",
        "registration_url": "",
        "visibility": "public",
        "project_id": "0",
    }
    data.update(overrides)
    return data


def project_form_data(**overrides) -> dict:
    data = {
        "title": "Blue Cities",
        "acronym": "BLUE",
        "summary": "Water-wise cities.",
        "description": "A *joint* project.",
        "start_date": "2030-01-01",
        "end_date": "2031-12-31",
        "website": "https://blue.example.org",
    }
    data.update(overrides)
    return data


class Cast:
    """The five roles around one activity: lead, co-organiser, unrelated, staff, admin."""

    def __init__(self):
        self.lead_partner = factories.PartnerFactory()
        self.co_partner = factories.PartnerFactory()
        self.unrelated_partner = factories.PartnerFactory()
        self.lead = factories.UserFactory(role="focal_point", partner=self.lead_partner)
        self.co_organiser = factories.UserFactory(role="focal_point", partner=self.co_partner)
        self.unrelated = factories.UserFactory(role="focal_point", partner=self.unrelated_partner)
        self.staff = factories.UserFactory(role="staff")
        self.admin = factories.UserFactory(role="admin")

    def user(self, role: str):
        return getattr(self, role)

    def event(self, status: Status = Status.DRAFT, **kwargs):
        event = factories.EventFactory(
            lead_partner=self.lead_partner, status=status, proposer=self.lead, **kwargs
        )
        factories.EventPartnerFactory(
            event=event, partner=self.co_partner, confirmation=Confirmation.PENDING
        )
        return event


ROLES = ("lead", "co_organiser", "unrelated", "staff", "admin")


def audit_count(**where) -> int:
    query = select(func.count()).select_from(AuditEntry)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return db.session.scalar(query)


def outbox() -> list[OutgoingMessage]:
    return list(db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))


def recipients(subject_contains: str = "") -> set[str]:
    return {m.recipient for m in outbox() if subject_contains in m.subject}

"""factory_boy factories for the models; they add to the Flask-SQLAlchemy session and flush."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from coordinator.accounts.models import Role, User
from coordinator.accounts.passwords import hash_password
from coordinator.activities.models import (
    PUBLISHED_STATES,
    SUBMITTED_STATES,
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    Project,
    Status,
    Theme,
    Visibility,
)
from coordinator.extensions import db
from coordinator.partners.models import Partner

_PASSWORD_HASH = hash_password("correct horse battery staple")


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class PartnerFactory(BaseFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner Institution {n}")
    acronym = factory.Sequence(lambda n: f"P{n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    kind = "city network"
    city = "Marseille"
    country = "FR"
    timezone = "Europe/Paris"
    website = "https://example.org"
    summary = "A partner of the network."


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.FOCAL_POINT
    partner = factory.SubFactory(PartnerFactory)
    password_hash = _PASSWORD_HASH

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if kwargs.get("role") in (Role.STAFF, Role.ADMIN, "staff", "admin"):
            kwargs["partner"] = None
        return kwargs


class ThemeFactory(BaseFactory):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")


def _in_days(days: int, hour: int = 9) -> datetime:
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def _stamped_if(states) -> factory.LazyAttribute:
    """A stamp the status requires (the models' CHECK constraints), else none."""
    return factory.LazyAttribute(lambda o: o.status_changed_dt if o.status in states else None)


def set_status(activity, status: Status) -> None:
    """Put an existing event or project in `status` with the stamps that status requires (the
    CHECK constraints), as if the workflow had taken it there just now."""
    now = datetime.now(UTC)
    # Read the stamps before changing anything: a read may flush, and a half-changed row would
    # break the constraints.
    submitted, published = activity.submitted_dt, activity.published_dt
    activity.submitted_dt = (submitted or now) if status in SUBMITTED_STATES else None
    activity.published_dt = (published or now) if status in PUBLISHED_STATES else None
    activity.cancelled_dt = now if status == Status.CANCELLED else None
    activity.status = status
    activity.status_changed_dt = now


class _ReviewableFactory(BaseFactory):
    """Stamps consistent with the status given, as the transition table would leave them."""

    class Meta:
        abstract = True

    status = Status.APPROVED
    status_changed_dt = factory.LazyFunction(lambda: datetime.now(UTC))
    submitted_dt = _stamped_if(SUBMITTED_STATES)
    published_dt = _stamped_if(PUBLISHED_STATES)
    cancelled_dt = _stamped_if((Status.CANCELLED,))


class ProjectFactory(_ReviewableFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    title = factory.Sequence(lambda n: f"Joint Project {n}")
    acronym = factory.Sequence(lambda n: f"JP{n}")
    summary = "A joint project."
    start_date = factory.LazyFunction(lambda: _in_days(-30).date())
    end_date = factory.LazyFunction(lambda: _in_days(365).date())
    lead_partner = factory.SubFactory(PartnerFactory)


class EventFactory(_ReviewableFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Joint Event {n}")
    summary = "A joint event of the network."
    description = "Some **details**."
    kind = EventKind.WORKSHOP
    timezone = "Europe/Paris"
    start_dt = factory.LazyFunction(lambda: _in_days(10))
    end_dt = factory.LazyAttribute(lambda o: o.start_dt + timedelta(hours=3))
    city = "Marseille"
    country = "FR"
    visibility = Visibility.PUBLIC
    lead_partner = factory.SubFactory(PartnerFactory)


class EventPartnerFactory(BaseFactory):
    class Meta:
        model = EventPartner

    event = factory.SubFactory(EventFactory)
    partner = factory.SubFactory(PartnerFactory)
    confirmation = Confirmation.CONFIRMED

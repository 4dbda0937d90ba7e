"""Property: whatever the events, their visibility and status, and whatever filters are asked,
no network-only or unpublished event ever appears in a public or filtered feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordinator.activities.models import Event, EventKind, Status, Visibility
from coordinator.extensions import db
from coordinator.feeds.cache import feed_cache
from tests import factories
from tests.feeds.validation import unfolded

event_specs = st.lists(
    st.tuples(
        st.sampled_from(list(Status)),
        st.sampled_from(list(Visibility)),
        st.sampled_from(list(EventKind)),
        st.integers(min_value=-20, max_value=500),  # start, days from now
        st.sampled_from(["FR", "LB", "GR"]),
        st.booleans(),  # themed
        st.booleans(),  # in the project
    ),
    max_size=12,
)
filter_args = st.lists(
    st.tuples(
        st.sampled_from(["kind", "country", "theme", "project", "partner", "q"]),
        st.sampled_from(
            ["workshop", "forum", "FR", "LB", "water", "blue", "p-lead", "Joint", "%", ""]
        ),
    ),
    max_size=4,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=event_specs, args=filter_args)
def test_private_events_never_reach_public_feeds(app, client, specs, args):
    db.session.execute(db.delete(Event))
    feed_cache().entries.clear()
    theme = _theme() or factories.ThemeFactory(slug="water")
    lead = _partner()
    project = _project(lead)
    now = datetime.now(UTC)
    hidden: set[str] = set()
    for status, visibility, kind, days, country, themed, in_project in specs:
        event = factories.EventFactory(
            status=status,
            visibility=visibility,
            kind=kind,
            country=country,
            lead_partner=lead,
            start_dt=now + timedelta(days=days),
            end_dt=now + timedelta(days=days, hours=2),
            themes=[theme] if themed else [],
            project=project if in_project else None,
            cancelled_dt=now if status == Status.CANCELLED else None,
        )
        if visibility != Visibility.PUBLIC or status not in (Status.APPROVED, Status.CANCELLED):
            hidden.add(f"{event.id}@coordinator.medcities.org")
    db.session.commit()
    query = "?" + "&".join(f"{k}={v}" for k, v in args) if args else ""
    for url in (
        f"/calendar.ics{query}",
        f"/partners/{lead.slug}/calendar.ics{query}",
        f"/projects/{project.slug}/calendar.ics{query}",
    ):
        response = client.get(url)
        assert response.status_code == 200
        uids = {line[4:] for line in unfolded(response.data) if line.startswith("UID:")}
        assert not uids & hidden, (url, specs)


def _theme():
    from coordinator.activities.models import Theme

    return db.session.scalar(db.select(Theme).where(Theme.slug == "water"))


def _partner():
    from coordinator.partners.models import Partner

    return db.session.scalar(
        db.select(Partner).where(Partner.slug == "p-lead")
    ) or factories.PartnerFactory(slug="p-lead")


def _project(lead):
    from coordinator.activities.models import Project

    return db.session.scalar(
        db.select(Project).where(Project.slug == "blue")
    ) or factories.ProjectFactory(slug="blue", lead_partner=lead)

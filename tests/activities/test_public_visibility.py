"""Who sees what on the public pages: anonymous visitors, signed-in users, network-only
events, and unpublished activities in every state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coordinator.activities.models import Status, Visibility
from coordinator.extensions import db
from tests import factories

UNPUBLISHED = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.CHANGES_REQUESTED,
    Status.REJECTED,
    Status.WITHDRAWN,
]


def _text(response) -> str:
    return response.get_data(as_text=True)


def _at(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


def _public_surfaces(client, lead_slug: str, project_slug: str) -> dict[str, str]:
    return {
        url: _text(client.get(url))
        for url in (
            "/events/",
            "/events/past",
            f"/projects/{project_slug}",
            f"/partners/{lead_slug}",
            "/events/?q=Marker",
        )
    }


@pytest.fixture
def network(app):
    lead = factories.PartnerFactory(slug="lead")
    project = factories.ProjectFactory(slug="hub", lead_partner=lead)
    return lead, project


def _event(lead, project, title: str, days: int, **kwargs):
    return factories.EventFactory(
        title=title,
        lead_partner=lead,
        project=project,
        start_dt=_at(days),
        end_dt=_at(days) + timedelta(hours=2),
        **kwargs,
    )


@pytest.mark.parametrize("status", UNPUBLISHED)
@pytest.mark.parametrize("days", [5, -5])
@pytest.mark.parametrize("viewer", ["anonymous", "lead_focal_point", "staff"])
def test_unpublished_events_appear_nowhere_public(client, login_as, network, status, days, viewer):
    lead, project = network
    _event(lead, project, f"Marker {status.value}", days, status=status)
    _event(lead, project, "Marker published", days)
    if viewer == "lead_focal_point":
        login_as(factories.UserFactory(role="focal_point", partner=lead))
    elif viewer == "staff":
        login_as(factories.UserFactory(role="staff"))
    db.session.commit()
    for url, body in _public_surfaces(client, "lead", "hub").items():
        assert f"Marker {status.value}" not in body, url
    listing = _text(client.get("/events/" if days > 0 else "/events/past"))
    assert "Marker published" in listing


def test_network_only_events_are_for_signed_in_users(client, login_as, network):
    lead, project = network
    upcoming = _event(lead, project, "Marker members upcoming", 5, visibility=Visibility.NETWORK)
    past = _event(lead, project, "Marker members past", -5, visibility=Visibility.NETWORK)
    db.session.commit()
    for url, body in _public_surfaces(client, "lead", "hub").items():
        assert "Marker members" not in body, url
    assert client.get(f"/events/{upcoming.id}").status_code == 404
    assert client.get(f"/events/{past.id}").status_code == 404

    login_as(factories.UserFactory(role="focal_point", partner=factories.PartnerFactory()))
    surfaces = _public_surfaces(client, "lead", "hub")
    assert "Marker members upcoming" in surfaces["/events/"]
    assert "Marker members past" in surfaces["/events/past"]
    assert "Marker members upcoming" in surfaces["/projects/hub"]
    assert "Marker members past" in surfaces["/partners/lead"]
    page = _text(client.get(f"/events/{upcoming.id}"))
    assert "Network members only" in page


def test_network_only_countries_are_not_offered_to_anonymous_visitors(client, login_as, network):
    lead, project = network
    _event(lead, project, "Members in Amman", 5, visibility=Visibility.NETWORK, country="JO")
    db.session.commit()
    assert "Jordan" not in _text(client.get("/events/"))
    login_as(factories.UserFactory(role="staff"))
    assert "Jordan" in _text(client.get("/events/"))


# Event page of an unpublished event: (viewer, status) -> visible?
# The lead partner's focal points always; staff once submitted; a co-organiser's focal point
# once submitted; anyone else never.
VIEWERS = ["anonymous", "lead_focal_point", "co_organiser", "other_focal_point", "staff"]


def _expected(viewer: str, status: Status) -> bool:
    if viewer == "lead_focal_point":
        return True
    if viewer in ("staff", "co_organiser"):
        return status != Status.DRAFT
    return False


@pytest.mark.parametrize("status", UNPUBLISHED)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_unpublished_event_page_matrix(client, login_as, network, status, viewer):
    lead, project = network
    co = factories.PartnerFactory()
    event = _event(lead, project, "Plan", 5, status=status)
    factories.EventPartnerFactory(event=event, partner=co)
    users = {
        "lead_focal_point": lambda: factories.UserFactory(role="focal_point", partner=lead),
        "co_organiser": lambda: factories.UserFactory(role="focal_point", partner=co),
        "other_focal_point": lambda: factories.UserFactory(role="focal_point"),
        "staff": lambda: factories.UserFactory(role="staff"),
    }
    if viewer != "anonymous":
        login_as(users[viewer]())
    db.session.commit()
    response = client.get(f"/events/{event.id}")
    if _expected(viewer, status):
        assert response.status_code == 200
        body = _text(response)
        assert 'id="status-banner"' in body and f"Not published: {status.label}." in body
    else:
        assert response.status_code == 404


def test_published_event_page_has_no_status_banner(client, network):
    lead, project = network
    event = _event(lead, project, "Live", 5)
    db.session.commit()
    assert 'id="status-banner"' not in _text(client.get(f"/events/{event.id}"))


@pytest.mark.parametrize("status", UNPUBLISHED)
@pytest.mark.parametrize("viewer", ["anonymous", "lead_focal_point", "other_focal_point", "staff"])
def test_unpublished_project_page_matrix(client, login_as, status, viewer):
    lead = factories.PartnerFactory()
    factories.ProjectFactory(slug="plan", title="Planned project", lead_partner=lead, status=status)
    if viewer == "lead_focal_point":
        login_as(factories.UserFactory(role="focal_point", partner=lead))
    elif viewer == "other_focal_point":
        login_as(factories.UserFactory(role="focal_point"))
    elif viewer == "staff":
        login_as(factories.UserFactory(role="staff"))
    db.session.commit()
    response = client.get("/projects/plan")
    visible = viewer == "lead_focal_point" or (viewer == "staff" and status != Status.DRAFT)
    assert response.status_code == (200 if visible else 404)
    if visible:
        assert f"Not published: {status.label}." in _text(response)
    assert "Planned project" not in _text(client.get("/projects/"))
    assert "Planned project" not in _text(client.get(f"/partners/{lead.slug}"))
    assert "Planned project" not in _text(client.get("/events/"))  # not a filter choice


def test_cancelled_project_stays_visible_as_cancelled(client):
    factories.ProjectFactory(
        slug="gone",
        title="Called-off project",
        status=Status.CANCELLED,
        cancel_reason="Funding withdrawn",
    )
    db.session.commit()
    assert "Called-off project" in _text(client.get("/projects/"))
    body = _text(client.get("/projects/gone"))
    assert "This project is cancelled." in body and "Funding withdrawn" in body


@pytest.mark.parametrize("url", ["/events/", "/events/past", "/projects/"])
def test_list_pages_are_public(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "status, visible", [(Status.DRAFT, False), (Status.SUBMITTED, True), (Status.REJECTED, True)]
)
def test_a_listed_project_partner_sees_the_proposal_once_submitted(
    client, login_as, status, visible
):
    from coordinator.activities.models import ProjectPartner

    member = factories.PartnerFactory()
    project = factories.ProjectFactory(slug="plan", status=status)
    db.session.add(ProjectPartner(project=project, partner=member))
    login_as(factories.UserFactory(role="focal_point", partner=member))
    assert client.get("/projects/plan").status_code == (200 if visible else 404)

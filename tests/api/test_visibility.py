"""The API never returns what the pages would not show the same person.

Every endpoint is walked as anonymous, a focal point of partner A, a focal point of partner B
and staff (their tokens carry the read scope), next to the pages those users see signed in:
private (network-only) events, drafts of another partner, submitted and rejected proposals,
cancelled events long past their cancellation, draft projects and an inactive partner.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from coordinator.activities.models import Status, Visibility
from coordinator.extensions import db
from tests import factories
from tests.api.conftest import bearer, make_token
from tests.conftest import login


@pytest.fixture
def world(app, partner, other_partner, focal_point, other_focal_point, staff):
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=90)
    make = factories.EventFactory
    events = {
        "public": make(lead_partner=partner),
        "network": make(lead_partner=partner, visibility=Visibility.NETWORK),
        "draft_a": make(lead_partner=partner, status=Status.DRAFT),
        "submitted_a": make(lead_partner=partner, status=Status.SUBMITTED),
        "draft_b": make(lead_partner=other_partner, status=Status.DRAFT),
        "rejected_b": make(lead_partner=other_partner, status=Status.REJECTED),
        "past": make(start_dt=now - timedelta(days=20), end_dt=now - timedelta(days=20, hours=-2)),
        "cancelled_long_ago": make(
            start_dt=long_ago,
            end_dt=long_ago + timedelta(hours=2),
            status=Status.CANCELLED,
            status_changed_dt=long_ago - timedelta(days=10),
        ),
        "cancelled_network": make(visibility=Visibility.NETWORK, status=Status.CANCELLED),
    }
    # A co-organiser named on a submitted proposal of A sees it; a pending one is not credited.
    factories.EventPartnerFactory(event=events["submitted_a"], partner=other_partner)
    factories.ProjectFactory(lead_partner=partner)
    factories.ProjectFactory(lead_partner=partner, status=Status.DRAFT)
    factories.ProjectFactory(lead_partner=other_partner, status=Status.SUBMITTED)
    factories.PartnerFactory(is_active=False)
    factories.ThemeFactory()
    factories.ThemeFactory(is_active=False)
    db.session.commit()
    return events


def _ids(html: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, html))


def _web_and_api(app, user):
    """A browser signed in as the user (or not), and API headers with a read token of theirs."""
    web = app.test_client()
    if user is None:
        return web, {}
    login(web, user)
    return web, bearer(make_token(user, ["read"]))


def _api_events(client, headers) -> set[str]:
    found, cursor = set(), None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/events", query_string=query, headers=headers).get_json()
        found |= {str(item["id"]) for item in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return found


@pytest.mark.parametrize("who", ["anonymous", "focal point of A", "focal point of B", "staff"])
def test_the_api_shows_exactly_what_the_pages_show(
    app, world, focal_point, other_focal_point, staff, who
):
    user = {
        "anonymous": None,
        "focal point of A": focal_point,
        "focal point of B": other_focal_point,
        "staff": staff,
    }[who]
    web, headers = _web_and_api(app, user)
    api = app.test_client()  # no session cookie: the token alone speaks for the user

    # Lists: the events list and archive, the projects and partners pages.
    listed = set()
    for page in ("/events/", "/events/past"):
        listed |= _ids(web.get(page).get_data(as_text=True), r'href="/events/(\d+)"')
    assert _api_events(api, headers) == listed
    projects_page = web.get("/projects/").get_data(as_text=True)
    api_projects = api.get("/api/v1/projects", headers=headers).get_json()["items"]
    assert {p["slug"] for p in api_projects} == _ids(
        projects_page, r'href="/projects/([a-z0-9-]+)"'
    )
    partners_page = web.get("/partners/").get_data(as_text=True)
    api_partners = api.get("/api/v1/partners", headers=headers).get_json()["items"]
    assert {p["slug"] for p in api_partners} == (
        _ids(partners_page, r'href="/partners/([a-z0-9-]+)"') - {"new"}
    )

    # Single objects: 200 from the API exactly where the page answers 200, else 404.
    for event in world.values():
        page = web.get(f"/events/{event.id}").status_code
        answer = api.get(f"/api/v1/events/{event.id}", headers=headers)
        assert (answer.status_code, page) in ((200, 200), (404, 404)), (who, event)
    from coordinator.activities.models import Project
    from coordinator.partners.models import Partner

    for project in db.session.query(Project):
        page = web.get(f"/projects/{project.slug}").status_code
        assert api.get(f"/api/v1/projects/{project.slug}", headers=headers).status_code == page
    for partner in db.session.query(Partner):
        page = web.get(f"/partners/{partner.slug}").status_code
        assert api.get(f"/api/v1/partners/{partner.slug}", headers=headers).status_code == page
    db.session.rollback()

    # The partner's own activities: nothing the "My partner's activities" page does not list.
    mine = api.get("/api/v1/me/activities", headers=headers)
    my_page = web.get("/my/activities")
    if user is None:
        assert mine.status_code == 401
    elif my_page.status_code == 403:
        assert mine.status_code == 403
    else:
        html = my_page.get_data(as_text=True)
        shown = _ids(html, r'href="/events/(\d+)/manage"')
        items = mine.get_json()["items"]
        assert {str(i["id"]) for i in items if i["type"] == "event"} <= shown
        assert {str(i["id"]) for i in items if i["type"] == "event"}


def test_what_each_role_sees(app, world, focal_point, other_focal_point):
    """The walk above compares with the pages; this pins what those pages show."""
    api = app.test_client()
    anonymous = _api_events(api, {})
    assert str(world["network"].id) not in anonymous
    assert str(world["cancelled_network"].id) not in anonymous
    assert str(world["cancelled_long_ago"].id) in anonymous  # the archive keeps it, marked
    signed_in = _api_events(api, bearer(make_token(other_focal_point, ["read"])))
    assert str(world["network"].id) in signed_in
    assert not {str(world[k].id) for k in ("draft_a", "submitted_a", "draft_b")} & signed_in
    a = bearer(make_token(focal_point, ["read"]))
    assert api.get(f"/api/v1/events/{world['draft_b'].id}", headers=a).status_code == 404
    assert api.get(f"/api/v1/events/{world['draft_a'].id}", headers=a).status_code == 200
    # The propose scope alone reads as anonymous.
    propose = bearer(make_token(focal_point, ["propose"]))
    assert api.get(f"/api/v1/events/{world['network'].id}", headers=propose).status_code == 404

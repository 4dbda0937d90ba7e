"""The signed-in lists that grow with the network (the review queue, the home page's tasks, the
dashboard's waiting list, My partner's activities) show a bounded part, with the total and a
way to the rest; their statements do not grow with the data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coordinator.activities import proposals
from coordinator.activities.inbox import HOME_LIMIT
from coordinator.activities.models import EventRevision, Status
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.insight.dashboard import WAITING_LIMIT
from tests import factories
from tests.activities.helpers import Cast
from tests.test_page_query_counts import count_statements


def _submitted(cast: Cast, count: int, start: int = 0) -> list:
    """`count` submitted events of the cast's lead, "Proposal 0" waiting the longest."""
    return [
        cast.event(
            Status.SUBMITTED,
            title=f"Proposal {start + number}",
            submitted_dt=utcnow() - timedelta(hours=1000 - start - number),
        )
        for number in range(count)
    ]


def _titles(html: str) -> list[str]:
    return re.findall(r"Proposal \d+", html)


# --- the review queue -----------------------------------------------------------------------


def test_the_review_queue_pages_oldest_first_keeping_its_filters(
    app, client, login_as, monkeypatch
):
    monkeypatch.setattr(proposals, "QUEUE_PAGE_SIZE", 2)
    cast = Cast()
    _submitted(cast, 5)
    factories.EventFactory(status=Status.SUBMITTED, title="Elsewhere", submitted_dt=utcnow())
    login_as(cast.staff)

    first = client.get(f"/review/?partner={cast.lead_partner.slug}").get_data(as_text=True)
    assert _titles(first) == ["Proposal 0", "Proposal 1"]
    assert "Items waiting: 5, oldest first." in first
    assert "Elsewhere" not in first
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert f"partner={cast.lead_partner.slug}" in next_url and "page=2" in next_url
    assert 'rel="prev"' not in first

    second = client.get(next_url).get_data(as_text=True)
    assert _titles(second) == ["Proposal 2", "Proposal 3"]
    assert 'rel="prev"' in second and 'rel="next"' in second
    last = client.get(f"/review/?partner={cast.lead_partner.slug}&page=3").get_data(as_text=True)
    assert _titles(last) == ["Proposal 4"] and 'rel="next"' not in last

    # A page past the end (the queue shrank since the link was made) leads to the last one.
    past = client.get(f"/review/?partner={cast.lead_partner.slug}&page=9")
    assert past.status_code == 302 and "page=3" in past.headers["Location"]
    # Junk in the page number is the first page, not an error.
    for junk in ("abc", "0", "-3"):
        page = client.get(f"/review/?page={junk}").get_data(as_text=True)
        assert _titles(page)[:2] == ["Proposal 0", "Proposal 1"] and 'rel="prev"' not in page
        assert "/review/?page=2" in page


def test_awaiting_review_orders_every_kind_before_loading_one_page(app):
    cast = Cast()
    now = utcnow()
    oldest = cast.event(Status.SUBMITTED, submitted_dt=now - timedelta(days=3))
    project = factories.ProjectFactory(
        status=Status.SUBMITTED, submitted_dt=now - timedelta(days=2)
    )
    newest = cast.event(Status.SUBMITTED, submitted_dt=now - timedelta(days=1))
    db.session.commit()

    page = proposals.awaiting_review(limit=2)
    assert page.total == 3 and page.more == 1
    assert [(item.kind, (item.event or item.project).id) for item in page] == [
        ("event", oldest.id),
        ("project", project.id),
    ]
    rest = proposals.awaiting_review(limit=2, offset=2)
    assert [item.event.id for item in rest] == [newest.id] and rest.total == 3
    assert proposals.awaiting_review(("project",), limit=5).total == 1
    assert proposals.awaiting_review((), limit=5).total == 0


# --- the home page and the dashboard ----------------------------------------------------------


def test_the_staff_home_shows_the_oldest_proposals_the_total_and_a_way_to_the_rest(
    app, client, login_as
):
    cast = Cast()
    _submitted(cast, HOME_LIMIT + 2)
    login_as(cast.staff)
    html = client.get("/").get_data(as_text=True)
    section = html[
        html.index('data-testid="review-tasks"') : html.index('data-testid="revision-tasks"')
    ]
    assert _titles(section) == [f"Proposal {n}" for n in range(HOME_LIMIT)]
    assert f'<span class="badge text-bg-secondary">{HOME_LIMIT + 2}</span>' in section
    more = re.search(r'<a href="([^"]+)" data-testid="review-tasks-more">\+2 more</a>', section)
    assert more and more.group(1) == "/review/?kind=event&amp;kind=project"


def test_the_focal_point_home_shows_the_latest_drafts_the_total_and_a_way_to_the_rest(
    app, client, login_as
):
    cast = Cast()
    for number in range(HOME_LIMIT + 3):
        cast.event(Status.DRAFT, title=f"Proposal {number}")
    login_as(cast.lead)
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('data-testid="draft-tasks"') :]
    assert len(_titles(section)) == HOME_LIMIT
    assert f'<span class="badge text-bg-secondary">{HOME_LIMIT + 3}</span>' in section
    assert 'data-testid="draft-tasks-more">+3 more</a>' in section
    # The badge in the navigation counts every task, not the ones shown.
    assert f"({HOME_LIMIT + 3} waiting for you)" in html


def test_the_dashboard_lists_the_oldest_waiting_with_the_total(app, client, login_as):
    cast = Cast()
    _submitted(cast, WAITING_LIMIT + 1)
    login_as(cast.staff)
    html = client.get("/staff/").get_data(as_text=True)
    assert len(_titles(html)) == WAITING_LIMIT and f"Proposal {WAITING_LIMIT}" not in html
    assert f'<span class="badge text-bg-secondary">{WAITING_LIMIT + 1}</span>' in html
    assert 'data-testid="waiting-more">+1 more</a>' in html


# --- My partner's activities ------------------------------------------------------------------


def test_my_activities_shows_the_latest_of_each_state_and_links_to_the_whole_list(
    app, client, login_as, monkeypatch
):
    cast = Cast()
    start = utcnow() + timedelta(days=30)
    for number in range(proposals.SPACE_LIMIT + 2):
        cast.event(
            Status.DRAFT,
            title=f"Proposal {number}",
            start_dt=start + timedelta(days=number),
            end_dt=start + timedelta(days=number, hours=2),
        )
    cast.event(Status.SUBMITTED, title="Waiting one")
    factories.EventFactory(status=Status.DRAFT, title="Another partner's draft")
    login_as(cast.lead)

    html = client.get("/my/activities").get_data(as_text=True)
    latest_first = [f"Proposal {n}" for n in range(proposals.SPACE_LIMIT + 1, 1, -1)]
    assert _titles(html) == latest_first
    assert f"({proposals.SPACE_LIMIT + 2})" in html and "Waiting one" in html
    assert '<a href="/my/activities?show=events-draft">+2 more</a>' in html

    monkeypatch.setattr(proposals, "SPACE_PAGE_SIZE", 5)
    first = client.get("/my/activities?show=events-draft").get_data(as_text=True)
    assert _titles(first) == latest_first[:5]
    assert "Another partner" not in first and "Waiting one" not in first
    assert 'data-testid="space-list-heading"' in first and ">12</span>" in first
    third = client.get("/my/activities?show=events-draft&page=3").get_data(as_text=True)
    assert _titles(third) == ["Proposal 1", "Proposal 0"] and 'rel="next"' not in third
    assert client.get("/my/activities?show=events-draft&page=7").status_code == 302


def test_the_changes_waiting_for_staff_lead_from_the_home_page_to_their_whole_list(
    app, client, login_as
):
    cast = Cast()
    for number in range(HOME_LIMIT + 1):
        event = cast.event(Status.APPROVED, title=f"Proposal {number}")
        db.session.add(EventRevision(event=event, data={"title": f"Changed {number}"}))
    other = factories.EventFactory(status=Status.APPROVED, title="Another partner's event")
    db.session.add(EventRevision(event=other, data={"title": "Not ours"}))
    db.session.commit()
    login_as(cast.lead)
    home = client.get("/").get_data(as_text=True)
    section = home[
        home.index('data-testid="revisions-waiting"') : home.index('data-testid="next-events"')
    ]
    assert len(_titles(section)) == HOME_LIMIT
    more = re.search(
        r'<a href="([^"]+)" data-testid="revisions-waiting-more">\+1 more</a>', section
    )
    assert more and more.group(1) == "/my/activities?show=changes-waiting"
    full = client.get(more.group(1)).get_data(as_text=True)
    assert sorted(_titles(full)) == sorted(f"Proposal {n}" for n in range(HOME_LIMIT + 1))
    assert "Another partner" not in full and "proposed" in full


@pytest.mark.parametrize("name", ["events-nonsense", "everything", "events-", ""])
def test_an_unknown_list_of_the_space_is_not_found(app, client, login_as, name):
    cast = Cast()
    login_as(cast.lead)
    assert client.get(f"/my/activities?show={name}").status_code == 404


def test_the_requests_to_answer_are_bounded_and_listed_in_full_on_their_own_page(
    app, client, login_as
):
    cast = Cast()
    for number in range(proposals.SPACE_LIMIT + 1):
        cast.event(
            Status.SUBMITTED,
            title=f"Proposal {number}",
            start_dt=utcnow() + timedelta(days=number + 1),
            end_dt=utcnow() + timedelta(days=number + 1, hours=1),
        )
    login_as(cast.co_organiser)
    html = client.get("/my/activities").get_data(as_text=True)
    assert len(_titles(html)) == proposals.SPACE_LIMIT
    assert '<a href="/my/activities?show=event-requests">+1 more</a>' in html
    full = client.get("/my/activities?show=event-requests").get_data(as_text=True)
    assert _titles(full) == [f"Proposal {n}" for n in range(proposals.SPACE_LIMIT + 1)]
    # The lead's own page lists none of them as requests.
    login_as(cast.lead)
    assert "Proposal" not in client.get("/my/activities?show=event-requests").get_data(as_text=True)


# --- statements ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("staff", "/review/"),
        ("staff", "/"),
        ("lead", "/"),
        ("lead", "/my/activities"),
        ("lead", "/my/activities?show=events-submitted"),
        ("co_organiser", "/my/activities"),
        ("co_organiser", "/my/activities?show=event-requests"),
    ],
)
def test_signed_in_lists_cost_the_same_statements_with_more_data(
    app, client, login_as, exact_query_counts, role, url, monkeypatch
):
    monkeypatch.setattr(proposals, "QUEUE_PAGE_SIZE", 3)
    monkeypatch.setattr(proposals, "SPACE_PAGE_SIZE", 3)
    cast = Cast()

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            for status in (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED):
                cast.event(status, title=f"Proposal {number}")

    add(HOME_LIMIT + 1, 0)  # every list past its limit already
    login_as(cast.user(role))
    small = count_statements(client, url)
    # count_statements ends the session, as a request does: the cast joins the new one.
    for name in ("lead_partner", "co_partner", "lead"):
        setattr(cast, name, db.session.merge(getattr(cast, name)))
    add(2 * HOME_LIMIT, HOME_LIMIT + 1)
    assert count_statements(client, url) == small

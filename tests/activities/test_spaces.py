"""The focal point's space and the staff review queue."""

from __future__ import annotations

from datetime import timedelta

from coordinator.activities import services
from coordinator.activities.models import Status
from coordinator.activities.workflow import Action
from coordinator.db import utcnow
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import Cast


def test_my_activities_groups_by_state_with_comments_and_history(app, client, login_as):
    cast = Cast()
    sent_back = cast.event(Status.DRAFT, title="Sent back event")
    services.transition(cast.lead, sent_back, Action.SUBMIT)
    services.transition(cast.staff, sent_back, Action.REQUEST_CHANGES, "Say who speaks.")
    cast.event(Status.DRAFT, title="Fresh draft")
    factories.EventFactory(lead_partner=cast.lead_partner, status=Status.APPROVED, title="Live one")
    db.session.commit()
    login_as(cast.lead)
    html = client.get("/my/activities").get_data(as_text=True)
    order = [html.index(t) for t in ("Sent back event", "Fresh draft", "Live one")]
    assert order == sorted(order)  # needs-action first
    assert "Changes requested" in html
    assert "Staff comment:</strong> <bdi>Say who speaks.</bdi>" in html
    assert "request changes" in html and "(submitted → changes requested)" in html


def test_review_queue_oldest_first_and_filters(app, client, login_as):
    cast = Cast()
    theme = factories.ThemeFactory(slug="water")
    newer = cast.event(Status.SUBMITTED, title="Newer proposal", submitted_dt=utcnow())
    older = cast.event(
        Status.SUBMITTED,
        title="Older proposal",
        themes=[theme],
        submitted_dt=utcnow() - timedelta(days=3),
    )
    other = factories.EventFactory(
        status=Status.SUBMITTED,
        title="Elsewhere proposal",
        submitted_dt=utcnow() - timedelta(days=1),
    )
    project = factories.ProjectFactory(
        lead_partner=cast.lead_partner,
        status=Status.SUBMITTED,
        title="Project proposal",
        submitted_dt=utcnow() - timedelta(days=2),
    )
    published = cast.event(Status.APPROVED, title="Published one")
    data = {name: getattr(published, name) for name in services.EVENT_FIELDS}
    revision = services.edit_event(
        cast.lead,
        published,
        {
            **data,
            "title": "Published renamed",
            "theme_ids": [],
            "partner_ids": [cast.co_partner.id],
        },
    )
    cast.event(Status.DRAFT, title="Draft never shown")
    db.session.commit()
    login_as(cast.staff)

    html = client.get("/review/").get_data(as_text=True)
    titles = [
        "Older proposal",
        "Project proposal",
        "Elsewhere proposal",
        "Newer proposal",
        "Published one",
    ]
    positions = [html.index(t) for t in titles]
    assert positions == sorted(positions)
    assert "Draft never shown" not in html
    assert f'data-testid="queue-revision-{revision.id}"' in html

    only_projects = client.get("/review/?kind=project").get_data(as_text=True)
    assert "Project proposal" in only_projects and "Older proposal" not in only_projects
    by_partner = client.get(f"/review/?partner={other.lead_partner.slug}").get_data(as_text=True)
    assert "Elsewhere proposal" in by_partner and "Older proposal" not in by_partner
    by_theme = client.get("/review/?theme=water").get_data(as_text=True)
    assert "Older proposal" in by_theme and "Newer proposal" not in by_theme
    assert project.title not in by_theme
    assert newer.id and older.id
    hostile = client.get("/review/?kind=%00&partner=%3Cscript%3E&theme=" + "x" * 5000)
    assert hostile.status_code == 200


def test_proposer_sees_the_staff_comment_on_the_manage_page(app, client, login_as):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    services.transition(cast.staff, event, Action.REJECT, "Outside the network's remit.")
    db.session.commit()
    login_as(cast.lead)
    html = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert "Outside the network&#39;s remit." in html
    assert "Nothing for you to do here now." in html

"""The partial the public event page includes: it offers only what the viewer may do."""

from __future__ import annotations

import pytest
from flask import render_template
from flask_login import login_user

from coordinator.activities.models import Status
from tests.activities.helpers import Cast


def render_for(app, user, event) -> str:
    with app.test_request_context("/"):
        if user is not None:
            login_user(user)
        return render_template("activities/_event_actions.html", event=event)


@pytest.mark.parametrize(
    "role,status,expected",
    [
        ("anonymous", Status.APPROVED, set()),
        ("unrelated", Status.APPROVED, set()),
        ("lead", Status.APPROVED, {"manage", "Propose changes", "Cancel the event"}),
        ("co_organiser", Status.APPROVED, {"manage", "Confirm or decline"}),
        ("staff", Status.APPROVED, {"manage", "Cancel the event"}),
        ("staff", Status.SUBMITTED, {"manage", "Decide on this proposal"}),
        ("lead", Status.CANCELLED, {"manage"}),
        ("co_organiser", Status.CANCELLED, {"manage"}),
    ],
)
def test_partial_hides_what_the_viewer_may_not_do(app, role, status, expected):
    cast = Cast()
    event = cast.event(status)
    user = None if role == "anonymous" else cast.user(role)
    html = render_for(app, user, event)
    offered = {
        label
        for label in (
            "Propose changes",
            "Cancel the event",
            "Confirm or decline",
            "Decide on this proposal",
        )
        if label in html
    }
    if f"/events/{event.id}/manage" in html:
        offered.add("manage")
    assert offered == expected

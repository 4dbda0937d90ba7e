"""The clash warning: same city on overlapping dates, or a shared theme in the same week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coordinator.activities.clashes import find_clashes
from coordinator.activities.models import Status, Visibility
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import event_form_data

START = datetime(2030, 6, 3, 7, 30, tzinfo=UTC)  # Monday 3 June 2030, 09:30 in Paris


def _clash(viewer, **kw):
    args = {
        "start_dt": START,
        "end_dt": START + timedelta(hours=8),
        "timezone": "Europe/Paris",
        "city": "Marseille",
        "theme_ids": [],
    }
    args.update(kw)
    return find_clashes(viewer, **args)


def test_same_city_overlap_and_shared_theme_same_week(app, focal_point, other_partner):
    theme = factories.ThemeFactory(name="Water")
    same_city = factories.EventFactory(
        lead_partner=other_partner,
        city="marseille ",
        start_dt=START + timedelta(hours=2),
        end_dt=START + timedelta(hours=4),
    )
    same_theme = factories.EventFactory(
        lead_partner=other_partner,
        city="Tunis",
        start_dt=START + timedelta(days=3),
        end_dt=START + timedelta(days=3, hours=2),
        themes=[theme],
    )
    factories.EventFactory(
        lead_partner=other_partner,
        city="Marseille",  # a day later: no overlap
        start_dt=START + timedelta(days=1),
        end_dt=START + timedelta(days=1, hours=2),
    )
    factories.EventFactory(
        lead_partner=other_partner,
        city="Tunis",
        themes=[theme],  # next week
        start_dt=START + timedelta(days=7),
        end_dt=START + timedelta(days=7, hours=1),
    )
    factories.EventFactory(
        lead_partner=other_partner,
        city="Marseille",
        status=Status.CANCELLED,
        start_dt=START,
        end_dt=START + timedelta(hours=1),
    )
    factories.EventFactory(
        lead_partner=other_partner,
        city="Marseille",
        status=Status.DRAFT,
        start_dt=START,
        end_dt=START + timedelta(hours=1),
    )
    visible, hidden = _clash(focal_point, theme_ids=[theme.id])
    assert [c.event for c in visible] == [same_city, same_theme]
    assert "same city" in visible[0].reasons[0]
    assert "shared theme: Water" in visible[1].reasons[0]
    assert hidden == 0


def test_other_partners_proposals_under_review_are_counted_not_shown(
    app, focal_point, other_partner, staff
):
    secret = factories.EventFactory(
        lead_partner=other_partner,
        status=Status.SUBMITTED,
        title="Unannounced summit",
        start_dt=START,
        end_dt=START + timedelta(hours=2),
    )
    visible, hidden = _clash(focal_point)
    assert visible == [] and hidden == 1
    visible, hidden = _clash(staff)
    assert [c.event for c in visible] == [secret] and hidden == 0


def test_network_only_events_warn_signed_in_proposers(app, focal_point, other_partner):
    factories.EventFactory(
        lead_partner=other_partner,
        visibility=Visibility.NETWORK,
        start_dt=START,
        end_dt=START + timedelta(hours=1),
    )
    assert len(_clash(focal_point)[0]) == 1


def test_the_form_shows_the_warning_without_blocking(
    app, client, login_as, focal_point, other_partner
):
    factories.EventFactory(
        lead_partner=other_partner,
        title="Harbour day",
        city="Marseille",
        start_dt=datetime(2030, 6, 3, 8, 0, tzinfo=UTC),
        end_dt=datetime(2030, 6, 3, 12, 0, tzinfo=UTC),
    )
    login_as(focal_point)
    response = client.post("/events/new", data=event_form_data(check="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Harbour day" in html and "same city" in html
    response = client.post("/events/new", data=event_form_data())
    assert response.status_code == 302  # a warning, not a block
    manage = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Harbour day" in manage
    db.session.rollback()

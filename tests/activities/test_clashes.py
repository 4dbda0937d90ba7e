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


# --- Partner already involved, same city: on overlapping local days -------------------------


def _event(lead, *, hours_from_start=0, hours=2, **kw):
    kw.setdefault("city", "Tunis")
    start = START + timedelta(hours=hours_from_start)
    return factories.EventFactory(
        lead_partner=lead, start_dt=start, end_dt=start + timedelta(hours=hours), **kw
    )


def test_a_partner_of_the_proposal_already_involved_that_day(app, focal_point, partner):
    """The lead or any co-organiser of the proposal takes part in another event that day, at
    another time, elsewhere, on another theme: the clash that matters most."""
    cmi = factories.PartnerFactory(acronym="CMI")
    ufm = factories.PartnerFactory(acronym="UfM")
    other = factories.PartnerFactory(acronym="ACR+")
    co_organised = _event(ufm, hours_from_start=9, title="Co-organised by CMI")  # 18:30 Paris
    factories.EventPartnerFactory(event=co_organised, partner=cmi)
    led = _event(other, hours_from_start=-6, title="Led by the proposer's partner")
    led.lead_partner = partner
    unrelated = _event(other, title="Nobody of ours")
    visible, hidden = _clash(focal_point, city="Marseille", partner_ids=[partner.id, cmi.id])
    assert hidden == 0
    by_title = {c.event.title: c.reasons for c in visible}
    assert set(by_title) == {"Co-organised by CMI", "Led by the proposer's partner"}
    assert by_title["Co-organised by CMI"] == ["same day, same partner: CMI"]
    assert by_title["Led by the proposer's partner"] == [
        f"same day, same partner: {partner.acronym}"
    ]
    assert unrelated.title not in by_title


def test_involvement_ignores_cancelled_events_declined_answers_and_other_days(
    app, focal_point, partner
):
    from coordinator.activities.models import Confirmation

    cmi = factories.PartnerFactory(acronym="CMI")
    ufm = factories.PartnerFactory(acronym="UfM")
    cancelled = _event(cmi, status=Status.CANCELLED)
    declined = _event(ufm, title="Declined by CMI")
    factories.EventPartnerFactory(event=declined, partner=cmi, confirmation=Confirmation.DECLINED)
    _event(cmi, hours_from_start=24, title="Next day")
    _event(cmi, status=Status.DRAFT, title="A draft")
    assert cancelled.is_cancelled
    assert _clash(focal_point, city="", partner_ids=[cmi.id]) == ([], 0)


def test_involvement_reads_days_in_each_events_own_zone(app, focal_point):
    """23:00 in Beirut on 3 June is 22:00 in Paris that day: the same day for both; an all-day
    event ending at midnight takes no part in the next day."""
    cmi = factories.PartnerFactory(acronym="CMI")
    late = datetime(2030, 6, 3, 20, 0, tzinfo=UTC)  # 23:00 in Beirut
    factories.EventFactory(
        lead_partner=cmi,
        title="Late in Beirut",
        timezone="Asia/Beirut",
        start_dt=late,
        end_dt=late + timedelta(minutes=30),
    )
    midnight = datetime(2030, 6, 1, 22, 0, tzinfo=UTC)  # 2 June 00:00 in Paris
    factories.EventFactory(
        lead_partner=cmi,
        title="All day on 2 June",
        is_all_day=True,
        start_date=datetime(2030, 6, 2).date(),
        end_date=datetime(2030, 6, 2).date(),
        start_dt=midnight,
        end_dt=midnight + timedelta(days=1),
    )
    visible, _ = _clash(focal_point, city="", partner_ids=[cmi.id])
    assert [c.event.title for c in visible] == ["Late in Beirut"]


def test_same_city_on_overlapping_dates_not_only_overlapping_hours(app, focal_point):
    ufm = factories.PartnerFactory(acronym="UfM")
    _event(ufm, hours_from_start=9, city="MARSEILLE", title="Evening in Marseille")
    _event(ufm, hours_from_start=24, city="Marseille", title="Next day in Marseille")
    _event(ufm, city="Tunis", title="Same hours in Tunis")
    visible, _ = _clash(focal_point, city="Marseille")
    assert [(c.event.title, c.reasons) for c in visible] == [
        ("Evening in Marseille", ["same city (MARSEILLE) on overlapping dates"])
    ]


def test_one_event_can_clash_for_several_plain_reasons(app, focal_point):
    cmi = factories.PartnerFactory(acronym="CMI")
    theme = factories.ThemeFactory(name="Water")
    _event(cmi, city="Marseille", themes=[theme])
    [clash], _ = _clash(focal_point, theme_ids=[theme.id], partner_ids=[cmi.id])
    assert clash.reasons == [
        "same day, same partner: CMI",
        "same city (Marseille) on overlapping dates",
        "same week, shared theme: Water",
    ]


def test_the_form_warns_when_a_chosen_co_organiser_is_busy_that_day(
    app, client, login_as, focal_point
):
    cmi = factories.PartnerFactory(acronym="CMI", name="Centre for Mediterranean Integration")
    ufm = factories.PartnerFactory(acronym="UfM", name="Union for the Mediterranean")
    busy = factories.EventFactory(
        lead_partner=ufm,
        title="Ministerial dialogue",
        city="Barcelona",
        start_dt=datetime(2030, 6, 3, 16, 0, tzinfo=UTC),
        end_dt=datetime(2030, 6, 3, 18, 0, tzinfo=UTC),
    )
    factories.EventPartnerFactory(event=busy, partner=cmi)
    login_as(focal_point)
    data = event_form_data(check="1", partner_ids=[str(cmi.id)])
    html = client.post("/events/new", data=data).get_data(as_text=True)
    assert "Ministerial dialogue" in html and "same day, same partner: CMI" in html
    assert "fall close to yours" in html
    alone = client.post("/events/new", data=event_form_data(check="1")).get_data(as_text=True)
    assert "Ministerial dialogue" not in alone
    db.session.rollback()


def test_staff_read_whose_events_clash_not_yours(app, client, login_as, staff):
    cmi = factories.PartnerFactory(acronym="CMI")
    ufm = factories.PartnerFactory(acronym="UfM")
    lead = factories.UserFactory(role="focal_point", partner=cmi)
    proposal = _event(cmi, status=Status.SUBMITTED, title="CMI urban lab", city="Marseille")
    busy = _event(ufm, hours_from_start=4, title="UfM forum", city="Rabat")
    factories.EventPartnerFactory(event=busy, partner=cmi)
    login_as(staff)
    html = client.get(f"/events/{proposal.id}/manage").get_data(as_text=True)
    clashes = html.split('id="clashes-heading"')[1].split("</section>")[0]
    assert "UfM forum" in clashes and "same day, same partner: CMI" in clashes
    assert "These events by <bdi>CMI and UfM</bdi> fall close together" in clashes
    assert "yours" not in clashes
    login_as(lead)
    html = client.get(f"/events/{proposal.id}/manage").get_data(as_text=True)
    assert "fall close to yours" in html
    db.session.rollback()

"""What a digest holds and when it is sent: the recipient's own days and weeks (across DST and
month ends), each event once, newest first, grouped by what matched, never empty, never twice,
in the recipient's language."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from coordinator.activities import services as activities
from coordinator.activities.models import Confirmation, Status
from coordinator.extensions import db
from coordinator.following import services
from coordinator.following.models import DigestSent, FollowKind, Period
from tests import factories
from tests.following.helpers import Network, digests, send_at, utc

SUMMER = utc(2028, 6, 1, 8)  # when the events take place: upcoming at every sending below


def _titled(network: Network, title: str, **kwargs):
    return network.submitted_event(SUMMER, title=title, **kwargs)


def test_a_daily_digest_covers_the_recipients_local_day_across_the_spring_change(app):
    network = Network()
    # Paris moves to summer time at 01:00 UTC on Sunday 28 March 2027: that day is 23 hours,
    # from 27 March 23:00 UTC to 28 March 22:00 UTC.
    before = _titled(network, "Just before the day")
    first = _titled(network, "First minute of the day")
    last = _titled(network, "Last hour of the day")
    after = _titled(network, "Already the next day")
    network.approve_at(before, utc(2027, 3, 27, 22, 59))
    network.approve_at(first, utc(2027, 3, 27, 23, 0))
    network.approve_at(last, utc(2027, 3, 28, 21, 30))  # 23:30 in Paris
    network.approve_at(after, utc(2027, 3, 28, 22, 0))  # 00:00 on the 29th in Paris

    send_at(utc(2027, 3, 28, 22, 45))
    [digest] = digests()
    assert digest.recipient == network.follower.email
    body = digest.body_text
    assert "First minute of the day" in body and "Last hour of the day" in body
    assert "Just before the day" not in body and "Already the next day" not in body
    # Newest first.
    assert body.index("Last hour of the day") < body.index("First minute of the day")

    send_at(utc(2027, 3, 29, 22, 30))
    assert "Already the next day" in digests()[-1].body_text
    assert "Last hour of the day" not in digests()[-1].body_text


def test_a_daily_digest_covers_the_25_hour_day_of_the_autumn_change_and_a_month_end(app):
    network = Network()
    early = _titled(network, "At local midnight")
    late = _titled(network, "In the repeated hour's day, late")
    november = _titled(network, "On the first of November")
    # Sunday 31 October 2027 in Paris: 30 October 22:00 UTC to 31 October 23:00 UTC.
    network.approve_at(early, utc(2027, 10, 30, 22, 0))
    network.approve_at(late, utc(2027, 10, 31, 22, 30))  # 23:30 local, after the change
    network.approve_at(november, utc(2027, 10, 31, 23, 0))
    send_at(utc(2027, 11, 1, 6))
    [digest] = digests()
    assert "At local midnight" in digest.body_text
    assert "In the repeated hour's day, late" in digest.body_text
    assert "On the first of November" not in digest.body_text


def test_a_weekly_digest_runs_monday_to_monday_across_the_autumn_change_and_month_end(app):
    network = Network()
    services.set_digest_period(network.follower, Period.WEEKLY)
    db.session.commit()
    inside = {
        "Monday, first instant": utc(2027, 10, 24, 22, 0),  # 00:00 on Mon 25 Oct, summer time
        "Sunday night, winter time": utc(2027, 10, 31, 22, 59),  # 23:59 on Sun 31 Oct
    }
    outside = {
        "The Sunday before": utc(2027, 10, 24, 21, 59),
        "Monday 1 November": utc(2027, 10, 31, 23, 0),
    }
    for title, moment in {**inside, **outside}.items():
        network.approve_at(_titled(network, title), moment)
    send_at(utc(2027, 11, 3, 9))  # a Wednesday: the last completed week is 25 Oct – 1 Nov
    [digest] = digests()
    for title in inside:
        assert title in digest.body_text
    for title in outside:
        assert title not in digest.body_text
    assert "weekly" in digest.subject


def test_an_event_changed_twice_and_matching_two_follows_appears_once(app):
    network = Network()
    services.follow(network.follower, FollowKind.COUNTRY, "FR")
    event = _titled(network, "Water forum", country="FR")
    network.approve_at(event, utc(2027, 5, 3, 8))
    for hour, venue in ((10, "Villa Méditerranée"), (15, "Palais du Pharo")):
        revision = activities.propose_imported_revision(network.lead, event, {"venue": venue})
        with time_machine.travel(utc(2027, 5, 3, hour), tick=False):
            activities.approve_revision(network.staff, revision)
            db.session.commit()
    send_at(utc(2027, 5, 4, 1))
    [digest] = digests()
    assert digest.body_text.count("Water forum") == 1
    # Under the first follow it matches (partners come before countries).
    assert digest.body_text.index(network.partner.name) < digest.body_text.index("Water forum")
    assert "Country:" not in digest.body_text


def test_events_are_grouped_by_what_matched(app):
    network = Network()
    theme = factories.ThemeFactory(name="Water")
    services.follow(network.follower, FollowKind.THEME, str(theme.id))
    other_partner = factories.PartnerFactory()
    themed = factories.EventFactory(
        lead_partner=other_partner,
        status=Status.SUBMITTED,
        start_dt=SUMMER,
        end_dt=SUMMER + timedelta(hours=2),
        title="Themed elsewhere",
        themes=[theme],
    )
    own = _titled(network, "By the followed partner")
    unrelated = factories.EventFactory(
        lead_partner=other_partner,
        status=Status.SUBMITTED,
        start_dt=SUMMER,
        end_dt=SUMMER + timedelta(hours=2),
        title="Nobody follows this",
    )
    for number, event in enumerate((themed, own, unrelated)):
        network.approve_at(event, utc(2027, 5, 3, 8 + number))
    send_at(utc(2027, 5, 4, 1))
    body = digests()[0].body_text
    assert f"== Partner: {network.partner.name} ==" in body
    assert "== Theme: Water ==" in body
    assert body.index("Partner:") < body.index("By the followed partner") < body.index("Theme:")
    assert body.index("Theme:") < body.index("Themed elsewhere")
    assert "Nobody follows this" not in body


def test_past_unpublished_and_network_only_events_are_left_out_for_subscribers(app):
    network = Network()
    network_only = _titled(network, "Members only", visibility="network")
    network.approve_at(network_only, utc(2027, 5, 3, 8))
    subscription = _confirmed_subscription(partner_ids=[network.partner.id])
    past = network.submitted_event(utc(2027, 5, 3, 1), title="Already over")
    network.approve_at(past, utc(2027, 5, 3, 9))
    _titled(network, "Still submitted")
    send_at(utc(2027, 5, 4, 1))
    by_recipient = {m.recipient: m for m in digests()}
    assert "Members only" in by_recipient[network.follower.email].body_text
    assert subscription.email not in by_recipient  # nothing it may see: no digest at all
    assert "Already over" not in by_recipient[network.follower.email].body_text


def test_an_empty_digest_is_not_sent_but_its_period_is_recorded(app):
    network = Network()
    report = send_at(utc(2027, 5, 4, 1))
    assert digests() == []
    assert report.empty == 1 and report.sent == 0
    assert db.session.query(DigestSent).one().item_count == 0
    del network


def test_sending_twice_sends_nothing_twice(app):
    network = Network()
    network.approve_at(_titled(network, "Once only"), utc(2027, 5, 3, 8))
    first = send_at(utc(2027, 5, 4, 1))
    second = send_at(utc(2027, 5, 4, 2))  # the same day has ended: already sent
    assert (first.sent, second.sent, second.already) == (1, 0, 1)
    assert len(digests()) == 1


def test_the_digests_send_command_is_idempotent(app):
    network = Network()
    network.approve_at(_titled(network, "Command run"), utc(2027, 5, 3, 8))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["digests", "send", "--now", "2027-05-04T01:00:00"])
    second = runner.invoke(args=["digests", "send", "--now", "2027-05-04T01:30:00"])
    assert first.exit_code == 0, first.output
    assert "1 digest(s) sent" in first.output
    assert "0 digest(s) sent" in second.output and "1 already sent" in second.output
    assert len(digests()) == 1
    bad = runner.invoke(args=["digests", "send", "--now", "yesterday"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output


def test_the_digest_is_in_the_recipients_language(app):
    network = Network(locale="fr")
    services.follow(network.follower, FollowKind.COUNTRY, "MA")
    network.approve_at(_titled(network, "Forum de l'eau", country="MA"), utc(2027, 3, 3, 8))
    send_at(utc(2027, 3, 4, 1))
    [digest] = digests()
    assert digest.body_text.startswith(f"Bonjour {network.follower.name},")
    assert "mars" in digest.subject  # the date, as French writes it
    assert "Hello" not in digest.body_text


def test_a_subscribers_digest_is_in_the_language_they_subscribed_in(app):
    network = Network()
    subscription = _confirmed_subscription(countries=["MA"], language="ar")
    network.approve_at(_titled(network, "Water forum", country="MA"), utc(2027, 3, 3, 8))
    send_at(utc(2027, 3, 4, 1))
    [digest] = [m for m in digests() if m.recipient == subscription.email]
    assert "المغرب" in digest.body_text  # Morocco, in Arabic
    assert digest.body_text.startswith("مرحبًا،\n")


def test_co_organisers_count_as_the_event_s_partners_unless_they_declined(app):
    network = Network()
    co_led = factories.EventFactory(
        status=Status.SUBMITTED,
        start_dt=SUMMER,
        end_dt=SUMMER + timedelta(hours=1),
        title="Co-organised",
    )
    factories.EventPartnerFactory(event=co_led, partner=network.partner)
    declined = factories.EventFactory(
        status=Status.SUBMITTED,
        start_dt=SUMMER,
        end_dt=SUMMER + timedelta(hours=1),
        title="Declined",
    )
    factories.EventPartnerFactory(
        event=declined, partner=network.partner, confirmation=Confirmation.DECLINED
    )
    network.approve_at(co_led, utc(2027, 5, 3, 8))
    network.approve_at(declined, utc(2027, 5, 3, 9))
    send_at(utc(2027, 5, 4, 1))
    body = digests()[0].body_text
    assert "Co-organised" in body and "Declined" not in body


def _confirmed_subscription(language: str = "en", **choices):
    from coordinator.following.models import DigestSubscription

    services.request_subscription(
        f"reader-{language}@example.org",
        services.Choices(
            partner_ids=choices.get("partner_ids", []),
            theme_ids=[],
            countries=choices.get("countries", []),
            period=Period.DAILY,
        ),
        language,
        "Europe/Paris",
    )
    subscription = db.session.query(DigestSubscription).one()
    subscription.confirmed_dt = subscription.created_dt
    db.session.commit()
    return subscription


def test_the_hourly_periodic_job_sends_the_digests(app):
    from coordinator.jobs.tasks import PERIODIC_JOBS

    network = Network()
    network.approve_at(_titled(network, "Sent by the worker"), utc(2027, 5, 3, 8))
    periodic = PERIODIC_JOBS["following.send_digests"]
    assert periodic.period == timedelta(hours=1)
    with time_machine.travel(utc(2027, 5, 4, 1), tick=False):
        assert periodic.job.run() == "1 digest(s) sent, 0 empty, 0 already sent"
        assert periodic.job.run() == "0 digest(s) sent, 0 empty, 1 already sent"
    [digest] = digests()
    assert "Sent by the worker" in digest.body_text


def test_titles_and_names_come_in_the_recipients_language_or_marked_originals(app):
    from coordinator.activities.models import EventTranslation, ThemeTranslation
    from coordinator.multilingual import set_translations

    network = Network(locale="es")
    theme = factories.ThemeFactory(name="Water")
    set_translations(theme, {"es": {"name": "Agua"}}, None, ThemeTranslation)
    services.follow(network.follower, FollowKind.THEME, str(theme.id))
    other = factories.PartnerFactory()
    translated = factories.EventFactory(
        lead_partner=other,
        status=Status.SUBMITTED,
        start_dt=SUMMER,
        end_dt=SUMMER + timedelta(hours=1),
        title="Rencontre des villes",
        language="fr",
        themes=[theme],
    )
    set_translations(translated, {"es": {"title": "Encuentro de ciudades"}}, None, EventTranslation)
    untranslated = factories.EventFactory(
        lead_partner=other,
        status=Status.SUBMITTED,
        start_dt=SUMMER,
        end_dt=SUMMER + timedelta(hours=1),
        title="Forum de l'eau",
        language="fr",
        themes=[theme],
    )
    network.approve_at(translated, utc(2027, 5, 3, 8))
    network.approve_at(untranslated, utc(2027, 5, 3, 9))
    send_at(utc(2027, 5, 4, 1))
    body = digests()[0].body_text
    assert "Encuentro de ciudades" in body and "Rencontre des villes" not in body
    assert "Forum de l'eau (en francés)" in body  # the original, its language named in Spanish
    assert "Agua" in body and "Water" not in body

"""The feed routes: content, visibility, filters, conditional GET, caching and time windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import time_machine

from coordinator.activities.models import Status, Visibility
from coordinator.extensions import db
from tests import factories
from tests.feeds.validation import unfolded, validate_feed


def _uids(body: bytes) -> set[str]:
    return {line[4:] for line in unfolded(body) if line.startswith("UID:")}


def _uid(event) -> str:
    return f"{event.id}@coordinator.medcities.org"


def _vevent(body: bytes, event) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(body)
    return next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == _uid(event))


def _at(days: int, hour: int = 9) -> datetime:
    return datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(
        days=days
    )


def test_network_feed_is_valid_and_complete(fetch):
    theme = factories.ThemeFactory(name="Water, sanitation; cities")
    online = factories.EventFactory(
        timezone="Asia/Beirut",
        online_url="https://meet.example.org/abc?x=1",
        latitude=33.89,
        longitude=35.5,
        venue="Municipality hall",
        city="Beirut",
        country="LB",
        themes=[theme],
    )
    start = date.today() + timedelta(days=20)
    all_day = factories.EventFactory(
        is_all_day=True,
        start_date=start,
        end_date=start + timedelta(days=2),
        start_dt=datetime(start.year, start.month, start.day, tzinfo=UTC) - timedelta(hours=1),
        end_dt=datetime(start.year, start.month, start.day, tzinfo=UTC)
        + timedelta(days=3, hours=-1),
    )
    response = fetch("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Encoding" not in response.headers
    assert response.headers["ETag"].startswith('"') and not response.headers["ETag"].startswith(
        "W/"
    )
    body = response.data
    validate_feed(body)
    assert _uids(body) == {_uid(online), _uid(all_day)}
    lines = unfolded(body)
    assert (
        "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join online:https://meet.example.org/abc?x=1"
        in lines
    )
    assert "GEO:33.890000;35.500000" in lines
    assert "CATEGORIES:Water\\, sanitation\\; cities,Workshop" in lines
    assert f"URL:http://localhost/events/{online.id}" in lines
    vevent = _vevent(body, online)
    assert "Join online: https://meet.example.org/abc?x=1" in str(vevent["DESCRIPTION"])
    assert str(vevent["LOCATION"]) == "Municipality hall, Beirut, LB (and online)"
    day = _vevent(body, all_day)
    assert day["DTSTART"].dt == start and day["DTEND"].dt == start + timedelta(days=3)
    assert "TZID" not in day["DTSTART"].params


def test_empty_feed_parses_everywhere(fetch):
    response = fetch("/calendar.ics")
    assert response.status_code == 200
    validate_feed(response.data)
    assert "BEGIN:VTIMEZONE" not in response.data.decode()


@pytest.mark.parametrize(
    "status, visibility, shown",
    [
        (Status.APPROVED, Visibility.PUBLIC, True),
        (Status.CANCELLED, Visibility.PUBLIC, True),
        (Status.APPROVED, Visibility.NETWORK, False),
        (Status.CANCELLED, Visibility.NETWORK, False),
        (Status.DRAFT, Visibility.PUBLIC, False),
        (Status.SUBMITTED, Visibility.PUBLIC, False),
        (Status.CHANGES_REQUESTED, Visibility.PUBLIC, False),
        (Status.REJECTED, Visibility.PUBLIC, False),
        (Status.WITHDRAWN, Visibility.PUBLIC, False),
    ],
)
def test_public_feeds_show_only_public_published_events(fetch, status, visibility, shown):
    project = factories.ProjectFactory()
    event = factories.EventFactory(
        status=status,
        visibility=visibility,
        project=project,
        cancelled_dt=_at(-1) if status == Status.CANCELLED else None,
    )
    for url in (
        "/calendar.ics",
        f"/partners/{event.lead_partner.slug}/calendar.ics",
        f"/projects/{project.slug}/calendar.ics",
        "/calendar.ics?kind=workshop",
    ):
        body = fetch(url).data
        validate_feed(body, with_js=False)
        assert (_uid(event) in _uids(body)) is shown, url
    atom = fetch("/events.atom").data.decode()
    assert (f"/events/{event.id}<" in atom or f'/events/{event.id}"' in atom) is (
        shown and event.published_dt is not None
    )


def test_filters_partner_and_project_feeds(fetch):
    theme = factories.ThemeFactory()
    lead = factories.PartnerFactory()
    co_organiser = factories.PartnerFactory()
    project = factories.ProjectFactory()
    themed = factories.EventFactory(themes=[theme], lead_partner=lead, kind="webinar")
    co_organised = factories.EventFactory(project=project)
    factories.EventPartnerFactory(event=co_organised, partner=co_organiser)
    pending = factories.EventFactory()
    factories.EventPartnerFactory(event=pending, partner=co_organiser, confirmation="pending")
    other = factories.EventFactory(country="GR")

    assert _uids(fetch(f"/calendar.ics?theme={theme.slug}").data) == {_uid(themed)}
    assert _uids(fetch("/calendar.ics?kind=webinar").data) == {_uid(themed)}
    assert _uids(fetch("/calendar.ics?country=GR&country=XX").data) == {_uid(other)}
    assert _uids(fetch(f"/partners/{lead.slug}/calendar.ics").data) == {_uid(themed)}
    assert _uids(fetch(f"/partners/{co_organiser.slug}/calendar.ics").data) == {_uid(co_organised)}
    assert _uids(fetch(f"/projects/{project.slug}/calendar.ics").data) == {_uid(co_organised)}
    # Filters narrow a partner feed too; bad values are dropped, never an error.
    assert _uids(fetch(f"/partners/{lead.slug}/calendar.ics?kind=meeting").data) == set()
    assert fetch("/calendar.ics?theme=%00%01&kind=" + "x" * 10_000).status_code == 200
    assert fetch("/partners/nobody/calendar.ics").status_code == 404
    draft_project = factories.ProjectFactory(status=Status.SUBMITTED)
    assert fetch(f"/projects/{draft_project.slug}/calendar.ics").status_code == 404


def test_single_event_download_follows_the_view_permission(
    client, fetch, login_as, focal_point, other_focal_point
):
    public_event = factories.EventFactory()
    network_event = factories.EventFactory(visibility=Visibility.NETWORK)
    draft = factories.EventFactory(status=Status.DRAFT, lead_partner=focal_point.partner)
    response = fetch(f"/events/{public_event.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    validate_feed(response.data)
    assert _uids(response.data) == {_uid(public_event)}
    assert fetch(f"/events/{network_event.id}.ics").status_code == 404
    assert fetch(f"/events/{draft.id}.ics").status_code == 404
    assert fetch("/events/999999.ics").status_code == 404
    login_as(other_focal_point)
    response = fetch(f"/events/{network_event.id}.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert fetch(f"/events/{draft.id}.ics").status_code == 404
    client.post("/logout")
    login_as(focal_point)
    assert fetch(f"/events/{draft.id}.ics").status_code == 200


def test_conditional_get(fetch):
    event = factories.EventFactory()
    first = fetch("/calendar.ics")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert fetch("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304
    assert fetch("/calendar.ics", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert fetch("/calendar.ics", headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert fetch("/calendar.ics", headers={"If-None-Match": '"stale"'}).status_code == 200
    assert fetch("/calendar.ics", headers={"If-Modified-Since": last_modified}).status_code == 304
    for stale in ("Mon, 01 Jan 2001 00:00:00 GMT", "garbage", "", "Thu, 99 Foo 2026 25:61:00 GMT"):
        response = fetch("/calendar.ics", headers={"If-Modified-Since": stale})
        assert response.status_code == 200 and response.data == first.data, stale
    # The same data renders the same bytes.
    assert fetch("/calendar.ics").data == first.data

    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5), tick=False):
        event.status = Status.CANCELLED
        event.cancelled_dt = datetime.now(UTC)
        event.sequence += 1
        changed = fetch("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.last_modified > first.last_modified


def test_last_modified_never_moves_backwards_when_an_event_leaves(fetch):
    older = factories.EventFactory()
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1), tick=False):
        newer = factories.EventFactory()
        first = fetch("/calendar.ics")
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2), tick=False):
        db.session.delete(newer)  # the most recently updated event disappears
        second = fetch("/calendar.ics")
    assert _uids(second.data) == {_uid(older)}
    assert second.headers["ETag"] != first.headers["ETag"]
    assert second.last_modified > first.last_modified


def test_edit_and_cancel_propagate_under_the_same_uid(fetch):
    event = factories.EventFactory(title="Water forum")
    first = _vevent(fetch("/calendar.ics").data, event)
    assert int(first["SEQUENCE"]) == 0 and str(first["STATUS"]) == "CONFIRMED"

    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1), tick=False):
        event.title = "Water forum (new room)"
        event.start_dt += timedelta(hours=1)
        event.end_dt += timedelta(hours=1)
        event.sequence += 1
        body = fetch("/calendar.ics").data
    validate_feed(body)
    edited = _vevent(body, event)
    assert int(edited["SEQUENCE"]) == 1
    assert edited["LAST-MODIFIED"].dt > first["LAST-MODIFIED"].dt
    assert str(edited["SUMMARY"]) == "Water forum (new room)"

    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2), tick=False):
        event.status = Status.CANCELLED
        event.cancelled_dt = datetime.now(UTC)
        event.cancel_reason = "The venue is closed."
        event.sequence += 1
        body = fetch("/calendar.ics").data
    validate_feed(body)
    cancelled = _vevent(body, event)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 2
    assert str(cancelled["SUMMARY"]) == "Cancelled: Water forum (new room)"
    assert "The venue is closed." in str(cancelled["DESCRIPTION"])
    assert _uids(body) == {_uid(event)}


def test_untouched_events_keep_their_stamps(fetch):
    stable = factories.EventFactory()
    changing = factories.EventFactory()
    before = _vevent(fetch("/calendar.ics").data, stable)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1), tick=False):
        changing.title = "Renamed"
        after = _vevent(fetch("/calendar.ics").data, stable)
    for prop in ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE"):
        assert after[prop].to_ical() == before[prop].to_ical()


def test_feed_is_rebuilt_only_when_its_data_changes(fetch, builds):
    event = factories.EventFactory()
    factories.EventFactory(visibility=Visibility.NETWORK)
    fetch("/calendar.ics")
    fetch("/calendar.ics")
    fetch("/calendar.ics", headers={"If-None-Match": '"x"'})
    assert builds() == 1
    hidden = factories.EventFactory(status=Status.SUBMITTED)  # outside the feed's scope
    fetch("/calendar.ics")
    assert builds() == 1
    hidden.status, hidden.published_dt = Status.APPROVED, datetime.now(UTC)  # now it is in
    assert _uid(hidden) in _uids(fetch("/calendar.ics").data)
    assert builds() == 2
    event.visibility = Visibility.NETWORK  # and this one leaves
    assert _uid(event) not in _uids(fetch("/calendar.ics").data)
    assert builds() == 3


def test_cancelled_event_stays_for_the_grace_period_then_leaves(fetch, builds):
    now = datetime.now(UTC)
    event = factories.EventFactory(
        start_dt=now + timedelta(days=90),
        end_dt=now + timedelta(days=90, hours=2),
        status=Status.CANCELLED,
        cancelled_dt=now,
        sequence=1,
    )
    with time_machine.travel(now + timedelta(days=29), tick=False):
        inside = fetch("/calendar.ics")
        assert _uid(event) in _uids(inside.data)
        assert builds() == 1
    with time_machine.travel(now + timedelta(days=29, hours=12), tick=False):
        fetch("/calendar.ics")
        assert builds() == 1  # nothing changed, no boundary passed: served from the cache
    with time_machine.travel(now + timedelta(days=30, minutes=1), tick=False):
        outside = fetch("/calendar.ics", headers={"If-None-Match": inside.headers["ETag"]})
        assert outside.status_code == 200
        assert _uid(event) not in _uids(outside.data)
        assert builds() == 2
        assert outside.last_modified > inside.last_modified


def test_window_boundaries_move_events_in_and_out(fetch, builds, app):
    now = datetime.now(UTC)
    ahead = app.config["FEED_DAYS_AHEAD"]
    grace = app.config["FEED_PAST_GRACE_DAYS"]
    soon = factories.EventFactory(
        start_dt=now + timedelta(days=1), end_dt=now + timedelta(days=1, hours=1)
    )
    far = factories.EventFactory(
        start_dt=now + timedelta(days=ahead + 30), end_dt=now + timedelta(days=ahead + 30, hours=1)
    )
    assert _uids(fetch("/calendar.ics").data) == {_uid(soon)}
    with time_machine.travel(now + timedelta(days=1 + grace, minutes=30), tick=False):
        assert _uids(fetch("/calendar.ics").data) == {_uid(soon)}
    with time_machine.travel(now + timedelta(days=1 + grace, hours=2), tick=False):
        assert _uids(fetch("/calendar.ics").data) == set()  # past the grace period
    with time_machine.travel(now + timedelta(days=31), tick=False):
        assert _uids(fetch("/calendar.ics").data) == {_uid(far)}  # entered the window
    assert builds() == 3


def test_a_feed_stays_under_a_megabyte(fetch, app):
    now = datetime.now(UTC)
    for index in range(400):
        factories.EventFactory(
            description="Long text. " * 1000,
            summary="s" * 500,
            start_dt=now + timedelta(days=1, hours=index),
            end_dt=now + timedelta(days=1, hours=index + 1),
        )
    body = fetch("/calendar.ics").data
    assert len(body) <= app.config["FEED_MAX_BYTES"]
    validate_feed(body, with_js=False)
    assert len(_uids(body)) == 400  # descriptions were shortened before any event was left out
    app.config["FEED_MAX_BYTES"] = 100_000
    db.session.commit()
    factories.EventFactory(
        start_dt=now + timedelta(days=300), end_dt=now + timedelta(days=300, hours=1)
    )
    body = fetch("/calendar.ics").data
    assert len(body) <= 100_000
    validate_feed(body, with_js=False)


def test_host_header_cannot_poison_the_cache(fetch, builds, app):
    # Even a host the operator trusts (an alias) never reaches the bytes: links come from
    # BASE_URL, so one build serves every host.
    app.config["TRUSTED_HOSTS"] = ["localhost", "evil.example"]
    factories.EventFactory()
    evil = fetch("/calendar.ics", headers={"Host": "evil.example"}).data
    good = fetch("/calendar.ics").data
    assert evil == good and b"evil.example" not in good and b"http://localhost/events/" in good
    assert builds() == 1


def test_atom_feed_of_newly_published_events(fetch):
    import xml.etree.ElementTree as ET

    published = factories.EventFactory(
        title="<b>Forum</b> & \x01 μέρα",
        published_dt=_at(-1),
        description="**bold** <script>alert(1)</script>",
    )
    factories.EventFactory(visibility=Visibility.NETWORK, published_dt=_at(-1))
    factories.EventFactory(status=Status.SUBMITTED, published_dt=None)
    response = fetch("/events.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].find("a:title", ns).text == "<b>Forum</b> &  μέρα"
    content = entries[0].find("a:content", ns).text
    assert "<strong>bold</strong>" in content and "<script>" not in content
    assert entries[0].find("a:link", ns).get("href") == f"http://localhost/events/{published.id}"
    assert (
        fetch("/events.atom", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


@pytest.mark.parametrize("removal", ["deleted", "network-only"])
def test_an_atom_client_sending_if_modified_since_sees_a_removal(fetch, removal):
    now = datetime.now(UTC)
    kept = factories.EventFactory(published_dt=_at(-2), updated_dt=now - timedelta(hours=2))
    gone = factories.EventFactory(published_dt=_at(-1), updated_dt=now - timedelta(hours=1))
    with time_machine.travel(now - timedelta(minutes=1), tick=False):
        first = fetch("/events.atom")
    assert f"/events/{gone.id}" in first.get_data(as_text=True)
    # The newest edit shown leaves the feed: the newest stamp left is older than the client's.
    if removal == "deleted":
        db.session.delete(gone)
    else:
        gone.visibility = Visibility.NETWORK
    second = fetch("/events.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert second.status_code == 200
    assert f"/events/{gone.id}" not in second.get_data(as_text=True)
    assert f"/events/{kept.id}" in second.get_data(as_text=True)
    assert second.last_modified > first.last_modified


def test_version_is_rechecked_at_most_once_per_interval(fetch, builds, app):
    app.config["FEED_RECHECK_SECONDS"] = 60
    event = factories.EventFactory(title="Before")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        assert b"Before" in fetch("/calendar.ics").data
        event.title = "After"
        # Within the interval the cached bytes are served without asking the database.
        assert b"Before" in fetch("/calendar.ics").data
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert b"After" in fetch("/calendar.ics").data
    assert builds() == 2


def test_theme_changes_reach_the_categories(fetch, builds):
    theme = factories.ThemeFactory(name="Water")
    event = factories.EventFactory()
    assert "CATEGORIES:Workshop" in unfolded(fetch("/calendar.ics").data)
    event.themes.append(theme)  # only the association table changes
    assert "CATEGORIES:Water,Workshop" in unfolded(fetch("/calendar.ics").data)
    theme.name = "Blue economy"  # no event row changes at all
    assert "CATEGORIES:Blue economy,Workshop" in unfolded(fetch("/calendar.ics").data)
    assert builds() == 3


def test_a_url_answered_before_skips_its_lookups_until_the_recheck(fetch, builds, app):
    app.config["FEED_RECHECK_SECONDS"] = 60
    lead = factories.PartnerFactory(slug="water-hub")
    factories.EventFactory(lead_partner=lead, title="Before")
    url = "/partners/water-hub/calendar.ics?kind=workshop"
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        first = fetch(url)
        assert first.status_code == 200 and b"Before" in first.data
        # Another spelling of the same feed: parsed, and found in the cache by its identity.
        assert fetch(url + "&kind=workshop&kind=nonsense").data == first.data
        lead.slug = "renamed"  # the URL no longer names a partner...
        again = fetch(url)
        # ...but within the interval the address maps straight to the bytes built for it.
        assert again.status_code == 200 and again.data == first.data
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert fetch(url).status_code == 404
        assert b"Before" in fetch("/partners/renamed/calendar.ics?kind=workshop").data
    assert builds() == 2  # the first, and the renamed partner's (its slug is in its filters)


def test_a_host_answered_first_between_rechecks_leaves_no_trace(fetch, builds, app):
    app.config["FEED_RECHECK_SECONDS"] = 60
    app.config["TRUSTED_HOSTS"] = ["localhost", "evil.example"]
    factories.EventFactory()
    with time_machine.travel(datetime.now(UTC), tick=False):
        evil = fetch("/calendar.ics", headers={"Host": "evil.example"}).data
        # The same path from another host is answered from the bytes the first one got.
        good = fetch("/calendar.ics").data
    assert good == evil and b"evil.example" not in good
    assert builds() == 1

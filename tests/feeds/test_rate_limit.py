"""Private feed addresses are rate-limited (SECURITY.md: feeds): each live token on its own, and
addresses that match no live token per client address."""

from datetime import UTC, datetime

import pytest

from tests.feeds.factories import FeedTokenFactory


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PRIVATE_FEED_RATE_LIMIT": "3 per minute"}


def test_guessing_private_feed_addresses_is_throttled(client):
    answers = [client.get(f"/feeds/{'x' * 43}{n}/calendar.ics").status_code for n in range(5)]
    assert answers == [404, 404, 404, 429, 429]


def test_each_private_feed_has_its_own_allowance_behind_one_address(fetch):
    # One office behind NAT: every colleague's calendar polls from the same address.
    FeedTokenFactory(raw="a" * 43)
    FeedTokenFactory(raw="b" * 43)
    first = [fetch(f"/feeds/{'a' * 43}/calendar.ics").status_code for _ in range(4)]
    second = [fetch(f"/feeds/{'b' * 43}/calendar.ics").status_code for _ in range(3)]
    assert (first, second) == ([200, 200, 200, 429], [200, 200, 200])


def test_working_feeds_leave_the_allowance_for_unknown_addresses_untouched(fetch):
    FeedTokenFactory(raw="a" * 43)
    working = [fetch(f"/feeds/{'a' * 43}/calendar.ics").status_code for _ in range(3)]
    unknown = [fetch(f"/feeds/{'x' * 43}{n}/calendar.ics").status_code for n in range(4)]
    assert (working, unknown) == ([200, 200, 200], [404, 404, 404, 429])


def test_a_revoked_feed_shares_the_allowance_for_unknown_addresses(fetch):
    # Calendars keep polling a revoked feed's address: those fetches count with the guesses.
    FeedTokenFactory(raw="a" * 43, revoked_dt=datetime(2026, 1, 1, tzinfo=UTC))
    guesses = [fetch(f"/feeds/{'x' * 43}{n}/calendar.ics").status_code for n in range(2)]
    revoked = [fetch(f"/feeds/{'a' * 43}/calendar.ics").status_code for _ in range(2)]
    assert (guesses, revoked) == ([404, 404], [404, 429])


def test_public_feeds_are_not_throttled_by_that_limit(client):
    assert {client.get("/calendar.ics").status_code for _ in range(6)} == {200}


def test_the_limiter_looks_only_at_views_that_declare_a_limit(client, monkeypatch):
    from coordinator.extensions import limiter

    resolved = []
    original = limiter.limit_manager.resolve_limits
    monkeypatch.setattr(
        limiter.limit_manager,
        "resolve_limits",
        lambda *a, **k: resolved.append(a[1]) or original(*a, **k),
    )
    assert client.get("/calendar.ics").status_code == 200
    assert client.get("/").status_code == 200
    assert resolved == []
    assert client.get(f"/feeds/{'x' * 43}/calendar.ics").status_code == 404
    assert "feeds.private_calendar" in resolved


def test_a_site_wide_limit_keeps_the_limiter_looking_at_every_request(app, app_config, monkeypatch):
    from coordinator import create_app
    from coordinator.extensions import limiter

    # The limiter is one object per process: give it a default limit for this app only.
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [])
    with_default = create_app({**app_config, "RATELIMIT_DEFAULT": "2 per minute"})
    assert limiter._check_request_limit in with_default.before_request_funcs[None]
    client = with_default.test_client()
    assert [client.get("/calendar.ics").status_code for _ in range(3)] == [200, 200, 429]

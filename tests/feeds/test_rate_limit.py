"""Private feed addresses are rate-limited per client address (SECURITY.md: feeds)."""

import pytest


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PRIVATE_FEED_RATE_LIMIT": "3 per minute"}


def test_guessing_private_feed_addresses_is_throttled(client):
    answers = [client.get(f"/feeds/{'x' * 43}{n}/calendar.ics").status_code for n in range(5)]
    assert answers == [404, 404, 404, 429, 429]


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

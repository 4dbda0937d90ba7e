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

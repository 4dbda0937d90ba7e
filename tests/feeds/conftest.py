from __future__ import annotations

import pytest

from coordinator.extensions import db
from coordinator.feeds.cache import feed_cache


@pytest.fixture
def fetch(client):
    """fetch(url, **kw) -> response, after committing what the test set up."""

    def _fetch(url: str, **kwargs):
        db.session.commit()
        return client.get(url, **kwargs)

    return _fetch


@pytest.fixture
def builds(app):
    """How many times this app built a feed (cache misses)."""
    return lambda: feed_cache().builds


@pytest.fixture
def app_config(app_config):
    # Compare versions on every request, so a test sees each change at once; the recheck
    # interval itself is tested in test_feeds.py.
    return {**app_config, "FEED_RECHECK_SECONDS": 0}

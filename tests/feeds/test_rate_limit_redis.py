"""Rate limits in Redis: shared by every worker while it answers, counted in memory (with a
warning) while it does not."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import redis

from coordinator import create_app
from coordinator.extensions import db
from coordinator.tokens import hash_token
from tests.feeds.factories import FeedTokenFactory
from tests.loopback import REDIS_TEST_DB, answers, closed_port, silent_port

ROOT = Path(__file__).resolve().parents[2]
# Not db 0: the shared Redis on this machine may hold someone else's keys there.
REDIS_DB = REDIS_TEST_DB
RAW_TOKEN = "r" * 43
FEED_URL = f"/feeds/{RAW_TOKEN}/calendar.ics"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PRIVATE_FEED_RATE_LIMIT": "3 per minute", "PROPAGATE_EXCEPTIONS": False}


def test_private_feeds_keep_working_while_redis_is_down(app, app_config, caplog):
    served = create_app(
        {**app_config, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed_port()}/{REDIS_DB}"}
    )
    FeedTokenFactory(raw=RAW_TOKEN)
    db.session.commit()
    client = served.test_client()
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        statuses = [client.get(FEED_URL).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # still limited, in this process's memory
    assert any(
        record.name == "flask-limiter"
        and record.levelno == logging.WARNING
        and "falling back to in-memory" in record.getMessage()
        for record in caplog.records
    )
    readiness = client.get("/readyz")
    assert readiness.status_code == 503 and readiness.json["failed"] == ["redis"]


def test_a_redis_that_never_answers_does_not_hold_requests(app, app_config):
    FeedTokenFactory(raw=RAW_TOKEN)
    db.session.commit()
    statuses = []
    with silent_port() as port:
        served = create_app({**app_config, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{port}"})
        client = served.test_client()
        fetch = threading.Thread(
            target=lambda: statuses.append(client.get(FEED_URL).status_code), daemon=True
        )
        fetch.start()
        # Not a timing claim: without a socket timeout (redis-py before 8, which the extra
        # excludes) the request would wait for Redis forever.
        fetch.join(timeout=60)
    assert not fetch.is_alive(), "the request is still waiting for Redis"
    assert statuses == [200]


# A second worker: another process, with its own limiter, sharing only Redis with this one.
SECOND_WORKER = """
import json, sys
from coordinator import create_app
client = create_app(json.loads(sys.argv[1])).test_client()
print(json.dumps([client.get(sys.argv[2]).status_code for _ in range(2)]))
"""


@pytest.mark.skipif(not answers("127.0.0.1", 6379), reason="needs Redis on 127.0.0.1:6379")
def test_two_workers_share_the_counts_in_redis(app, app_config):
    prefix = f"coordinator-test-{uuid.uuid4().hex}"
    config = {
        **app_config,
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    FeedTokenFactory(raw=RAW_TOKEN)
    db.session.commit()
    store = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    try:
        first = create_app(config).test_client()
        assert [first.get(FEED_URL).status_code for _ in range(2)] == [200, 200]
        assert first.get("/readyz").json["checks"]["redis"] == "ok"
        db.session.commit()  # no transaction of ours may hold SQLite's write lock meanwhile
        second = subprocess.run(
            [sys.executable, "-c", SECOND_WORKER, json.dumps(config), FEED_URL],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert json.loads(second.stdout.strip().splitlines()[-1]) == [200, 429]
        keys = [key.decode() for key in store.scan_iter(match=f"*{prefix}*")]
        assert any(hash_token(RAW_TOKEN) in key for key in keys)
        assert not any(RAW_TOKEN in key for key in keys)  # the token itself is never stored
    finally:
        for key in store.scan_iter(match=f"*{prefix}*"):
            store.delete(key)
        store.close()

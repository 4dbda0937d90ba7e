"""Two app hosts on loopback sharing PostgreSQL, Redis and an S3 bucket (moto's server), with a
job worker on each host and an SMTP sink: the cluster the two-host checks run against.

Needs servers, so plain `make test` never collects it: run with `-m hosts` (`.ci/run` does).
Settings, from the environment:
- COORDINATOR_HOSTS_DATABASE_URL: an empty PostgreSQL database to use (made and dropped by the
  caller, as .ci/run does); else one is made and dropped here, on the server of
  COORDINATOR_HOSTS_PG_URL (default postgresql://$PGUSER@$PGHOST:$PGPORT/postgres), its name
  starting with COORDINATOR_HOSTS_DB_PREFIX (default coordinator_hosts);
- COORDINATOR_HOSTS_REDIS_DB (default 12) and COORDINATOR_HOSTS_REDIS_PREFIX: where in Redis
  (127.0.0.1:6379) the cache and rate-limit keys go; the job queue has that database to itself;
- COORDINATOR_HOSTS_PIDFILE: where to note every process started (tests/hosts/cluster.py);
- COORDINATOR_HOSTS_KEEP=1 keeps the hosts' folders and logs.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

import pytest

from tests.hosts.cluster import Host, record_process
from tests.s3server import CREDENTIALS, REGION, _start_moto, create_bucket

PASSWORD = "correct horse battery staple"
FEED_TOKEN = "hosts-feed-token-" + "x" * 30
FEED_LIMIT = 5  # private feed fetches per minute, for the rate-limit check


def pytest_ignore_collect(collection_path, config):
    """Collected only when asked for with `-m hosts`: these checks need real servers."""
    expression = config.getoption("markexpr") or ""
    if "hosts" in expression and "not hosts" not in expression:
        return None
    return True


class SmtpSink:
    """Every message any worker delivers (aiosmtpd on loopback)."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@dataclass
class Cluster:
    a: Host
    b: Host
    database_url: str
    redis_url: str
    redis_prefix: str
    bucket: str
    s3_endpoint: str
    sink: SmtpSink
    ids: dict = field(default_factory=dict)

    def app(self):
        """An app in this process on the shared database and queue (to seed and to look)."""
        from coordinator import create_app

        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": self.a.settings["COORDINATOR_SECRET_KEY"],
                "SQLALCHEMY_DATABASE_URI": self.database_url,
                "INSTANCE_PATH": str(self.a.folder.parent / "observer"),
                "JOBS_URL": self.redis_url,
                "CACHE_URL": self.redis_url,
                "CACHE_PREFIX": self.redis_prefix + "cache:",
                "STORAGE_URL": f"s3://{self.bucket}/documents",
                "STORAGE_S3_ENDPOINT_URL": self.s3_endpoint,
                "STORAGE_S3_REGION": REGION,
                "STORAGE_S3_ADDRESSING_STYLE": "path",
                "BASE_URL": self.a.settings["COORDINATOR_BASE_URL"],
            }
        )


def _pg_admin_url() -> str:
    user = os.environ.get("PGUSER", "postgres")
    host = os.environ.get("PGHOST", "127.0.0.1")
    default = f"postgresql://{user}@{host}:{os.environ.get('PGPORT', '5432')}/postgres"
    return os.environ.get("COORDINATOR_HOSTS_PG_URL", default)


@pytest.fixture(scope="session")
def cluster():
    from aiosmtpd.controller import Controller

    from coordinator.config import normalise_database_url
    from tests.hosts.cluster import free_port

    folder = Path(tempfile.mkdtemp(prefix="coordinator-hosts-"))
    cleanups = []
    saved_environment = dict(os.environ)
    try:
        # S3: moto's standalone server on loopback, one bucket.
        os.environ.update(CREDENTIALS)
        moto_log = open(folder / "moto.log", "w+b")  # noqa: SIM115 - closed in the cleanups
        moto, endpoint = _start_moto(moto_log)
        record_process(moto, group=False)
        cleanups.append(lambda: (moto.terminate(), moto.wait(timeout=30), moto_log.close()))
        bucket = create_bucket(endpoint)

        # PostgreSQL: a fresh database.
        database_url = os.environ.get("COORDINATOR_HOSTS_DATABASE_URL")
        if database_url:
            database_url = normalise_database_url(database_url)
        else:
            database_url = _fresh_database(cleanups)

        # Redis: one database for the job queue, a key prefix for cache and limits.
        redis_db = int(os.environ.get("COORDINATOR_HOSTS_REDIS_DB", "12"))
        redis_url = f"redis://127.0.0.1:6379/{redis_db}"
        prefix = os.environ.get("COORDINATOR_HOSTS_REDIS_PREFIX", "coordinator-hosts-")
        prefix += uuid.uuid4().hex[:8] + "-"

        # An SMTP sink for the workers' mail.
        sink = SmtpSink()
        smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
        smtp.start()
        cleanups.append(smtp.stop)

        settings = {
            **CREDENTIALS,
            "COORDINATOR_DATABASE_URL": database_url,
            "COORDINATOR_SECRET_KEY": secrets.token_hex(32),
            "COORDINATOR_BASE_URL": "http://coordinator.test",
            "COORDINATOR_CACHE_URL": redis_url,
            "COORDINATOR_CACHE_PREFIX": prefix + "cache:",
            "COORDINATOR_JOBS_URL": redis_url,
            "COORDINATOR_RATELIMIT_STORAGE_URI": redis_url,
            "COORDINATOR_RATELIMIT_KEY_PREFIX": prefix + "limits",
            "COORDINATOR_PRIVATE_FEED_RATE_LIMIT": f"{FEED_LIMIT} per minute",
            "COORDINATOR_STORAGE_URL": f"s3://{bucket}/documents",
            "COORDINATOR_STORAGE_S3_ENDPOINT_URL": endpoint,
            "COORDINATOR_STORAGE_S3_REGION": REGION,
            "COORDINATOR_STORAGE_S3_ADDRESSING_STYLE": "path",
            "COORDINATOR_MAIL_SERVER": "127.0.0.1",
            "COORDINATOR_MAIL_PORT": str(smtp.port),
            "COORDINATOR_MAIL_TIMEOUT": "10",
            "COORDINATOR_METRICS_ENABLED": "true",
        }
        a = Host("A", folder / "host-a", settings)
        b = Host("B", folder / "host-b", settings)
        for host in (a, b):
            host.folder.mkdir()
            cleanups.append(host.stop)
        found = Cluster(a, b, database_url, redis_url, prefix, bucket, endpoint, sink)
        cleanups.append(lambda: _clean_redis(found))

        migrated = a.flask("db", "upgrade")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        _seed(found)
        for host in (a, b):
            host.start_web()
        # The periodic scheduler checks its jobs as it starts, then every 60 s: started in the
        # same minute, both workers' schedulers fire for the same periods.
        _wait_for_start_of_minute(margin_seconds=15)
        for host in (a, b):
            host.start_worker()
        for host in (a, b):
            host.wait_ready()
        yield found
    finally:
        failures = []
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001 - every cleanup runs; reported below
                failures.append(error)
        os.environ.clear()
        os.environ.update(saved_environment)
        if os.environ.get("COORDINATOR_HOSTS_KEEP") != "1":
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"\nhost folders and logs kept in {folder}")
        if failures:
            raise RuntimeError(f"cleanup failed: {failures}")


def _fresh_database(cleanups: list) -> str:
    from sqlalchemy import create_engine, make_url, text

    from coordinator.config import normalise_database_url

    admin_url = make_url(normalise_database_url(_pg_admin_url()))
    name_prefix = os.environ.get("COORDINATOR_HOSTS_DB_PREFIX", "coordinator_hosts")
    name = f"{name_prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop_database() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    cleanups.append(drop_database)
    return admin_url.set(database=name).render_as_string(hide_password=False)


def _wait_for_start_of_minute(margin_seconds: int) -> None:
    import time
    from datetime import datetime

    second = datetime.now().second
    if second > 60 - margin_seconds:
        time.sleep(61 - second)


def _clean_redis(cluster: Cluster) -> None:
    import redis

    from coordinator import jobs

    client = redis.Redis.from_url(cluster.redis_url)
    for key in client.scan_iter(match=f"{cluster.redis_prefix}*"):
        client.delete(key)
    for key in client.scan_iter(match=f"*LIMITER*{cluster.redis_prefix}*"):
        client.delete(key)
    client.close()
    app = cluster.app()
    jobs.get_queue(app).huey.flush()  # the queue's own keys


def _seed(cluster: Cluster) -> None:
    """Who acts in the checks: a partner's focal point, staff, a submitted event, a feed token,
    and people who forget their password."""
    from coordinator.activities.models import Status
    from coordinator.extensions import db
    from tests import factories
    from tests.feeds.factories import FeedTokenFactory

    app = cluster.app()
    with app.app_context():
        partner = factories.PartnerFactory(slug="host-partner")
        focal_point = factories.UserFactory(
            role="focal_point", partner=partner, email="focal@hosts.test"
        )
        staff = factories.UserFactory(role="staff", email="staff@hosts.test")
        locked = factories.UserFactory(role="focal_point", partner=partner, email="lock@hosts.test")
        event = factories.EventFactory(
            lead_partner=partner, status=Status.SUBMITTED, proposer=focal_point, title="Two hosts"
        )
        FeedTokenFactory(raw=FEED_TOKEN, owner=focal_point)
        forgetful = [
            factories.UserFactory(role="focal_point", partner=partner, email=f"f{n}@hosts.test")
            for n in range(10)
        ]
        db.session.commit()
        cluster.ids.update(
            partner_slug=partner.slug,
            focal_email=focal_point.email,
            staff_email=staff.email,
            locked_email=locked.email,
            event_id=event.id,
            event_uid=f"{event.id}@{app.config['CALENDAR_UID_HOST']}",
            forgetful=[user.email for user in forgetful],
        )
        db.session.remove()
        db.engine.dispose()

"""Fixtures: a fresh app per test on SQLite (default) or PostgreSQL (COORDINATOR_DATABASE_URL).

The schema is created once per session; each test starts from empty tables, so tests
that commit from several threads (race tests) work the same on both engines.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, make_url, text

from coordinator import create_app
from coordinator.config import normalise_database_url
from coordinator.extensions import db
from coordinator.mail import wait_for_deliveries
from tests import factories

DEFAULT_PASSWORD = "correct horse battery staple"

# The loopback S3 server and its fixtures (s3_endpoint, s3_bucket, s3_storage_config).
pytest_plugins = ["tests.s3server"]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """SQLite in a temporary folder, or PostgreSQL from COORDINATOR_DATABASE_URL. Under
    pytest-xdist each worker gets a database of its own (<name>_<worker>), made and dropped here."""
    url = os.environ.get("COORDINATOR_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    url = normalise_database_url(url)
    if worker_id == "master":
        yield url
        return
    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _test_config(database_url: str, instance_dir) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(instance_dir / "uploads"),
        "MAIL_OUTBOX": str(instance_dir / "outbox"),
        "SERVER_NAME": None,
        "BASE_URL": "http://localhost",
        # Jobs run in a thread of the test process (wait_for_deliveries waits for them).
        "JOBS_URL": "immediate",
    }


def wipe_tables() -> None:
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app_config(database_url, tmp_path, request) -> dict:
    """Override in a test module (or parametrize) to change the configuration."""
    config = _test_config(database_url, tmp_path)
    # Documents in a bucket rather than a folder, except for tests about files on disk.
    if os.environ.get("COORDINATOR_TEST_STORAGE") == "s3" and not request.node.get_closest_marker(
        "local_storage"
    ):
        config.update(request.getfixturevalue("s3_storage_config"))
    return config


@pytest.fixture
def app(_schema, app_config):
    app = create_app(app_config)
    with app.app_context():
        yield app
        # Mail is delivered from a thread after each request: let it finish before the wipe. The
        # test's own session ends first: on SQLite a transaction it opened by reading after a
        # request holds the write lock (BEGIN IMMEDIATE) the delivery thread waits for.
        db.session.remove()
        wait_for_deliveries()
        wipe_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def partner(app):
    return factories.PartnerFactory()


@pytest.fixture
def other_partner(app):
    return factories.PartnerFactory()


@pytest.fixture
def focal_point(app, partner):
    return factories.UserFactory(role="focal_point", partner=partner)


@pytest.fixture
def other_focal_point(app, other_partner):
    return factories.UserFactory(role="focal_point", partner=other_partner)


@pytest.fixture
def staff(app):
    return factories.UserFactory(role="staff", partner=None)


@pytest.fixture
def admin(app):
    return factories.UserFactory(role="admin", partner=None)


def login(client, user, password: str = DEFAULT_PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def login_as(client):
    """login_as(user) signs the test client in through the real sign-in form."""

    def _login(user, password: str = DEFAULT_PASSWORD):
        db.session.commit()
        return login(client, user, password)

    return _login


@pytest.fixture
def exact_query_counts(app):
    """Statement counts that do not depend on the clock: the data versions of the page and
    feed caches are read on every request, not once per recheck interval (a request landing
    inside the interval would run one statement fewer)."""
    app.config.update(PAGE_CACHE_RECHECK_SECONDS=0, FEED_RECHECK_SECONDS=0)
    return app

"""A database outage: 503s with Retry-After from pages that need no database, plain text for
programs, /healthz alive, /readyz naming the database, and recovery without a restart."""

from __future__ import annotations

import sqlite3
import time

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from coordinator import create_app
from coordinator.access import public
from coordinator.extensions import db
from coordinator.main.errors import is_database_unavailable
from tests.conftest import login
from tests.loopback import TcpProxy, closed_port

PAGES = ["/", "/events/", "/partners/", "/calendar/"]
# Calendar clients, feed readers and the API (any path under /api/) read plain text.
MACHINE_PATHS = [
    "/calendar.ics",
    "/events/1.ics",
    "/events.atom",
    f"/feeds/{'t' * 43}/calendar.ics",
    "/api/_test/events",
]


# Where each engine's database cannot be reached: a PostgreSQL port nobody listens on, and a
# SQLite file in a folder that does not exist (its volume is gone).
UNREACHABLE = {
    "postgresql": lambda tmp_path: f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/gone",
    "sqlite": lambda tmp_path: f"sqlite:///{tmp_path / 'missing-volume' / 'coordinator.sqlite'}",
}


@public
def _api_events():
    return {"events": db.session.execute(text("SELECT count(*) FROM events")).scalar_one()}


def serve(config: dict):
    """An app as a server runs it (exceptions are answered, not raised), with one API route."""
    app = create_app({**config, "PROPAGATE_EXCEPTIONS": False})
    app.add_url_rule("/api/_test/events", view_func=_api_events)
    return app


@pytest.fixture
def outage(request, app, app_config, tmp_path):
    """An app whose database cannot be reached (the test's own app and database still work)."""
    down = serve({**app_config, "SQLALCHEMY_DATABASE_URI": UNREACHABLE[request.param](tmp_path)})
    yield down
    with down.app_context():
        db.engine.dispose()


def signed_in_cookie(client, user) -> str:
    """A session cookie obtained while the database was up (through the test's own app)."""
    db.session.commit()
    login(client, user)
    return client.get_cookie("session").value


def assert_unavailable_page(response) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert int(response.headers["Retry-After"]) > 0
    assert response.mimetype == "text/html"
    assert "Temporarily unavailable" in page and "<h1" in page
    assert "Traceback" not in page and "OperationalError" not in page
    return page


engines = pytest.mark.parametrize("outage", sorted(UNREACHABLE), indirect=True)


@engines
@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_503_with_retry_after(outage, path, caplog):
    page = assert_unavailable_page(outage.test_client().get(path))
    assert "Sign in" in page
    assert "Database unavailable" in caplog.text  # one line for the operator


@engines
def test_signed_in_users_get_the_same_503_page(outage, client, focal_point):
    # Today's failure: the error page needed current_user, which needs the database, so the
    # 500 handler itself failed and gunicorn answered a bare "Internal Server Error".
    served = outage.test_client()
    served.set_cookie("session", signed_in_cookie(client, focal_point))
    for path in PAGES:
        page = assert_unavailable_page(served.get(path))
        assert "Sign out" not in page  # the user was not loaded
    # The session is kept: the user is still signed in when the database is back.
    assert served.get_cookie("session") is not None


@engines
@pytest.mark.parametrize("path", MACHINE_PATHS)
def test_calendars_feeds_and_the_api_get_plain_text_503(outage, path):
    """Plain text for calendars and feeds; the API answers every error as problem+json."""
    response = outage.test_client().get(path)
    assert response.status_code == 503
    api = path.startswith("/api/")
    assert response.mimetype == ("application/problem+json" if api else "text/plain")
    if api:
        assert response.get_json()["status"] == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "<" not in response.get_data(as_text=True)


@engines
def test_healthz_stays_alive_and_readyz_names_the_database(outage):
    served = outage.test_client()
    assert served.get("/healthz").status_code == 200
    response = served.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database"]
    assert response.json["checks"]["document_storage"] == "ok"
    assert int(response.headers["Retry-After"]) > 0


@engines
def test_probes_ignore_a_session_cookie(outage, client, focal_point):
    served = outage.test_client()
    served.set_cookie("session", signed_in_cookie(client, focal_point))
    assert served.get("/healthz").status_code == 200
    response = served.get("/readyz")
    assert (response.status_code, response.mimetype) == (503, "application/json")
    assert response.json["failed"] == ["database"]


def test_readyz_is_200_when_every_dependency_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ready",
        "failed": [],
        "checks": {"database": "ok", "document_storage": "ok"},
    }


def test_readyz_names_a_document_storage_that_cannot_be_written(app_config, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("uploads cannot live under a file")
    served = serve({**app_config, "UPLOAD_FOLDER": str(not_a_folder / "uploads")})
    response = served.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["document_storage"]
    assert str(tmp_path) not in response.get_data(as_text=True)  # the reason goes to the log


def test_sqlite_recovers_without_a_restart_when_its_file_is_back(app_config, tmp_path):
    down = serve({**app_config, "SQLALCHEMY_DATABASE_URI": UNREACHABLE["sqlite"](tmp_path)})
    served = down.test_client()
    assert_unavailable_page(served.get("/"))
    (tmp_path / "missing-volume").mkdir()
    with down.app_context():
        db.create_all()
    try:
        assert served.get("/").status_code == 200
        assert served.get("/calendar.ics").status_code == 200
        assert served.get("/readyz").status_code == 200
    finally:
        with down.app_context():
            db.engine.dispose()


def _proxied(database_url: str) -> tuple[TcpProxy, str]:
    """A TCP proxy in front of the test's PostgreSQL, and the database's URL through it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (COORDINATOR_DATABASE_URL): the proxy fronts a real server")
    real = make_url(database_url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    through_proxy = real.set(host="127.0.0.1", port=proxy.port)
    return proxy, through_proxy.render_as_string(False)


def test_postgresql_outage_and_recovery_through_a_proxy(
    app, app_config, database_url, client, focal_point
):
    """The done-when test: signed in while PostgreSQL is up, then it goes away (the proxy in
    front of it closes), then it comes back, and the same app object serves again."""
    proxy, through_proxy = _proxied(database_url)
    served_app = serve({**app_config, "SQLALCHEMY_DATABASE_URI": through_proxy})
    try:
        served = served_app.test_client()
        db.session.commit()
        login(served, focal_point)
        assert "Sign out" in served.get("/").get_data(as_text=True)
        assert served.get("/calendar.ics").status_code == 200

        proxy.close()
        assert_unavailable_page(served.get("/"))
        assert_unavailable_page(served.get("/events/"))
        feed = served.get("/calendar.ics")
        assert (feed.status_code, feed.mimetype) == (503, "text/plain")
        assert "Retry-After" in feed.headers
        assert served.get("/readyz").json["failed"] == ["database"]
        assert served_app.test_client().get("/healthz").status_code == 200

        proxy.open()
        page = served.get("/")
        assert page.status_code == 200
        assert "Sign out" in page.get_data(as_text=True)  # still signed in
        assert served.get("/calendar.ics").status_code == 200
        assert served.get("/readyz").status_code == 200
    finally:
        proxy.close()
        with served_app.app_context():
            db.engine.dispose()


def test_other_database_errors_stay_500(app_config, client, caplog):
    @public
    def bad_statement():
        db.session.execute(text("SELECT * FROM no_such_table"))  # an OperationalError on SQLite

    served_app = serve(app_config)
    served_app.add_url_rule("/_test/bad-statement", view_func=bad_statement)
    response = served_app.test_client().get("/_test/bad-statement")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "Retry-After" not in response.headers
    assert "no_such_table" in caplog.text  # logged with its traceback, as any bug


def _wrapped(driver_error: Exception, invalidated: bool = False) -> OperationalError:
    return OperationalError("SELECT 1", {}, driver_error, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_wrapped(psycopg.OperationalError("connection failed: Connection refused")), True),
        (_wrapped(psycopg.errors.AdminShutdown("terminating connection")), True),
        (_wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")), True),
        (_wrapped(psycopg.errors.TooManyConnections("too many clients")), True),
        (_wrapped(psycopg.errors.ConnectionFailure("connection failure")), True),
        (
            _wrapped(sqlite3.OperationalError("unable to open database file"), invalidated=True),
            True,
        ),
        (
            InterfaceError(
                "SELECT 1", {}, psycopg.InterfaceError("closed"), connection_invalidated=True
            ),
            True,
        ),
        (psycopg.OperationalError("server closed the connection unexpectedly"), True),
        (_wrapped(psycopg.errors.DeadlockDetected("deadlock detected")), False),
        (_wrapped(psycopg.errors.QueryCanceled("statement timeout")), False),
        (_wrapped(sqlite3.OperationalError("database is locked")), False),
        (_wrapped(sqlite3.OperationalError("no such table: x")), False),
        (InterfaceError("SELECT 1", {}, psycopg.InterfaceError("the cursor is closed")), False),
        (IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")), False),
        (RuntimeError("connection refused"), False),
        (None, False),
    ],
)
def test_only_unreachable_databases_count_as_outages(error, unavailable):
    assert is_database_unavailable(error) is unavailable


def test_a_sqlite_write_lock_held_past_the_busy_timeout_is_a_retryable_outage(tmp_path):
    """Under more concurrent writers than the embedded database serves, a request that waited
    out busy_timeout answers 503 with Retry-After, not a 500 (seen under gunicorn on SQLite)."""
    path = tmp_path / "busy.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as raised:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiter.close()
    assert is_database_unavailable(_wrapped(raised.value))


def test_postgresql_connections_give_up_after_the_configured_timeout(tmp_path):
    """A host that drops packets must not hold a request for the system's TCP timeout."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@192.0.2.1/none",
            "DATABASE_CONNECT_TIMEOUT": 3,
            "UPLOAD_FOLDER": str(tmp_path / "u"),
            "MAIL_OUTBOX": str(tmp_path / "o"),
        }
    )
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"]["connect_timeout"] == 3


def _counted_pings(monkeypatch, app) -> list[int]:
    pings: list[int] = []
    with app.app_context():
        dialect = db.engine.dialect
    ping = dialect.do_ping

    def counted(dbapi_connection):
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


def test_a_connection_back_from_a_request_a_moment_ago_is_not_pinged(app, app_config, monkeypatch):
    """The pool hands a connection used a moment ago straight out (no round trip per request);
    one that sat idle longer than DATABASE_PING_AFTER_IDLE_SECONDS is pinged first."""
    served_app = serve({**app_config, "DATABASE_PING_AFTER_IDLE_SECONDS": 0.2, "PAGE_CACHE": False})
    pings = _counted_pings(monkeypatch, served_app)
    served = served_app.test_client()
    try:
        for _ in range(3):
            assert served.get("/events/").status_code == 200
        assert pings == []
        time.sleep(0.3)
        assert served.get("/events/").status_code == 200
        assert pings == [1]
        assert served.get("/events/").status_code == 200
        assert pings == [1]
    finally:
        with served_app.app_context():
            db.engine.dispose()


def test_a_connection_dropped_while_idle_is_replaced_without_failing_a_request(
    app, app_config, database_url
):
    """A connection cut while it sat in the pool (a database restarted, a firewall's idle
    timeout) fails its ping and is replaced by a new one: the next request is served."""
    proxy, through_proxy = _proxied(database_url)
    served_app = serve(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": through_proxy,
            "DATABASE_PING_AFTER_IDLE_SECONDS": 0.2,
            "PAGE_CACHE": False,
        }
    )
    try:
        served = served_app.test_client()
        assert served.get("/events/").status_code == 200
        proxy.close()  # cuts the pooled connection
        proxy.open()
        time.sleep(0.3)
        assert served.get("/events/").status_code == 200
        assert served.get("/calendar.ics").status_code == 200
    finally:
        proxy.close()
        with served_app.app_context():
            db.engine.dispose()


def test_readyz_does_not_wait_for_a_writer(app, client):
    """On SQLite every transaction takes the write lock; the probe only reads, so a long write
    elsewhere (a request in progress, a job) must not make the database look down."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    with db.engine.connect() as writer:
        writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: holds the write lock
        response = client.get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)

"""/metrics: off by default, protected when on, and every metric the operators rely on moves."""

from __future__ import annotations

import io
import socket

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Column, Integer, MetaData, String, Table

from coordinator import create_app, metrics
from coordinator.documents import services as document_services
from coordinator.documents.models import DocumentVisibility
from coordinator.documents.storage import LocalStorage, get_storage
from coordinator.extensions import db
from coordinator.mail import deliver_messages, queue_mail
from tests.conftest import DEFAULT_PASSWORD
from tests.documents import samples
from tests.factories import EventFactory

TOKEN = "scrape-token-for-tests-0123456789"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "METRICS_ENABLED": True}


def scrape(client, **kwargs) -> dict[tuple[str, frozenset], float]:
    """Every sample of one scrape, by (sample name, labels); the text must parse."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_endpoint_method_and_status(client, partner):
    db.session.commit()
    before = scrape(client)
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/no/such/page/here").status_code == 404
    after = scrape(client)

    index = {"endpoint": "main.index", "method": "GET", "status": "200"}
    assert value(after, "coordinator_http_requests_total", **index) == (
        value(before, "coordinator_http_requests_total", **index) + 2
    )
    assert value(after, "coordinator_http_request_duration_seconds_count", **index) == (
        value(before, "coordinator_http_request_duration_seconds_count", **index) + 2
    )
    unmatched = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert value(after, "coordinator_http_requests_total", **unmatched) >= 1
    # Bounded label values: endpoint names, never the paths clients typed.
    assert not any("/" in label for _, labels in after for _, label in labels)


def test_feed_builds_and_cache_hits_are_counted(client):
    EventFactory()
    db.session.commit()
    before = scrape(client)
    assert client.get("/calendar.ics").status_code == 200  # built
    assert client.get("/calendar.ics").status_code == 200  # from the cache
    after = scrape(client)
    assert value(after, "coordinator_feed_builds_total") == (
        value(before, "coordinator_feed_builds_total") + 1
    )
    assert value(after, "coordinator_feed_cache_hits_total") == (
        value(before, "coordinator_feed_cache_hits_total") + 1
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mail_is_counted_by_status_from_the_database(app, client):
    app.config.update(MAIL_MAX_ATTEMPTS=1, MAIL_SEND_AFTER_REQUEST=False)
    sent = queue_mail("sent@example.org", "Sent", "Body")
    failed = queue_mail("failed@example.org", "Failed", "Body")
    queue_mail("queued@example.org", "Queued", "Body")
    queue_mail("queued2@example.org", "Queued too", "Body")
    db.session.commit()
    assert deliver_messages([sent.id]).sent == 1  # no MAIL_SERVER: written to the outbox
    # An SMTP server that is down, at the last attempt allowed.
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_TIMEOUT=2)
    assert deliver_messages([failed.id]).failed == 1

    samples = scrape(client)
    assert value(samples, "coordinator_mail_messages", status="queued") == 2
    assert value(samples, "coordinator_mail_messages", status="sent") == 1
    assert value(samples, "coordinator_mail_messages", status="failed") == 1


def test_a_login_lockout_is_counted(client, focal_point):
    db.session.commit()
    before = scrape(client)
    for _ in range(5):
        client.post("/login", data={"email": focal_point.email, "password": "wrong password"})
    refused = client.post("/login", data={"email": focal_point.email, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 429
    after = scrape(client)
    assert value(after, "coordinator_login_lockouts_total") == (
        value(before, "coordinator_login_lockouts_total") + 1
    )


class _FullDisk(LocalStorage):
    def put(self, stream):
        raise OSError(28, "No space left on device")


def _upload(storage, user, subject, visibility=DocumentVisibility.PUBLIC):
    return document_services.create_document(
        subject=subject,
        user=user,
        title="Agenda",
        description="",
        visibility=visibility,
        filename="agenda.pdf",
        stream=io.BytesIO(samples.pdf("agenda")),
        storage=storage,
    )


def test_document_storage_errors_are_counted_on_write_and_read(app, client, staff):
    event = EventFactory()
    db.session.commit()
    before = scrape(client)

    with pytest.raises(OSError):
        _upload(_FullDisk(app.config["UPLOAD_FOLDER"]), staff, event)
    db.session.rollback()

    document = _upload(get_storage(), staff, event)
    db.session.commit()
    stored = document.versions[0].storage_key
    get_storage().delete(stored)  # lost behind the database's back
    assert client.get(f"/documents/{document.id}/download").status_code == 404

    after = scrape(client)
    for operation in ("write", "read"):
        assert value(after, "coordinator_document_storage_errors_total", operation=operation) == (
            value(before, "coordinator_document_storage_errors_total", operation=operation) + 1
        )


# --- off by default, and protected when on ------------------------------------------------------


@pytest.mark.parametrize("metrics_config", [{}, {"METRICS_ENABLED": False}])
def test_metrics_are_off_by_default(app_config, metrics_config):
    config = {key: v for key, v in app_config.items() if key != "METRICS_ENABLED"}
    app = create_app({**config, **metrics_config})
    assert app.test_client().get("/metrics").status_code == 404


def test_an_address_outside_the_list_is_refused(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_a_request_that_came_through_a_proxy_is_refused_even_from_loopback(client):
    # nginx without TRUSTED_PROXY_COUNT makes every visitor look like 127.0.0.1.
    response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 403
    assert client.get("/metrics", headers={"Forwarded": "for=203.0.113.9"}).status_code == 403


@pytest.fixture
def token_app(app_config):
    return create_app({**app_config, "METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_ADDRESSES": ""})


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN],
)
def test_a_missing_or_wrong_token_is_refused(token_app, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = token_app.test_client().get(
        "/metrics", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "coordinator_" not in response.get_data(as_text=True)


def test_the_right_token_is_accepted_from_anywhere_when_no_address_list(token_app):
    client = token_app.test_client()
    samples = scrape(
        client,
        headers={"Authorization": f"Bearer {TOKEN}"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert ("coordinator_mail_messages", frozenset({("status", "queued")})) in samples


def test_token_and_address_list_are_both_required_when_both_set(app_config):
    app = create_app({**app_config, "METRICS_TOKEN": TOKEN})  # and the loopback default
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    good = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/metrics", headers=good).status_code == 200
    outside = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", headers=good, environ_base=outside).status_code == 403


def test_enabled_without_any_protection_does_not_start(app_config):
    with pytest.raises(ValueError, match="METRICS_TOKEN or METRICS_ALLOWED_ADDRESSES"):
        create_app({**app_config, "METRICS_ALLOWED_ADDRESSES": ""})


def test_a_malformed_address_list_does_not_start(app_config):
    with pytest.raises(ValueError, match="METRICS_ALLOWED_ADDRESSES"):
        create_app({**app_config, "METRICS_ALLOWED_ADDRESSES": "127.0.0.1,not-an-address"})


def test_a_scrape_still_answers_when_the_database_is_down(app_config):
    down = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": down})
    client = app.test_client()
    client.get("/healthz")
    samples = scrape(client)
    healthz = {"endpoint": "main.healthz", "method": "GET", "status": "200"}
    assert value(samples, "coordinator_http_requests_total", **healthz) >= 1
    assert not any(name == "coordinator_mail_messages" for name, _ in samples)


def test_with_a_status_column_every_status_present_is_counted(app):
    # The outgoing mail table may gain a status column (failed mail kept for a retry): then
    # the statuses are read from it, whatever they are.
    table = Table(
        "metrics_test_outgoing",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("status", String(20)),
    )
    table.create(db.engine)
    try:
        statuses = ["queued", "sent", "sent", "failed", "FAILED", "cancelled"]
        db.session.execute(table.insert(), [{"status": status} for status in statuses])
        counts = metrics.mail_counts(table)
        db.session.rollback()
    finally:
        table.drop(db.engine)
    assert counts == {"queued": 1, "sent": 2, "failed": 2, "cancelled": 1}


def test_every_known_status_is_reported_even_at_zero(client):
    samples = scrape(client)
    for status in ("queued", "sent", "failed"):
        assert ("coordinator_mail_messages", frozenset({("status", status)})) in samples

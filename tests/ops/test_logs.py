"""Request logging: one line per request with its id, JSON lines on demand, no secrets."""

from __future__ import annotations

import io
import json
import re

import pytest

from coordinator import create_app, logs
from coordinator.access import public
from coordinator.extensions import db
from coordinator.feeds.tokens import create_feed_token

TOKEN_SHAPED = "Zq3xY7pLm2NbV8rT4kWcJ6hD1sFgA9eUoRiQ5tEyHuI"  # as secrets.token_urlsafe(32)


@pytest.fixture
def log_output():
    """What the application's log handler writes during the test."""
    handler = logs.handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def request_lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if " coordinator.request " in line]


def test_a_request_id_is_generated_and_echoed(client, log_output):
    response = client.get("/healthz")
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert client.get("/healthz").headers["X-Request-ID"] != request_id
    [line, _] = request_lines(log_output)
    assert f"[{request_id}]" in line and "GET /healthz 200 " in line and "user=-" in line


@pytest.mark.parametrize("sane", ["abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e", "a.b:c_d"])
def test_a_sane_incoming_request_id_is_kept(client, log_output, sane):
    response = client.get("/healthz", headers={"X-Request-ID": sane})
    assert response.headers["X-Request-ID"] == sane
    assert f"[{sane}]" in request_lines(log_output)[0]


@pytest.mark.parametrize(
    "bad", ["has space", "x" * 65, "<script>", "-starts-with-dash", 'quote"d', "semi;colon", "é"]
)
def test_an_unsafe_incoming_request_id_is_replaced(client, log_output, bad):
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert bad not in log_output.getvalue()


def test_the_line_names_the_signed_in_user(client, log_output, focal_point, login_as):
    login_as(focal_point)
    client.get("/account")
    assert "GET /account 200 " in request_lines(log_output)[-1]
    assert request_lines(log_output)[-1].endswith(f"user={focal_point.id}")


def test_an_unknown_log_format_stops_the_start(app_config):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        create_app({**app_config, "LOG_FORMAT": "xml"})


class TestJSONLines:
    @pytest.fixture
    def app_config(self, app_config):
        # PROPAGATE_EXCEPTIONS off: the test client gets the 500 page and Flask logs the
        # traceback, as in production.
        return {**app_config, "LOG_FORMAT": "json", "PROPAGATE_EXCEPTIONS": False}

    @staticmethod
    def records(stream: io.StringIO) -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    def test_lines_parse_and_carry_the_request_fields(self, client, log_output):
        response = client.get("/events/?q=private+search", headers={"X-Request-ID": "req-42"})
        [entry] = [r for r in self.records(log_output) if r["logger"] == "coordinator.request"]
        assert entry["request_id"] == "req-42" == response.headers["X-Request-ID"]
        assert entry["method"] == "GET"
        assert entry["path"] == "/events/"  # never the query string
        assert entry["status"] == 200
        assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
        assert entry["user_id"] is None
        assert entry["level"] == "INFO" and entry["time"].endswith("+00:00")
        assert "private" not in log_output.getvalue()

    def test_the_signed_in_user_is_named(self, client, log_output, focal_point, login_as):
        login_as(focal_point)
        client.get("/account")
        entry = self.records(log_output)[-1]
        assert (entry["path"], entry["user_id"]) == ("/account", focal_point.id)

    def test_a_logged_traceback_carries_the_request_id(self, app, client, log_output):
        @public
        def explode():
            raise RuntimeError("kaboom")

        app.add_url_rule("/explode", "explode", explode)
        response = client.get("/explode", headers={"X-Request-ID": "trace-me-1"})
        assert response.status_code == 500
        assert response.headers["X-Request-ID"] == "trace-me-1"
        [error] = [r for r in self.records(log_output) if r["level"] == "ERROR"]
        assert error["request_id"] == "trace-me-1"
        assert "Traceback (most recent call last)" in error["traceback"]
        assert "RuntimeError: kaboom" in error["traceback"]


def test_private_feed_tokens_never_reach_the_log(app, client, log_output, focal_point):
    _, raw = create_feed_token(focal_point, "Phone")
    db.session.commit()
    assert client.get(f"/feeds/{raw}/calendar.ics").status_code == 200
    line = request_lines(log_output)[-1]
    assert raw not in log_output.getvalue()
    assert "GET /feeds/[redacted]/calendar.ics 200 " in line


@pytest.mark.parametrize(
    "path", [f"/reset/{TOKEN_SHAPED}", f"/invite/{TOKEN_SHAPED}", f"/nowhere/{TOKEN_SHAPED}/x"]
)
def test_link_tokens_never_reach_the_log(client, log_output, path):
    client.get(path)
    assert TOKEN_SHAPED not in log_output.getvalue()
    assert "[redacted]" in request_lines(log_output)[-1]


def test_short_tokens_in_route_arguments_are_redacted_too(client, log_output):
    # Not token-shaped, but the route says it is a token: redacted all the same.
    client.get("/feeds/short-guess/calendar.ics")
    assert "short-guess" not in log_output.getvalue()


@pytest.mark.parametrize(
    "text",
    [
        "/partners/union-for-the-mediterranean-secretariat-2030",  # a long slug
        "/documents/" + "ab12" * 16,  # a storage key (hex)
    ],
)
def test_slugs_and_storage_keys_are_not_mistaken_for_tokens(text):
    assert logs.redact(text) == text


def test_a_token_in_any_message_is_redacted_outside_requests_too(log_output):
    import logging

    logging.getLogger("coordinator.test").warning("link was /reset/%s", TOKEN_SHAPED)
    assert TOKEN_SHAPED not in log_output.getvalue()
    assert "link was /reset/[redacted]" in log_output.getvalue()


def test_a_path_cannot_write_a_log_line_of_its_own(client, log_output):
    client.get("/nowhere%0A2026-01-01 00:00:00,000 INFO coordinator.request [x]: forged")
    lines = log_output.getvalue().splitlines()
    assert len(request_lines(log_output)) == 1 == len(lines)
    assert "/nowhere\\x0a2026-01-01" in lines[0]


def test_a_one_letter_token_redacts_its_segment_not_every_letter(client, log_output):
    client.get("/feeds/a/calendar.ics")
    assert "GET /feeds/[redacted]/calendar.ics 404 " in request_lines(log_output)[-1]

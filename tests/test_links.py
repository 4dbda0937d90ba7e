"""Absolute links come from BASE_URL, never from the request's Host or X-Forwarded-Host.

A password reset link mailed to http://evil.example/reset/<token> hands the account to whoever
runs evil.example: every link in mail, feeds, Atom, JSON-LD and the subscribe panel is checked
against a request that names a hostile host, both ways a client can name one.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import click
import pytest
from flask import request
from sqlalchemy import select

from coordinator import create_app
from coordinator.access import public
from coordinator.accounts.models import Invitation
from coordinator.activities import services as activities
from coordinator.activities.models import Status, Visibility
from coordinator.activities.workflow import Action
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.mail import OutgoingMessage
from coordinator.urls import absolute_url
from tests import factories
from tests.accounts.helpers import last_message_to
from tests.activities.helpers import Cast
from tests.conftest import DEFAULT_PASSWORD

EVIL = "evil.example"

# Two ways a client names a host: the Host header itself (here as if the operator had trusted a
# name too widely), and X-Forwarded-Host behind a trusted proxy.
HOSTILE = {
    "host": ({"TRUSTED_HOSTS": ["localhost", EVIL]}, {"Host": EVIL}),
    "forwarded-host": ({"TRUSTED_PROXY_COUNT": 1}, {"X-Forwarded-Host": EVIL}),
}


def _all_from_base(text: str) -> None:
    assert "http://localhost/" in text, text
    assert EVIL not in text, text


def _login(client, user, headers: dict) -> None:
    # With the hostile Host, the session cookie belongs to that host: sign in through it too.
    response = client.post(
        "/login", data={"email": user.email, "password": DEFAULT_PASSWORD}, headers=headers
    )
    assert response.status_code == 302


def test_an_untrusted_host_is_refused_and_nothing_is_mailed(client, focal_point):
    db.session.commit()
    response = client.post(
        "/forgot-password", data={"email": focal_point.email}, headers={"Host": EVIL}
    )
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(OutgoingMessage)) is None


def test_x_forwarded_host_is_not_trusted_by_default(app_config):
    app = create_app({**app_config, "TRUSTED_PROXY_COUNT": 1})
    seen = {}

    @app.get("/_host")
    @public
    def _host():
        seen["host"], seen["scheme"] = request.host, request.scheme
        return ""

    app.test_client().get(
        "/_host", headers={"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}
    )
    assert seen == {"host": "localhost", "scheme": "https"}  # the proxy's scheme still counts


class TestLinksIgnoreTheRequestHost:
    @pytest.fixture(params=sorted(HOSTILE))
    def hostile(self, request):
        return HOSTILE[request.param]

    @pytest.fixture
    def app_config(self, app_config, hostile):
        return {**app_config, **hostile[0]}

    @pytest.fixture
    def headers(self, hostile) -> dict:
        return hostile[1]

    def test_password_reset_link(self, client, focal_point, headers):
        db.session.commit()
        response = client.post(
            "/forgot-password", data={"email": focal_point.email}, headers=headers
        )
        assert response.status_code == 302
        body = last_message_to(focal_point.email).body_text
        assert re.search(r"http://localhost/reset/[A-Za-z0-9_-]+\n", body), body
        _all_from_base(body)

    def test_invitation_link(self, app, client, staff, partner, headers):
        db.session.commit()
        _login(client, staff, headers)
        response = client.post(
            "/staff/users/invite",
            data={
                "email": "new@example.org",
                "name": "New",
                "role": "focal_point",
                "partner": partner.id,
            },
            headers=headers,
        )
        assert response.status_code == 302
        db.session.rollback()
        assert db.session.scalar(select(Invitation)) is not None
        body = last_message_to("new@example.org").body_text
        assert re.search(r"http://localhost/invite/[A-Za-z0-9_-]+\n", body), body
        _all_from_base(body)

    def test_workflow_notification_see_it_link(self, client, headers):
        cast = Cast()
        event = cast.event(Status.DRAFT)
        db.session.commit()
        _login(client, cast.lead, headers)
        response = client.post(f"/events/{event.id}/workflow/submit", headers=headers)
        assert response.status_code == 302
        body = last_message_to(cast.staff.email).body_text
        assert f"http://localhost/events/{event.id}/manage" in body
        _all_from_base(body)

    def test_feed_event_urls(self, client, headers):
        event = factories.EventFactory()
        db.session.commit()
        body = client.get("/calendar.ics", headers=headers).get_data(as_text=True)
        unfolded = body.replace("\r\n ", "")
        assert f"URL:http://localhost/events/{event.id}\r\n" in unfolded
        assert EVIL not in unfolded

    def test_atom_links(self, client, headers):
        event = factories.EventFactory(published_dt=utcnow() - timedelta(days=1))
        db.session.commit()
        body = client.get("/events.atom", headers=headers).get_data(as_text=True)
        assert 'href="http://localhost/events.atom"' in body
        assert f'href="http://localhost/events/{event.id}"' in body
        _all_from_base(body)

    def test_jsonld_url(self, client, headers):
        event = factories.EventFactory()
        db.session.commit()
        page = client.get(f"/events/{event.id}", headers=headers).get_data(as_text=True)
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert json.loads(block.group(1))["url"] == f"http://localhost/events/{event.id}"
        assert EVIL not in page

    def test_private_feed_url(self, client, focal_point, headers):
        db.session.commit()
        _login(client, focal_point, headers)
        page = client.post("/account/feeds", data={"name": "Phone"}, headers=headers)
        text = page.get_data(as_text=True)
        assert re.search(r"http://localhost/feeds/[A-Za-z0-9_-]+/calendar\.ics", text)
        assert EVIL not in text

    def test_subscribe_links(self, client, headers):
        factories.EventFactory()
        db.session.commit()
        page = client.get("/events/", headers=headers).get_data(as_text=True)
        assert "webcal://localhost/calendar.ics" in page
        assert EVIL not in page


def test_notifications_sent_outside_a_request_carry_absolute_links(app):
    # Mail composed by a CLI command or a worker thread has no request to take a host from.
    cast = Cast()
    event = cast.event(Status.DRAFT)
    activities.transition(cast.lead, event, Action.SUBMIT)
    body = last_message_to(cast.staff.email).body_text
    assert f"http://localhost/events/{event.id}/manage" in body


def test_absolute_url_follows_base_url_with_its_path(app):
    app.config["BASE_URL"] = "https://coordinator.example.org/alliance/"
    assert (
        absolute_url("accounts.reset_password", token="abc")
        == "https://coordinator.example.org/alliance/reset/abc"
    )
    assert (
        absolute_url("feeds.network_calendar", theme=["water", "energy"])
        == "https://coordinator.example.org/alliance/calendar.ics?theme=water&theme=energy"
    )
    event = factories.EventFactory(visibility=Visibility.PUBLIC)
    from coordinator.feeds.services import event_url

    assert event_url(event.id) == f"https://coordinator.example.org/alliance/events/{event.id}"


# --- production needs BASE_URL ------------------------------------------------------------------


def _production(app_config: dict) -> dict:
    config = {**app_config, "TESTING": False, "DEBUG": False}
    del config["BASE_URL"]
    return config


def test_production_without_base_url_refuses_to_start(app_config):
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(_production(app_config))


@pytest.mark.usefixtures("_schema")
def test_production_trusts_only_its_own_host_and_loopback(app_config):
    app = create_app({**_production(app_config), "BASE_URL": "https://coordinator.example.org"})
    assert app.config["TRUSTED_HOSTS"] == ["coordinator.example.org", "localhost", "127.0.0.1"]
    client = app.test_client()
    assert client.get("/", headers={"Host": EVIL}).status_code == 400
    assert client.get("/", headers={"Host": "coordinator.example.org"}).status_code == 200


def test_trusted_hosts_from_the_environment(app_config):
    app = create_app({**app_config, "TRUSTED_HOSTS": "a.example, .b.example"})
    assert app.config["TRUSTED_HOSTS"] == ["a.example", ".b.example"]


def test_a_base_url_that_is_no_web_address_is_refused(app_config):
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app({**app_config, "BASE_URL": "coordinator.example.org"})


def test_flask_commands_and_debug_runs_default_to_the_local_address(app_config):
    # `flask --app wsgi <command>` (migrations, mail, demo) loads the app inside click's context.
    with click.Context(click.Command("demo")):
        app = create_app(_production(app_config))
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    debug = create_app({**_production(app_config), "DEBUG": True})
    assert debug.config["BASE_URL"] == "http://127.0.0.1:5000"

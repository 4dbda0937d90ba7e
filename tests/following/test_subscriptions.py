"""The digest for anyone: double opt-in, one confirmation per address and nothing revealed,
clear pages for dead links, one-click unsubscribe (RFC 8058) without a session or CSRF token,
signed links nobody can forge, and preferences behind the same signed link."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes

import pytest
import time_machine

from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.following import services
from coordinator.following.models import DigestSubscription, Follow, Period
from coordinator.mail import _build
from tests import factories
from tests.following.helpers import Network, digests, outbox, send_at, utc


@pytest.fixture
def app_config(app_config):
    # Real forms: the subscribe form needs its CSRF token, the one-click POST must not.
    return {
        **app_config,
        "WTF_CSRF_ENABLED": True,
        "MAIL_UNSUBSCRIBE_ADDRESS": "unsubscribe@coordinator.example.org",
    }


def _csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _subscribe(client, address: str, partner, **extra):
    data = {
        "csrf_token": _csrf(client, "/digest/subscribe"),
        "email": address,
        "partner_ids": [str(partner.id)],
        "period": "daily",
        "timezone": "Europe/Paris",
        **extra,
    }
    return client.post("/digest/subscribe", data=data)


def _page(response) -> str:
    """The page without the CSRF tokens in it (signed with a timestamp, they differ)."""
    return re.sub(
        r'(name="csrf_token"[^>]*value|name="csrf-token" content)="[^"]+"',
        "",
        response.get_data(as_text=True),
    )


def _confirmation_link(message) -> str:
    return re.search(r"http://localhost(/digest/confirm/\S+)", message.body_text).group(1)


def test_subscribing_twice_sends_one_confirmation_and_answers_the_same(app, client):
    partner = factories.PartnerFactory()
    db.session.commit()
    first = _subscribe(client, "reader@example.org", partner)
    again = _subscribe(client, "Reader@Example.org", partner)
    assert first.status_code == again.status_code == 200
    assert _page(first) == _page(again)
    assert [m.recipient for m in outbox()] == ["reader@example.org"]
    # Confirmed, a third request still answers the same and mails nothing.
    client.post(
        _confirmation_link(outbox()[0]), data={"csrf_token": _csrf(client, "/digest/subscribe")}
    )
    third = _subscribe(client, "reader@example.org", partner)
    assert _page(third) == _page(first)
    assert len(outbox()) == 1
    assert "reader@example.org" not in first.get_data(as_text=True)


def test_nothing_is_sent_before_the_confirmation_then_the_digest_starts(app, client):
    network = Network()
    with time_machine.travel(utc(2027, 5, 3, 7), tick=False):
        _subscribe(client, "reader@example.org", network.partner)
    link = _confirmation_link(outbox()[0])
    network.approve_at(
        network.submitted_event(utc(2030, 6, 1, 8), title="Open day"), utc(2027, 5, 3, 8)
    )
    send_at(utc(2027, 5, 4, 1))
    assert "reader@example.org" not in {m.recipient for m in digests()}

    with time_machine.travel(utc(2027, 5, 4, 9), tick=False):
        # A mail scanner opening the link confirms nothing: GET only shows the button.
        assert client.get(link).status_code == 200
        assert db.session.query(DigestSubscription).one().confirmed_dt is None
        db.session.rollback()
        confirmed = client.post(link, data={"csrf_token": _csrf(client, link)})
    assert confirmed.status_code == 200
    assert "Subscription confirmed" in confirmed.get_data(as_text=True)
    network.approve_at(
        network.submitted_event(utc(2030, 6, 2, 8), title="Second open day"), utc(2027, 5, 4, 10)
    )
    send_at(utc(2027, 5, 5, 1))
    [mine] = [m for m in digests() if m.recipient == "reader@example.org"]
    assert "Second open day" in mine.body_text and "Open day\n" not in mine.body_text


def test_a_used_or_expired_confirmation_link_gets_a_clear_page(app, client):
    partner = factories.PartnerFactory()
    db.session.commit()
    _subscribe(client, "reader@example.org", partner)
    link = _confirmation_link(outbox()[0])
    client.post(link, data={"csrf_token": _csrf(client, link)})
    used = client.get(link)
    assert used.status_code == 410
    assert "It was used already" in used.get_data(as_text=True)

    _subscribe(client, "late@example.org", partner)
    late_link = _confirmation_link(outbox()[-1])
    with time_machine.travel(utcnow() + timedelta(hours=49), tick=False):
        expired = client.get(late_link)
    assert expired.status_code == 410
    assert "It has expired" in expired.get_data(as_text=True)
    unknown = client.get("/digest/confirm/not-a-token-we-sent")
    assert unknown.status_code == 410 and "not a link we sent" in unknown.get_data(as_text=True)


def test_after_expiry_a_new_request_sends_a_new_confirmation(app, client):
    partner = factories.PartnerFactory()
    db.session.commit()
    _subscribe(client, "reader@example.org", partner)
    with time_machine.travel(utcnow() + timedelta(hours=49), tick=False):
        _subscribe(client, "reader@example.org", partner)
    assert len(outbox()) == 2
    assert _confirmation_link(outbox()[0]) != _confirmation_link(outbox()[1])


def test_the_subscribe_form_refuses_bad_input_with_form_errors(app, client):
    partner = factories.PartnerFactory()
    db.session.commit()
    cases = [
        {"email": "not an address"},
        {"partner_ids": []},  # nothing chosen
        {"timezone": "Mars/Olympus"},
        {"period": "hourly"},
        {"partner_ids": ["999999"]},
    ]
    for extra in cases:
        response = _subscribe(client, "reader@example.org", partner, **extra)
        assert response.status_code == 400, extra
    assert outbox() == []
    no_token = client.post("/digest/subscribe", data={"email": "reader@example.org"})
    assert no_token.status_code == 400


def _active_subscription(network: Network) -> DigestSubscription:
    services.request_subscription(
        "reader@example.org",
        services.Choices([network.partner.id], [], [], Period.DAILY),
        "en",
        "Europe/Paris",
    )
    subscription = db.session.query(DigestSubscription).one()
    subscription.confirmed_dt = utcnow()
    db.session.commit()
    return subscription


def _digest_for(network: Network, email: str):
    network.approve_at(
        network.submitted_event(utc(2030, 6, 1, 8), title="Open day"), utc(2027, 5, 3, 8)
    )
    send_at(utc(2027, 5, 4, 1))
    return next(m for m in digests() if m.recipient == email)


def test_every_digest_carries_list_unsubscribe_and_one_click_works_without_a_session(app):
    network = Network()
    subscription = _active_subscription(network)
    message = _digest_for(network, "reader@example.org")
    email = message_from_bytes(bytes(_build(message, "coordinator <no-reply@example.org>")))
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_link, mailto = re.findall(r"<([^>]+)>", email["List-Unsubscribe"])
    assert https_link.startswith("http://localhost/digest/unsubscribe/")
    assert mailto.startswith("mailto:unsubscribe@coordinator.example.org")
    assert "/digest/preferences/" in message.body_text

    # A mail client posts with no cookie and no CSRF token (RFC 8058).
    fresh = app.test_client()
    response = fresh.post(
        https_link.removeprefix("http://localhost"),
        data={"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    db.session.refresh(subscription)
    assert subscription.unsubscribed_dt is not None
    assert not subscription.is_active


def test_a_tampered_unsubscribe_link_is_refused_and_unsubscribes_nobody(app):
    network = Network()
    subscription = _active_subscription(network)
    other = factories.UserFactory()
    db.session.commit()
    message = _digest_for(network, "reader@example.org")
    path = re.search(r"http://localhost(/digest/unsubscribe/\S+)", message.body_text).group(1)
    token = path.rsplit("/", 1)[1]
    payload, signature = token.split(".", 1)
    # Change whole characters: a base64 string's last character may carry bits that decoding
    # ignores, so flipping only that one could leave the same bytes.
    forged_payload = ("B" if payload[0] != "B" else "C") + payload[1:]
    forged_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    fresh = app.test_client()
    for bad in (f"{forged_payload}.{signature}", f"{payload}.{forged_signature}", "garbage"):
        response = fresh.post(f"/digest/unsubscribe/{bad}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
    # A token made for another recipient with a wrong secret does not work either.
    forged = services.link_token(services.Recipient(f"user:{other.id}", "guessed"))
    assert fresh.post(f"/digest/unsubscribe/{forged}").status_code == 400
    db.session.refresh(subscription)
    assert subscription.is_active


def test_preferences_behind_the_signed_link_change_the_choices(app, client):
    network = Network()
    subscription = _active_subscription(network)
    theme = factories.ThemeFactory(name="Water")
    db.session.commit()
    message = _digest_for(network, "reader@example.org")
    path = re.search(r"http://localhost(/digest/preferences/\S+)", message.body_text).group(1)
    page = client.get(path)
    assert page.status_code == 200
    assert "reader@example.org" not in page.get_data(as_text=True)  # never shown
    response = client.post(
        path,
        data={"csrf_token": _csrf(client, path), "theme_ids": [str(theme.id)], "period": "weekly"},
    )
    assert response.status_code == 302
    db.session.refresh(subscription)
    assert subscription.period == Period.WEEKLY
    keys = {
        (f.kind.value, f.key)
        for f in db.session.query(Follow).filter_by(subscription_id=subscription.id)
    }
    assert keys == {("theme", str(theme.id))}
    assert client.get(path.replace("preferences/", "preferences/x")).status_code == 400


def test_subscribe_requests_are_rate_limited_per_client(app, client):
    app.config["DIGEST_SUBSCRIBE_RATE_LIMIT"] = "2 per hour"
    partner = factories.PartnerFactory()
    db.session.commit()
    statuses = [_subscribe(client, f"reader{n}@example.org", partner).status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert len(outbox()) == 2
    assert client.get("/digest/subscribe").status_code == 200  # the form itself stays open

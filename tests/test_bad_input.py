"""Bad input on every form of accounts and partners: a form error, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coordinator.accounts import services
from coordinator.accounts.models import Invitation, PasswordResetToken, User
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.mail import OutgoingMessage
from coordinator.partners.models import Partner, PartnerGroup
from tests.conftest import login
from tests.factories import UserFactory

INVITE_TOKEN = "invitation-token-for-bad-input-tests"
RESET_TOKEN = "reset-token-for-bad-input-tests"

# (name, who posts, url, fields)
FORMS = [
    ("login", None, "/login", ["email", "password", "remember", "next"]),
    ("forgot password", None, "/forgot-password", ["email"]),
    ("accept invitation", None, f"/invite/{INVITE_TOKEN}", ["name", "password", "confirm"]),
    ("reset password", None, f"/reset/{RESET_TOKEN}", ["password", "confirm"]),
    ("profile", "focal_point", "/account", ["profile-name"]),
    (
        "change password",
        "focal_point",
        "/account/password",
        ["password-current_password", "password-new_password", "password-confirm"],
    ),
    ("invite", "admin", "/staff/users/invite", ["email", "name", "role", "partner", "next"]),
    (
        "create partner",
        "staff",
        "/partners/new",
        [
            "name",
            "acronym",
            "slug",
            "kind",
            "city",
            "country",
            "timezone",
            "website",
            "summary",
            "groups",
        ],
    ),
    (
        "edit partner",
        "staff",
        "/partners/{slug}/edit",
        [
            "name",
            "acronym",
            "slug",
            "kind",
            "city",
            "country",
            "timezone",
            "website",
            "summary",
            "groups",
        ],
    ),
    ("create group", "staff", "/partners/groups", ["name", "next"]),
]

ALWAYS_BAD = ["", "x" * 10_000, "\x00", "a\x00b", "\x07bell\x1b[0m", "\u202e\u0000"]
BAD_EMAILS = [
    "not-an-email",
    "@example.org",
    "a@b@c.org",
    "a@",
    "a b@example.org",
    "a@exa mple.org",
    "x" * 250 + "@example.org",
]


@pytest.fixture
def world(app, partner):
    users = {
        "focal_point": UserFactory(role="focal_point", partner=partner, name="Fixed Name"),
        "staff": UserFactory(role="staff"),
        "admin": UserFactory(role="admin"),
    }
    db.session.add(
        Invitation(
            email="invitee@example.org",
            role="focal_point",
            partner=partner,
            token_hash=services.hash_token(INVITE_TOKEN),
            expires_dt=utcnow() + timedelta(days=1),
        )
    )
    db.session.add(
        PasswordResetToken(
            user=users["focal_point"],
            token_hash=services.hash_token(RESET_TOKEN),
            expires_dt=utcnow() + timedelta(days=1),
        )
    )
    db.session.commit()
    clients = {None: app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        login(clients[role], user)
    return clients, partner


def _snapshot(partner):
    db.session.rollback()
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Partner, PartnerGroup, Invitation, OutgoingMessage)
    )
    names = tuple(db.session.scalars(select(User.name).order_by(User.id)).all())
    partner_row = db.session.scalar(select(Partner.name).where(Partner.id == partner.id))
    hashes = tuple(db.session.scalars(select(User.password_hash).order_by(User.id)).all())
    db.session.rollback()
    return counts, names, partner_row, hashes


def _post(clients, partner, who, url, data):
    return clients[who].post(url.format(slug=partner.slug), data=data)


@pytest.mark.parametrize("form", FORMS, ids=[form[0] for form in FORMS])
def test_bad_values_in_every_field_are_refused(world, form):
    clients, partner = world
    name, who, url, fields = form
    before = _snapshot(partner)
    for value in ALWAYS_BAD:
        response = _post(clients, partner, who, url, dict.fromkeys(fields, value))
        assert response.status_code < 500, (name, value[:20])
        assert "Traceback" not in response.get_data(as_text=True)
        assert _snapshot(partner) == before, (name, value[:20])


@pytest.mark.parametrize("form", [f for f in FORMS if "email" in f[3]], ids=lambda f: f[0])
def test_invalid_emails_are_form_errors(world, form):
    clients, partner = world
    name, who, url, fields = form
    before = _snapshot(partner)
    good = {
        "password": "a long password",
        "name": "Someone",
        "role": "focal_point",
        "partner": str(partner.id),
    }
    for email in BAD_EMAILS:
        data = {field: good.get(field, "") for field in fields} | {"email": email}
        response = _post(clients, partner, who, url, data)
        assert response.status_code < 500
        if response.status_code == 302:  # the invite form answers on the page it came from
            follow = clients[who].get(response.headers["Location"]).get_data(as_text=True)
            assert "Invitation not sent" in follow or "email" in follow.lower()
        else:
            assert "email" in response.get_data(as_text=True).lower()
        assert _snapshot(partner) == before, (name, email)


hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(
        alphabet=st.characters(min_codepoint=0, max_codepoint=0x3000, exclude_categories=("Cs",)),
        max_size=300,
    ),
    st.sampled_from(
        ALWAYS_BAD
        + BAD_EMAILS
        + ["a@example.org", "Europe/Paris", "FR", "1", "https://x.example", "javascript:alert(1)"]
    ),
)


@pytest.mark.parametrize("form", FORMS, ids=[form[0] for form in FORMS])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_input_never_gives_a_500(world, form, data):
    clients, partner = world
    name, who, url, fields = form
    payload = {field: data.draw(hostile_text, label=field) for field in fields}
    response = _post(clients, partner, who, url, payload)
    assert response.status_code < 500, (name, payload)

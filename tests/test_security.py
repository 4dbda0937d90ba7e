"""Security properties: permission matrix, deny by default, redirects, cookies, CSRF, headers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from coordinator.access import is_public_endpoint, public
from coordinator.accounts import permissions
from coordinator.accounts.models import Role
from coordinator.extensions import db
from tests.conftest import DEFAULT_PASSWORD, login
from tests.factories import UserFactory

# --- The permission matrix ---------------------------------------------------------------

ROLES = ["anonymous", "focal_point", "staff", "admin"]

# action -> roles allowed. "target_*" actions act on another account of that role.
MATRIX = {
    "see the users page": {"staff", "admin"},
    "invite a focal point": {"staff", "admin"},
    "invite staff": {"admin"},
    "invite an admin": {"admin"},
    "deactivate a focal point": {"staff", "admin"},
    "deactivate staff": {"admin"},
    "deactivate an admin": {"admin"},
    "manage partners": {"staff", "admin"},
    "see focal points": {"staff", "admin"},
    "see inactive partners": {"staff", "admin"},
}


def _predicate(action: str, user, targets):
    return {
        "see the users page": lambda: permissions.can_manage_users(user),
        "invite a focal point": lambda: permissions.can_invite(user, Role.FOCAL_POINT),
        "invite staff": lambda: permissions.can_invite(user, Role.STAFF),
        "invite an admin": lambda: permissions.can_invite(user, Role.ADMIN),
        "deactivate a focal point": lambda: permissions.can_deactivate_user(user, targets["fp"]),
        "deactivate staff": lambda: permissions.can_deactivate_user(user, targets["staff"]),
        "deactivate an admin": lambda: permissions.can_deactivate_user(user, targets["admin"]),
        "manage partners": lambda: permissions.can_manage_partners(user),
        "see focal points": lambda: permissions.can_see_focal_points(user),
        "see inactive partners": lambda: permissions.can_see_inactive_partners(user),
    }[action]()


@pytest.fixture
def people(app, partner):
    from flask_login import AnonymousUserMixin

    users = {
        "anonymous": AnonymousUserMixin(),
        "focal_point": UserFactory(role="focal_point", partner=partner),
        "staff": UserFactory(role="staff"),
        "admin": UserFactory(role="admin"),
    }
    targets = {
        "fp": UserFactory(role="focal_point", partner=partner),
        "staff": UserFactory(role="staff"),
        "admin": UserFactory(role="admin"),
    }
    return users, targets


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_permission_matrix(people, action):
    users, targets = people
    allowed = {role for role in ROLES if _predicate(action, users[role], targets)}
    assert allowed == MATRIX[action]


def test_deactivated_users_may_do_nothing(people):
    users, targets = people
    for role in ("staff", "admin"):
        users[role].is_enabled = False
        assert not any(_predicate(action, users[role], targets) for action in MATRIX)


# The same matrix through HTTP: (method, url builder, expected status for each role).
def _http_cases(partner, target_fp, target_staff):
    return [
        ("GET", "/staff/users", {"focal_point": 403, "staff": 200, "admin": 200}),
        ("GET", "/partners/new", {"focal_point": 403, "staff": 200, "admin": 200}),
        ("GET", f"/partners/{partner.slug}/edit", {"focal_point": 403, "staff": 200, "admin": 200}),
        (
            "POST",
            f"/staff/users/{target_staff.id}/deactivate",
            {"focal_point": 403, "staff": 403, "admin": 302},
        ),
        (
            "POST",
            f"/staff/users/{target_fp.id}/deactivate",
            {"focal_point": 403, "staff": 302, "admin": 302},
        ),
        ("GET", "/account", {"focal_point": 200, "staff": 200, "admin": 200}),
    ]


@pytest.mark.parametrize("role", ["focal_point", "staff", "admin"])
def test_http_permission_matrix(app, role, partner):
    actor = UserFactory(role=role, partner=partner if role == "focal_point" else None)
    cases = []
    for index in range(6):
        target_fp = UserFactory(role="focal_point", partner=partner)
        target_staff = UserFactory(role="staff")
        cases.append(_http_cases(partner, target_fp, target_staff)[index])
    db.session.commit()
    client = app.test_client()
    login(client, actor)
    for method, url, expected in cases:
        response = client.open(url, method=method)
        assert response.status_code == expected[role], (role, method, url)


# --- Deny by default: a walk over every route -------------------------------------------


def _sample_value(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def _sample_url(app, rule) -> str:
    values = {name: _sample_value(converter) for name, converter in rule._converters.items()}
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        method = next(iter(rule.methods - {"HEAD", "OPTIONS"}))
        return adapter.build(rule.endpoint, values, method=method)


def _private_rules(app):
    return [rule for rule in app.url_map.iter_rules() if not is_public_endpoint(app, rule.endpoint)]


def _refused(response) -> bool:
    if response.status_code in (301, 302, 303, 307, 308):
        return urlsplit(response.headers["Location"]).path == "/login"
    return 400 <= response.status_code < 500


def test_every_private_route_refuses_anonymous_users(app, client, partner):
    rules = _private_rules(app)
    # The walk finds routes by itself; these must be among them (not marked public).
    endpoints = {rule.endpoint for rule in rules}
    assert {
        "accounts.profile",
        "accounts.users",
        "accounts.logout",
        "accounts.invite",
        "partners.create",
        "partners.edit",
        "partners.deactivate",
    } <= endpoints
    checked = 0
    for rule in rules:
        url = _sample_url(app, rule)
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(url, method=method)
            assert _refused(response), (rule.endpoint, method, url, response.status_code)
            assert "Sign out" not in response.get_data(as_text=True)
            checked += 1
    assert checked >= 10


def test_public_routes_are_marked_on_purpose(app):
    public_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if is_public_endpoint(app, rule.endpoint) and rule.endpoint != "static"
    }
    assert {
        "accounts.login",
        "accounts.forgot_password",
        "accounts.reset_password",
        "accounts.accept_invitation",
        "partners.index",
        "partners.show",
        "main.index",
    } <= public_endpoints
    assert not {"accounts.profile", "accounts.users", "partners.create"} & public_endpoints


# --- Open redirects on /login?next= ---------------------------------------------------

OFFSITE = [
    "//evil.example",
    "/\\evil.example/",
    "\\\\evil.example/",
    "///evil.example",
    "https://evil.example",
    "http://evil.example/x",
    "/%2fevil.example",
    "/%2Fevil.example",
    "/%5cevil.example",
    "/\tevil.example",
    "/\nevil.example",
    "/\x00evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " //evil.example",
    "https:evil.example",
    "//evil.example@ok",
    "/\u2028/evil.example",
    "\x0d//evil.example",
]


@pytest.mark.parametrize("target", OFFSITE)
def test_next_never_leaves_the_site(app, client, focal_point, target):
    db.session.commit()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": focal_point.email, "password": DEFAULT_PASSWORD, "next": target},
    )
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        location = response.headers["Location"]
        parts = urlsplit(location)
        assert parts.netloc in ("", "localhost") and parts.scheme in ("", "http")
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
        assert "evil" not in location
    # Once signed in, GET /login?next= goes through the same check.
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302 and "evil" not in again.headers["Location"]


def test_a_local_next_is_kept(client, focal_point):
    db.session.commit()
    response = client.post(
        "/login",
        data={
            "email": focal_point.email,
            "password": DEFAULT_PASSWORD,
            "next": "/partners/?page=2",
        },
    )
    assert response.headers["Location"] == "/partners/?page=2"


# --- Replayed cookies ------------------------------------------------------------------


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _copy(app, client, name):
    cookie = client.get_cookie(name)
    assert cookie is not None, name
    replay = app.test_client()
    replay.set_cookie(name, cookie.value)
    return replay


def test_session_and_remember_cookies_die_at_sign_out(app, client, focal_point):
    db.session.commit()
    client.post(
        "/login", data={"email": focal_point.email, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    session_copy = _copy(app, client, "session")
    remember_copy = _copy(app, client, "remember_token")
    assert _signed_in(session_copy) and _signed_in(remember_copy)
    client.post("/logout")
    assert not _signed_in(session_copy)
    assert not _signed_in(remember_copy)
    assert not _signed_in(client)


def test_cookies_die_at_password_change(app, client, focal_point):
    db.session.commit()
    client.post(
        "/login", data={"email": focal_point.email, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    session_copy = _copy(app, client, "session")
    remember_copy = _copy(app, client, "remember_token")
    client.post(
        "/account/password",
        data={
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": "a new long passphrase",
            "password-confirm": "a new long passphrase",
        },
    )
    assert _signed_in(client)
    assert not _signed_in(session_copy) and not _signed_in(remember_copy)


def test_cookies_die_at_deactivation(app, client, focal_point, staff):
    db.session.commit()
    client.post(
        "/login", data={"email": focal_point.email, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    session_copy = _copy(app, client, "session")
    remember_copy = _copy(app, client, "remember_token")
    admin_client = app.test_client()
    login(admin_client, staff)
    assert admin_client.post(f"/staff/users/{focal_point.id}/deactivate").status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(session_copy) and not _signed_in(remember_copy)
    # Reactivation does not resurrect the old cookies.
    admin_client.post(f"/staff/users/{focal_point.id}/reactivate")
    assert not _signed_in(session_copy) and not _signed_in(remember_copy)


# --- CSRF ------------------------------------------------------------------------------


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    @staticmethod
    def _token(client, path="/login") -> str:
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def _sign_in(self, client, user):
        token = self._token(client)
        response = client.post(
            "/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302

    def test_every_post_needs_the_token(self, app, client, staff, partner):
        db.session.commit()
        self._sign_in(client, staff)
        # The JSON API takes no CSRF token: it ignores the session and answers only to a
        # Bearer token a browser never sends by itself (tests/api/test_api.py checks that).
        posts = [
            rule
            for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.endpoint.startswith("api.")
        ]
        assert {"accounts.logout", "accounts.login", "accounts.invite", "partners.create"} <= {
            rule.endpoint for rule in posts
        }
        # One-click unsubscribe (RFC 8058): mail clients POST it with no session, authorised by
        # the signed token in its URL (tests/following/test_subscriptions.py).
        token_authorised = {"following.unsubscribe"}
        assert token_authorised <= {rule.endpoint for rule in posts}
        for rule in posts:
            if rule.endpoint in token_authorised:
                continue
            url = _sample_url(app, rule)
            response = client.post(url, data={"name": "x", "email": "a@example.org"})
            assert response.status_code == 400, (rule.endpoint, url, response.status_code)
            assert "form expired" in response.get_data(as_text=True), rule.endpoint
        assert _signed_in(client)  # the forged logout did nothing

    def test_prefixed_forms_carry_their_token(self, client, staff):
        db.session.commit()
        self._sign_in(client, staff)
        page = client.get("/account").get_data(as_text=True)
        token = re.search(r'name="profile-csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            "/account", data={"profile-csrf_token": token, "profile-name": "With Token"}
        )
        assert response.status_code == 302

    def test_with_the_token_logout_works(self, client, staff):
        db.session.commit()
        self._sign_in(client, staff)
        token = self._token(client, "/account")
        assert client.post("/logout", data={"csrf_token": token}).status_code == 302
        assert not _signed_in(client)


# --- Security headers ------------------------------------------------------------------


def test_security_headers_on_every_kind_of_response(app, client):
    @public
    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/_test/crash", view_func=crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    responses = {
        "html": client.get("/"),
        "form": client.get("/login"),
        "redirect": client.get("/account"),
        "404": client.get("/no/such/page"),
        "405": client.put("/login"),
        "500": client.get("/_test/crash"),
        "json": client.get("/healthz"),
        "static": client.get("/static/css/app.css"),
    }
    for kind, response in responses.items():
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        for directive in (
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ):
            assert directive in csp, kind
        assert "unsafe-inline" not in csp, kind
        assert headers.get("X-Content-Type-Options") == "nosniff", kind
        assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", kind
        assert "Strict-Transport-Security" not in headers  # only behind TLS
    assert responses["500"].status_code == 500


class TestBehindTls:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "HSTS": True, "TRUSTED_PROXY_COUNT": 1}

    def test_hsts_behind_a_tls_proxy_and_the_client_address_is_used(self, app, client, focal_point):
        response = client.get("/", headers={"X-Forwarded-Proto": "https"})
        assert "max-age=" in response.headers["Strict-Transport-Security"]
        db.session.commit()
        client.post(
            "/login",
            data={"email": focal_point.email, "password": "wrong-one"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        from coordinator.accounts.models import LoginFailure

        db.session.rollback()
        assert db.session.query(LoginFailure).one().address == "203.0.113.9"


def test_production_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"

import pytest

from coordinator import create_app


def test_home_page_lists_partners(client, partner):
    response = client.get("/")
    assert response.status_code == 200
    assert partner.acronym in response.get_data(as_text=True)


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_secret_key_is_generated_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("COORDINATOR_SECRET_KEY", raising=False)
    from coordinator.config import load_secret_key

    first = load_secret_key(tmp_path)
    assert len(first) == 64
    assert load_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_selects_postgresql(monkeypatch, tmp_path):
    monkeypatch.setenv("COORDINATOR_DATABASE_URL", "postgresql://someone@127.0.0.1/somewhere")
    monkeypatch.setenv("COORDINATOR_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("COORDINATOR_BASE_URL", "https://coordinator.example.org")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize("code", [400, 403, 404, 413, 429, 500])
def test_error_pages_are_friendly(app, code):
    from coordinator.main.errors import render_error

    with app.test_request_context("/"):
        body, status = render_error(code)
    assert status == code
    assert "<h1" in body and "Traceback" not in body

"""Friendly error pages through real requests; a 500 never shows a traceback."""

import pytest

from coordinator.access import public
from coordinator.extensions import db


@pytest.fixture
def app_config(app_config):
    # A real server does not propagate exceptions; TESTING would re-raise them.
    return {**app_config, "PROPAGATE_EXCEPTIONS": False, "MAX_CONTENT_LENGTH": 1024}


def test_an_exception_in_a_view_renders_the_friendly_500(app, client, caplog):
    @public
    def broken():
        db.session.execute(db.text("SELECT 1"))
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/_test/broken", view_func=broken)
    response = client.get("/_test/broken")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and "<h1" in page
    assert "Traceback" not in page and "secret internal detail" not in page
    assert "RuntimeError" in caplog.text  # logged for us, not shown to them


def test_413_is_friendly(client):
    response = client.post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_403_is_friendly(client, login_as, focal_point):
    login_as(focal_point)
    response = client.get("/staff/users")
    assert response.status_code == 403 and "Not allowed" in response.get_data(as_text=True)


def test_404_and_405_are_friendly(client):
    assert "Not found" in client.get("/partners/no-such-partner").get_data(as_text=True)
    response = client.delete("/login")
    assert response.status_code == 405 and "Not allowed" in response.get_data(as_text=True)


def test_400_for_a_bad_csrf_token_is_friendly(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/forgot-password", data={"email": "a@example.org"})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)

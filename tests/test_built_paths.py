"""The paths pages link to are built once per process (coordinator.urls.Flask): each is what
Flask's own url_for builds for the same endpoint, values, script root and host."""

from __future__ import annotations

import flask
import pytest
from flask import url_for
from werkzeug.routing import MapAdapter

CALLS = [
    ("activities.event", {"event_id": 12}),
    ("partners.show", {"slug": "medcities"}),
    ("partners.show", {"slug": "ciudad-ñ"}),
    ("activities.events", {"country": "ES", "page": 2}),
    ("activities.events", {"theme": "mobility & transport"}),
    ("calendar.month", {}),
]


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    """The endpoints werkzeug was asked to build."""
    built: list[str] = []
    build = MapAdapter.build

    def counted(self, endpoint, *args, **kwargs):
        built.append(endpoint)
        return build(self, endpoint, *args, **kwargs)

    monkeypatch.setattr(MapAdapter, "build", counted)
    return built


def _flask_own(app, endpoint: str, **values) -> str:
    return flask.Flask.url_for(app, endpoint, **values)


def test_a_path_is_flasks_own_and_built_once(app, builds):
    with app.test_request_context("/events/"):
        for endpoint, values in CALLS:
            assert url_for(endpoint, **values) == _flask_own(app, endpoint, **values)
        builds.clear()
        for endpoint, values in CALLS:
            assert url_for(endpoint, **values) == _flask_own(app, endpoint, **values)
            assert app.jinja_env.globals["url_for"](endpoint, **values) == url_for(
                endpoint, **values
            )
    # Only the comparisons' own builds (Flask's url_for, called directly) reached werkzeug.
    assert len(builds) == len(CALLS)


def test_a_path_is_kept_per_script_root_and_host(app):
    with app.test_request_context("/events/", base_url="http://localhost/"):
        assert url_for("activities.event", event_id=5) == "/events/5"
    with app.test_request_context("/events/", base_url="http://localhost/coordinator/"):
        assert url_for("activities.event", event_id=5) == "/coordinator/events/5"
    with app.test_request_context("/events/", base_url="http://127.0.0.1/"):
        assert url_for("activities.event", event_id=5) == "/events/5"
        external = url_for("activities.event", event_id=5, _external=True)
        assert external == "http://127.0.0.1/events/5"


def test_unusual_calls_go_to_flask_every_time(app, builds):
    with app.test_request_context("/events/"):
        for _ in range(2):
            assert url_for("activities.event", event_id=5, _anchor="map") == "/events/5#map"
            # A boolean or a float is not the integer it equals.
            assert url_for("activities.events", page=True) == "/events/?page=True"
            assert url_for("activities.events", page=1) == "/events/?page=1"
            assert url_for("activities.events", page=1.0) == "/events/?page=1.0"
            assert url_for("activities.events", country=["ES", "FR"]) == (
                "/events/?country=ES&country=FR"
            )
    # Every call but the integer's second went to werkzeug.
    assert len(builds) == 9


def test_url_defaults_are_never_bypassed(app):
    with app.test_request_context("/events/"):
        assert url_for("activities.events") == "/events/"
        app.url_default_functions[None].append(lambda endpoint, values: values.setdefault("x", 1))
        try:
            assert url_for("activities.events") == "/events/?x=1"
        finally:
            app.url_default_functions[None].pop()
        assert url_for("activities.events") == "/events/"


def test_the_kept_paths_are_bounded(app, monkeypatch):
    monkeypatch.setattr(type(app), "BUILT_PATHS", 3)
    with app.test_request_context("/events/"):
        for number in range(10):
            assert url_for("activities.event", event_id=number) == f"/events/{number}"
            assert len(app._built_paths) <= 3

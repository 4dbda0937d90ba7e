"""The OpenAPI document: generated, valid, complete; its reference page is served from here."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def _spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_validates_as_openapi_3_1(client):
    spec = _spec(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_route_under_api_v1_is_in_the_document(app, client):
    documented = {
        (path, method.upper())
        for path, item in _spec(client)["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api_docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes, "no API route found"
    assert routes - documented == set()
    assert documented - routes == set()


def test_errors_are_documented_as_problem_json(client):
    spec = _spec(client)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) or status == "default":
                    name = response["$ref"].rsplit("/", 1)[-1]
                    content = spec["components"]["responses"][name]["content"]
                    assert list(content) == ["application/problem+json"], (path, method, status)


def test_reference_page_uses_vendored_assets_only(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "<script>" not in html  # no inline script: the site's CSP stays as it is
    assert (
        "script-src" not in page.headers["Content-Security-Policy"]
        or "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    )
    assert 'data-spec-url="/api/v1/openapi.json"' in html

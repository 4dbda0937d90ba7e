"""RFC 9457 problem details (application/problem+json): every error the JSON API answers.

Core: it knows HTTP, not the domains. Field errors are listed as {"field", "message"} pairs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus

from flask import Response, request

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == "/api"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: Iterable[dict[str, str]] = (),
    headers: Iterable[tuple[str, str]] = (),
    code: str | None = None,
) -> Response:
    """A problem+json response; `code` is a stable machine-readable reason (e.g.
    "insufficient_scope"), `errors` the invalid fields."""
    body: dict = {"type": "about:blank", "title": _title(status), "status": status}
    if detail:
        body["detail"] = str(detail)
    if code:
        body["code"] = code
    errors = [{"field": str(e["field"]), "message": str(e["message"])} for e in errors]
    if errors:
        body["errors"] = errors
    try:
        body["instance"] = request.path
    except RuntimeError:  # outside a request (never for a view's error)
        pass
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in headers:
        response.headers[name] = value
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def flatten_messages(messages, prefix: str = "") -> list[dict[str, str]]:
    """webargs/marshmallow messages ({"json": {"field": ["msg"]}}) as flat field errors."""
    found: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            # The location ("json", "query", "headers") is not part of the field's name.
            name = "" if key in ("json", "query", "headers", "form") and not prefix else str(key)
            found.extend(flatten_messages(value, f"{prefix}.{name}".strip(".") if name else prefix))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                found.extend(flatten_messages(item, prefix))
            else:
                found.append({"field": prefix or "_schema", "message": str(item)})
    else:
        found.append({"field": prefix or "_schema", "message": str(messages)})
    return found


def from_http_exception(error) -> Response:
    """A werkzeug HTTPException (404, 405, 422 from webargs, 429 from the limiter...) as a
    problem, keeping its headers (Allow, Retry-After, WWW-Authenticate)."""
    status = error.code or 500
    errors: list[dict[str, str]] = []
    data = getattr(error, "data", None)
    if isinstance(data, dict) and "messages" in data:
        errors = flatten_messages(data["messages"])
    headers: list[tuple[str, str]] = []
    try:
        original = error.get_response()
        headers = [
            (k, v)
            for k, v in original.headers.items()
            if k.lower() not in ("content-type", "content-length")
        ]
    except Exception:  # noqa: BLE001 - a header-less exception is still answered
        headers = []
    if isinstance(data, dict) and isinstance(data.get("headers"), dict):
        headers.extend(data["headers"].items())
    detail = None if status >= 500 else _plain_description(error)
    if errors and status == 422:
        detail = "The request has invalid fields."
    return problem(status, detail, errors=errors, headers=headers)


def _plain_description(error) -> str | None:
    description = getattr(error, "description", None)
    return str(description) if description else None

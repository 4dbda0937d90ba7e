"""Logging: one line per request with a request id, text or JSON lines, secrets kept out.

Every request gets an id: the incoming `X-Request-ID` when it is a sane token (nginx's
`$request_id`, a load balancer's), otherwise a new one. It is echoed in the response's
`X-Request-ID` (gunicorn's access log reads it from there) and attached to every record logged
while the request runs, tracebacks included, so one grep finds everything about a request.

Paths are logged without their query string, and anything that looks like a secret token (the
`<token>` of private feed, invitation and reset addresses, or any long mixed-case token-shaped
string) is replaced by `[redacted]` before a record reaches the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request, request_started
from sqlalchemy import inspect

DEFAULTS = {
    "LOG_FORMAT": "text",  # "text" or "json" (one JSON object per line)
    "LOG_LEVEL": "INFO",
}

REQUEST_ID_HEADER = "X-Request-ID"
# Bounded and free of anything that could forge a log line or a header.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
# Route arguments whose values are secrets (single-use links, private feed addresses).
SECRET_ARGUMENTS = frozenset({"token"})
REDACTED = "[redacted]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# secrets.token_urlsafe(32) is 43 characters of [A-Za-z0-9_-] with both cases all but surely;
# slugs are lower case and storage keys lower-case hex, so neither is mistaken for one.
_TOKEN_SHAPED = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])"
    r"[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])"
)

request_log = logging.getLogger("coordinator.request")

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
_HANDLER_MARK = "_coordinator_handler"


def redact(text: str) -> str:
    """The text with every token-shaped string replaced (for logs written outside a request,
    such as gunicorn's access log)."""
    return _TOKEN_SHAPED.sub(REDACTED, text)


def printable_path(path: str) -> str:
    """A path for a log line: control characters (a client may send %0A) escaped, so a request
    can never write a line of its own, and token-shaped strings redacted."""
    return redact(_CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", path))


def sane_request_id(candidate: str | None) -> str | None:
    return candidate if candidate and _SANE_REQUEST_ID.match(candidate) else None


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    return g.get("request_id")


def _request_secrets() -> list[str]:
    view_args = request.view_args or {}
    return [str(value) for name, value in view_args.items() if name in SECRET_ARGUMENTS and value]


def loggable_path() -> str:
    """The request's path (never its query string) with secrets redacted."""
    secrets = _request_secrets()
    segments = request.path.split("/")
    return printable_path("/".join(REDACTED if part in secrets else part for part in segments))


class RequestContextFilter(logging.Filter):
    """Adds request_id to every record and removes the request's secrets from its text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        secrets = _request_secrets() if has_request_context() else []
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # the handler reports the broken call itself
        cleaned = _without(secrets, message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            traceback = logging.Formatter().formatException(record.exc_info)
            record.exc_text = _without(secrets, traceback)
        return True


# In free text a secret is replaced wherever it appears; a short one (never a real token, but a
# client may send anything) would garble every message, so only the path's segment goes.
_SHORTEST_SECRET_IN_TEXT = 8


def _without(secrets: list[str], text: str) -> str:
    for secret in secrets:
        if len(secret) >= _SHORTEST_SECRET_IN_TEXT:
            text = text.replace(secret, REDACTED)
    return redact(text)


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, the request line's
    fields when there are some, and the traceback as one string."""

    fields = ("method", "path", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in self.fields:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter_for(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JSONFormatter()
    if log_format == "text":
        return logging.Formatter(_TEXT_FORMAT)
    raise ValueError(f"LOG_FORMAT must be 'text' or 'json', not {log_format!r}")


def handler() -> logging.Handler:
    """The root logger's handler this module installs (once per process), writing to stderr."""
    root = logging.getLogger()
    for existing in root.handlers:
        if getattr(existing, _HANDLER_MARK, False):
            return existing
    new = logging.StreamHandler(sys.stderr)
    setattr(new, _HANDLER_MARK, True)
    new.addFilter(RequestContextFilter())
    root.addHandler(new)
    return new


def configure_logging(log_format: str, level: str | int) -> None:
    formatter = formatter_for(log_format)
    handler().setFormatter(formatter)
    logging.getLogger().setLevel(level)


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    level = app.config["LOG_LEVEL"]
    configure_logging(
        str(app.config["LOG_FORMAT"]).lower(), level.upper() if isinstance(level, str) else level
    )
    # A signal rather than before_request: it fires before every before_request function, so
    # records they write (and their refusals) carry the id and count in the duration.
    request_started.connect(_start_request, app)
    app.after_request(_finish_request)


def _start_request(sender: Flask, **extra) -> None:
    g.request_started = time.perf_counter()
    g.request_id = sane_request_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex


def elapsed_seconds() -> float:
    started = g.get("request_started")
    return 0.0 if started is None else time.perf_counter() - started


def _signed_in_user_id() -> int | None:
    # Only a user this request already loaded: loading one here would cost a query on every
    # public request (feeds), and reading .id of an expired instance would cost another.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # the request started before this app's hooks (not in practice)
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    duration_ms = round(elapsed_seconds() * 1000, 1)
    path = loggable_path()
    user_id = _signed_in_user_id()
    request_log.info(
        "%s %s %s %.1fms user=%s",
        request.method,
        path,
        response.status_code,
        duration_ms,
        user_id if user_id is not None else "-",
        extra={
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": user_id,
        },
    )
    return response

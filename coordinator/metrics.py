"""Prometheus metrics: the registry, every metric object, and the /metrics endpoint.

Domains import the metric objects from here and count at their own failure and cache points;
this module imports no domain. Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set up by
gunicorn.conf.py before any worker imports the app) makes every worker write its counts to
files there, and a scrape adds them up; without it the counts live in this process.

/metrics answers 404 unless METRICS_ENABLED. When enabled, a scrape must come straight from an
address in METRICS_ALLOWED_ADDRESSES (loopback by default; a request that came through a proxy
never qualifies, whatever its address) and, if METRICS_TOKEN is set, carry
`Authorization: Bearer <token>`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import suppress

from flask import Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Table, func, select
from sqlalchemy.exc import SQLAlchemyError

from coordinator import logs
from coordinator.access import public
from coordinator.extensions import db
from coordinator.tokens import same_token

log = logging.getLogger(__name__)

DEFAULTS = {
    "METRICS_ENABLED": False,
    # A shared secret the scraper sends as `Authorization: Bearer <token>`; None: no token.
    "METRICS_TOKEN": None,
    # Addresses or networks, comma-separated, that may scrape; empty: any (then a token is
    # required).
    "METRICS_ALLOWED_ADDRESSES": "127.0.0.1,::1",
}

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# This process's metrics. A scrape reads them through scrape_registry(), never directly.
REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    "coordinator_http_requests",
    "Requests answered, by endpoint (never the raw path), method and status.",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
REQUEST_DURATION = Histogram(
    "coordinator_http_request_duration_seconds",
    "Time from the start of a request to its response, by endpoint, method and status.",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
FEED_BUILDS = Counter(
    "coordinator_feed_builds",
    "iCalendar feeds built because none was cached or the cached one was out of date.",
    registry=REGISTRY,
)
FEED_CACHE_HITS = Counter(
    "coordinator_feed_cache_hits",
    "iCalendar feeds answered from this process's cache.",
    registry=REGISTRY,
)
DOCUMENT_STORAGE_ERRORS = Counter(
    "coordinator_document_storage_errors",
    "Document storage failures: a file that could not be written, or a stored file missing.",
    ["operation"],
    registry=REGISTRY,
)
LOGIN_LOCKOUTS = Counter(
    "coordinator_login_lockouts",
    "Sign-ins refused because the account or the address failed too often.",
    registry=REGISTRY,
)
for _operation in ("write", "read"):  # shown at 0 before the first failure
    DOCUMENT_STORAGE_ERRORS.labels(_operation)

# Anything else becomes "other": a label value must never come straight from the client.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Always exported, even at 0, so a dashboard can rely on them.
MAIL_STATUSES = ("queued", "sent", "failed")
_OUTGOING_MAIL_TABLE = "outgoing_messages"


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if app.config["METRICS_ENABLED"]:
        allowed_networks(app.config)  # a typo in the list stops the start, not the first scrape
        if not metrics_token(app.config) and not allowed_networks(app.config):
            raise ValueError(
                "METRICS_ENABLED needs METRICS_TOKEN or METRICS_ALLOWED_ADDRESSES: "
                "metrics are never served to everyone."
            )
    app.after_request(_count_request)
    app.add_url_rule("/metrics", "metrics", metrics_view)


def _count_request(response: Response) -> Response:
    rule = request.url_rule
    endpoint = rule.endpoint if rule is not None else "unmatched"
    method = request.method if request.method in _METHODS else "other"
    status = str(response.status_code)
    REQUESTS.labels(endpoint, method, status).inc()
    REQUEST_DURATION.labels(endpoint, method, status).observe(logs.elapsed_seconds())
    return response


# --- who may scrape -----------------------------------------------------------------------------


def metrics_token(config) -> str:
    token = config.get("METRICS_TOKEN")
    return "" if token is None else str(token)  # COORDINATOR_METRICS_TOKEN=123 arrives as int


def allowed_networks(config) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = config.get("METRICS_ALLOWED_ADDRESSES") or ""
    try:
        return [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in str(raw).split(",")
            if part.strip()
        ]
    except ValueError as error:
        raise ValueError(f"METRICS_ALLOWED_ADDRESSES: {error}") from None


def _came_through_a_proxy() -> bool:
    # Behind nginx without TRUSTED_PROXY_COUNT every client looks like 127.0.0.1; a scraper
    # talks to gunicorn directly and sends neither header.
    return "X-Forwarded-For" in request.headers or "Forwarded" in request.headers


def _address_allowed(config) -> bool:
    networks = allowed_networks(config)
    if not networks:
        return True
    if _came_through_a_proxy():
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def _token_accepted(config) -> bool:
    expected = metrics_token(config)
    if not expected:
        return True
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and same_token(offered.strip(), expected)


def _plain(text: str, status: int, **headers: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain", headers=headers)


@public  # protected by address and token instead of a session
def metrics_view() -> Response:
    config = current_app.config
    if not config["METRICS_ENABLED"]:
        abort(404)
    if not _address_allowed(config):
        log.warning("metrics refused to %s (not an allowed address)", request.remote_addr)
        return _plain("Metrics are not served to this address.", 403)
    if not _token_accepted(config):
        log.warning("metrics refused to %s (missing or wrong token)", request.remote_addr)
        return _plain("A valid bearer token is required.", 401, **{"WWW-Authenticate": "Bearer"})
    response = Response(generate_latest(scrape_registry()), status=200)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


# --- what a scrape reads ------------------------------------------------------------------------


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


class _ThisProcess:
    """This process's registry, for a scrape without multiprocess files."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


class MailCollector:
    """Outgoing mail by status, counted in the database at scrape time (every worker and the
    cron job share that table, so no process has to count)."""

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "coordinator_mail_messages",
            "Outgoing mail messages by status, counted in the database at scrape time.",
            labels=["status"],
        )
        try:
            counts = mail_counts()
        except SQLAlchemyError as error:
            with suppress(SQLAlchemyError):
                db.session.rollback()
            log.warning("metrics: could not count outgoing mail: %s", error)
            return
        for status, count in sorted(counts.items()):
            family.add_metric([status], count)
        yield family


def mail_counts(table: Table | None = None) -> dict[str, int]:
    """Messages per status. Read by table name: the core imports no domain. With a status
    column, every status present is counted; without one, the status is read from the sent
    time and the attempts left."""
    if table is None:
        table = db.metadata.tables.get(_OUTGOING_MAIL_TABLE)
    counts = dict.fromkeys(MAIL_STATUSES, 0)
    if table is None:
        return counts
    if "status" in table.c:
        rows = db.session.execute(
            select(table.c.status, func.count()).group_by(table.c.status)
        ).all()
        for status, count in rows:
            label = str(getattr(status, "value", status)).lower()
            counts[label] = counts.get(label, 0) + int(count)
        return counts
    unsent = table.c.sent_dt.is_(None)
    exhausted = table.c.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    queued, sent, failed = db.session.execute(
        select(
            func.count().filter(unsent & ~exhausted),
            func.count().filter(~unsent),
            func.count().filter(unsent & exhausted),
        )
    ).one()
    counts.update(queued=int(queued), sent=int(sent), failed=int(failed))
    return counts


def scrape_registry() -> CollectorRegistry:
    """Everything one scrape reports: every worker's counts (or this process's), and mail."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(MailCollector())
    for collector in _scrape_collectors:
        registry.register(collector())
    return registry


# Collectors that domains add (a core module imports no domain): each is built per scrape.
_scrape_collectors: list[Callable[[], object]] = []


def add_scrape_collector(factory: Callable[[], object]) -> None:
    """Have every scrape also report what `factory()` collects (added once per process)."""
    if factory not in _scrape_collectors:
        _scrape_collectors.append(factory)

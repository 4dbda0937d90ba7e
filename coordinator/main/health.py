"""Readiness: can this process serve requests now? Each dependency it needs gets one check."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from coordinator.db import READ_ONLY
from coordinator.documents.storage import get_storage
from coordinator.extensions import db, limiter
from coordinator.main.errors import describe_error
from coordinator.sharedcache import shared_cache

# Rate-limit storages that are a separate service (memory:// lives in the process itself).
REDIS_SCHEMES = ("redis://", "rediss://", "redis+")


class DependencyUnavailable(Exception):
    """A dependency answered, but not as a ready one would."""


def check_database() -> None:
    # A pooled connection idle for a while is pinged and replaced if the database dropped it
    # (db.ping_after_idle), so this also proves reconnection.
    # A probe must not queue behind a writer's lock (SQLite): it only reads.
    with db.engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        connection.execute(select(1))


def check_rate_limit_storage() -> None:
    if not limiter.storage.check():
        raise DependencyUnavailable("the rate-limit storage did not answer")


def check_shared_cache() -> None:
    if not shared_cache().ping():
        raise DependencyUnavailable("the shared cache (Redis) did not answer")


def check_document_storage() -> None:
    get_storage().check_ready()


def readiness_checks() -> dict[str, Callable[[], None]]:
    """The checks that apply to this configuration, by the name /readyz reports."""
    checks: dict[str, Callable[[], None]] = {"database": check_database}
    storage_uri = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "")
    if limiter.enabled and storage_uri.startswith(REDIS_SCHEMES):
        checks["redis"] = check_rate_limit_storage
    if shared_cache().shared:
        checks["cache"] = check_shared_cache
    checks["document_storage"] = check_document_storage
    return checks


def run_readiness_checks() -> dict[str, bool]:
    """Each check's outcome. Why one failed goes to the log only: /readyz is public, and an error
    message may name hosts and paths."""
    results = {}
    for name, check in readiness_checks().items():
        try:
            check()
        except Exception as error:  # whatever the failure, the dependency is not usable now
            current_app.logger.warning("Readiness check %s failed: %s", name, describe_error(error))
            results[name] = False
        else:
            results[name] = True
    return results

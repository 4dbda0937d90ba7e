"""Configuration: defaults here, then instance/config.py, then COORDINATOR_* variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


class DefaultConfig:
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from the instance path
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    UPLOAD_FOLDER: str | None = None  # default: instance/uploads
    # Where document files live: unset (UPLOAD_FOLDER), file:///path, or s3://bucket/prefix on
    # any S3-compatible store; credentials come from the usual AWS_* variables or profile.
    STORAGE_URL: str | None = None
    STORAGE_S3_ENDPOINT_URL: str | None = None  # e.g. https://s3.fr-par.scw.cloud; None: AWS
    STORAGE_S3_REGION: str | None = None
    STORAGE_S3_ADDRESSING_STYLE = "auto"  # "path" for MinIO and Ceph, or "virtual"
    STORAGE_S3_MAX_ATTEMPTS = 3  # per S3 request, retries included
    # Downloads redirect (after the same authorisation) to a link valid at most 60 seconds.
    STORAGE_S3_PRESIGNED_DOWNLOADS = False
    STORAGE_S3_PRESIGNED_SECONDS = 60

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True in production (behind TLS)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12  # seconds
    PREFERRED_URL_SCHEME = "http"
    SERVER_NAME: str | None = None
    # Host used in iCalendar UIDs (`<id>@<host>`); stable across deployments.
    CALENDAR_UID_HOST = "coordinator.medcities.org"
    SITE_NAME = "coordinator"

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "coordinator <no-reply@coordinator.local>"
    MAIL_TIMEOUT = 10
    MAIL_OUTBOX: str | None = None  # default: instance/outbox
    MAIL_MAX_ATTEMPTS = 8

    # Login throttling: failures allowed in the window, per account and per address.
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20

    INVITATION_LIFETIME_SECONDS = 7 * 24 * 3600
    PASSWORD_RESET_LIFETIME_SECONDS = 3600

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Fetches of one private feed address (hammering), and of addresses matching no live feed per
    # client address (guessing).
    PRIVATE_FEED_RATE_LIMIT = "60 per minute"
    # Retry-After (seconds) of the 503 answered while the database cannot be reached.
    UNAVAILABLE_RETRY_AFTER_SECONDS = 30

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    HSTS = False  # set True behind TLS

    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ["en", "fr", "es", "ar"]


def _env_value(raw: str):
    lowered = raw.lower()
    if lowered in {"true", "yes", "on"}:
        return True
    if lowered in {"false", "no", "off"}:
        return False
    if raw.isdigit():
        return int(raw)
    return raw


def load_secret_key(instance_path: Path) -> str:
    """Read instance/secret_key, creating it on first run (never committed)."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(DefaultConfig)
    instance_path = Path(app.instance_path)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for name, raw in os.environ.items():
            if name.startswith("COORDINATOR_"):
                app.config[name.removeprefix("COORDINATOR_")] = _env_value(raw)
    else:
        app.config.update(test_config)

    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        instance_path.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'coordinator.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(instance_path)
    app.config.setdefault("UPLOAD_FOLDER", None)
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    if not app.config.get("MAIL_OUTBOX"):
        app.config["MAIL_OUTBOX"] = str(instance_path / "outbox")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in their plain form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url

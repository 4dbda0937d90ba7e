"""Configuration: defaults here, then instance/config.py, then COORDINATOR_* variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask


class DefaultConfig:
    # The instance folder (instance/config.py, secret_key, the SQLite files, uploads, outbox):
    # read from COORDINATOR_INSTANCE_PATH before anything else (see instance_path_setting());
    # None: instance/ beside the code. Each host of a deployment has its own.
    INSTANCE_PATH: str | None = None
    # One key for every process and host (sessions, CSRF, signed links). Unset: generated once
    # into instance/secret_key, which only one machine may do (refused with Redis or S3).
    SECRET_KEY: str | None = None
    # postgresql://user:password@host/name (psycopg 3) or sqlite:////path; unset: SQLite in the
    # instance folder.
    DATABASE_URL: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from the instance path
    # No pool_pre_ping: coordinator.db pings only a connection that sat idle in the pool.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection unused for longer than this is pinged before a request gets it (a
    # database restarted, a connection a firewall dropped); one used more recently is not.
    DATABASE_PING_AFTER_IDLE_SECONDS = 1.0
    DATABASE_CONNECT_TIMEOUT = 5  # seconds to reach PostgreSQL before the outage page answers
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # 25 MB in the decimal units the upload page and README show (not 25 MiB = "26.2 MB").
    MAX_CONTENT_LENGTH = 25_000_000
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
    # "Keep me signed in": how long the remember-me cookie lives (seconds or a timedelta).
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12  # seconds
    PREFERRED_URL_SCHEME = "http"
    SERVER_NAME: str | None = None
    # The site's canonical address: every absolute link (mail, feeds, Atom, JSON-LD) is built
    # from it, never from the request's Host. Required in production; see configure_links().
    BASE_URL: str | None = None
    # Host names requests may carry (others get 400). None: BASE_URL's host and loopback.
    TRUSTED_HOSTS: list[str] | None = None
    # Proxies in front (nginx: 1) whose X-Forwarded-For and -Proto are trusted.
    TRUSTED_PROXY_COUNT = 0
    # Behind TRUSTED_PROXY_COUNT proxies, X-Forwarded-Host is ignored unless this is True.
    TRUST_FORWARDED_HOST = False
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

    # Background jobs (coordinator/jobs): unset, a SQLite queue in instance/jobs.sqlite;
    # redis://host:port/db to share it between hosts; "immediate" to run jobs in-process.
    JOBS_URL: str | None = None
    JOBS_RETRIES = 3  # a job that raises is tried this many more times, then recorded
    JOBS_RETRY_DELAY = 30  # seconds before the first retry; doubled for each next one

    # Login throttling: failures allowed in the window, per account and per address.
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20

    INVITATION_LIFETIME_SECONDS = 7 * 24 * 3600
    PASSWORD_RESET_LIFETIME_SECONDS = 3600

    # Built feeds and anonymous pages (coordinator/sharedcache.py): unset keeps them in each
    # process; redis://host:port/db shares them between every worker and host.
    CACHE_URL: str | None = None
    CACHE_PREFIX = "coordinator:"
    # Without Redis, each process keeps at most this many entries and octets of them.
    CACHE_MEMORY_ITEMS = 512
    CACHE_MEMORY_BYTES = 32 * 1024 * 1024

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
    # Languages a proposal must have before staff approve it (the title, and the summary too
    # when the original has one); none by default. COORDINATOR_REQUIRED_LANGUAGES=en,fr.
    REQUIRED_LANGUAGES: list[str] = []

    # Digests (coordinator.following). Their days and weeks run in the recipient's zone (their
    # partner's, or the one a subscriber chose); this one for everyone else.
    DEFAULT_TIMEZONE = "UTC"
    # An address whose mail is read as "unsubscribe me" (a mailto: in List-Unsubscribe, beside
    # the one-click https link); unset: the https link only.
    MAIL_UNSUBSCRIBE_ADDRESS: str | None = None
    # How long a digest subscription's confirmation link works.
    DIGEST_CONFIRMATION_HOURS = 48
    # Subscribe requests per client address (each may mail a confirmation).
    DIGEST_SUBSCRIBE_RATE_LIMIT = "20 per hour"

    # Feeds. The window a feed shows: upcoming events up to this many days ahead...
    FEED_DAYS_AHEAD = 400
    # ...plus events that ended at most this many days ago (clients keep what they saw).
    FEED_PAST_GRACE_DAYS = 14
    # Cancelled events stay (STATUS:CANCELLED) this long after cancellation, so clients drop them.
    FEED_CANCELLED_GRACE_DAYS = 30
    FEED_REFRESH_MINUTES = 360  # REFRESH-INTERVAL and X-PUBLISHED-TTL
    FEED_MAX_DESCRIPTION = 2000  # characters of an event's description in a feed
    # Google Calendar drops feeds over about 1 MB: past this, descriptions are shortened, then
    # the farthest events are left out.
    FEED_MAX_BYTES = 900_000
    FEED_CACHE_ENTRIES = 256  # built feeds kept in memory per process...
    FEED_CACHE_BYTES = 32 * 1024 * 1024  # ...and at most this many octets of them (plain + gzip)
    # Under load, compare a cached feed's version with the database at most this often (seconds;
    # 0 = on every request). Half a second keeps a change made through one host visible on every
    # host within a second (the two-host test checks it) for the cost of two one-row reads a
    # second per process (coordinator/dataversion.py), whatever the traffic and the data.
    FEED_RECHECK_SECONDS = 0.5
    # A request finding no built feed waits this long (seconds) for another process building it
    # before building it too; one that has the previous bytes serves them meanwhile.
    FEED_BUILD_WAIT_SECONDS = 10.0
    FEED_CACHE_SECONDS = 86_400  # how long a built feed stays in the shared cache unused
    # Anonymous public pages (coordinator/pagecache.py), kept by data version and language:
    # how long one is kept at most, and how often a process compares the version with the
    # database. The bypass header (unset: none) is for bench/scale.py's cold runs only.
    PAGE_CACHE = True
    PAGE_CACHE_SECONDS = 60
    PAGE_CACHE_RECHECK_SECONDS = 0.5  # as FEED_RECHECK_SECONDS
    PAGE_CACHE_RENDER_WAIT = 10  # seconds a visitor waits for another's render of the same page
    PAGE_CACHE_BYPASS_HEADER: str | None = None
    FEED_MAX_TOKENS_PER_USER = 10
    # Partners' calendars (coordinator/calendars): download limits and SSRF guard. Allowing
    # private addresses is for tests and closed networks only.
    CALENDAR_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    CALENDAR_IMPORT_MAX_EVENTS = 2000  # occurrences in the import window, per source
    CALENDAR_IMPORT_DAYS_AHEAD = 550
    CALENDAR_FETCH_CONNECT_TIMEOUT = 5
    CALENDAR_FETCH_TOTAL_TIMEOUT = 30
    CALENDAR_FETCH_MAX_REDIRECTS = 3
    CALENDAR_FETCH_ALLOW_PRIVATE = False
    CALENDAR_FETCH_ALLOWED_ENDPOINTS: tuple[str, ...] = ()  # exact "address:port" pairs


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


INSTANCE_PATH_VARIABLE = "COORDINATOR_INSTANCE_PATH"


def instance_path_setting(test_config: dict | None) -> str | None:
    """The instance folder asked for (COORDINATOR_INSTANCE_PATH, or INSTANCE_PATH of a test
    configuration), as an absolute path; None: Flask's default, instance/ beside the code."""
    if test_config is None:
        chosen = os.environ.get(INSTANCE_PATH_VARIABLE)
    else:
        chosen = test_config.get("INSTANCE_PATH")
    return str(Path(chosen).expanduser().resolve()) if chosen else None


def shared_services(config) -> list[str]:
    """The settings that make this a deployment of several processes or hosts sharing state
    (Redis, S3): each is named, e.g. "CACHE_URL=redis://...". Empty for one machine."""
    found = []
    for name, schemes in (
        ("CACHE_URL", ("redis://", "rediss://", "unix://")),
        ("JOBS_URL", ("redis://", "rediss://", "unix://")),
        ("RATELIMIT_STORAGE_URI", ("redis://", "rediss://", "redis+")),
        ("STORAGE_URL", ("s3://",)),
    ):
        value = str(config.get(name) or "")
        if value.startswith(schemes):
            found.append(f"{name}={value.split('://', 1)[0]}://...")
    return found


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
        shared = shared_services(app.config)
        if shared:
            raise RuntimeError(
                "SECRET_KEY is not set, and " + ", ".join(shared) + " means several processes "
                "or hosts serve this site: each would generate a key of its own (in "
                "instance/secret_key) and refuse the others' sessions and links. Give every "
                "host the same key, e.g. COORDINATOR_SECRET_KEY=$(python3 -c 'import secrets; "
                "print(secrets.token_hex(32))') in the environment file."
            )
        app.config["SECRET_KEY"] = load_secret_key(instance_path)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database host that drops packets would otherwise hold each request for the system's
        # TCP timeout (about two minutes) before the outage page can answer.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("connect_timeout", int(app.config["DATABASE_CONNECT_TIMEOUT"]))
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config.setdefault("UPLOAD_FOLDER", None)
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    if not app.config.get("MAIL_OUTBOX"):
        app.config["MAIL_OUTBOX"] = str(instance_path / "outbox")
    configure_links(app)
    configure_required_languages(app)


def configure_required_languages(app: Flask) -> None:
    """REQUIRED_LANGUAGES as a list (the environment gives "en,fr"), each one an offered
    language: a typo would otherwise block every approval."""
    required = app.config.get("REQUIRED_LANGUAGES") or []
    if isinstance(required, str):
        required = [code.strip() for code in required.split(",") if code.strip()]
    unknown = [code for code in required if code not in app.config["LANGUAGES"]]
    if unknown:
        raise RuntimeError(
            f"REQUIRED_LANGUAGES names {', '.join(unknown)}, which LANGUAGES does not offer "
            f"({', '.join(app.config['LANGUAGES'])})."
        )
    app.config["REQUIRED_LANGUAGES"] = list(dict.fromkeys(required))


DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"  # where `make run` serves
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")  # local browsing and health probes
BASE_URL_DEFAULTED = "coordinator.base_url_defaulted"  # app.extensions key


def require_base_url(app: Flask, what: str) -> None:
    """Refuse to go on when BASE_URL was left to its development default while shared services
    are configured (production): `what` would build links to 127.0.0.1 (the job worker's mail)."""
    shared = shared_services(app.config)
    if app.extensions.get(BASE_URL_DEFAULTED) and shared:
        raise RuntimeError(
            f"BASE_URL is not set, and {', '.join(shared)} means this is a production "
            f"deployment: {what} would build its links to {DEVELOPMENT_BASE_URL}. Set "
            "COORDINATOR_BASE_URL=https://coordinator.example.org (the site's public address), "
            "as for the web processes."
        )


def configure_links(app: Flask) -> None:
    """BASE_URL and TRUSTED_HOSTS. Production must name its address: an app that is neither in
    debug mode, nor under test, nor loaded by a `flask` command (a WSGI server such as gunicorn
    importing wsgi.py) refuses to start without BASE_URL rather than guess it."""
    if not app.config.get("BASE_URL"):
        if not (app.debug or app.testing or _in_flask_command()):
            raise RuntimeError(
                "BASE_URL is not set: give the site's public address, e.g. "
                "COORDINATOR_BASE_URL=https://coordinator.example.org (links in mail and "
                "feeds are built from it)."
            )
        app.config["BASE_URL"] = DEVELOPMENT_BASE_URL
        app.extensions[BASE_URL_DEFAULTED] = True  # commands that mail links check it
    base = urlsplit(app.config["BASE_URL"])
    if base.scheme not in {"http", "https"} or not base.hostname:
        raise RuntimeError(f"BASE_URL must be an http(s) URL, not {app.config['BASE_URL']!r}.")
    trusted = app.config.get("TRUSTED_HOSTS")
    if isinstance(trusted, str):  # from the environment: comma-separated
        trusted = [name.strip() for name in trusted.split(",") if name.strip()]
    if not trusted:
        trusted = list(dict.fromkeys([base.hostname, *LOOPBACK_HOSTS]))
    app.config["TRUSTED_HOSTS"] = trusted


def _in_flask_command() -> bool:
    # `flask --app wsgi <command>` loads the app inside click's context; a WSGI server does not.
    import click

    return click.get_current_context(silent=True) is not None


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in their plain form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url

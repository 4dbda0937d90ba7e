"""Several hosts need one key and one address: refusals at start, and what /readyz says of the
shared cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator import create_app
from tests.loopback import REDIS_TEST_URL, answers, closed_port

ROOT = Path(__file__).resolve().parents[1]

SHARED_SETTINGS = [
    {"CACHE_URL": "redis://127.0.0.1:6379/0"},
    {"JOBS_URL": "redis://127.0.0.1:6379/0"},
    {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"},
    {"STORAGE_URL": "s3://bucket/documents"},
]


def _config(tmp_path, **settings) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "JOBS_URL": "immediate",
        **settings,
    }


@pytest.mark.parametrize("shared", SHARED_SETTINGS, ids=lambda s: next(iter(s)))
def test_a_generated_key_is_refused_when_hosts_share_state(tmp_path, shared):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set") as refused:
        create_app(_config(tmp_path, **shared))
    assert next(iter(shared)) in str(refused.value)
    assert not (tmp_path / "instance" / "secret_key").exists()  # nothing generated


@pytest.mark.parametrize("shared", SHARED_SETTINGS, ids=lambda s: next(iter(s)))
def test_a_given_key_starts(tmp_path, shared):
    app = create_app(_config(tmp_path, SECRET_KEY="one key for every host", **shared))
    assert app.config["SECRET_KEY"] == "one key for every host"


def test_one_machine_still_generates_its_key_in_the_instance_folder(tmp_path):
    app = create_app(_config(tmp_path, RATELIMIT_STORAGE_URI="memory://"))
    key_file = tmp_path / "instance" / "secret_key"
    assert app.instance_path == str(tmp_path / "instance")
    assert key_file.read_text() == app.config["SECRET_KEY"]
    assert Path(app.config["UPLOAD_FOLDER"]) == tmp_path / "instance" / "uploads"
    assert app.config["MAIL_OUTBOX"] == str(tmp_path / "instance" / "outbox")


def _production_env(tmp_path, **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATOR_")}
    return {
        **inherited,
        "COORDINATOR_INSTANCE_PATH": str(tmp_path / "host-a"),
        "COORDINATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "COORDINATOR_BASE_URL": "https://coordinator.example.org",
        **extra,
    }


def test_the_instance_folder_comes_from_the_environment(tmp_path):
    script = "from wsgi import app; print(app.instance_path); print(app.config['UPLOAD_FOLDER'])"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "host-a"), str(tmp_path / "host-a/uploads")]
    assert (tmp_path / "host-a" / "secret_key").exists()


def test_gunicorn_refuses_a_generated_key_with_redis(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=_production_env(tmp_path, COORDINATOR_CACHE_URL="redis://127.0.0.1:6379/0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set, and CACHE_URL=redis://..." in result.stderr


def test_the_worker_requires_base_url_in_production(tmp_path):
    # JOBS_URL names Redis (a closed port: the command must stop before it connects).
    app = create_app(
        _config(
            tmp_path, SECRET_KEY="k", JOBS_URL=f"redis://127.0.0.1:{closed_port()}/0", BASE_URL=None
        )
    )
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 1
    assert "BASE_URL is not set" in result.output and "JOBS_URL=redis://" in result.output


def test_the_worker_of_one_machine_keeps_the_development_address(tmp_path):
    app = create_app(_config(tmp_path, JOBS_URL=None, BASE_URL=None))
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    result = app.test_cli_runner().invoke(args=["worker", "--help"])
    assert result.exit_code == 0
    from coordinator.config import require_base_url

    require_base_url(app, "the worker")  # no shared service: no refusal


def _cache_app(tmp_path, cache_url: str):
    from coordinator.extensions import db

    app = create_app(_config(tmp_path, SECRET_KEY="k", CACHE_URL=cache_url))
    with app.app_context():
        db.create_all()
    return app


def test_readyz_names_the_shared_cache_when_redis_is_down_and_pages_still_serve(tmp_path, caplog):
    app = _cache_app(tmp_path, f"redis://127.0.0.1:{closed_port()}/0")
    client = app.test_client()
    readiness = client.get("/readyz")
    assert readiness.status_code == 503
    assert readiness.json["failed"] == ["cache"]
    assert client.get("/calendar.ics").status_code == 200
    assert client.get("/").status_code == 200
    # The app's cache falls back to this process's memory, with a warning, and never raises.
    from coordinator.sharedcache import shared_cache

    with app.app_context():
        shared_cache().set("entry", b"bytes", ttl=60)
        assert shared_cache().get("entry") == b"bytes"
    assert "Redis unreachable" in caplog.text


@pytest.mark.skipif(not answers("127.0.0.1", 6379), reason="needs Redis on 127.0.0.1:6379")
def test_readyz_reports_the_shared_cache_ok_when_redis_answers(tmp_path):
    app = _cache_app(tmp_path, REDIS_TEST_URL)
    readiness = app.test_client().get("/readyz")
    assert readiness.status_code == 200, readiness.json
    assert readiness.json["checks"]["cache"] == "ok"


def test_readyz_has_no_cache_check_without_redis(tmp_path):
    app = _cache_app(tmp_path, "")
    assert "cache" not in app.test_client().get("/readyz").json["checks"]

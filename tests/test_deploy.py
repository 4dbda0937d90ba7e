"""deploy/ stays true: each systemd unit's ExecStart runs (with --check-config or --help), and
the environment file example names only settings the code knows."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator import logs, metrics
from coordinator.config import DefaultConfig
from tests.loopback import closed_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
ENV_EXAMPLE = DEPLOY / "coordinator.env.example"
# Where the units expect the code and the virtualenv (docs/deploy.md).
APP_DIR = "/srv/coordinator/app"
VENV_BIN = "/srv/coordinator/venv/bin/"


def unit_settings(path: Path) -> dict[str, str]:
    """The [Service] lines of a unit (one value per key, as these units have)."""
    section, found = None, {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def environment_file(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, separator, value = line.partition("=")
            assert separator and re.fullmatch(r"[A-Z_][A-Z0-9_]*", name), line
            found[name] = value
    return found


def test_the_three_units_are_there():
    assert [unit.name for unit in UNITS] == [
        "coordinator-scheduler.service",
        "coordinator-web.service",
        "coordinator-worker.service",
    ]


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.stem)
def test_each_unit_runs_its_command_with_the_example_environment(unit, tmp_path):
    service = unit_settings(unit)
    assert service["WorkingDirectory"] == APP_DIR
    assert service["EnvironmentFile"] == "/etc/coordinator/coordinator.env"
    command = shlex.split(service["ExecStart"])
    assert command[0].startswith(VENV_BIN), command
    program = command[0].removeprefix(VENV_BIN)
    # This virtualenv's copy of the program, run as a module of this Python.
    args = [sys.executable, "-m", program, *command[1:]]
    args.append("--check-config" if program == "gunicorn" else "--help")

    # The example's settings, with every server moved to a loopback port nobody answers on
    # (loading the app must not need them) and the database and folder to this test's own.
    closed = f"127.0.0.1:{closed_port()}"
    example = environment_file(ENV_EXAMPLE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COORDINATOR_", "GUNICORN_"))}
    env.update(example)
    for name in (
        "COORDINATOR_CACHE_URL",
        "COORDINATOR_JOBS_URL",
        "COORDINATOR_RATELIMIT_STORAGE_URI",
    ):
        env[name] = re.sub(r"//[^/]+/", f"//{closed}/", example[name])
    env.update(
        COORDINATOR_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
        COORDINATOR_INSTANCE_PATH=str(tmp_path / "instance"),
        COORDINATOR_STORAGE_S3_ENDPOINT_URL=f"http://{closed}",
        COORDINATOR_MAIL_SERVER="127.0.0.1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    if program == "flask":
        assert "Usage: python -m flask worker" in result.stdout
        for option in command[command.index("worker") + 1 :]:
            if option.startswith("--"):
                assert option in result.stdout  # the unit's options exist


def test_the_environment_example_names_only_known_settings():
    known = {name for name in vars(DefaultConfig) if name.isupper()}
    known |= set(logs.DEFAULTS) | set(metrics.DEFAULTS)
    gunicorn_conf = (ROOT / "gunicorn.conf.py").read_text()
    unknown = []
    for name in environment_file(ENV_EXAMPLE):
        if name.startswith("COORDINATOR_"):
            ok = name.removeprefix("COORDINATOR_") in known
        elif name.startswith("AWS_"):
            ok = name in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
        else:  # read by gunicorn.conf.py
            ok = f'"{name}"' in gunicorn_conf
        if not ok:
            unknown.append(name)
    assert unknown == []


def test_the_example_refuses_nothing_it_needs():
    """Shared services are configured, so the example must give the one key and the address."""
    example = environment_file(ENV_EXAMPLE)
    assert example["COORDINATOR_SECRET_KEY"] and example["COORDINATOR_BASE_URL"].startswith(
        "https://"
    )
    assert example["COORDINATOR_STORAGE_URL"].startswith("s3://")
    assert example["COORDINATOR_JOBS_URL"].startswith("redis://")


def test_the_nginx_site_passes_the_documented_headers_and_takes_25_mb_uploads():
    site = (DEPLOY / "nginx" / "coordinator.conf").read_text()
    for line in (
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "client_max_body_size 26m;",
        "proxy_request_buffering on;",
        f"alias {APP_DIR}/static/;",
    ):
        assert line in site
    assert "proxy_set_header X-Forwarded-Host" not in site
    assert DefaultConfig.MAX_CONTENT_LENGTH <= 26 * 1024 * 1024

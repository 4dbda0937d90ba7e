"""The committed gunicorn.conf.py: gunicorn accepts it; two workers report their counts as one."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from coordinator import create_app
from coordinator.extensions import db

ROOT = Path(__file__).resolve().parents[2]
TOKEN_SHAPED = "Zq3xY7pLm2NbV8rT4kWcJ6hD1sFgA9eUoRiQ5tEyHuI"
# Everything here must end well inside this, on a busy machine too.
DEADLINE_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server_env(tmp_path) -> dict[str, str]:
    """The environment of a production start, on a SQLite database of its own with the schema."""
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    schema_app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "schema-only", "TESTING": True}
    )
    with schema_app.app_context():
        db.create_all()
        db.engine.dispose()
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COORDINATOR_", "PROMETHEUS_", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    (tmp_path / "metrics").mkdir()
    return {
        **inherited,
        "COORDINATOR_DATABASE_URL": url,
        "COORDINATOR_SECRET_KEY": "gunicorn-test-secret-key",
        "COORDINATOR_BASE_URL": "http://127.0.0.1:8000",
        "COORDINATOR_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "COORDINATOR_MAIL_OUTBOX": str(tmp_path / "outbox"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }


def gunicorn(*args: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *args, "wsgi:app"]


def test_gunicorn_accepts_the_committed_config(server_env):
    result = subprocess.run(
        gunicorn("--check-config"),
        cwd=ROOT,
        env=server_env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_config_reads_its_settings_from_the_environment(server_env):
    script = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(c['bind'], c['workers'], c['threads'], c['timeout'], c['forwarded_allow_ips'], "
        "c['worker_connections'])"
    )
    defaults = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=server_env, capture_output=True, text=True
    )
    bind, workers, threads, timeout, forwarded, connections = defaults.stdout.split()
    assert (bind, timeout, forwarded) == ("127.0.0.1:8000", "30", "127.0.0.1")
    assert 1 <= int(workers) <= 8 and int(threads) >= 1
    assert int(connections) == 2 * int(threads)  # not gunicorn's 1,000: see the next test
    chosen = {"GUNICORN_BIND": "127.0.0.1:9001", "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "2"}
    changed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**server_env, **chosen},
        capture_output=True,
        text=True,
    )
    assert changed.stdout.split()[:3] == ["127.0.0.1:9001", "3", "2"]
    assert changed.stdout.split()[5] == "4"
    own = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**server_env, "GUNICORN_WORKER_CONNECTIONS": "50"},
        capture_output=True,
        text=True,
    )
    assert own.stdout.split()[5] == "50"


def test_connections_opened_together_are_shared_by_the_workers(server_env, tmp_path):
    """nginx keeps its connections to gunicorn open, and opens them together under load: each
    worker takes at most worker_connections of them (2 x its threads), so none idles while
    another queues every request."""
    port = free_port()
    access_log = tmp_path / "access.log"
    command = gunicorn(
        "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--access-logfile", str(access_log), "--access-logformat", "%(p)s",
    )  # fmt: skip
    env = {**server_env, "GUNICORN_THREADS": "2"}  # the config then allows 4 connections
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    connections = []
    try:
        wait_for_port(port, process)
        _get(f"http://127.0.0.1:{port}/healthz")  # both workers up (the master listens first)
        time.sleep(1)
        access_log.write_text("")
        # Eight clients connect at once, before sending anything (as nginx opens its upstream
        # connections): a worker holds four (2 x 2 threads), so each worker holds four.
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(8)]
        for connection in connections:
            connection.connect()
        time.sleep(1)
        for connection in connections:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            assert response.status == 200
            response.read()
    finally:
        for connection in connections:
            connection.close()
        stop(process)
    answered_by = [line.strip() for line in access_log.read_text().splitlines() if line.strip()]
    assert len(answered_by) == 8
    assert sorted(answered_by.count(pid) for pid in set(answered_by)) == [4, 4]


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    """Until gunicorn's master listens (its workers may still be starting: requests queue)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited at start"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start listening in time")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, as systemd stops it; SIGKILL to the whole group if it has not ended in time."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _get(url: str, **headers: str) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_two_workers_count_as_one_server(server_env, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**server_env, "COORDINATOR_METRICS_ENABLED": "true"}
    access_log = tmp_path / "access.log"
    error_log = tmp_path / "error.log"
    # --max-requests 1: every request is answered by a worker that served nothing before, so
    # the scrape can only see the page requests through the other workers' files.
    command = gunicorn(
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--max-requests", "1",
        "--access-logfile", str(access_log), "--error-logfile", str(error_log),
    )  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(port, process)
        statuses = [_get(f"{base}/", **{"X-Request-ID": f"gunicorn-test-{n}"})[0] for n in range(2)]
        assert statuses == [200, 200], error_log.read_text()
        assert _get(f"{base}/reset/{TOKEN_SHAPED}")[0] in {200, 404, 410}
        status, headers, body = _get(f"{base}/metrics")
        assert status == 200, body
    finally:
        stop(process)

    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    index = frozenset({("endpoint", "main.index"), ("method", "GET"), ("status", "200")})
    assert samples[("coordinator_http_requests_total", index)] == 2
    assert ("coordinator_mail_messages", frozenset({("status", "queued")})) in samples
    worker_pids = {path.stem.rsplit("_", 1)[-1] for path in (tmp_path / "metrics").glob("*.db")}
    assert len(worker_pids) >= 2

    log = access_log.read_text()
    assert "rid=gunicorn-test-0" in log and "rid=gunicorn-test-1" in log
    assert '"GET /reset/[redacted] HTTP/1.1"' in log
    assert TOKEN_SHAPED not in log + error_log.read_text()

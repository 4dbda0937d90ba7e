"""`flask --app wsgi worker`, and `make run`, which starts one next to the dev server: the
default queue is a SQLite file in the instance folder, so neither needs a server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from huey import SqliteHuey
from sqlalchemy import select

from coordinator import create_app, jobs
from coordinator.extensions import db
from coordinator.mail import MailStatus, OutgoingMessage, queue_mail

ROOT = Path(__file__).resolve().parents[2]


def _flask_env(config: dict) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COORDINATOR_")}
    env.update(
        {
            "COORDINATOR_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "COORDINATOR_SECRET_KEY": config["SECRET_KEY"],
            "COORDINATOR_JOBS_URL": config["JOBS_URL"],
            "COORDINATOR_MAIL_OUTBOX": config["MAIL_OUTBOX"],
            "COORDINATOR_UPLOAD_FOLDER": config["UPLOAD_FOLDER"],
            "COORDINATOR_BASE_URL": config.get("BASE_URL", "http://127.0.0.1:5000"),
        }
    )
    return env


def test_worker_help():
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "--workers" in result.stdout and "--no-scheduler" in result.stdout


def test_worker_refuses_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0
    assert "JOBS_URL=immediate" in result.output


def test_the_default_queue_is_a_sqlite_file_in_the_instance_folder(app_config):
    app = create_app({key: value for key, value in app_config.items() if key != "JOBS_URL"})
    queue = jobs.get_queue(app)
    assert isinstance(queue.huey, SqliteHuey) and not queue.immediate
    assert queue.url == f"sqlite:///{Path(app.instance_path) / 'jobs.sqlite'}"


def test_make_run_starts_a_worker_next_to_the_dev_server():
    result = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "flask --app wsgi worker" in result.stdout
    assert "flask --app wsgi run" in result.stdout


def test_a_worker_process_on_sqlite_sends_queued_mail_and_stops(tmp_path):
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'coordinator.sqlite'}",
        "SECRET_KEY": "worker-test",
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}",
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "BASE_URL": "http://127.0.0.1:5000",
    }
    web = create_app(config)
    with web.app_context():
        db.create_all()
        message_id = queue_mail("someone@example.org", "Welcome", "Hello.").id
        db.session.commit()
        assert jobs.enqueue("mail.deliver", [message_id])  # as a request does after its commit
        db.session.remove()

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "worker",
            "--workers",
            "1",
            "--no-scheduler",
            "--max-delay",
            "0.2",
        ],
        cwd=ROOT,
        env=_flask_env(config),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        sent = tmp_path / "outbox" / f"{message_id:06d}.eml"
        deadline = time.monotonic() + 120  # a bound on a broken worker, not a speed test
        while not sent.exists() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sent.exists(), "the worker did not send the queued message"
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, output[-3000:]
    assert "worker: 1 thread(s) on sqlite:///" in output
    with web.app_context():
        status = db.session.scalar(select(OutgoingMessage.status))
        assert status == MailStatus.SENT
        db.session.remove()
        db.engine.dispose()


def test_the_queue_password_never_reaches_the_logs():
    assert jobs.without_password("redis://:s3cret@cache:6379/1") == "redis://:***@cache:6379/1"
    assert jobs.without_password("redis://user:s3cret@cache/1") == "redis://user:***@cache/1"
    assert jobs.without_password("redis://cache:6379/1") == "redis://cache:6379/1"

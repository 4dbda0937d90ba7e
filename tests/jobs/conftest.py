"""Helpers for job tests: a queue on SQLite storage in the test's folder, and a worker step."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator import jobs, mail
from coordinator.extensions import db
from coordinator.mail import MailStatus, OutgoingMessage


@pytest.fixture
def sqlite_jobs_config(app_config, tmp_path) -> dict:
    """Jobs wait in a SQLite queue in the test's folder until a test runs them, as a worker."""
    return {**app_config, "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}"}


def run_queued_jobs(queue: jobs.JobQueue) -> int:
    """Do what a worker does: take each queued job and run it. Returns how many ran."""
    db.session.rollback()  # on SQLite the test's open transaction would lock the job out
    ran = 0
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
        ran += 1
    return ran


def outbox_files(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))


def settle() -> None:
    """End the test's transaction (the SQLite lock) and wait for in-process jobs."""
    db.session.rollback()
    mail.wait_for_deliveries()
    db.session.rollback()


def statuses() -> list[MailStatus]:
    db.session.rollback()
    return list(db.session.scalars(select(OutgoingMessage.status).order_by(OutgoingMessage.id)))

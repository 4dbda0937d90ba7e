"""`flask documents sweep` and uploads interrupted between writing the file and committing."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator.documents import services
from coordinator.documents.models import Document, DocumentVersion
from coordinator.documents.storage import get_storage
from coordinator.extensions import db
from tests.documents import samples

ROOT = Path(__file__).resolve().parents[2]


def run_sweep(app, *args: str):
    return app.test_cli_runner().invoke(args=["documents", "sweep", "--grace-seconds", "0", *args])


def stored_keys() -> set[str]:
    return set(get_storage().iter_keys())


def referenced_keys() -> set[str]:
    return set(db.session.scalars(select(DocumentVersion.storage_key)))


def assert_rows_and_files_agree():
    versions = db.session.scalars(select(DocumentVersion)).all()
    assert all(get_storage().exists(v.storage_key) for v in versions), "row without a file"
    assert stored_keys() == {v.storage_key for v in versions}, "file without a row"


def test_sweep_removes_orphans_and_keeps_referenced_files(app, network, attach):
    document = attach(network.event, network.lead_fp)
    orphan = get_storage().put(io.BytesIO(b"nobody points at me"))
    result = run_sweep(app)
    assert result.exit_code == 0, result.output
    assert f"removed orphan file {orphan}" in result.output
    assert stored_keys() == {document.current_version.storage_key}


def test_sweep_spares_fresh_files_by_default(app, network):
    orphan = get_storage().put(io.BytesIO(b"an upload still committing"))
    result = app.test_cli_runner().invoke(args=["documents", "sweep"])
    assert result.exit_code == 0
    assert "kept 1 unreferenced file(s)" in result.output
    assert get_storage().exists(orphan)


def test_dry_run_removes_nothing(app, network):
    orphan = get_storage().put(io.BytesIO(b"orphan"))
    result = run_sweep(app, "--dry-run")
    assert f"would remove orphan file {orphan}" in result.output
    assert get_storage().exists(orphan)


def test_sweep_reports_rows_whose_file_is_missing(app, network, attach):
    document = attach(network.event, network.lead_fp)
    key = document.current_version.storage_key
    get_storage().delete(key)
    result = run_sweep(app)
    assert result.exit_code == 1
    assert f"MISSING file {key} of document {document.id} version 1" in result.output


def test_a_failure_after_the_file_is_written_leaves_an_orphan_the_sweep_removes(
    app, network, monkeypatch
):
    def fail_after_put(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "record", fail_after_put)
    with pytest.raises(RuntimeError):
        services.create_document(
            subject=network.event,
            user=network.lead_fp,
            title="Agenda",
            description="",
            visibility=None,
            filename="agenda.pdf",
            stream=io.BytesIO(samples.pdf("interrupted")),
            storage=get_storage(),
        )
    db.session.rollback()
    assert len(stored_keys()) == 1 and referenced_keys() == set()

    run_sweep(app)
    assert_rows_and_files_agree()
    assert stored_keys() == set()


KILLED_WORKER = textwrap.dedent(
    """
    import io, os, signal, sys
    from coordinator import create_app
    from coordinator.documents import services
    from coordinator.documents.storage import get_storage
    from coordinator.extensions import db
    from coordinator.activities.models import Event
    from coordinator.accounts.models import User

    app = create_app({
        "TESTING": True, "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": os.environ["SWEEP_DB"],
        "UPLOAD_FOLDER": os.environ["SWEEP_UPLOADS"],
    })
    with app.app_context():
        services.create_document(
            subject=db.session.get(Event, int(os.environ["SWEEP_EVENT"])),
            user=db.session.get(User, int(os.environ["SWEEP_USER"])),
            title="Killed mid-upload", description="", visibility=None,
            filename="agenda.pdf", stream=io.BytesIO(sys.stdin.buffer.read()),
            storage=get_storage(),
        )
        # The file is in place and the rows are flushed, but nothing is committed:
        # this is the moment a worker gets killed.
        print("flushed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.mark.local_storage  # the killed worker is configured with UPLOAD_FOLDER only
def test_a_worker_killed_between_file_write_and_commit_is_cleaned_up_by_the_sweep(
    app, network, attach
):
    kept = attach(network.event, network.lead_fp, title="Kept")
    kept_key = kept.current_version.storage_key
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SWEEP_DB": str(db.engine.url.render_as_string(hide_password=False)),
        "SWEEP_UPLOADS": app.config["UPLOAD_FOLDER"],
        "SWEEP_EVENT": str(network.event.id),
        "SWEEP_USER": str(network.lead_fp.id),
    }
    db.session.commit()  # end our transaction: SQLite's write lock must be free for the worker
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER],
        input=samples.pdf("written, never committed"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr.decode()[-2000:]
    assert b"flushed" in worker.stdout

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1
    assert len(stored_keys()) == 2  # the killed worker's file reached the disk

    result = run_sweep(app)
    assert result.exit_code == 0, result.output
    assert "removed 1 orphan file(s)" in result.output
    assert_rows_and_files_agree()
    assert stored_keys() == {kept_key}

"""`flask backup create|verify|restore`: the restore drill on the suite's engine, and the
refusals and checks around it."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select

from coordinator.accounts.models import LoginFailure
from coordinator.backup import operations
from coordinator.backup.operations import BackupError, libpq_target, pg_tool
from coordinator.db import utcnow
from coordinator.documents.storage import get_storage
from coordinator.extensions import db
from tests import factories
from tests.backup.conftest import FILLED_TABLES


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["backup", *map(str, args)])


def every_row() -> dict[str, list[tuple]]:
    """Each table of the models, all columns, ordered by primary key (new tables included)."""
    db.session.remove()
    with db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }


def table_names() -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def every_file() -> dict[str, str]:
    storage = get_storage()
    hashes = {}
    for key in storage.iter_keys():
        with storage.open(key) as stream:
            hashes[key] = hashlib.sha256(stream.read()).hexdigest()
    return hashes


def manifest_of(directory: Path) -> dict:
    return json.loads((directory / "manifest.json").read_text())


@pytest.fixture
def backup_dir(tmp_path) -> Path:
    return tmp_path / "backup"


@pytest.fixture
def made_backup(app, alliance, backup_dir) -> Path:
    result = run(app, "create", backup_dir)
    assert result.exit_code == 0, result.output
    return backup_dir


@pytest.mark.parametrize("target_schema", ["none", "migrated"])
def test_the_restore_drill_gets_back_every_row_and_every_file(
    app, alliance, backup_dir, restore_app, target_schema
):
    rows, names, files = every_row(), table_names(), every_file()
    assert FILLED_TABLES <= {name for name, found in rows.items() if found}
    assert alliance["orphan_key"] in files and len(files) == 5

    created = run(app, "create", backup_dir)
    assert created.exit_code == 0, created.output
    assert run(app, "verify", backup_dir, "--strict").exit_code == 0

    with restore_app.app_context():
        if target_schema == "migrated":  # an empty database after `flask db upgrade`
            db.create_all()
        restored = run(restore_app, "restore", backup_dir)
        assert restored.exit_code == 0, restored.output
        assert "counts and hashes match the manifest" in restored.output
        # Restoring read the backup and left it exactly as it was.
        assert run(restore_app, "verify", backup_dir, "--strict").exit_code == 0
        restored_rows = every_row()
        assert table_names() == names
        for table in db.metadata.sorted_tables:
            assert restored_rows[table.name] == rows[table.name], table.name
        assert every_file() == files

        # Identities continue after the restored rows (PostgreSQL's sequences came back too).
        newcomer = factories.PartnerFactory()
        db.session.commit()
        assert newcomer.id > max(row[0] for row in rows["partners"])

        # The sweep then finds every referenced file and removes only the orphan.
        swept = restore_app.test_cli_runner().invoke(
            args=["documents", "sweep", "--grace-seconds", "0"]
        )
        assert swept.exit_code == 0, swept.output
        assert f"removed orphan file {alliance['orphan_key']}" in swept.output
        assert "0 version(s) with a missing file" in swept.output


def test_the_manifest_records_engine_counts_and_hashes(app, alliance, made_backup):
    manifest = manifest_of(made_backup)
    assert manifest["engine"] == db.engine.dialect.name
    assert manifest["format_version"] == 1 and manifest["created_dt"]
    assert manifest["alembic_revision"] is None  # the suite builds its schema without Alembic
    rows = every_row()
    assert {name: manifest["tables"][name] for name in rows} == {
        name: len(found) for name, found in rows.items()
    }
    assert {entry["key"]: entry["sha256"] for entry in manifest["files"]} == every_file()
    dump = made_backup / manifest["database"]["path"]
    assert manifest["database"]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert manifest["database"]["size"] == dump.stat().st_size
    assert manifest["missing_files"] == []
    # The dump is one self-contained file (no SQLite -wal or -shm beside it).
    assert sorted(path.name for path in made_backup.iterdir()) == sorted(
        ["files", "manifest.json", manifest["database"]["path"]]
    )


def test_create_refuses_a_non_empty_directory(app, alliance, backup_dir):
    backup_dir.mkdir()
    (backup_dir / "last-night.txt").write_text("keep me")
    result = run(app, "create", backup_dir)
    assert result.exit_code == 1
    assert "is not empty" in result.output
    assert sorted(path.name for path in backup_dir.iterdir()) == ["last-night.txt"]


def test_create_reports_a_referenced_file_missing_from_the_storage(app, alliance, backup_dir):
    key = alliance["agenda"].current_version.storage_key
    get_storage().delete(key)
    result = run(app, "create", backup_dir)
    assert result.exit_code == 1
    assert f"MISSING file {key}" in result.output
    assert manifest_of(backup_dir)["missing_files"] == [key]
    assert run(app, "verify", backup_dir).exit_code == 0  # the backup itself is whole


@pytest.mark.local_storage  # damages the file on disk
def test_create_leaves_out_a_file_damaged_in_the_storage(app, alliance, backup_dir):
    key = alliance["agenda"].current_version.storage_key
    stored = Path(app.config["UPLOAD_FOLDER"]) / key[:2] / key
    stored.write_bytes(b"bit rot")
    result = run(app, "create", backup_dir)
    assert result.exit_code == 1
    assert f"CORRUPT stored file {key}" in result.output
    manifest = manifest_of(backup_dir)
    assert key not in {entry["key"] for entry in manifest["files"]}
    assert manifest["missing_files"] == [key]
    assert not (backup_dir / "files" / key[:2] / key).exists()


def test_verify_accepts_a_fresh_backup(app, made_backup):
    result = run(app, "verify", made_backup, "--strict")
    assert result.exit_code == 0, result.output
    assert "match the manifest" in result.output


def test_verify_detects_a_tampered_file(app, made_backup):
    entry = manifest_of(made_backup)["files"][0]
    path = made_backup / "files" / entry["key"][:2] / entry["key"]
    content = bytearray(path.read_bytes())
    content[-1] ^= 1  # same size, other bytes
    path.write_bytes(bytes(content))
    result = run(app, "verify", made_backup)
    assert result.exit_code == 1
    assert f"FAILED document file {entry['key']} has SHA-256" in result.output
    assert "1 problem(s)" in result.output


def test_verify_detects_a_missing_file(app, made_backup):
    entries = manifest_of(made_backup)["files"]
    for entry in entries[:2]:
        (made_backup / "files" / entry["key"][:2] / entry["key"]).unlink()
    result = run(app, "verify", made_backup)
    assert result.exit_code == 1
    for entry in entries[:2]:
        assert f"FAILED document file {entry['key']} is missing" in result.output
    assert "2 problem(s)" in result.output


def test_verify_detects_a_tampered_dump(app, made_backup):
    dump = made_backup / manifest_of(made_backup)["database"]["path"]
    with dump.open("ab") as handle:
        handle.write(b"\0")
    result = run(app, "verify", made_backup)
    assert result.exit_code == 1
    assert (
        "FAILED database dump has" in result.output and "bytes, the manifest says" in result.output
    )
    assert "FAILED database dump has SHA-256" in result.output


def test_verify_strict_reports_files_the_manifest_does_not_list(app, made_backup):
    extra = made_backup / "files" / "zz" / "stray"
    extra.parent.mkdir()
    extra.write_bytes(b"who put this here")
    assert run(app, "verify", made_backup).exit_code == 0
    result = run(app, "verify", made_backup, "--strict")
    assert result.exit_code == 1
    assert "unexpected file files/zz/stray" in result.output


def test_an_unfinished_backup_is_recognised_and_never_restored(app, made_backup, restore_app):
    (made_backup / "manifest.json").unlink()  # interrupted before the manifest was written
    result = run(app, "verify", made_backup)
    assert result.exit_code == 1
    assert "unfinished" in result.output
    with restore_app.app_context():
        refused = run(restore_app, "restore", made_backup)
        assert refused.exit_code == 1 and "unfinished" in refused.output
        assert table_names() == set() and every_file() == {}


def test_restore_refuses_a_backup_that_does_not_verify(app, made_backup, restore_app):
    dump = made_backup / manifest_of(made_backup)["database"]["path"]
    dump.write_bytes(dump.read_bytes()[:-1])
    with restore_app.app_context():
        refused = run(restore_app, "restore", made_backup)
        assert refused.exit_code == 1
        assert "does not verify; nothing was restored" in refused.output
        assert table_names() == set() and every_file() == {}


def test_restore_refuses_a_database_with_rows(app, made_backup):
    rows, files = every_row(), every_file()
    result = run(app, "restore", made_backup)
    assert result.exit_code == 1
    assert "Restore needs an empty database" in result.output
    assert "partners (" in result.output and "users (" in result.output
    assert every_row() == rows and every_file() == files


def test_restore_refuses_a_storage_with_files(app, made_backup, restore_app):
    with restore_app.app_context():
        db.create_all()
        get_storage().put(io.BytesIO(b"already here"))
        refused = run(restore_app, "restore", made_backup)
        assert refused.exit_code == 1
        assert "Restore needs an empty document storage" in refused.output
        assert not any(every_row().values()) and len(every_file()) == 1


def test_restore_refuses_a_backup_of_the_other_engine(app, made_backup, restore_app):
    manifest_path = made_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    other = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
    dump = made_backup / manifest["database"]["path"]
    dump.rename(made_backup / {"sqlite": "database.sqlite", "postgresql": "database.dump"}[other])
    manifest["engine"] = other
    manifest["database"]["path"] = {"sqlite": "database.sqlite", "postgresql": "database.dump"}[
        other
    ]
    manifest_path.write_text(json.dumps(manifest))
    with restore_app.app_context():
        refused = run(restore_app, "restore", made_backup)
        assert refused.exit_code == 1
        assert f"This backup was made from {other}" in refused.output
        assert table_names() == set() and every_file() == {}


def test_the_postgresql_password_travels_in_the_environment_only():
    conninfo, env = libpq_target(
        "postgresql+psycopg://coordinator:s3cret@db.internal:5433/prod?sslmode=require"
    )
    assert conninfo == "postgresql://coordinator@db.internal:5433/prod?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret"
    assert "s3cret" not in conninfo


def test_missing_postgresql_tools_give_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump was not found on PATH"):
        pg_tool("pg_dump")


def test_a_write_during_the_backup_is_in_neither_the_dump_nor_the_counts(
    app, alliance, backup_dir, restore_app, monkeypatch
):
    """The manifest's counts describe exactly the dumped rows, whatever commits meanwhile."""
    rows = every_row()

    def commit_a_row_meanwhile() -> None:
        with db.engine.begin() as connection:
            connection.execute(
                insert(LoginFailure.__table__).values(
                    email="late@example.org", address="198.51.100.7", created_dt=utcnow()
                )
            )

    # Between the moment the dump's snapshot is fixed and the moment the counts are read.
    if db.engine.dialect.name == "postgresql":
        step, original = "_run_pg_tool", operations._run_pg_tool
    else:
        step, original = "_read_sqlite_file_facts", operations._read_sqlite_file_facts

    def step_with_a_concurrent_write(*args, **kwargs):
        commit_a_row_meanwhile()
        return original(*args, **kwargs)

    monkeypatch.setattr(operations, step, step_with_a_concurrent_write)
    created = run(app, "create", backup_dir)
    monkeypatch.undo()
    assert created.exit_code == 0, created.output
    assert manifest_of(backup_dir)["tables"]["login_failures"] == len(rows["login_failures"])
    assert len(every_row()["login_failures"]) == len(rows["login_failures"]) + 1

    with restore_app.app_context():
        restored = run(restore_app, "restore", backup_dir)
        assert restored.exit_code == 0, restored.output
        assert every_row() == rows

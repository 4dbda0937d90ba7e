"""Create, verify and restore a backup: a database dump, the document files, a manifest.

Layout of a backup folder:

    database.sqlite | database.dump   SQLite's online backup, or pg_dump's custom format
    files/<ab>/<key>                  every stored document file, copied through the storage
    manifest.json                     written last: without it the backup is unfinished

The database is dumped first and the files copied after it. An upload writes its file before
its row commits, so every row in the dump finds its file among the ones copied later; the worst
a concurrent upload can leave is an orphan file, which `documents sweep` removes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import URL, Connection, create_engine, func, inspect, make_url, select, table, text
from sqlalchemy.pool import NullPool

from coordinator.db import utcnow
from coordinator.documents.models import DocumentVersion
from coordinator.documents.storage import DocumentStorage
from coordinator.extensions import db

FORMAT = "coordinator-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = "files"
DUMP_NAMES = {"sqlite": "database.sqlite", "postgresql": "database.dump"}
# Alembic's bookkeeping: a freshly migrated database has a row here and is still "empty".
BOOKKEEPING_TABLES = {"alembic_version"}

_KEY = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """The operation cannot go on; the message says why and what to do."""


@dataclass
class DatabaseFacts:
    """What a backup records about one consistent view of the database."""

    row_counts: dict[str, int]
    alembic_revision: str | None
    referenced_keys: set[str]


@dataclass
class CreateReport:
    directory: Path
    manifest: dict[str, Any]
    missing_keys: list[str]  # referenced by a row, absent from the storage
    corrupt_keys: list[str]  # stored content no longer matches its key


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)


# --- Reading the database ------------------------------------------------------------------


def read_database_facts(connection: Connection) -> DatabaseFacts:
    """Row counts of every table present, the Alembic revision and the file keys rows use."""
    names = sorted(inspect(connection).get_table_names())
    counts = {
        name: connection.scalar(select(func.count()).select_from(table(name))) for name in names
    }
    revision = None
    if "alembic_version" in names:
        revisions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
        revision = ",".join(sorted(revisions)) or None
    referenced: set[str] = set()
    if DocumentVersion.__tablename__ in names:
        referenced = set(connection.scalars(select(DocumentVersion.storage_key)))
    return DatabaseFacts(counts, revision, referenced)


def tables_with_rows(connection: Connection) -> dict[str, int]:
    """The tables of the database that hold rows (Alembic's bookkeeping aside)."""
    counts = read_database_facts(connection).row_counts
    return {
        name: count for name, count in counts.items() if count and name not in BOOKKEEPING_TABLES
    }


# --- PostgreSQL client tools ------------------------------------------------------------------


def libpq_target(sqlalchemy_url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment that carries it.

    The password travels in PGPASSWORD so it never shows in the process list.
    """
    url = make_url(sqlalchemy_url)
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), env


def pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore, or a BackupError saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools of the "
            f"server's major version or newer (Debian: apt-get install postgresql-client)."
        )
    return path


def _run_pg_tool(arguments: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(arguments, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        name = Path(arguments[0]).name
        detail = (result.stderr or result.stdout).strip()[-4000:]
        raise BackupError(f"{name} failed (exit status {result.returncode}):\n{detail}")


# --- Files -----------------------------------------------------------------------------------


def sha256_of_file(path: Path) -> tuple[str, int]:
    with path.open("rb") as handle:
        return _copy_and_hash(handle, None)


def _copy_and_hash(source: BinaryIO, target: BinaryIO | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
    return digest.hexdigest(), size


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup_file_path(directory: Path, key: str) -> Path:
    return directory / FILES / key[:2] / key


# --- Create ----------------------------------------------------------------------------------


def create_backup(directory: Path, storage: DocumentStorage) -> CreateReport:
    """Dump the database, copy the document files, then write the manifest (in that order)."""
    directory = Path(directory)
    _prepare_empty_directory(directory)
    engine_name = db.engine.dialect.name
    if engine_name not in DUMP_NAMES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine_name}.")
    dump_path = directory / DUMP_NAMES[engine_name]
    created_dt = utcnow()
    if engine_name == "sqlite":
        facts = _dump_sqlite(dump_path)
    else:
        facts = _dump_postgresql(dump_path)
    dump_sha256, dump_size = sha256_of_file(dump_path)

    files, corrupt = _copy_files(directory, storage)
    copied = {entry["key"] for entry in files}
    missing = sorted(facts.referenced_keys - copied)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_dt": created_dt.isoformat(),
        "engine": engine_name,
        "alembic_revision": facts.alembic_revision,
        "database": {"path": dump_path.name, "sha256": dump_sha256, "size": dump_size},
        "tables": facts.row_counts,
        "files": files,
        "missing_files": missing,
    }
    _write_manifest(directory, manifest)
    return CreateReport(directory, manifest, missing, corrupt)


def _prepare_empty_directory(directory: Path) -> None:
    if directory.exists():
        if not directory.is_dir():
            raise BackupError(f"{directory} exists and is not a directory.")
        if any(directory.iterdir()):
            raise BackupError(
                f"{directory} is not empty. Give a new or empty directory for each backup, so "
                "no backup ever overwrites or mixes with another."
            )
    directory.mkdir(parents=True, exist_ok=True)


def _dump_sqlite(dump_path: Path) -> DatabaseFacts:
    # The online backup API copies every page in one step under a read lock: a consistent
    # snapshot while the application keeps running.
    db.session.remove()
    source = db.engine.raw_connection()
    try:
        target = sqlite3.connect(dump_path)
        try:
            source.driver_connection.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    facts = _read_sqlite_file_facts(dump_path)
    # A dump copied from a WAL database is in WAL mode itself; make it one self-contained file.
    target = sqlite3.connect(dump_path, isolation_level=None)
    try:
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
    return facts


def _read_sqlite_file_facts(path: Path) -> DatabaseFacts:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return read_database_facts(connection)
    finally:
        engine.dispose()


def _dump_postgresql(dump_path: Path) -> DatabaseFacts:
    pg_dump = pg_tool("pg_dump")
    conninfo, env = libpq_target(db.engine.url.render_as_string(hide_password=False))
    # One snapshot for both: pg_dump imports the one this transaction exports, so the counts
    # in the manifest describe exactly the rows in the dump.
    with db.engine.connect().execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    ) as connection:
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        _run_pg_tool(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dump_path}",
                f"--dbname={conninfo}",
            ],
            env,
        )
        facts = read_database_facts(connection)
        connection.rollback()
    return facts


def _copy_files(
    directory: Path, storage: DocumentStorage
) -> tuple[list[dict[str, Any]], list[str]]:
    files: list[dict[str, Any]] = []
    corrupt: list[str] = []
    for key in storage.iter_keys():
        target_path = _backup_file_path(directory, key)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = storage.open(key)
        except FileNotFoundError:
            continue  # removed by the sweep since it was listed: an orphan, not needed
        with source, target_path.open("wb") as target:
            digest, size = _copy_and_hash(source, target)
            target.flush()
            os.fsync(target.fileno())
        if digest != key:
            # Damaged in the storage: restoring it would file it under another key. Left out,
            # it shows as missing if a row needs it, which is the truth.
            target_path.unlink()
            corrupt.append(key)
            continue
        files.append({"key": key, "sha256": digest, "size": size})
    for folder in {_backup_file_path(directory, entry["key"]).parent for entry in files}:
        _fsync_directory(folder)
    return files, corrupt


def _write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    partial = directory / (MANIFEST + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, directory / MANIFEST)
    _fsync_directory(directory)


# --- Verify ----------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, checked for shape; a BackupError if absent or unreadable."""
    path = Path(directory) / MANIFEST
    if not Path(directory).is_dir():
        raise BackupError(f"{directory} is not a directory.")
    if not path.is_file():
        raise BackupError(
            f"{path} is missing: this backup is unfinished (interrupted before its manifest "
            "was written) or the directory is not a backup. Do not restore from it."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} cannot be read: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a coordinator backup manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} has format version {manifest.get('format_version')!r}; this version of "
            f"coordinator reads version {FORMAT_VERSION}."
        )
    engine = manifest.get("engine")
    database = manifest.get("database")
    files = manifest.get("files")
    if (
        engine not in DUMP_NAMES
        or not isinstance(database, dict)
        or database.get("path") != DUMP_NAMES[engine]
        or not isinstance(files, list)
        or not isinstance(manifest.get("tables"), dict)
        or not all(isinstance(entry, dict) and _KEY.match(str(entry.get("key"))) for entry in files)
    ):
        raise BackupError(f"{path} is damaged: its engine, database, tables or files are invalid.")
    return manifest


def verify_backup(directory: Path, strict: bool = False) -> list[str]:
    """Every problem found: the dump and each file checked by size and SHA-256.

    With strict, files the manifest does not list are problems too.
    """
    directory = Path(directory)
    try:
        manifest = read_manifest(directory)
    except BackupError as error:
        return [str(error)]
    problems = []
    database = manifest["database"]
    problems += _check_file(directory / database["path"], database, "database dump")
    for entry in manifest["files"]:
        path = _backup_file_path(directory, entry["key"])
        problems += _check_file(path, entry, f"document file {entry['key']}")
    if strict:
        expected = {MANIFEST, database["path"]}
        expected |= {str(_backup_file_path(Path(), entry["key"])) for entry in manifest["files"]}
        for path in sorted(directory.rglob("*")):
            relative = str(path.relative_to(directory))
            if path.is_symlink() or (path.is_file() and relative not in expected):
                problems.append(f"unexpected file {relative} (not in the manifest)")
    return problems


def _check_file(path: Path, entry: dict[str, Any], label: str) -> list[str]:
    if not path.is_file():
        return [f"{label} is missing ({path})"]
    digest, size = sha256_of_file(path)
    problems = []
    if size != entry.get("size"):
        problems.append(f"{label} has {size} bytes, the manifest says {entry.get('size')}")
    if digest != entry.get("sha256"):
        problems.append(f"{label} has SHA-256 {digest}, the manifest says {entry.get('sha256')}")
    return problems


# --- Restore ---------------------------------------------------------------------------------


def restore_backup(directory: Path, storage: DocumentStorage) -> RestoreReport:
    """Restore into an empty database and storage, then check counts and hashes.

    The files go in first: if the database restore then fails, what remains is orphan files
    the sweep can remove, never rows whose file is missing.
    """
    directory = Path(directory)
    problems = verify_backup(directory)
    if problems:
        raise BackupError(
            "The backup does not verify; nothing was restored:\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )
    manifest = read_manifest(directory)
    engine_name = db.engine.dialect.name
    if manifest["engine"] != engine_name:
        raise BackupError(
            f"This backup was made from {manifest['engine']}; the configured database is "
            f"{engine_name}. Point COORDINATOR_DATABASE_URL at an empty {manifest['engine']} "
            "database."
        )
    _refuse_unless_empty(storage)

    for entry in manifest["files"]:
        with _backup_file_path(directory, entry["key"]).open("rb") as source:
            key = storage.put(source)
        if key != entry["key"]:
            raise BackupError(f"document file {entry['key']} was stored as {key}; restore stopped.")
    dump_path = directory / manifest["database"]["path"]
    try:
        if engine_name == "sqlite":
            _restore_sqlite(dump_path)
        else:
            _restore_postgresql(dump_path)
    except BackupError as error:
        raise BackupError(
            f"{error}\nThe database was not restored; the storage now holds the backup's "
            f"{len(manifest['files'])} file(s). Empty it before trying again."
        ) from error
    return RestoreReport(manifest, check_restored(manifest, storage))


def _refuse_unless_empty(storage: DocumentStorage) -> None:
    with db.engine.connect() as connection:
        filled = tables_with_rows(connection)
    if filled:
        listing = ", ".join(f"{name} ({count})" for name, count in sorted(filled.items()))
        raise BackupError(
            "Restore needs an empty database; this one has rows in: " + listing + ". "
            "Create a new database (or drop this one) and point COORDINATOR_DATABASE_URL at it."
        )
    if next(iter(storage.iter_keys()), None) is not None:
        raise BackupError(
            "Restore needs an empty document storage; this one already holds files. "
            "Point UPLOAD_FOLDER at a new, empty folder."
        )


def _restore_sqlite(dump_path: Path) -> None:
    # The backup API, run the other way round, replaces the target database page by page in one
    # locked step: readers never see a half-copied file and the WAL stays consistent.
    db.session.remove()
    db.engine.dispose()
    target = db.engine.raw_connection()
    try:
        source = sqlite3.connect(f"{dump_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.backup(target.driver_connection)
        finally:
            source.close()
    finally:
        target.close()
    db.engine.dispose()


def _restore_postgresql(dump_path: Path) -> None:
    pg_restore = pg_tool("pg_restore")
    conninfo, env = libpq_target(db.engine.url.render_as_string(hide_password=False))
    db.session.remove()
    with db.engine.connect() as connection:
        has_schema = bool(inspect(connection).get_table_names())
    db.engine.dispose()
    arguments = [
        pg_restore,
        "--exit-on-error",
        "--single-transaction",
        # Objects belong to whoever restores (the application's role), as after `db upgrade`.
        "--no-owner",
        "--no-privileges",
        f"--dbname={conninfo}",
    ]
    if has_schema:
        # An empty but migrated schema: replace it with the dump's.
        arguments += ["--clean", "--if-exists"]
    _run_pg_tool([*arguments, str(dump_path)], env)


def check_restored(manifest: dict[str, Any], storage: DocumentStorage) -> list[str]:
    """Compare the live database's row counts and the storage's files with the manifest."""
    problems = []
    db.session.remove()
    with db.engine.connect() as connection:
        counts = read_database_facts(connection).row_counts
    for name, expected in sorted(manifest["tables"].items()):
        found = counts.get(name)
        if found is None:
            problems.append(f"table {name} is missing after the restore")
        elif found != expected:
            problems.append(f"table {name} has {found} rows, the manifest says {expected}")
    for entry in manifest["files"]:
        key = entry["key"]
        try:
            with storage.open(key) as stream:
                digest, size = _copy_and_hash(stream, None)
        except FileNotFoundError:
            problems.append(f"document file {key} is missing from the storage")
            continue
        if (digest, size) != (entry["sha256"], entry["size"]):
            problems.append(f"document file {key} differs from the backup")
    return problems

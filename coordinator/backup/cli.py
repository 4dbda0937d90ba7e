"""`flask --app wsgi backup create|verify|restore DIR`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from coordinator.backup.operations import (
    BackupError,
    create_backup,
    restore_backup,
    verify_backup,
)
from coordinator.documents.storage import get_storage

backup_cli = AppGroup("backup", help="Back up, verify and restore the database and documents.")

_DIRECTORY = click.Path(file_okay=False, path_type=Path)


@backup_cli.command("create")
@click.argument("directory", type=_DIRECTORY)
def create_command(directory: Path) -> None:
    """Dump the database, then copy the document files, then write DIRECTORY/manifest.json.

    DIRECTORY must be new or empty. Exits with status 1 when a row's file was missing from the
    storage (the backup is still complete and usable).
    """
    try:
        report = create_backup(directory, get_storage())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = report.manifest
    rows = sum(manifest["tables"].values())
    size = sum(entry["size"] for entry in manifest["files"])
    click.echo(
        f"backup written to {directory}: {manifest['engine']} dump "
        f"({manifest['database']['size']} bytes), {len(manifest['tables'])} tables, {rows} rows, "
        f"{len(manifest['files'])} document file(s) ({size} bytes)"
    )
    for key in report.corrupt_keys:
        click.echo(f"CORRUPT stored file {key} (its content no longer matches): left out", err=True)
    for key in report.missing_keys:
        click.echo(
            f"MISSING file {key}: a document version needs it; it is not in storage", err=True
        )
    if report.missing_keys:
        raise SystemExit(1)


@backup_cli.command("verify")
@click.argument("directory", type=_DIRECTORY)
@click.option("--strict", is_flag=True, help="Also report files the manifest does not list.")
def verify_command(directory: Path, strict: bool) -> None:
    """Check the dump and every document file against the manifest (size and SHA-256)."""
    problems = verify_backup(directory, strict=strict)
    for problem in problems:
        click.echo(f"FAILED {problem}", err=True)
    if problems:
        click.echo(f"{directory}: {len(problems)} problem(s)", err=True)
        raise SystemExit(1)
    click.echo(f"{directory}: the dump and every file match the manifest")


@backup_cli.command("restore")
@click.argument("directory", type=_DIRECTORY)
def restore_command(directory: Path) -> None:
    """Restore DIRECTORY into an empty database and an empty document storage.

    Verifies the backup first, then checks the restored row counts and file hashes.
    """
    try:
        report = restore_backup(directory, get_storage())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = report.manifest
    for problem in report.problems:
        click.echo(f"FAILED {problem}", err=True)
    if report.problems:
        raise SystemExit(1)
    click.echo(
        f"restored {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables "
        f"and {len(manifest['files'])} document file(s) from {directory} (made "
        f"{manifest['created_dt']}); counts and hashes match the manifest"
    )
    revision = manifest.get("alembic_revision")
    if revision:
        click.echo(
            f"the database is at migration {revision}: run `flask --app wsgi db upgrade` "
            "if this code is newer"
        )

"""`flask --app wsgi documents sweep`: remove orphan files, report rows whose file is missing;
`documents migrate-storage`: move every stored file to another storage."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from coordinator.extensions import db

documents_cli = AppGroup("documents", help="Shared documents and their stored files.")


@documents_cli.command("sweep")
@click.option(
    "--grace-seconds",
    default=3600,
    show_default=True,
    type=click.IntRange(min=0),
    help="Spare unreferenced files younger than this (an upload may still be committing).",
)
@click.option("--dry-run", is_flag=True, help="Report what would be removed; remove nothing.")
def sweep_command(grace_seconds: int, dry_run: bool) -> None:
    """Remove stored files no version references; report versions whose file is missing.

    Exits with status 1 when a row's file is missing, so a cron job notices.
    """
    from coordinator.documents.services import sweep_storage
    from coordinator.documents.storage import StorageUnavailable, get_storage

    try:
        report = sweep_storage(get_storage(), grace_seconds=grace_seconds, dry_run=dry_run)
    except StorageUnavailable as error:
        raise click.ClickException(f"{error}; nothing more was swept.") from None
    finally:
        db.session.rollback()  # the sweep only reads the database
    verb = "would remove" if dry_run else "removed"
    for key in report.removed_keys:
        click.echo(f"{verb} orphan file {key}")
    for name in report.removed_temporary_files:
        click.echo(f"{verb} unfinished upload {name}")
    if report.kept_recent_keys:
        click.echo(
            f"kept {len(report.kept_recent_keys)} unreferenced file(s) younger than "
            f"{grace_seconds}s"
        )
    for document_id, number, key in report.missing:
        click.echo(f"MISSING file {key} of document {document_id} version {number}", err=True)
    click.echo(
        f"{verb} {len(report.removed_keys)} orphan file(s) and "
        f"{len(report.removed_temporary_files)} unfinished upload(s); "
        f"{len(report.missing)} version(s) with a missing file"
    )
    if report.missing:
        raise SystemExit(1)


@documents_cli.command("migrate-storage")
@click.option(
    "--to",
    "target_url",
    required=True,
    help="The new storage: file:///absolute/path or s3://bucket/prefix (STORAGE_S3_* apply).",
)
def migrate_storage_command(target_url: str) -> None:
    """Copy every stored file to another storage, verify each, then switch STORAGE_URL.

    Safe to run again: files already in the target with the right hash are skipped, so an
    interrupted run resumes. The old storage is left as it was.
    """
    from coordinator.documents.services import migrate_storage
    from coordinator.documents.storage import StorageUnavailable, get_storage, storage_from_url

    try:
        target = storage_from_url(target_url, current_app.config)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    try:
        report = migrate_storage(get_storage(), target)
    except StorageUnavailable as error:
        raise click.ClickException(f"{error}; run the command again once it is back.") from None
    finally:
        db.session.rollback()
    for key, reason in report.failed:
        click.echo(f"FAILED {key}: {reason}", err=True)
    click.echo(
        f"copied {len(report.copied)} file(s), {len(report.already_present)} already present "
        f"and verified, {len(report.failed)} failed"
    )
    if report.failed:
        click.echo("STORAGE_URL was not changed.", err=True)
        raise SystemExit(1)
    config_file = Path(current_app.instance_path) / "config.py"
    write_instance_setting(config_file, "STORAGE_URL", target_url)
    click.echo(f"STORAGE_URL = {target_url!r} written to {config_file}.")
    from_environment = os.environ.get("COORDINATOR_STORAGE_URL")
    if from_environment is not None and from_environment != target_url:
        click.echo(
            f"COORDINATOR_STORAGE_URL is set in the environment ({from_environment}) and wins "
            f"over {config_file}: set it to {target_url} too.",
            err=True,
        )
    click.echo("Restart the web app and the workers to use the new storage.")


def write_instance_setting(config_file: Path, name: str, value: str) -> None:
    """Set `NAME = 'value'` in instance/config.py: replace its line, or add one at the end."""
    line = f"{name} = {value!r}\n"
    assignment = re.compile(rf"^{re.escape(name)}\s*(:[^=]*)?=")
    exists = config_file.exists()
    lines = config_file.read_text(encoding="utf-8").splitlines(keepends=True) if exists else []
    replaced = [line if assignment.match(old) else old for old in lines]
    if not any(assignment.match(old) for old in lines):
        if replaced and not replaced[-1].endswith("\n"):
            replaced[-1] += "\n"
        replaced.append(line)
    config_file.parent.mkdir(parents=True, exist_ok=True)
    # The file may hold secrets: written beside it, with its permissions, then swapped in.
    mode = config_file.stat().st_mode & 0o777 if exists else 0o600
    fd, temporary = tempfile.mkstemp(prefix=".config-", dir=config_file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(replaced))
        os.chmod(temporary, mode)
        os.replace(temporary, config_file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

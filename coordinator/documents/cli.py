"""`flask --app wsgi documents sweep`: remove orphan files, report rows whose file is missing."""

from __future__ import annotations

import click
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
    from coordinator.documents.storage import get_storage

    report = sweep_storage(get_storage(), grace_seconds=grace_seconds, dry_run=dry_run)
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

"""`flask --app wsgi calendars import PARTNER_SLUG FILE_OR_URL`, `calendars sync [--source ID]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from coordinator.extensions import db

calendars_cli = AppGroup("calendars", help="Partners' own calendars imported as proposals.")


def _echo(label: str, result) -> None:
    counts = result.counts()
    click.echo(
        f"{label}: new {counts['new']}, updated {counts['updated']}, "
        f"unchanged {counts['unchanged']}, skipped {counts['skipped']}, errors {counts['errors']}"
    )
    for problem in result.problems:
        click.echo(f"  {problem}", err=True)
    if result.error:
        click.echo(f"  error: {result.error}", err=True)


@calendars_cli.command("import")
@click.argument("partner_slug")
@click.argument("file_or_url")
def import_command(partner_slug: str, file_or_url: str) -> None:
    """Import a calendar file or URL once for a partner (the source is kept for later syncs)."""
    from coordinator.calendars import services
    from coordinator.calendars.models import CalendarSource
    from coordinator.partners.models import Partner

    partner = db.session.scalar(select(Partner).where(Partner.slug == partner_slug))
    if partner is None:
        raise click.ClickException(f"No partner {partner_slug!r}.")
    is_url = "://" in file_or_url
    name = file_or_url if is_url else Path(file_or_url).name
    url = file_or_url if is_url else ""
    if is_url:
        url = services.fetching.normalise_url(url)
    source = db.session.scalar(
        select(CalendarSource).where(
            CalendarSource.partner_id == partner.id,
            CalendarSource.url == url,
            CalendarSource.name == name[:120],
            CalendarSource.is_active,
        )
    ) or services.add_source(_system(), partner, {"name": name[:120], "url": url})
    if is_url:
        result = services.sync_source(source)
    else:
        limit = int(services.setting("CALENDAR_IMPORT_MAX_BYTES"))
        try:
            with open(file_or_url, "rb") as handle:
                payload = handle.read(limit + 1)
        except OSError as error:
            raise click.ClickException(f"Cannot read {file_or_url}: {error.strerror}") from None
        result = services.import_payload(source, payload)
    db.session.commit()
    _echo(f"source {source.id} ({partner.slug})", result)
    if result.error:
        raise SystemExit(1)


class _System:
    """The command line acts for the network itself (audit entries carry no user)."""

    id = None
    is_authenticated = True
    is_enabled = True
    is_staff = True
    is_admin = False
    is_focal_point = False
    partner_id = None


def _system():
    return _System()


@calendars_cli.command("sync")
@click.option("--source", "source_id", type=int, help="Only this source (its id).")
def sync_command(source_id: int | None) -> None:
    """Fetch and import every active calendar address (or one), each on its own."""
    from coordinator.calendars import services

    if source_id is not None:
        results = {source_id: services.sync_source_by_id(source_id)}
    else:
        results = services.sync_all_sources()
    for sid, result in results.items():
        _echo(f"source {sid}", result)
    if any(result.error for result in results.values()):
        raise SystemExit(1)

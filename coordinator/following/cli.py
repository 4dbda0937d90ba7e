"""`flask --app wsgi digests send`: send the digests whose day or week has ended (idempotent)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

digests_cli = AppGroup("digests", help="The e-mail digests of what people follow.")


@digests_cli.command("send")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Send as if it were this UTC moment (ISO 8601), e.g. to catch up a missed run.",
)
def send_command(now_text: str | None) -> None:
    """Send every digest whose period has ended and was not sent yet (twice sends nothing)."""
    from coordinator.following.digests import send_due_digests

    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as error:
            raise click.BadParameter(f"not an ISO 8601 moment: {now_text!r}") from error
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    click.echo(str(send_due_digests(now)))

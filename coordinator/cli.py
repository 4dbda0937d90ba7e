"""Command-line commands: `flask --app wsgi demo`, `users create`, `mail send|failed|retry`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select, text

from coordinator.backup.cli import backup_cli
from coordinator.calendars.cli import calendars_cli
from coordinator.documents.cli import documents_cli
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.following.cli import digests_cli
from coordinator.jobs.cli import worker_command


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(documents_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(calendars_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(digests_cli)


def _login_address() -> str:
    """Where the sign-in page is served: BASE_URL (`make run` sets it from HOST and PORT)."""
    return current_app.config["BASE_URL"].rstrip("/") + "/login"


@click.command("demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Load only into a database without accounts; otherwise print the demo logins.",
)
@click.option(
    "--events",
    "synthetic_events",
    type=click.IntRange(min=0),
    default=0,
    help="Also hold this many synthetic events (a top-up: running it again adds nothing).",
)
@click.option("--seed", type=int, default=None, help="Seed of the synthetic events.")
@click.pass_context
def demo_command(
    context: click.Context, if_empty: bool, synthetic_events: int, seed: int | None
) -> None:
    """Load the demo network (idempotent; refuses a database with real accounts)."""
    from coordinator.accounts.models import User
    from coordinator.demo.network import DEMO_PASSWORD, load_demo_network

    if (
        if_empty
        and not synthetic_events
        and db.session.scalar(select(User.id).limit(1)) is not None
    ):
        db.session.rollback()
        context.invoke(demo_logins_command)
        return
    try:
        logins = load_demo_network()
        try:
            from coordinator.demo.activities import load_demo_activities
        except ImportError:
            load_demo_activities = None
        if load_demo_activities is not None:
            load_demo_activities()
        db.session.commit()
        if synthetic_events:
            _add_synthetic_events(synthetic_events, seed)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"Demo network loaded. Sign in at {_login_address()} with:")
    click.echo(f"  password for every demo account: {DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.role:<12} {login.partner:<10} {login.email}")


def _add_synthetic_events(target: int, seed: int | None) -> None:
    from coordinator.demo.scale import DEFAULT_SEED, add_synthetic_events

    added = add_synthetic_events(target, DEFAULT_SEED if seed is None else seed)
    db.session.commit()
    if added and db.engine.dialect.name == "postgresql":
        # After a bulk load the planner needs fresh statistics before the first query (autovacuum
        # gets to them later, or never where it is off): without them it estimates a handful of
        # rows and sorts whole ranges where an index would read them in order. VACUUM marks the
        # new rows visible to all, as autovacuum does on a live site, so that the covering
        # indexes are read alone (index-only scans). It cannot run inside a transaction.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    click.echo(f"Synthetic events: {added} added, {target} in the database.")


users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["staff", "focal_point", "admin"]), required=True)
@click.option("--partner", "partner_slug", default=None, help="Partner slug (focal points).")
def create_user_command(email: str, name: str, role: str, partner_slug: str | None) -> None:
    """Create an account; the password is read from standard input."""
    from coordinator.accounts.admin import create_user
    from coordinator.partners.models import Partner

    password = sys.stdin.readline().rstrip("\n")
    partner = None
    if partner_slug:
        partner = db.session.scalar(select(Partner).where(Partner.slug == partner_slug))
        if partner is None:
            raise click.ClickException(f"No partner with slug {partner_slug!r}.")
    try:
        user = create_user(email=email, name=name, role=role, partner=partner, password=password)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.email}.")


mail_cli = AppGroup("mail", help="The outgoing mail queue.")


@mail_cli.command("send")
def send_mail_command() -> None:
    """Send (or retry) every queued message whose time has come."""
    from coordinator.mail import deliver_due

    click.echo(str(deliver_due(limit=1000)))


def _echo_message(message) -> None:
    attempted = (
        f"{message.last_attempt_dt:%Y-%m-%d %H:%M} UTC" if message.last_attempt_dt else "never"
    )
    click.echo(
        f"#{message.id}  {message.status.value:<7}  to {message.shown_recipient}  "
        f"queued {message.created_dt:%Y-%m-%d %H:%M} UTC  attempts {message.attempts}  "
        f"last attempt {attempted}"
    )
    click.echo(f"    subject: {message.subject}")
    if message.last_error:
        click.echo(f"    {message.last_error}")


@mail_cli.command("failed")
def failed_mail_command() -> None:
    """List messages that were not delivered: failed (retry them) and dead links (expired, void)."""
    from coordinator.mail import MailStatus, undelivered_messages

    messages = undelivered_messages(limit=10_000)
    failed = [m for m in messages if m.status == MailStatus.FAILED]
    dead = [m for m in messages if m.status != MailStatus.FAILED]
    click.echo(f"{len(failed)} failed (`flask --app wsgi mail retry --all` queues them again):")
    for message in failed:
        _echo_message(message)
    if dead:
        click.echo(
            f"{len(dead)} not sent because their link no longer works "
            "(invite the person again, or ask them to request a new reset):"
        )
        for message in dead:
            _echo_message(message)


@mail_cli.command("retry")
@click.argument("message_ids", nargs=-1, type=click.IntRange(min=1, max=2**31 - 1))
@click.option("--all", "retry_all", is_flag=True, help="Retry every failed message.")
def retry_mail_command(message_ids: tuple[int, ...], retry_all: bool) -> None:
    """Queue failed messages again (by ID, or --all) and send them now."""
    from coordinator.mail import deliver_messages, retry_failed

    if bool(message_ids) == retry_all:
        raise click.UsageError("Give the IDs of failed messages, or --all (not both).")
    outcome = retry_failed(None if retry_all else message_ids)
    db.session.commit()
    found = {message.id for message in outcome.queued + outcome.not_sent}
    for message_id in message_ids:
        if message_id not in found:
            click.echo(f"#{message_id}: not a failed message (see `mail failed`); left alone.")
    for message in outcome.not_sent:
        click.echo(
            f"#{message.id} to {message.shown_recipient} NOT SENT ({message.status.value}): "
            f"{message.last_error} Invite them again, or ask them to request a new "
            "reset."
        )
    counts = deliver_messages([message.id for message in outcome.queued])
    click.echo(f"queued again {len(outcome.queued)}: {counts}")
    if counts.failed:
        click.echo("Some failed again; they are retried with backoff (`mail send`, cron).")


@click.command("demo-logins")
def demo_logins_command() -> None:
    """Print the demo accounts (after `demo` has loaded them)."""
    from coordinator.accounts.models import User
    from coordinator.demo.network import DEMO_PASSWORD

    users = db.session.scalars(
        select(User).where(User.is_demo).order_by(User.role, User.email)
    ).all()
    if not users:
        click.echo("No demo accounts. Run `flask --app wsgi demo` to load the demo network.")
        return
    click.echo(f"Sign in at {_login_address()} with:")
    click.echo(f"  password for every demo account: {DEMO_PASSWORD}")
    for user in users:
        partner = user.partner.acronym if user.partner else "MedCities"
        click.echo(f"  {user.role.value:<12} {partner:<10} {user.email}")

"""Command-line commands: `flask --app wsgi demo`, `users create`, `mail send`."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from coordinator.backup.cli import backup_cli
from coordinator.documents.cli import documents_cli
from coordinator.errors import DomainError
from coordinator.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(documents_cli)
    app.cli.add_command(backup_cli)


@click.command("demo")
@click.option("--if-empty", is_flag=True,
              help="Load only into a database without accounts; otherwise print the demo logins.")
@click.pass_context
def demo_command(context: click.Context, if_empty: bool) -> None:
    """Load the demo network (idempotent; refuses a database with real accounts)."""
    from coordinator.accounts.models import User
    from coordinator.demo.network import DEMO_PASSWORD, load_demo_network

    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
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
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo("Demo network loaded. Sign in at http://127.0.0.1:5000/login with:")
    click.echo(f"  password for every demo account: {DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.role:<12} {login.partner:<10} {login.email}")


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

    sent, failed = deliver_due(limit=1000)
    click.echo(f"sent {sent}, failed {failed}")


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
    click.echo("Sign in at http://127.0.0.1:5000/login with:")
    click.echo(f"  password for every demo account: {DEMO_PASSWORD}")
    for user in users:
        partner = user.partner.acronym if user.partner else "MedCities"
        click.echo(f"  {user.role.value:<12} {partner:<10} {user.email}")

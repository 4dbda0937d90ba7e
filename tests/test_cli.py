"""The command line: `demo` and `users create`."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator.accounts.models import Role, User
from coordinator.accounts.passwords import verify_password
from coordinator.demo.network import DEMO_PASSWORD, STAFF_EMAIL, demo_data
from coordinator.extensions import db
from coordinator.partners.models import Partner
from tests.factories import UserFactory


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_loads_every_partner_and_prints_logins(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    data = demo_data()
    assert _count(Partner) == len(data["partners"]) + 1
    assert DEMO_PASSWORD in result.output and STAFF_EMAIL in result.output
    staff = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
    assert staff.role == Role.STAFF and verify_password(staff.password_hash, DEMO_PASSWORD)
    focal_points = db.session.scalars(select(User).where(User.role == Role.FOCAL_POINT)).all()
    # One per partner, and one for MedCities itself (it proposes its own activities).
    assert len(focal_points) == len(data["partners"]) + 1
    assert all(user.email in result.output for user in focal_points)


def test_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    counts = (_count(Partner), _count(User))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert (_count(Partner), _count(User)) == counts


def test_demo_refuses_a_database_with_real_accounts(app):
    UserFactory(role="staff", email="real.person@medcities.org")
    db.session.commit()
    partners_before = _count(Partner)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "real (non-demo) accounts" in result.output
    assert _count(Partner) == partners_before
    assert _count(User) == 1


def test_demo_logins_prints_the_accounts(app):
    runner = app.test_cli_runner()
    assert "No demo accounts" in runner.invoke(args=["demo-logins"]).output
    runner.invoke(args=["demo"])
    assert STAFF_EMAIL in runner.invoke(args=["demo-logins"]).output


def test_users_create_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Boss@Example.org",
            "--name",
            "The Boss",
            "--role",
            "admin",
        ],
        input="a very long admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "passphrase" not in result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert user.role == Role.ADMIN and verify_password(
        user.password_hash, "a very long admin passphrase"
    )


def test_users_create_focal_point_needs_a_known_partner(app, partner):
    db.session.commit()
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "fp@example.org", "--name", "FP", "--role", "focal_point"]
    missing = runner.invoke(args=args, input="a fine passphrase\n")
    assert missing.exit_code != 0 and "belongs to a partner" in missing.output
    unknown = runner.invoke(args=[*args, "--partner", "nope"], input="a fine passphrase\n")
    assert unknown.exit_code != 0 and "No partner with slug 'nope'" in unknown.output
    ok = runner.invoke(args=[*args, "--partner", partner.slug], input="a fine passphrase\n")
    assert ok.exit_code == 0, ok.output


def test_users_create_refuses_bad_input_clearly(app):
    runner = app.test_cli_runner()
    base = ["users", "create", "--role", "staff"]
    cases = [
        (["--email", "not-an-email", "--name", "X"], "a fine passphrase", "Invalid email"),
        (["--email", "a@example.org", "--name", "X"], "short", "at least 8"),
        (["--email", "a@example.org", "--name", "X"], "password123", "too common"),
        (["--email", "a@example.org", "--name", "X"], "", "at least 8"),
        (["--email", "a@example.org", "--name", "bad\x00name"], "a fine passphrase", "name"),
        (["--email", "a@example.org", "--name", "  "], "a fine passphrase", "name"),
    ]
    for extra, password, message in cases:
        result = runner.invoke(args=[*base, *extra], input=password + "\n")
        assert result.exit_code != 0
        assert "Error:" in result.output and message in result.output, result.output
        assert "Traceback" not in result.output
    assert _count(User) == 0
    bad_role = runner.invoke(
        args=["users", "create", "--email", "a@example.org", "--name", "X", "--role", "superuser"],
        input="a fine passphrase\n",
    )
    assert bad_role.exit_code == 2 and "superuser" in bad_role.output


def test_users_create_refuses_a_duplicate(app, staff):
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", staff.email, "--name", "X", "--role", "staff"],
        input="a fine passphrase\n",
    )
    assert result.exit_code != 0 and "already exists" in result.output


def test_demo_if_empty_loads_once_then_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--if-empty"])
    assert first.exit_code == 0 and "Demo network loaded" in first.output
    users = _count(User)
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0, second.output
    assert "Demo network loaded" not in second.output and STAFF_EMAIL in second.output
    assert _count(User) == users


def test_demo_if_empty_leaves_a_real_database_alone(app):
    UserFactory(role="staff", email="real.person@medcities.org")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "No demo accounts" in result.output
    assert _count(User) == 1


def test_the_printed_demo_logins_work(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    focal_point_email = next(
        line.split()[-1]
        for line in result.output.splitlines()
        if line.strip().startswith("focal_point")
    )
    for email in (STAFF_EMAIL, focal_point_email):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (email, response.get_data(as_text=True)[-3000:])


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8123", "https://coordinator.example/"])
def test_demo_prints_the_address_it_is_served_at(app, base_url):
    """`make run PORT=… HOST=…` passes the address as COORDINATOR_BASE_URL (BASE_URL here)."""
    app.config["BASE_URL"] = base_url
    runner = app.test_cli_runner()
    login = base_url.rstrip("/") + "/login"
    loaded = runner.invoke(args=["demo"])
    assert loaded.exit_code == 0, loaded.output
    assert f"Sign in at {login} with:" in loaded.output
    assert "5000" not in loaded.output
    assert f"Sign in at {login} with:" in runner.invoke(args=["demo", "--if-empty"]).output
    assert f"Sign in at {login} with:" in runner.invoke(args=["demo-logins"]).output


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("arguments", "served", "address"),
    [
        ([], "--host 127.0.0.1 --port 5000", "http://127.0.0.1:5000"),
        (["PORT=8123", "HOST=192.0.2.7"], "--host 192.0.2.7 --port 8123", "http://192.0.2.7:8123"),
        (["PORT=8123", "HOST=0.0.0.0"], "--host 0.0.0.0 --port 8123", "http://127.0.0.1:8123"),
        (["RUN_PORT=9000"], "--host 127.0.0.1 --port 9000", "http://127.0.0.1:9000"),
    ],
)
def test_make_run_serves_and_announces_the_chosen_address(arguments, served, address):
    """`make -n` prints the commands without running them."""
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "HOST", "RUN_PORT")}
    env.pop("COORDINATOR_BASE_URL", None)
    commands = subprocess.run(
        ["make", "-n", "-C", str(root), "run", *arguments],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    demo = next(line for line in commands.splitlines() if " demo --if-empty" in line)
    assert f"COORDINATOR_BASE_URL={address} " in demo
    run = next(line for line in commands.splitlines() if " run --host" in line)
    assert run.endswith(served) and f"COORDINATOR_BASE_URL={address} " in run

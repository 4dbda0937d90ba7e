"""Browser tests: the app served on loopback in a thread, driven by Playwright in Debian's
chromium; shared fixtures (make_page, network) for the interface and accessibility tests."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from coordinator.activities.models import Confirmation, EventKind, Status, Visibility
from coordinator.audit.models import record
from coordinator.extensions import db
from tests.browser.helpers import VIEWPORTS
from tests.factories import (
    EventFactory,
    EventPartnerFactory,
    PartnerFactory,
    ProjectFactory,
    ThemeFactory,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def app_config(app_config):
    # Browser tests go through real forms, CSRF tokens included.
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port for the duration of one test.

    SQLite transactions here are BEGIN IMMEDIATE, so the test thread must not sit in an
    open transaction while the browser works: objects stay loaded after commit, and
    a test that queries ends its transaction (commit or rollback) before the next step.
    """
    from coordinator.extensions import db

    db.session().expire_on_commit = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_port}"
    # Absolute links (private feed addresses, mail) come from BASE_URL: this server's address.
    app.config["BASE_URL"] = address
    yield address
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form; by field ids, so it works in every interface language."""
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def network(app, staff):
    """Partners of three countries, a theme, a project, published events this month, one
    network-only event, one proposal waiting for review and one recent decision."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = now.replace(day=1, hour=9)
    marseille = PartnerFactory(name="Ville de Marseille", acronym="MRS", slug="marseille")
    tunis = PartnerFactory(
        name="Municipalité de Tunis",
        acronym="TUN",
        slug="tunis",
        country="TN",
        timezone="Africa/Tunis",
    )
    beirut = PartnerFactory(
        name="بلدية بيروت", acronym="BEY", slug="beirut", country="LB", timezone="Asia/Beirut"
    )
    water = ThemeFactory(name="Water and sanitation", slug="water")
    project = ProjectFactory(title="Blue Mediterranean cities", slug="blue", lead_partner=marseille)
    specs = [
        ("Urban water resilience workshop", marseille, "Europe/Paris", EventKind.WORKSHOP, 2, 3),
        ("Webinar: financing climate adaptation", tunis, "Africa/Tunis", EventKind.WEBINAR, 9, 2),
        ("ملتقى المدن المتوسطية", beirut, "Asia/Beirut", EventKind.FORUM, 15, 5),
        ("Field visit to the Sfax waterfront", tunis, "Africa/Tunis", EventKind.FIELD_VISIT, 15, 4),
        (
            "Coordination meeting of focal points",
            marseille,
            "Europe/Madrid",
            EventKind.MEETING,
            21,
            2,
        ),
    ]
    events = []
    for title, lead, zone, kind, day_offset, hours in specs:
        start = first + timedelta(days=day_offset)
        event = EventFactory(
            title=title,
            lead_partner=lead,
            timezone=zone,
            kind=kind,
            start_dt=start,
            end_dt=start + timedelta(hours=hours),
            country=lead.country,
            city=lead.city,
        )
        event.themes.append(water)
        events.append(event)
        EventPartnerFactory(
            event=event,
            partner=beirut if lead is not beirut else marseille,
            confirmation=Confirmation.CONFIRMED if day_offset % 2 else Confirmation.PENDING,
        )
    EventFactory(
        title="Network-only strategy session",
        visibility=Visibility.NETWORK,
        lead_partner=marseille,
        start_dt=first + timedelta(days=5, hours=3),
        end_dt=first + timedelta(days=5, hours=5),
    )
    waiting = EventFactory(
        title="Proposed summer school",
        status=Status.SUBMITTED,
        lead_partner=tunis,
        submitted_dt=now - timedelta(days=6),
    )
    decided = EventFactory(title="Approved exchange programme", lead_partner=beirut)
    record(
        actor=staff,
        subject_type="event",
        subject_id=decided.id,
        action="approve",
        from_state="submitted",
        to_state="approved",
        comment="Thank you, well prepared.",
    )
    db.session.commit()
    return SimpleNamespace(
        partners={"marseille": marseille, "tunis": tunis, "beirut": beirut},
        theme=water,
        project=project,
        events=events,
        waiting=waiting,
        decided=decided,
    )


@pytest.fixture
def make_page(browser):
    """make_page(viewport, language, base_url, timezone=...) opens a page in a fresh context with
    the interface language chosen by cookie; CSP is bypassed so axe-core can be injected."""
    contexts = []

    def _make(viewport: str, language: str, base_url: str, timezone: str = "Europe/Paris"):
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], bypass_csp=True, locale="en-GB", timezone_id=timezone
        )
        context.add_cookies([{"name": "lang", "value": language, "url": base_url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield _make
    for context in contexts:
        context.close()

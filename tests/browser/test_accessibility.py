"""Every page of the proposal workflow and the public event pages in Chromium, in English and
Arabic, at 1280 px and 360 px: axe-core finds no serious or critical violation and phones do
not scroll sideways. Screenshots go to tests/browser/artifacts/ (git-ignored) for people to
look at: <page>-<language>-<viewport>.png.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from coordinator.activities.models import Confirmation, EventKind, Status
from coordinator.extensions import db
from tests.browser.conftest import sign_in
from tests.browser.helpers import VIEWPORTS, run_axe, screenshot, scroll_width
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import EventFactory, EventPartnerFactory, UserFactory

# Long unbroken words and addresses are what push phone pages sideways.
LONG_URL = (
    "https://meet.example.org/j/medcities-urban-water-resilience-workshop-2030-session-a?pwd=Zx81kQ"
)
DESCRIPTION = """Cities of the network share how they prepare for **floods and droughts**.

* Morning: flood maps of Beirut, Sfax and Marseille
* Afternoon: site visit, with a [programme in PDF](https://example.org/programme.pdf)

Contact the organisers at waterresilience.coordination-team@medcities.example.org for details.
"""


@pytest.fixture
def workflow(app, network):
    """Upcoming events with everything filled in, a proposal with co-organisers waiting for
    review, and a focal point of the Marseille partner who proposes events."""
    start = (datetime.now(UTC) + timedelta(days=12)).replace(hour=8, minute=0, second=0)
    marseille, tunis, beirut = (network.partners[s] for s in ("marseille", "tunis", "beirut"))
    showcase = EventFactory(
        title="Urban water resilience: sharing flood plans across Mediterranean cities",
        summary="Three cities present their flood and drought plans and visit the new basin.",
        description=DESCRIPTION,
        kind=EventKind.WORKSHOP,
        lead_partner=marseille,
        project=network.project,
        timezone="Europe/Paris",
        start_dt=start,
        end_dt=start + timedelta(days=1, hours=6),
        venue="Palais du Pharo, salle Mistral",
        city="Marseille",
        country="FR",
        online_url=LONG_URL,
        registration_url="https://example.org/register/urban-water-resilience-2030",
        languages="en, fr, ar",
    )
    showcase.themes.append(network.theme)
    for partner in (tunis, beirut):
        EventPartnerFactory(event=showcase, partner=partner, confirmation=Confirmation.CONFIRMED)
    later = EventFactory(
        title="ورشة عمل حول إدارة النفايات في المدن الساحلية",
        lead_partner=beirut,
        kind=EventKind.WEBINAR,
        timezone="Asia/Beirut",
        start_dt=start + timedelta(days=3),
        end_dt=start + timedelta(days=3, hours=2),
        city="Beirut",
        country="LB",
        online_url=LONG_URL,
    )
    later.themes.append(network.theme)
    waiting = network.waiting
    waiting.description = DESCRIPTION
    waiting.online_url = LONG_URL
    for partner, answer in ((marseille, Confirmation.CONFIRMED), (beirut, Confirmation.PENDING)):
        EventPartnerFactory(event=waiting, partner=partner, confirmation=answer)
    proposer = UserFactory(role="focal_point", partner=marseille, name="Claire Focal")
    db.session.commit()
    assert waiting.status == Status.SUBMITTED
    return SimpleNamespace(showcase=showcase, waiting=waiting, proposer=proposer)


def page_paths(network, workflow) -> dict[str, str]:
    return {
        "events": "/events/",
        "event": f"/events/{workflow.showcase.id}",
        "review-queue": "/review/",
        "manage-event": f"/events/{workflow.waiting.id}/manage",
        "partner": f"/partners/{network.partners['marseille'].slug}",
    }


def check_page(page, name: str, language: str, viewport: str) -> list[dict]:
    """Screenshot the page, check its language and direction, its width on phones, and
    return axe-core's serious and critical violations."""
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == language, name
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    screenshot(page, f"{name}-{language}-{viewport}")
    width = scroll_width(page)
    limit = VIEWPORTS[viewport]["width"]
    assert width <= limit, f"{name} ({language}) scrolls sideways at {limit} px: {width} px wide"
    return run_axe(page)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_workflow_pages_pass_axe_and_fit_phones(
    live_server, network, workflow, staff, make_page, viewport, language
):
    failures = {}

    proposer = make_page(viewport, language, live_server)
    sign_in(proposer, live_server, workflow.proposer.email, DEFAULT_PASSWORD)
    proposer.goto(live_server + "/events/new")
    # The proposal form, as a focal point finds it and after a submission with errors.
    if violations := check_page(proposer, "proposal-form", language, viewport):
        failures["proposal-form"] = violations
    proposer.locator("#timezone").select_option("Europe/Paris")
    with proposer.expect_navigation():
        proposer.locator("main form button[type=submit]").first.click()
    assert proposer.locator(".invalid-feedback").count() >= 1
    if violations := check_page(proposer, "proposal-form-errors", language, viewport):
        failures["proposal-form-errors"] = violations

    reviewer = make_page(viewport, language, live_server)
    sign_in(reviewer, live_server, staff.email, DEFAULT_PASSWORD)
    for name, path in page_paths(network, workflow).items():
        response = reviewer.goto(live_server + path)
        assert response.status == 200, f"{path}: {response.status}"
        if violations := check_page(reviewer, name, language, viewport):
            failures[name] = violations
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_public_event_pages_pass_axe_for_visitors(
    live_server, network, workflow, make_page, language
):
    """Anonymous visitors see the same pages without the signed-in navigation."""
    page = make_page("phone", language, live_server)
    failures = {}
    for name, path in (("events", "/events/"), ("event", f"/events/{workflow.showcase.id}")):
        page.goto(live_server + path)
        assert workflow.showcase.title in page.content()
        if violations := check_page(page, f"{name}-anonymous", language, "phone"):
            failures[name] = violations
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)

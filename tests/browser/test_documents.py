"""Browser journeys of shared documents: upload to an event, partner-only hiding, versions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coordinator.activities.models import Confirmation
from coordinator.extensions import db
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import DEFAULT_PASSWORD
from tests.documents import samples


@pytest.fixture
def event_network(app):
    lead = factories.PartnerFactory(name="Barcelona Metropolitan Area", acronym="AMB")
    co_organiser = factories.PartnerFactory(name="City of Sfax", acronym="SFAX")
    outsider = factories.PartnerFactory(name="City of Tetouan", acronym="TET")
    event = factories.EventFactory(lead_partner=lead, title="Coastal resilience workshop")
    factories.EventPartnerFactory(
        event=event, partner=co_organiser, confirmation=Confirmation.CONFIRMED
    )
    users = {
        "lead": factories.UserFactory(role="focal_point", partner=lead, name="Laia Lead"),
        "co": factories.UserFactory(role="focal_point", partner=co_organiser, name="Sami Co"),
        "outsider": factories.UserFactory(role="focal_point", partner=outsider, name="Omar Out"),
    }
    db.session.commit()
    return event, users


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_upload_hide_from_other_partner_and_download_new_version(live_server, page, event_network):
    event, users = event_network
    documents_url = f"{live_server}/events/{event.id}/documents"

    # The lead's focal point uploads a partner-only agenda to the event.
    sign_in(page, live_server, users["lead"].email, DEFAULT_PASSWORD)
    page.goto(documents_url)
    page.get_by_role("link", name="Upload a document").click()
    page.get_by_label("File").set_input_files(
        {"name": "agenda.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("v1")}
    )
    page.get_by_label("Title").fill("Draft agenda")
    assert page.get_by_label("Who may see it").input_value() == "partners"
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Draft agenda")).to_be_visible()
    expect(page.get_by_text("“Draft agenda” was uploaded.")).to_be_visible()
    document_url = page.url
    page.goto(documents_url)
    assert page.get_by_role("link", name="Draft agenda", exact=True).is_visible()
    assert page.get_by_text("Partners only").is_visible()
    sign_out(page)

    # Another partner's focal point sees neither the document nor its page.
    sign_in(page, live_server, users["outsider"].email, DEFAULT_PASSWORD)
    page.goto(documents_url)
    assert page.get_by_role("heading", name=re.compile("Documents of")).is_visible()
    assert page.get_by_role("link", name="Draft agenda", exact=True).count() == 0
    assert page.get_by_role("link", name="Upload a document").count() == 0
    response = page.goto(document_url)
    assert response.status == 404
    sign_out(page)

    # A confirmed co-organiser uploads version 2; the download link now gives version 2.
    sign_in(page, live_server, users["co"].email, DEFAULT_PASSWORD)
    page.goto(documents_url)
    page.get_by_role("link", name="Draft agenda", exact=True).click()
    page.get_by_role("link", name="Upload a new version").click()
    page.get_by_label("New version").set_input_files(
        {"name": "agenda-v2.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("v2")}
    )
    page.get_by_role("button", name="Upload version").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Version 2 is now the current version.")).to_be_visible()
    expect(page.get_by_role("cell", name="agenda-v2.pdf")).to_be_visible()
    expect(page.get_by_role("cell", name="agenda.pdf", exact=True)).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download current version").click()
    download = download_info.value
    assert download.suggested_filename == "agenda-v2.pdf"
    assert open(download.path(), "rb").read() == samples.pdf("v2")

    with page.expect_download() as old_info:
        page.get_by_role("link", name="Download version 1").click()
    assert open(old_info.value.path(), "rb").read() == samples.pdf("v1")


class TestClientSideLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAX_CONTENT_LENGTH": 5_000}

    def test_a_file_over_the_limit_is_refused_before_sending_and_nothing_typed_is_lost(
        self, live_server, page, event_network
    ):
        event, users = event_network
        sign_in(page, live_server, users["lead"].email, DEFAULT_PASSWORD)
        upload_url = f"{live_server}/events/{event.id}/documents/new"
        page.goto(upload_url)
        page.get_by_label("Title").fill("Full report")
        page.get_by_label("Description").fill("Everything we learnt.")
        page.get_by_label("File").set_input_files(
            {
                "name": "report.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n" + b"0" * 9_000,
            }
        )
        alert = page.locator("#file-too-large")
        assert alert.is_visible()
        assert "the limit is 5 kB" in alert.inner_text()
        page.get_by_role("button", name="Upload").click()
        assert page.url == upload_url
        assert page.get_by_label("Title").input_value() == "Full report"
        assert page.get_by_label("Description").input_value() == "Everything we learnt."

        # A small file clears the warning and goes through.
        page.get_by_label("File").set_input_files(
            {"name": "summary.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("short")}
        )
        assert alert.is_hidden()
        page.get_by_role("button", name="Upload").click()
        page.wait_for_load_state()
        expect(page.get_by_role("heading", name="Full report")).to_be_visible()


class TestClientSideLimitInFrench:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAX_CONTENT_LENGTH": 5_000}

    def test_the_warning_and_the_sizes_are_french(self, live_server, page, event_network):
        event, users = event_network
        sign_in(page, live_server, users["lead"].email, DEFAULT_PASSWORD)
        page.context.add_cookies([{"name": "lang", "value": "fr", "url": live_server}])
        page.goto(f"{live_server}/events/{event.id}/documents/new")
        page.get_by_label("Fichier").set_input_files(
            {"name": "rapport.pdf", "mimeType": "application/pdf", "buffer": b"0" * 9_000}
        )
        alert = page.locator("#file-too-large")
        assert alert.is_visible()
        # The template comes translated from the page; the script only fills in the name and
        # the size, which the browser writes in French.
        text = alert.inner_text().replace("\u202f", " ").replace("\u00a0", " ")
        assert text.startswith("Le fichier « rapport.pdf » pèse 9 ko ; la limite est de 5 ko.")

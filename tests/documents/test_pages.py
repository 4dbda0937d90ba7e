"""Documents on the partner page, deny-by-default over the documents routes, and races."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import update

from coordinator.documents import services
from coordinator.documents.models import Document
from coordinator.documents.storage import get_storage
from coordinator.errors import ConflictError
from coordinator.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.documents import samples
from tests.documents.conftest import upload_data

PUBLIC_ENDPOINTS = {
    "documents.for_subject",
    "documents.show",
    "documents.download",
    "documents.download_version",
}


def test_the_partner_page_lists_what_the_viewer_may_see(client, login_as, network, attach):
    attach(network.lead, network.lead_fp, "public", title="Annual report")
    attach(network.lead, network.lead_fp, "partners", title="Board minutes")
    page = client.get(f"/partners/{network.lead.slug}").get_data(as_text=True)
    assert "Annual report" in page and "Board minutes" not in page
    assert "Upload a document" not in page
    assert (
        "PDF" in page and f"{len(samples.pdf('Annual report'))} bytes" in page
    )  # type and human-readable size

    login_as(network.lead_fp)
    page = client.get(f"/partners/{network.lead.slug}").get_data(as_text=True)
    assert "Annual report" in page and "Board minutes" in page
    assert f'href="/partners/{network.lead.slug}/documents/new"' in page

    login_as(network.confirmed_fp)  # co-organising an event is not being that partner
    page = client.get(f"/partners/{network.lead.slug}").get_data(as_text=True)
    assert "Board minutes" not in page and "Upload a document" not in page


def test_every_documents_route_but_the_reading_ones_needs_a_sign_in(app, client, network, attach):
    document = attach(network.event, network.lead_fp, "public")
    values = {
        "kind": "events",
        "ref": str(network.event.id),
        "document_id": document.id,
        "number": 1,
    }
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("documents.")]
    assert {r.endpoint for r in rules} >= PUBLIC_ENDPOINTS | {"documents.upload"}
    for rule in rules:
        path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(path, method=method)
        if rule.endpoint in PUBLIC_ENDPOINTS:
            assert response.status_code == 200, rule.endpoint
        else:
            assert response.status_code == 302, rule.endpoint
            assert "/login" in response.location


def test_a_stale_version_number_is_a_conflict_not_a_duplicate(network, attach):
    document = attach(network.event, network.lead_fp, "network")
    # Another worker has just added version 2 behind this session's back.
    db.session.execute(
        update(Document)
        .where(Document.id == document.id)
        .values(current_version_number=2)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ConflictError):
        services.add_version(
            document=document,
            user=network.lead_fp,
            filename="v2.pdf",
            stream=io.BytesIO(samples.pdf("v2")),
            storage=get_storage(),
        )


class TestTooLargeWithCsrf:
    """The 413 comes before the CSRF check reads the form: the same page, not a 400."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAX_CONTENT_LENGTH": 10_000, "WTF_CSRF_ENABLED": True}

    def test_413_page(self, client, network):
        db.session.commit()
        sign_in_form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_form)[1]
        signed_in = client.post(
            "/login",
            data={
                "email": network.lead_fp.email,
                "password": DEFAULT_PASSWORD,
                "csrf_token": token,
            },
        )
        assert signed_in.status_code == 302
        response = client.post(
            f"/events/{network.event.id}/documents/new",
            data=upload_data(b"0" * 20_000, "big.pdf", title="Typed"),
        )
        assert response.status_code == 413
        assert "Back to your form" in response.get_data(as_text=True)


def test_a_missing_file_is_a_404_and_records_no_download(client, login_as, network, attach):
    from coordinator.audit.models import AuditEntry

    document = attach(network.event, network.lead_fp, "partners")
    get_storage().delete(document.current_version.storage_key)
    login_as(network.lead_fp)
    assert client.get(f"/documents/{document.id}/download").status_code == 404
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert "document.download" not in actions


@pytest.mark.parametrize(
    "path",
    [
        "/events/99999999999999999999/documents",
        "/events/%D9%A1/documents",  # an Arabic-Indic digit
        "/documents/99999999999999999999",
        "/documents/99999999999999999999/download",
        "/documents/1/versions/99999999999999999999/download",
    ],
)
def test_out_of_range_ids_are_404_not_500(client, login_as, network, path):
    login_as(network.staff)
    assert client.get(path).status_code == 404

"""Uploading, versions, downloads, visibility, delete/restore and the 413 page, over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coordinator.audit.models import AuditEntry
from coordinator.documents.models import Document, DocumentVersion, DocumentVisibility
from coordinator.documents.storage import get_storage
from coordinator.extensions import db
from tests.documents import samples
from tests.documents.conftest import upload_data


def audit_actions(document_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_type == "document", AuditEntry.subject_id == document_id)
            .order_by(AuditEntry.id)
        )
    )


def test_a_focal_point_uploads_to_an_event_and_the_visibility_defaults_to_partners(
    client, login_as, network
):
    login_as(network.lead_fp)
    form = client.get(f"/events/{network.event.id}/documents/new")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert '<option selected value="partners">' in html
    assert 'data-max-bytes="25000000"' in html
    assert "documents-upload.js" in html

    response = client.post(
        f"/events/{network.event.id}/documents/new",
        data=upload_data(samples.pdf(), "Programme – day 1.pdf", title="", description="Draft"),
    )
    assert response.status_code == 302
    document = db.session.scalars(select(Document)).one()
    assert response.location == f"/documents/{document.id}"
    assert document.visibility == DocumentVisibility.PARTNERS
    assert document.title == "Programme – day 1.pdf"  # the file name when no title is given
    assert document.event_id == network.event.id
    assert document.uploader_partner_id == network.lead.id
    version = document.current_version
    assert (version.number, version.mime_type, version.size) == (
        1,
        "application/pdf",
        len(samples.pdf()),
    )
    assert get_storage().exists(version.storage_key)
    assert audit_actions(document.id) == ["document.upload"]

    listing = client.get(f"/events/{network.event.id}/documents").get_data(as_text=True)
    assert "Programme – day 1.pdf" in listing and "PDF" in listing and "Partners only" in listing


def test_the_same_file_uploaded_twice_is_stored_once(client, login_as, network):
    login_as(network.lead_fp)
    for title in ("First", "Second"):
        response = client.post(
            f"/projects/{network.project.slug}/documents/new",
            data=upload_data(samples.docx("identical"), "notes.docx", title=title),
        )
        assert response.status_code == 302
    versions = db.session.scalars(select(DocumentVersion)).all()
    assert len(versions) == 2
    assert versions[0].storage_key == versions[1].storage_key == versions[0].sha256
    assert list(get_storage().iter_keys()) == [versions[0].storage_key]


REFUSALS = [
    ("html renamed pdf", samples.HTML, "agenda.pdf", "a web page (HTML)"),
    ("svg", samples.SVG, "logo.svg", ".svg are not accepted"),
    ("zip renamed docx", samples.plain_zip(), "report.docx", "a zip archive"),
    ("zip bomb", samples.zip_bomb(), "bomb.docx", "compression bomb"),
    ("parent dir", samples.pdf(), "../x.pdf", "folder path"),
    # The multipart parser reads a backslash in a quoted file name as an escape, so the
    # name arrives as "..x.pdf"; still refused (the unit tests cover the raw backslash).
    ("windows parent dir", samples.pdf(), "..\\x.pdf", "contain “..”"),
    ("nul", samples.pdf(), "x\x00.pdf", "NUL character"),
    ("300 characters", samples.pdf(), "a" * 296 + ".pdf", "the limit is 255"),
    ("right-to-left override", samples.pdf(), "report\u202etxt.pdf", "direction or formatting"),
    ("control characters", samples.pdf(), "a\x07b.pdf", "control characters"),
    ("pdf header not at the start", samples.pdf_after_junk(), "report.pdf", "starts with “%PDF-”"),
    ("body tag as text", b"<body onload=alert(1)>hi", "notes.txt", "a web page (HTML)"),
    ("macro docx", samples.macro_docx(), "report.docx", "Macro-enabled files are not accepted"),
]


@pytest.mark.parametrize(
    "content, filename, message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refused_uploads_show_the_reason_on_the_form_and_store_nothing(
    client, login_as, network, content, filename, message
):
    login_as(network.lead_fp)
    response = client.post(
        f"/events/{network.event.id}/documents/new",
        data=upload_data(content, filename, title="Kept title", description="Kept text"),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html.replace("&#34;", '"').replace("&#39;", "'")
    assert 'value="Kept title"' in html and "Kept text" in html  # what they typed stays
    assert db.session.scalars(select(Document)).all() == []
    assert list(get_storage().iter_keys()) == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": "x" * 10_000}, "Field cannot be longer than 200 characters."),
        ({"title": "bad\x00title"}, "control characters"),
        ({"description": "d" * 10_000}, "Field cannot be longer than 2000 characters."),
        ({"visibility": "everyone"}, "Not a valid choice"),
    ],
)
def test_bad_form_input_is_a_form_error_not_a_500(client, login_as, network, fields, message):
    login_as(network.lead_fp)
    response = client.post(
        f"/events/{network.event.id}/documents/new",
        data=upload_data(samples.pdf(), "a.pdf", **fields),
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_posting_without_a_file_asks_for_one(client, login_as, network):
    login_as(network.lead_fp)
    response = client.post(f"/events/{network.event.id}/documents/new", data={"title": "T"})
    assert response.status_code == 400
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_download_headers(client, login_as, network, attach):
    document = attach(
        network.event, network.lead_fp, "public", content=samples.CSV, filename="Liste été.csv"
    )
    response = client.get(f"/documents/{document.id}/download")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Liste%20%C3%A9t%C3%A9.csv" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private"
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.data == samples.CSV


def test_new_versions_keep_history_and_the_link_downloads_the_current_one(
    client, login_as, network, attach
):
    document = attach(network.event, network.lead_fp, "network", content=samples.pdf("v1"))
    login_as(network.confirmed_fp)  # a confirmed co-organiser may add a version
    response = client.post(
        f"/documents/{document.id}/versions/new",
        data=upload_data(samples.docx("v2"), "agenda v2.docx"),
    )
    assert response.status_code == 302
    db.session.refresh(document)
    assert document.current_version_number == 2
    assert [v.original_filename for v in document.versions] == ["agenda.pdf", "agenda v2.docx"]
    assert client.get(f"/documents/{document.id}/download").data == samples.docx("v2")
    assert client.get(f"/documents/{document.id}/versions/1/download").data == samples.pdf("v1")
    assert client.get(f"/documents/{document.id}/versions/3/download").status_code == 404
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "agenda v2.docx" in page and "agenda.pdf" in page
    assert audit_actions(document.id) == ["document.upload", "document.new_version"]


def test_an_unrelated_focal_point_may_not_add_a_version(client, login_as, network, attach):
    document = attach(network.event, network.lead_fp, "network")
    login_as(network.unrelated_fp)
    assert client.get(f"/documents/{document.id}/versions/new").status_code == 403
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Upload a new version" not in page


def test_partners_only_downloads_are_audited_and_others_are_not(client, login_as, network, attach):
    secret = attach(network.event, network.lead_fp, "partners", title="Budget")
    open_doc = attach(network.event, network.lead_fp, "network", title="Programme")
    login_as(network.confirmed_fp)
    assert client.get(f"/documents/{secret.id}/download").status_code == 200
    assert client.get(f"/documents/{secret.id}/versions/1/download").status_code == 200
    assert client.get(f"/documents/{open_doc.id}/download").status_code == 200
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "document.download")
    ).all()
    assert [(e.subject_id, e.actor_id) for e in entries] == [
        (secret.id, network.confirmed_fp.id),
        (secret.id, network.confirmed_fp.id),
    ]


def test_only_the_uploaders_partner_or_staff_change_visibility(client, login_as, network, attach):
    document = attach(network.event, network.lead_fp, "partners")
    login_as(network.confirmed_fp)  # involved, but not the uploader's partner
    assert "Change visibility" not in client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert (
        client.post(
            f"/documents/{document.id}/visibility", data={"visibility": "public"}
        ).status_code
        == 403
    )
    login_as(network.lead_fp)
    assert "Change visibility" in client.get(f"/documents/{document.id}").get_data(as_text=True)
    response = client.post(f"/documents/{document.id}/visibility", data={"visibility": "public"})
    assert response.status_code == 302
    db.session.refresh(document)
    assert document.visibility == DocumentVisibility.PUBLIC
    assert (
        client.post(
            f"/documents/{document.id}/visibility", data={"visibility": "nobody"}
        ).status_code
        == 400
    )
    login_as(network.staff)
    client.post(f"/documents/{document.id}/visibility", data={"visibility": "network"})
    db.session.refresh(document)
    assert document.visibility == DocumentVisibility.NETWORK
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "document.visibility").order_by(AuditEntry.id)
    ).all()
    assert [(e.from_state, e.to_state) for e in entries] == [
        ("partners", "public"),
        ("public", "network"),
    ]


def test_soft_delete_hides_the_document_and_staff_restore_it(client, login_as, network, attach):
    document = attach(network.event, network.lead_fp, "public", title="Minutes")
    key = document.current_version.storage_key
    login_as(network.lead_fp)
    assert client.post(f"/documents/{document.id}/delete").status_code == 302
    assert client.post(f"/documents/{document.id}/delete").status_code == 404  # gone for them
    assert client.get(f"/documents/{document.id}/download").status_code == 404
    assert "Minutes" not in client.get(f"/events/{network.event.id}/documents").get_data(
        as_text=True
    )
    assert client.post(f"/documents/{document.id}/restore").status_code == 404
    assert get_storage().exists(key)  # soft: the file stays for a restore

    login_as(network.staff)
    listing = client.get(f"/events/{network.event.id}/documents").get_data(as_text=True)
    assert "Deleted documents" in listing and "Minutes" in listing
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Restore" in page
    assert client.get(f"/documents/{document.id}/download").status_code == 404
    assert client.post(f"/documents/{document.id}/restore").status_code == 302
    assert client.post(f"/documents/{document.id}/restore").status_code == 403  # not deleted now
    db.session.refresh(document)
    assert not document.is_deleted
    assert audit_actions(document.id) == ["document.upload", "document.delete", "document.restore"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "document.delete")
    ).one()
    assert entry.actor_id == network.lead_fp.id


def test_get_never_deletes(client, login_as, network, attach):
    document = attach(network.event, network.lead_fp, "public")
    login_as(network.staff)
    assert client.get(f"/documents/{document.id}/delete").status_code == 405


@pytest.fixture
def app_config(app_config):
    if app_config.get("_small_limit"):
        return app_config
    return app_config


class TestTooLarge:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAX_CONTENT_LENGTH": 10_000}

    def test_an_upload_over_the_limit_gets_a_clean_413_that_leads_back_to_the_form(
        self, client, login_as, network
    ):
        login_as(network.lead_fp)
        path = f"/events/{network.event.id}/documents/new"
        form = client.get(path).get_data(as_text=True)
        assert 'data-max-bytes="10000"' in form and "Up to 10 kB" in form
        response = client.post(
            path, data=upload_data(b"%PDF-1.4\n" + b"0" * 20_000, "big.pdf", title="Typed title")
        )
        assert response.status_code == 413
        html = response.get_data(as_text=True)
        assert "File too large" in html and "10 kB" in html
        assert "Back to your form" in html and "js-history-back" in html
        assert f'href="{path}"' in html
        assert db.session.scalars(select(Document)).all() == []

    def test_a_new_version_over_the_limit_too(self, client, login_as, network, attach):
        document = attach(network.event, network.lead_fp, "network")
        login_as(network.lead_fp)
        response = client.post(
            f"/documents/{document.id}/versions/new",
            data=upload_data(b"%PDF-1.4\n" + b"0" * 20_000, "big.pdf"),
        )
        assert response.status_code == 413
        assert "Back to your form" in response.get_data(as_text=True)


def test_unknown_subjects_and_documents_are_404(client, login_as, network):
    login_as(network.staff)
    assert client.get("/events/999999/documents").status_code == 404
    assert client.get("/events/not-a-number/documents").status_code == 404
    assert client.get("/projects/nope/documents/new").status_code == 404
    assert client.get("/partners/nope/documents").status_code == 404
    assert client.get("/documents/999999").status_code == 404
    assert client.get("/documents/999999/download").status_code == 404

"""Uploads and downloads through the web app with documents in a bucket of the loopback S3
server: streamed and presigned downloads, and what the user sees while S3 is unreachable."""

from __future__ import annotations

import hashlib
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from coordinator import metrics
from coordinator.documents.models import Document, DocumentVisibility
from coordinator.documents.storage import S3Storage, get_storage, storage_from_url
from coordinator.extensions import db
from tests.documents import samples
from tests.documents.conftest import upload_data
from tests.s3server import free_port

FILENAME = "Programme – journée 1.pdf"


@pytest.fixture
def app_config(app_config, s3_storage_config) -> dict:
    return {**app_config, **s3_storage_config}


def bucket_objects(storage: S3Storage) -> list[str]:
    listing = storage.client.list_objects_v2(Bucket=storage.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def storage_errors(operation: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "coordinator_document_storage_errors_total", {"operation": operation}
    )
    return value or 0.0


def upload(client, network, content: bytes, filename: str = FILENAME):
    return client.post(
        f"/events/{network.event.id}/documents/new",
        data=upload_data(content, filename, title="", visibility="partners"),
    )


def make_s3_unreachable(app) -> None:
    """Point the app's storage at a loopback port nothing listens on."""
    config = {**app.config, "STORAGE_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    app.extensions["document_storage"] = storage_from_url(config["STORAGE_URL"], config)


def test_an_upload_lands_in_the_bucket_and_downloads_streamed_through_the_app(
    client, login_as, network
):
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    login_as(network.lead_fp)
    content = samples.pdf("in a bucket")
    assert upload(client, network, content).status_code == 302
    version = db.session.scalars(select(Document)).one().current_version
    key = hashlib.sha256(content).hexdigest()
    assert version.storage_key == key
    assert bucket_objects(storage) == [f"documents/{key[:2]}/{key}"]  # no temporary left

    response = client.get(f"/documents/{version.document_id}/download")
    assert response.status_code == 200
    assert not response.is_sequence  # streamed from S3, not buffered into one body
    assert hashlib.sha256(response.get_data()).hexdigest() == key
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''Programme%20%E2%80%93%20journ%C3%A9e%201.pdf"
        in (response.headers["Content-Disposition"])
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_same_file_uploaded_twice_is_one_object(client, login_as, network):
    login_as(network.lead_fp)
    for _ in range(2):
        assert upload(client, network, samples.pdf("twice")).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Document)) == 2
    assert len(bucket_objects(get_storage())) == 1


@pytest.mark.parametrize("seconds, expected", [(20, "20"), (3600, "60")])
def test_presigned_downloads_redirect_after_the_same_authorisation(
    app, client, login_as, network, attach, seconds, expected
):
    app.config.update(STORAGE_S3_PRESIGNED_DOWNLOADS=True, STORAGE_S3_PRESIGNED_SECONDS=seconds)
    content = samples.pdf("presigned")
    document = attach(network.event, network.lead_fp, content=content, filename=FILENAME)

    # Not a partner of the event: no link, the same 404 as a streamed download.
    login_as(network.unrelated_fp)
    assert client.get(f"/documents/{document.id}/download").status_code == 404
    client.post("/logout")

    login_as(network.confirmed_fp)
    response = client.get(f"/documents/{document.id}/download")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    url = response.location
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == [expected]  # never more than a minute

    # Followed by a plain HTTP client straight to the S3 server, as a browser would.
    with urllib.request.urlopen(url, timeout=30) as answer:
        body = answer.read()
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Disposition"] == (
            'attachment; filename="Programme  journee 1.pdf"; '
            "filename*=UTF-8''Programme%20%E2%80%93%20journ%C3%A9e%201.pdf"
        )
    assert hashlib.sha256(body).hexdigest() == document.current_version.storage_key


def test_presigned_downloads_still_record_partners_only_downloads(
    app, client, login_as, network, attach
):
    from coordinator.audit.models import AuditEntry

    app.config["STORAGE_S3_PRESIGNED_DOWNLOADS"] = True
    document = attach(network.event, network.lead_fp, DocumentVisibility.PARTNERS)
    login_as(network.confirmed_fp)
    assert client.get(f"/documents/{document.id}/download").status_code == 302
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject_id == document.id)
    ).all()
    assert "document.download" in actions


def test_when_s3_is_unreachable_an_upload_fails_on_the_form_and_stores_nothing(
    app, client, login_as, network
):
    reachable = get_storage()
    login_as(network.lead_fp)
    make_s3_unreachable(app)
    before = storage_errors("write")

    response = upload(client, network, samples.pdf("never stored"))
    assert response.status_code == 400
    assert "The document store cannot be reached just now" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert bucket_objects(reachable) == []
    assert storage_errors("write") == before + 1


def test_when_s3_is_unreachable_a_download_is_a_503_with_retry_after(
    app, client, login_as, network, attach
):
    document = attach(network.event, network.lead_fp, DocumentVisibility.PUBLIC)
    make_s3_unreachable(app)
    before = storage_errors("read")

    response = client.get(f"/documents/{document.id}/download")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])
    assert response.mimetype == "text/plain"
    assert "document store cannot be reached" in response.get_data(as_text=True)
    assert storage_errors("read") == before + 1


def test_readyz_says_storage_is_down_when_s3_is_unreachable(app, client):
    assert client.get("/readyz").status_code == 200
    make_s3_unreachable(app)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["document_storage"]
    assert response.json["checks"]["database"] == "ok"

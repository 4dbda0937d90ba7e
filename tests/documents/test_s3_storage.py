"""S3Storage against the loopback S3 server: the same contract as LocalStorage."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from coordinator.documents.storage import (
    LocalStorage,
    S3Storage,
    StorageUnavailable,
    attachment_disposition,
    storage_from_url,
)
from tests.s3server import free_port, s3_settings


@pytest.fixture
def storage(s3_storage_config) -> S3Storage:
    built = storage_from_url(s3_storage_config["STORAGE_URL"], s3_storage_config)
    assert isinstance(built, S3Storage)
    return built


def object_names(storage: S3Storage) -> list[str]:
    listing = storage.client.list_objects_v2(Bucket=storage.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_put_returns_the_sha256_and_open_reads_it_back(storage):
    key = storage.put(io.BytesIO(b"agenda"))
    assert key == hashlib.sha256(b"agenda").hexdigest()
    assert storage.exists(key)
    with storage.open(key) as handle:
        assert handle.read() == b"agenda"
    assert list(storage.iter_keys()) == [key]
    # Same layout as on disk, under the prefix; the temporary upload object is gone.
    assert object_names(storage) == [f"documents/{key[:2]}/{key}"]


def test_identical_content_is_stored_once(storage):
    first = storage.put(io.BytesIO(b"same bytes"))
    second = storage.put(io.BytesIO(b"same bytes"))
    assert first == second
    assert list(storage.iter_keys()) == [first]
    assert len(object_names(storage)) == 1


def test_a_multipart_upload_is_hashed_while_it_streams(storage):
    content = os.urandom(9 * 1024 * 1024)  # above boto3's 8 MB multipart threshold
    key = storage.put(io.BytesIO(content))
    assert key == hashlib.sha256(content).hexdigest()
    with storage.open(key) as handle:
        digest = hashlib.sha256()
        while chunk := handle.read(64 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == key


def test_delete_and_missing_keys(storage):
    key = storage.put(io.BytesIO(b"x"))
    storage.delete(key)
    storage.delete(key)  # already gone: not an error
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)
    with pytest.raises(FileNotFoundError):
        storage.age_seconds(key)
    assert object_names(storage) == []


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab", "A" * 64, "g" * 64, ""])
def test_keys_that_are_not_hashes_never_reach_the_bucket(storage, key):
    assert not storage.exists(key)
    with pytest.raises(ValueError):
        storage.open(key)


def test_age_comes_from_the_objects_last_modified_time(storage):
    key = storage.put(io.BytesIO(b"aging"))
    assert storage.age_seconds(key) < 3600
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
        assert storage.age_seconds(key) >= 2 * 3600


def test_keys_outside_the_layout_are_not_listed(storage):
    key = storage.put(io.BytesIO(b"listed"))
    for stray in ("documents/tmp/upload-in-flight", "documents/readme.txt", "other/ab/cd"):
        storage.client.put_object(Bucket=storage.bucket, Key=stray, Body=b"not a document")
    assert list(storage.iter_keys()) == [key]


class ExplodingStream(io.BytesIO):
    def read(self, size=-1):
        if self.tell() > 0:
            raise OSError("client went away")
        return super().read(4)


def test_a_failed_upload_leaves_nothing_in_the_bucket(storage):
    with pytest.raises(OSError, match="client went away"):
        storage.put(ExplodingStream(b"partial content"))
    assert object_names(storage) == []


def test_check_ready_passes_on_a_reachable_bucket(storage):
    storage.check_ready()


def test_check_ready_fails_when_the_bucket_is_missing(s3_endpoint):
    settings = s3_settings(s3_endpoint, "coordinator-no-such-bucket")
    with pytest.raises(StorageUnavailable):
        storage_from_url(settings["STORAGE_URL"], settings).check_ready()


def test_every_operation_fails_as_unavailable_when_s3_is_unreachable(s3_endpoint):
    settings = s3_settings(f"http://127.0.0.1:{free_port()}", "coordinator-docs")
    storage = storage_from_url(settings["STORAGE_URL"], settings)
    key = hashlib.sha256(b"x").hexdigest()
    for operation in (
        storage.check_ready,
        lambda: storage.put(io.BytesIO(b"x")),
        lambda: storage.open(key),
        lambda: storage.exists(key),
        lambda: list(storage.iter_keys()),
    ):
        with pytest.raises(StorageUnavailable):
            operation()


def test_storage_urls(tmp_path, s3_endpoint):
    assert isinstance(storage_from_url(None, {"UPLOAD_FOLDER": str(tmp_path)}), LocalStorage)
    local = storage_from_url(f"file://{tmp_path}/files", {})
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "files"
    s3 = storage_from_url("s3://coordinator-docs/site/documents/", s3_settings(s3_endpoint, "x"))
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.temp_prefix) == (
        "coordinator-docs",
        "site/documents",
        "site/documents/tmp/",
    )
    assert storage_from_url("s3://coordinator-docs", {}).prefix == ""
    for wrong in ("ftp://host/x", "s3:///no-bucket", "file://host/x", "/just/a/path"):
        with pytest.raises(ValueError, match="STORAGE_URL"):
            storage_from_url(wrong, {})
    with pytest.raises(ValueError, match="ADDRESSING_STYLE"):
        storage_from_url("s3://b", {"STORAGE_S3_ADDRESSING_STYLE": "sideways"})


@pytest.mark.parametrize(
    "style, start",
    [
        ("virtual", "https://coordinator-docs.s3.example.test/documents/aa/"),
        ("path", "https://s3.example.test/coordinator-docs/documents/aa/"),
    ],
)
def test_the_addressing_style_is_configurable(s3_endpoint, style, start):
    settings = {
        **s3_settings("https://s3.example.test", "coordinator-docs"),
        "STORAGE_S3_ADDRESSING_STYLE": style,
    }
    storage = storage_from_url(settings["STORAGE_URL"], settings)
    url = storage.presigned_download_url(  # signed locally: no request leaves the process
        "a" * 64, filename="x.pdf", mimetype="application/pdf", expires_in=30
    )
    assert url.startswith(start)


def test_the_attachment_header_names_the_file_in_ascii_and_in_utf8():
    assert attachment_disposition('Ordre du jour "été".pdf') == (
        'attachment; filename="Ordre du jour ete.pdf"; '
        "filename*=UTF-8''Ordre%20du%20jour%20%22%C3%A9t%C3%A9%22.pdf"
    )
    assert attachment_disposition("برنامج.pdf").startswith('attachment; filename=".pdf";')

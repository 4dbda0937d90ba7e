"""LocalStorage: content-addressed, atomic, outside the web root."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from coordinator.documents.storage import DocumentStorage, LocalStorage, get_storage


def test_put_returns_the_sha256_and_open_reads_it_back(tmp_path):
    storage = LocalStorage(tmp_path / "uploads")
    key = storage.put(io.BytesIO(b"agenda"))
    assert key == hashlib.sha256(b"agenda").hexdigest()
    assert storage.exists(key)
    with storage.open(key) as handle:
        assert handle.read() == b"agenda"
    assert list(storage.iter_keys()) == [key]
    assert (tmp_path / "uploads" / key[:2] / key).is_file()


def test_identical_content_is_stored_once(tmp_path):
    storage = LocalStorage(tmp_path)
    first = storage.put(io.BytesIO(b"same bytes"))
    second = storage.put(io.BytesIO(b"same bytes"))
    assert first == second
    assert list(storage.iter_keys()) == [first]
    assert sum(1 for path in tmp_path.rglob("*") if path.is_file()) == 1


def test_delete_and_missing_keys(tmp_path):
    storage = LocalStorage(tmp_path)
    key = storage.put(io.BytesIO(b"x"))
    storage.delete(key)
    storage.delete(key)  # already gone: not an error
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab", "A" * 64, "g" * 64, ""])
def test_keys_that_are_not_hashes_never_touch_the_disk(tmp_path, key):
    storage = LocalStorage(tmp_path)
    assert not storage.exists(key)
    with pytest.raises(ValueError):
        storage.open(key)


class ExplodingStream(io.BytesIO):
    def read(self, size=-1):
        if self.tell() > 0:
            raise OSError("client went away")
        return super().read(4)


def test_a_failed_write_leaves_no_file_behind(tmp_path):
    storage = LocalStorage(tmp_path)
    with pytest.raises(OSError):
        storage.put(ExplodingStream(b"partial content"))
    assert list(tmp_path.rglob("*")) == []


@pytest.mark.local_storage
def test_the_default_storage_is_local_under_the_upload_folder_outside_static(app):
    storage = get_storage()
    assert isinstance(storage, LocalStorage)
    assert isinstance(storage, DocumentStorage)
    assert str(storage.root) == app.config["UPLOAD_FOLDER"]
    static = os.path.realpath(app.static_folder)
    assert not os.path.realpath(storage.root).startswith(static)

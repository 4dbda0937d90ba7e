"""Where document files live: one small interface, and the local folder behind it by default.

Files are addressed by the SHA-256 of their content, so identical files are stored once and a
key is never derived from anything a user typed. An object store can replace LocalStorage by
implementing the same methods (see DocumentStorage) and setting
app.extensions["document_storage"].
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from flask import current_app

_KEY = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024


@runtime_checkable
class DocumentStorage(Protocol):
    def put(self, stream: BinaryIO) -> str:
        """Store the stream's content durably and return its key (before any row commits)."""

    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading; FileNotFoundError if it is missing."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove a stored file; a missing file is not an error."""

    def iter_keys(self) -> Iterator[str]:
        """Every key stored (used by the sweep)."""

    def age_seconds(self, key: str) -> float:
        """Seconds since the file was last written: the sweep spares fresh files."""

    def check_ready(self) -> None:
        """Raise (OSError, or the backend's own error) unless a file could be stored now: the
        readiness probe (/readyz) calls it."""


class LocalStorage:
    """Files under one folder (instance/uploads by default), outside the web root.

    Layout: <root>/<first two hex digits>/<sha256>. Each upload is written to a temporary file
    in the same folder, fsync'd, then os.replace'd into place, so a reader never sees a partial
    file and a crash leaves at worst a temporary file (which the sweep removes).
    """

    temp_prefix = ".upload-"

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def put(self, stream: BinaryIO) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, temp_name = tempfile.mkstemp(prefix=self.temp_prefix, dir=self.root)
        try:
            with os.fdopen(fd, "wb") as temp:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    temp.write(chunk)
                temp.flush()
                os.fsync(temp.fileno())
            key = digest.hexdigest()
            final = self._path(key)
            final.parent.mkdir(exist_ok=True)
            # Identical content may already be there: replacing it is harmless (same bytes)
            # and refreshes its time, so the sweep's grace period protects this upload too.
            os.replace(temp_name, final)
            _fsync_directory(final.parent)
        except BaseException:
            try:
                os.unlink(temp_name)
            except FileNotFoundError:
                pass
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return _KEY.match(key) is not None and self._path(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def iter_keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if _KEY.match(path.name) and path.name.startswith(folder.name):
                    yield path.name

    def age_seconds(self, key: str) -> float:

        return time.time() - self._path(key).stat().st_mtime

    def check_ready(self) -> None:
        # The folder is made as put() would make it, then written to: a missing permission, a
        # read-only volume or a path that cannot be a folder fails here, not in a user's upload.
        self.root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=self.temp_prefix, dir=self.root)
        os.close(fd)
        os.unlink(probe)

    def iter_stale_temporary_files(self, older_than_seconds: float) -> Iterator[Path]:
        """Temporary files left by a worker killed mid-write."""

        if not self.root.is_dir():
            return
        now = time.time()
        for path in self.root.glob(self.temp_prefix + "*"):
            if now - path.stat().st_mtime >= older_than_seconds:
                yield path


def _fsync_directory(path: Path) -> None:
    # The rename itself must survive a crash, not only the file's bytes.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def get_storage() -> DocumentStorage:
    """The storage configured for this app (LocalStorage under UPLOAD_FOLDER by default)."""
    storage = current_app.extensions.get("document_storage")
    if storage is None:
        storage = LocalStorage(current_app.config["UPLOAD_FOLDER"])
        current_app.extensions["document_storage"] = storage
    return storage

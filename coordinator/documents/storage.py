"""Where document files live: one small interface, and the local folder behind it by default.

Files are addressed by the SHA-256 of their content, so identical files are stored once and a
key is never derived from anything a user typed. STORAGE_URL chooses the backend: unset or
file:///path for LocalStorage, s3://bucket/prefix for S3Storage (any S3-compatible store).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable
from urllib.parse import quote, unquote, urlsplit

from flask import current_app

_KEY = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024


class StorageUnavailable(OSError):
    """The storage could not be reached, or refused the operation: try again later."""


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
        storage = storage_from_url(current_app.config.get("STORAGE_URL"), current_app.config)
        current_app.extensions["document_storage"] = storage
    return storage


def storage_from_url(url: str | None, config: Mapping[str, Any]) -> DocumentStorage:
    """The storage a STORAGE_URL names: unset for UPLOAD_FOLDER, file:///path or s3://bucket/prefix.

    ValueError (with the reason) for anything else, so a typo stops the start or the command.
    """
    if not url:
        return LocalStorage(config["UPLOAD_FOLDER"])
    parts = urlsplit(str(url))
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise ValueError(f"STORAGE_URL {url!r}: use file:///absolute/path")
        return LocalStorage(unquote(parts.path))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"STORAGE_URL {url!r}: use s3://bucket or s3://bucket/prefix")
        return S3Storage.from_config(
            bucket=parts.netloc, prefix=unquote(parts.path).strip("/"), config=config
        )
    raise ValueError(f"STORAGE_URL {url!r}: the scheme must be file:// or s3://")


# --- S3-compatible object stores ---------------------------------------------------------------

ADDRESSING_STYLES = ("auto", "path", "virtual")
# A presigned download link outlives its authorisation check by at most this long.
MAX_PRESIGNED_SECONDS = 60


class _HashingReader:
    """Hashes what the upload reads. It has no seek(), so boto3 reads it once, in order."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.digest.update(chunk)
        return chunk


class S3Storage:
    """Files in a bucket of any S3-compatible store (AWS, MinIO, Ceph, Scaleway, OVH).

    Layout: <prefix>/<first two hex digits>/<sha256>, as on disk. An upload streams to
    <prefix>/tmp/<uuid> while it is hashed, is copied server-side to its final key, and the
    temporary object is deleted; a worker killed midway leaves only a temporary object, which
    the sweep removes after the grace period. Credentials come from boto3's default chain
    (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role) and are never logged.
    """

    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._base = f"{self.prefix}/" if self.prefix else ""
        self.temp_prefix = f"{self._base}tmp/"

    @classmethod
    def from_config(cls, *, bucket: str, prefix: str, config: Mapping[str, Any]) -> S3Storage:
        import boto3
        from botocore.config import Config

        style = str(config.get("STORAGE_S3_ADDRESSING_STYLE") or "auto")
        if style not in ADDRESSING_STYLES:
            raise ValueError(
                f"STORAGE_S3_ADDRESSING_STYLE {style!r}: use one of {', '.join(ADDRESSING_STYLES)}"
            )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL") or None,
            region_name=config.get("STORAGE_S3_REGION") or None,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": style},
                connect_timeout=int(config.get("STORAGE_S3_CONNECT_TIMEOUT", 5)),
                read_timeout=int(config.get("STORAGE_S3_READ_TIMEOUT", 60)),
                retries={
                    "mode": "standard",
                    "max_attempts": int(config.get("STORAGE_S3_MAX_ATTEMPTS", 3)),
                },
                # Checksums only where S3 requires them: several S3-compatible stores refuse
                # the newer default ones. The SHA-256 key is verified by whoever reads a file.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        return cls(client, bucket, prefix)

    def _name(self, key: str) -> str:
        if not _KEY.match(key):
            raise ValueError("not a storage key")
        return f"{self._base}{key[:2]}/{key}"

    def put(self, stream: BinaryIO) -> str:
        from boto3.s3.transfer import TransferConfig

        temporary = f"{self.temp_prefix}{uuid.uuid4().hex}"
        reader = _HashingReader(stream)
        try:
            with _translated_errors():
                self.client.upload_fileobj(
                    reader, self.bucket, temporary, Config=TransferConfig(use_threads=False)
                )
                key = reader.digest.hexdigest()
                # Copied even when the key exists (still stored once): the copy refreshes its
                # LastModified, so the sweep's grace period protects this upload as it does on
                # disk, even if an older identical file had become an orphan meanwhile.
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=self._name(key),
                    CopySource={"Bucket": self.bucket, "Key": temporary},
                )
        finally:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=temporary)
            except Exception:  # unreachable now: the sweep removes it after the grace period
                pass
        return key

    def open(self, key: str) -> BinaryIO:
        with _translated_errors():
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        # botocore's StreamingBody reads the object from the socket chunk by chunk.
        return response["Body"]

    def exists(self, key: str) -> bool:
        if not _KEY.match(key):
            return False
        try:
            self._head(self._name(key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        with _translated_errors():
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def iter_keys(self) -> Iterator[str]:
        for name, _modified in self._list(self._base):
            folder, _, key = name.removeprefix(self._base).partition("/")
            if _KEY.match(key) and key.startswith(folder) and len(folder) == 2:
                yield key

    def age_seconds(self, key: str) -> float:
        modified = self._head(self._name(key))["LastModified"]
        return time.time() - modified.timestamp()

    def check_ready(self) -> None:
        # A HEAD of the bucket: cheap, needs credentials that work and a bucket that exists.
        try:
            with _translated_errors():
                self.client.head_bucket(Bucket=self.bucket)
        except FileNotFoundError as error:
            raise StorageUnavailable(f"bucket {self.bucket!r} not found") from error

    def iter_stale_temporary_keys(self, older_than_seconds: float) -> Iterator[str]:
        """Temporary objects left by a worker killed mid-upload."""
        now = time.time()
        for name, modified in self._list(self.temp_prefix):
            if now - modified.timestamp() >= older_than_seconds:
                yield name

    def delete_temporary(self, name: str) -> None:
        if not name.startswith(self.temp_prefix):
            raise ValueError("not a temporary upload")
        with _translated_errors():
            self.client.delete_object(Bucket=self.bucket, Key=name)

    def presigned_download_url(
        self, key: str, *, filename: str, mimetype: str, expires_in: int
    ) -> str:
        """A GET link to the file that forces a download under its right name and type."""
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._name(key),
                "ResponseContentDisposition": attachment_disposition(filename),
                "ResponseContentType": mimetype,
            },
            ExpiresIn=max(1, min(int(expires_in), MAX_PRESIGNED_SECONDS)),
        )

    def _head(self, name: str) -> dict:
        with _translated_errors():
            return self.client.head_object(Bucket=self.bucket, Key=name)

    def _list(self, prefix: str) -> Iterator[tuple[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        with _translated_errors():
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"], item["LastModified"]


class _translated_errors:
    """botocore's errors as the storage interface's: FileNotFoundError for a missing object,
    StorageUnavailable for everything else (unreachable, refused, misconfigured)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None:
            return False
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(error, ClientError):
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in {"404", "NoSuchKey", "NotFound"}:
                raise FileNotFoundError(str(error)) from error
            raise StorageUnavailable(f"S3 refused the operation: {code}") from error
        if isinstance(error, BotoCoreError | Boto3Error):
            raise StorageUnavailable(f"S3 could not be reached: {error}") from error
        return False


def attachment_disposition(filename: str) -> str:
    """Content-Disposition forcing a download: an ASCII fallback and the real name (RFC 5987)."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    simple = "".join(c for c in simple if c.isprintable() and c not in '"\\') or "download"
    quoted = quote(filename, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{simple}\"; filename*=UTF-8''{quoted}"


def presigned_download_url(
    storage: DocumentStorage, key: str, *, filename: str, mimetype: str
) -> str | None:
    """Where to redirect a download already authorised, or None to stream it through the app.

    Only with STORAGE_S3_PRESIGNED_DOWNLOADS on an S3 storage; the link lives at most 60 s.
    """
    if not (
        current_app.config.get("STORAGE_S3_PRESIGNED_DOWNLOADS") and isinstance(storage, S3Storage)
    ):
        return None
    seconds = int(current_app.config.get("STORAGE_S3_PRESIGNED_SECONDS") or MAX_PRESIGNED_SECONDS)
    return storage.presigned_download_url(
        key, filename=filename, mimetype=mimetype, expires_in=seconds
    )

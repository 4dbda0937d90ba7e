"""Upload checks: file name, extension allowlist, libmagic sniffing and zip inspection.

Policy for file names: a name that could mislead or escape (path separators, "..", NUL or
other control characters, bidirectional overrides, more than 255 characters, no extension)
is refused with a clear message rather than silently rewritten, so what the uploader sees is
exactly what later downloaders get. The stored file never uses this name (see storage.py).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import magic
from flask_babel import gettext as _

from coordinator.errors import DomainError
from coordinator.i18n import lazy_gettext as _l

MAX_FILENAME_LENGTH = 255
# Zip-based formats (OOXML, OpenDocument): generous for real documents, fatal for bombs.
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBER_RATIO = 200  # uncompressed / compressed, per member
SNIFF_BYTES = 1024 * 1024
PDF_MAGIC = b"%PDF-"
# What a browser takes for HTML at the start of a file (WHATWG MIME Sniffing, "identifying a
# resource with an unknown MIME type"), plus SVG: each runs script if a browser ever renders it,
# so such a file is refused whatever its name. A tag counts when followed by space or ">".
_HTML_OPENINGS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
    b"<svg",
)
_TAG_ENDS = frozenset(b" \t\n\x0c\r>")
_LEADING_WHITESPACE = b" \t\n\x0c\r"
# A VBA macro project inside an OOXML package (word/vbaProject.bin, xl/..., anywhere).
MACRO_PROJECT = "vbaproject.bin"

OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OPENDOCUMENT = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
# Extension -> the types libmagic may report for it. SVG and HTML are deliberately absent:
# both run script when a browser opens them.
ALLOWED_TYPES: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    **{ext: frozenset({mime}) for ext, mime in OOXML.items()},
    **{ext: frozenset({mime}) for ext, mime in OPENDOCUMENT.items()},
    # Legacy OLE formats: libmagic names the application, or the generic Office type.
    "doc": frozenset({"application/msword", "application/vnd.ms-office"}),
    "xls": frozenset({"application/vnd.ms-excel", "application/vnd.ms-office"}),
    "ppt": frozenset({"application/vnd.ms-powerpoint", "application/vnd.ms-office"}),
    "png": frozenset({"image/png"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "gif": frozenset({"image/gif"}),
    "webp": frozenset({"image/webp"}),
    "csv": frozenset({"text/csv", "text/plain", "application/csv"}),
    "txt": frozenset({"text/plain"}),
}
# The type recorded (and served) for each extension, whatever libmagic's synonym was.
CANONICAL_TYPE = {
    "pdf": "application/pdf",
    **OOXML,
    **OPENDOCUMENT,
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "csv": "text/csv",
    "txt": "text/plain",
}
ALLOWED_EXTENSIONS_TEXT = ", ".join(sorted(ALLOWED_TYPES))

# C0/C1 controls (NUL included) and the Unicode format characters that reorder or hide text
# (U+202E RIGHT-TO-LEFT OVERRIDE makes "txt.exe" display as "exe.txt").
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI_AND_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    extension: str
    mime_type: str
    size: int


def check_filename(raw: str | None) -> tuple[str, str]:
    """Return (NFC file name, lower-case extension) or raise a DomainError saying why not."""
    if not raw:
        raise DomainError(_("Choose a file to upload."), field="file")
    if "\x00" in raw:
        raise DomainError(_("The file name contains a NUL character; rename the file."), "file")
    if _CONTROL.search(raw):
        raise DomainError(
            _("The file name contains invisible control characters; rename the file."), "file"
        )
    if _BIDI_AND_INVISIBLE.search(raw):
        raise DomainError(
            _(
                "The file name contains invisible direction or formatting characters that can "
                "disguise its real type; rename the file."
            ),
            "file",
        )
    if "/" in raw or "\\" in raw:
        raise DomainError(_("The file name may not contain a folder path (/ or \\)."), "file")
    name = unicodedata.normalize("NFC", raw).strip()
    if name in {"", ".", ".."} or name.startswith(".") or ".." in name:
        raise DomainError(
            _("The file name may not start with a dot or contain “..”; rename the file."), "file"
        )
    if len(name) > MAX_FILENAME_LENGTH:
        raise DomainError(
            _(
                "The file name is %(length)s characters long; the limit is %(limit)s. "
                "Rename the file.",
                length=len(name),
                limit=MAX_FILENAME_LENGTH,
            ),
            "file",
        )
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower()
    if not dot or not stem.strip():
        raise DomainError(
            _(
                "The file name needs an extension. Accepted: %(extensions)s.",
                extensions=ALLOWED_EXTENSIONS_TEXT,
            ),
            "file",
        )
    if extension not in ALLOWED_TYPES:
        raise DomainError(
            _(
                "Files of type .%(extension)s are not accepted. Accepted: %(extensions)s.",
                extension=extension,
                extensions=ALLOWED_EXTENSIONS_TEXT,
            ),
            "file",
        )
    return name, extension


def sniff(stream: BinaryIO) -> str:
    """The MIME type libmagic sees in the first megabyte of the stream."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    return magic.from_buffer(head, mime=True)


def stream_size(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def looks_like_html(head: bytes) -> bool:
    """True when the first bytes (after a byte-order mark and whitespace) open an HTML page."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            head = head[len(bom) :]
            if encoding != "utf-8":
                # Re-encode the start as bytes so the same patterns apply (UTF-16 HTML renders).
                head = head[:2048].decode(encoding, "ignore").encode("utf-8", "ignore")
            break
    head = head.lstrip(_LEADING_WHITESPACE)[:64].lower()
    for opening in _HTML_OPENINGS:
        if head.startswith(opening):
            if opening == b"<!--":
                return True
            following = head[len(opening) : len(opening) + 1]
            if following and following[0] in _TAG_ENDS:
                return True
    return False


def check_zip_container(stream: BinaryIO, extension: str) -> None:
    """Refuse archives that would explode when opened, or that are not the format they claim."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DomainError(
            _("The .%(extension)s file is damaged (not a readable archive).", extension=extension),
            "file",
        ) from error
    try:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise DomainError(
                _(
                    "The .%(extension)s file holds %(parts)s parts; at most %(limit)s "
                    "are accepted.",
                    extension=extension,
                    parts=len(members),
                    limit=MAX_ZIP_MEMBERS,
                ),
                "file",
            )
        total = 0
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if total > MAX_ZIP_UNCOMPRESSED_BYTES or (
                member.file_size > 1024 * 1024 and ratio > MAX_ZIP_MEMBER_RATIO
            ):
                raise DomainError(
                    _(
                        "The .%(extension)s file would expand to an unreasonable size when "
                        "opened (a compression bomb); it was refused.",
                        extension=extension,
                    ),
                    "file",
                )
        names = {member.filename for member in members}
        if extension in OOXML:
            if "[Content_Types].xml" not in names:
                raise DomainError(
                    _(
                        "The file is a zip archive, not a real .%(extension)s document.",
                        extension=extension,
                    ),
                    "file",
                )
            if any(name.rpartition("/")[2].lower() == MACRO_PROJECT for name in names):
                raise DomainError(
                    _(
                        "Macro-enabled files are not accepted: this .%(extension)s file holds "
                        "a macro (VBA) project. Save it again without macros and upload that "
                        "copy.",
                        extension=extension,
                    ),
                    "file",
                )
        elif extension in OPENDOCUMENT:
            if "mimetype" not in names:
                raise DomainError(
                    _(
                        "The file is a zip archive, not a real .%(extension)s document.",
                        extension=extension,
                    ),
                    "file",
                )
            declared = archive.read("mimetype").decode("ascii", "replace").strip()
            if declared != OPENDOCUMENT[extension]:
                raise DomainError(
                    _(
                        "The file’s content does not match its .%(extension)s extension.",
                        extension=extension,
                    ),
                    "file",
                )
    finally:
        archive.close()
        stream.seek(0)


def check_upload(filename: str | None, stream: BinaryIO) -> CheckedFile:
    """Every rule an uploaded file must pass; raises DomainError(field="file") on the first miss."""
    name, extension = check_filename(filename)
    size = stream_size(stream)
    if size == 0:
        raise DomainError(_("The file is empty."), "file")
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if looks_like_html(head):
        raise DomainError(
            _(
                "The file’s content is a web page (HTML), which is never accepted, whatever "
                "the file’s name."
            ),
            "file",
        )
    detected = sniff(stream)
    if detected not in ALLOWED_TYPES[extension]:
        raise DomainError(
            _(
                "The file’s content (%(content)s) does not match its .%(extension)s extension; "
                "it was refused.",
                content=_describe(detected),
                extension=extension,
            ),
            "file",
        )
    # libmagic also calls a file a PDF when "%PDF-" comes later in its first kilobyte.
    if extension == "pdf" and not head.startswith(PDF_MAGIC):
        raise DomainError(
            _("The file is not a real PDF: a PDF file starts with “%PDF-”, this one does not."),
            "file",
        )
    if extension in OOXML or extension in OPENDOCUMENT:
        check_zip_container(stream, extension)
    return CheckedFile(
        filename=name, extension=extension, mime_type=CANONICAL_TYPE[extension], size=size
    )


def _describe(mime_type: str) -> str:
    return str(
        {
            "text/html": _l("a web page (HTML)"),
            "image/svg+xml": _l("an SVG image"),
            "application/zip": _l("a zip archive"),
            "application/x-empty": _l("empty"),
        }.get(mime_type, mime_type)
    )

"""The upload checks on their own: allowlist, sniffing, zip inspection, hostile names."""

from __future__ import annotations

import io

import pytest

from coordinator.documents.validation import check_filename, check_upload
from coordinator.errors import DomainError
from tests.documents import samples

ACCEPTED = [
    ("report.pdf", samples.pdf(), "application/pdf"),
    (
        "notes.docx",
        samples.docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "budget.xlsx",
        samples.xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "slides.pptx",
        samples.pptx(),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("minutes.odt", samples.opendocument("text"), "application/vnd.oasis.opendocument.text"),
    (
        "sheet.ods",
        samples.opendocument("spreadsheet"),
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    (
        "talk.odp",
        samples.opendocument("presentation"),
        "application/vnd.oasis.opendocument.presentation",
    ),
    ("logo.png", samples.png(), "image/png"),
    ("photo.JPG", samples.jpeg(), "image/jpeg"),
    ("anim.gif", samples.gif(), "image/gif"),
    ("pic.webp", samples.webp(), "image/webp"),
    ("list.csv", samples.CSV, "text/csv"),
    ("readme.txt", samples.TEXT, "text/plain"),
    ("Ordre du jour – réunion.pdf", samples.pdf(), "application/pdf"),
]


@pytest.mark.parametrize("filename, content, mime_type", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_allowlisted_files_are_accepted(filename, content, mime_type):
    checked = check_upload(filename, io.BytesIO(content))
    assert checked.mime_type == mime_type
    assert checked.size == len(content)


REFUSED = [
    ("html renamed pdf", "agenda.pdf", samples.HTML, "a web page (HTML)"),
    ("html renamed txt", "notes.txt", samples.HTML, "a web page (HTML)"),
    ("svg", "logo.svg", samples.SVG, "Files of type .svg are not accepted"),
    ("svg renamed png", "logo.png", samples.SVG, "an SVG image"),
    ("html", "page.html", samples.HTML, "Files of type .html are not accepted"),
    ("zip renamed docx", "report.docx", samples.plain_zip(), "a zip archive"),
    ("zip renamed odt", "report.odt", samples.plain_zip(), "a zip archive"),
    ("pdf renamed docx", "report.docx", samples.pdf(), "does not match its .docx extension"),
    ("docx renamed pdf", "report.pdf", samples.docx(), "does not match its .pdf extension"),
    ("zip bomb", "bomb.docx", samples.zip_bomb(), "compression bomb"),
    ("too many members", "many.docx", samples.many_members(), "parts; at most"),
    (
        "odt claiming spreadsheet",
        "x.odt",
        samples.opendocument(declared="application/vnd.oasis.opendocument.spreadsheet"),
        "does not match",
    ),
    ("empty", "empty.txt", b"", "The file is empty."),
    ("executable", "setup.exe", b"MZ\x90\x00", "Files of type .exe are not accepted"),
    ("no extension", "README", samples.TEXT, "needs an extension"),
]


@pytest.mark.parametrize(
    "filename, content, message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_disguised_and_dangerous_files_are_refused_with_a_reason(filename, content, message):
    with pytest.raises(DomainError) as caught:
        check_upload(filename, io.BytesIO(content))
    assert message in caught.value.message
    assert caught.value.field == "file"


HOSTILE_NAMES = [
    ("parent dir", "../x.pdf", "folder path"),
    ("windows parent dir", "..\\x.pdf", "folder path"),
    ("absolute", "/etc/passwd.txt", "folder path"),
    ("nul", "a\x00.pdf", "NUL character"),
    ("control", "a\x1b[31m.pdf", "control characters"),
    ("newline", "a\nb.pdf", "control characters"),
    ("300 characters", "a" * 296 + ".pdf", "the limit is 255"),
    ("right-to-left override", "invoice\u202efdp.exe", "direction or formatting"),
    ("rlo disguising pdf", "report\u202egnp.pdf", "direction or formatting"),
    ("zero width", "re\u200bport.pdf", "direction or formatting"),
    ("dot file", ".htaccess.txt", "start with a dot"),
    ("dots inside", "a..pdf", "contain “..”"),
    ("empty", "", "Choose a file"),
]


@pytest.mark.parametrize(
    "raw, message", [h[1:] for h in HOSTILE_NAMES], ids=[h[0] for h in HOSTILE_NAMES]
)
def test_hostile_file_names_are_refused_clearly(raw, message):
    with pytest.raises(DomainError) as caught:
        check_filename(raw)
    assert message in caught.value.message


def test_file_names_are_kept_nfc_with_their_extension_lowercased():
    name, extension = check_filename("Cafe\u0301 Notes.PDF")
    assert name == "Café Notes.PDF"
    assert extension == "pdf"

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


NOT_A_PDF = "a PDF file starts with “%PDF-”"
HTML_REFUSED = "a web page (HTML), which is never accepted, whatever the file’s name"
MACRO_REFUSED = "Macro-enabled files are not accepted"

# Each of these passed the extension and libmagic checks before the content rules were added.
REFUSED_BY_CONTENT = [
    ("pdf header after other bytes", "report.pdf", samples.pdf_after_junk(), NOT_A_PDF),
    ("body tag as text", "notes.txt", b"<body onload=alert(1)>hello</body>", HTML_REFUSED),
    ("bom then body as text", "notes.txt", b"\xef\xbb\xbf<body>hello</body>", HTML_REFUSED),
    ("iframe as csv", "list.csv", b"<iframe src=//evil.example>,x\n", HTML_REFUSED),
    ("spaces then paragraph", "notes.txt", b"  \n\t<P>hello\n", HTML_REFUSED),
    ("comment as text", "notes.txt", b"<!-- hidden --><b>bold</b>\n", HTML_REFUSED),
    ("macro docx", "report.docx", samples.macro_docx(), MACRO_REFUSED),
    (
        "macro docx, other folder",
        "report.docx",
        samples.macro_docx("custom/VBAPROJECT.BIN"),
        MACRO_REFUSED,
    ),
    ("macro xlsx", "budget.xlsx", samples.macro_xlsx(), MACRO_REFUSED),
]


@pytest.mark.parametrize(
    "filename, content, message",
    [r[1:] for r in REFUSED_BY_CONTENT],
    ids=[r[0] for r in REFUSED_BY_CONTENT],
)
def test_content_rules_refuse_what_the_type_check_lets_through(filename, content, message):
    with pytest.raises(DomainError) as caught:
        check_upload(filename, io.BytesIO(content))
    assert message in caught.value.message
    assert caught.value.field == "file"


HTML_OPENINGS = [
    b"<!DOCTYPE html><p>x",
    b"<html><body>x",
    b"<script>alert(1)</script>",
    b"<svg onload=alert(1)>",
    b"<head><title>x</title>",
    b"<BODY>x",
    b"\xef\xbb\xbf  \r\n<html>",
    "<html><body>x</body></html>".encode("utf-16"),  # with its byte-order mark
]


@pytest.mark.parametrize("content", HTML_OPENINGS)
@pytest.mark.parametrize("filename", ["notes.txt", "list.csv", "report.pdf", "logo.png"])
def test_a_file_opening_like_html_is_refused_whatever_its_name(filename, content):
    with pytest.raises(DomainError) as caught:
        check_upload(filename, io.BytesIO(content))
    assert HTML_REFUSED in caught.value.message


@pytest.mark.parametrize(
    "content",
    [
        b"x < y and <y > z\n",
        b"<bold> is not a tag browsers sniff\n",
        b"<abc,def\n1,2\n",
    ],
)
def test_text_that_only_mentions_tags_is_still_accepted(content):
    assert check_upload("notes.txt", io.BytesIO(content)).extension == "txt"


def test_a_docx_without_macros_is_still_accepted_next_to_the_macro_rule():
    assert check_upload("report.docx", io.BytesIO(samples.docx())).extension == "docx"

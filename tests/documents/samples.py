"""Small real files of each kind, and hostile ones, built in memory for the upload tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>'
)


def pdf(text: str = "hello") -> bytes:
    body = f"1 0 obj<< /Title ({text}) >>endobj\n"
    return f"%PDF-1.4\n{body}trailer<< /Root 1 0 R >>\n%%EOF\n".encode()


def png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def gif() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def webp() -> bytes:
    payload = b"VP8 " + struct.pack("<I", 10) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


def zip_of(members: list[tuple[str, bytes | str]], first_stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            compress = zipfile.ZIP_STORED if first_stored and index == 0 else zipfile.ZIP_DEFLATED
            # A fixed timestamp: the same sample must be the same bytes whenever it is built.
            member = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(member, data, compress_type=compress)
    return buffer.getvalue()


def docx(text: str = "hello") -> bytes:
    return zip_of(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", "<Relationships/>"),
            ("word/document.xml", f"<w:document>{text}</w:document>"),
        ]
    )


def xlsx() -> bytes:
    return zip_of(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", "<Relationships/>"),
            ("xl/workbook.xml", "<workbook/>"),
        ]
    )


def pptx() -> bytes:
    return zip_of(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", "<Relationships/>"),
            ("ppt/presentation.xml", "<presentation/>"),
        ]
    )


def opendocument(kind: str = "text", declared: str | None = None) -> bytes:
    mimetype = declared or f"application/vnd.oasis.opendocument.{kind}"
    return zip_of(
        [("mimetype", mimetype), ("content.xml", "<office:document/>")], first_stored=True
    )


def plain_zip() -> bytes:
    return zip_of([("notes.txt", "just a zip")])


def zip_bomb(megabytes: int = 300) -> bytes:
    """One OOXML-looking archive whose members expand to `megabytes` MB of zeros."""
    buffer = io.BytesIO()
    chunk = b"\x00" * (1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", "<Relationships/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return buffer.getvalue()


def many_members(count: int = 2500) -> bytes:
    members: list[tuple[str, bytes | str]] = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", "<Relationships/>"),
        ("word/document.xml", "<w/>"),
    ]
    members += [(f"word/media/{n}.xml", "") for n in range(count)]
    return zip_of(members)


HTML = b"<!DOCTYPE html><html><head><script>alert(1)</script></head><body>hi</body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
CSV = b"name,city\nMedCities,Barcelona\nAMB,Barcelona\n"
TEXT = b"Minutes of the meeting.\nEveryone agreed.\n"


def macro_docx(member: str = "word/vbaProject.bin") -> bytes:
    """A .docx that carries a VBA macro project (what Word writes into a .docm)."""
    return zip_of(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", "<Relationships/>"),
            ("word/document.xml", "<w:document>hello</w:document>"),
            (member, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
        ]
    )


def macro_xlsx() -> bytes:
    return zip_of(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", "<Relationships/>"),
            ("xl/workbook.xml", "<workbook/>"),
            ("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
        ]
    )


def pdf_after_junk() -> bytes:
    """Bytes that libmagic still calls a PDF, though "%PDF-" is not at the start."""
    return b"<junk before the header>\n" + pdf()

"""What the upload checks and the durable write cost, next to a plain copy of the same bytes.

Run: .venv/bin/python bench/bench_documents.py
Prints, for a 20 MB PDF and a 20 MB DOCX, the median time of each step and its ratio to a plain
(unsynced) copy, all measured side by side in one run.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coordinator.documents.storage import LocalStorage  # noqa: E402
from coordinator.documents.validation import check_upload  # noqa: E402

SIZE = 20 * 1024 * 1024
ROUNDS = 5


def sample_pdf() -> bytes:
    return b"%PDF-1.4\n" + os.urandom(SIZE)


def sample_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w/>")
        for n in range(200):
            archive.writestr(f"word/media/image{n}.png", os.urandom(SIZE // 200))
    return buffer.getvalue()


def median_seconds(step) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        storage = LocalStorage(Path(folder) / "uploads")
        for name, data in (("report.pdf", sample_pdf()), ("report.docx", sample_docx())):
            copy_target = Path(folder) / "copy"

            def plain_copy(data=data, copy_target=copy_target):
                with copy_target.open("wb") as handle:
                    shutil.copyfileobj(io.BytesIO(data), handle)

            def checks(data=data, name=name):
                check_upload(name, io.BytesIO(data))

            def durable_put(data=data):
                storage.put(io.BytesIO(data))

            baseline = median_seconds(plain_copy)
            print(f"{name} ({len(data) / 1e6:.1f} MB), median of {ROUNDS}:")
            print(f"  plain copy                 {baseline * 1000:8.1f} ms  1.00x")
            for label, step in (
                ("checks (magic + zip)", checks),
                ("put (sha256 + fsync)", durable_put),
            ):
                seconds = median_seconds(step)
                print(f"  {label:<26} {seconds * 1000:8.1f} ms  {seconds / baseline:5.2f}x")


if __name__ == "__main__":
    main()

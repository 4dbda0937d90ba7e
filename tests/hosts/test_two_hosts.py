"""Two hosts, proven: what one host does, the other sees, and neither does twice.

Each check is named for what it shows and runs in this order (the last one kills host A).
Run: `pytest -m hosts -n 0 -v tests/hosts` (`.ci/run` does, with PostgreSQL and Redis up).
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
import time
import uuid

import pytest

from tests.hosts.cluster import Browser, get
from tests.hosts.conftest import FEED_LIMIT, FEED_TOKEN, PASSWORD

pytestmark = pytest.mark.hosts

# What one check leaves for a later one (the uploaded document).
found: dict = {}


def pdf_bytes(size: int) -> bytes:
    """A file the upload checks accept as a PDF, with random content (a fresh hash each run)."""
    return b"%PDF-1.4\n%" + os.urandom(size).hex().encode()[:size] + b"\n%%EOF\n"


def upload_form(cluster, host) -> str:
    return f"{host.url}/partners/{cluster.ids['partner_slug']}/documents/new"


def signed_in(cluster, host, email: str) -> Browser:
    browser = Browser()
    answer = browser.sign_in(host.url, email, PASSWORD)
    assert answer.status == 302, f"sign-in on {host.name} failed: {answer}"
    return browser


def test_a_document_uploaded_through_a_downloads_through_b_with_the_same_hash(cluster):
    a, b = cluster.a, cluster.b
    browser = signed_in(cluster, a, cluster.ids["focal_email"])
    content = pdf_bytes(2 * 1024 * 1024)
    token = browser.csrf_token(upload_form(cluster, a))
    answer = browser.post_multipart(
        upload_form(cluster, a),
        {"csrf_token": token, "title": "Uploaded through A", "visibility": "network"},
        "file",
        "minutes.pdf",
        content,
    )
    assert answer.status == 302, answer
    document_id = int(re.search(r"/documents/(\d+)$", answer.headers["Location"]).group(1))

    # The same browser on B: the session cookie is signed with the key both hosts share.
    download = browser.get(f"{b.url}/documents/{document_id}/download")
    assert download.status == 200, download
    assert hashlib.sha256(download.body).hexdigest() == hashlib.sha256(content).hexdigest()
    for host in (a, b):  # the file went to the bucket, not to a host's disk
        uploads = host.folder / "instance" / "uploads"
        assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))

    sweep = b.flask("documents", "sweep")
    assert sweep.returncode == 0, sweep.stdout + sweep.stderr
    assert "0 version(s) with a missing file" in sweep.stdout, sweep.stdout
    assert "removed 0 orphan file(s)" in sweep.stdout
    found.update(document_id=document_id, sha256=hashlib.sha256(content).hexdigest())


def test_an_approval_through_a_is_in_b_pages_and_feeds_within_a_second(cluster):
    a, b = cluster.a, cluster.b
    event_id, uid = cluster.ids["event_id"], cluster.ids["event_uid"]
    watched = {
        "event page": (f"{b.url}/events/{event_id}", "Two hosts"),
        "events list": (f"{b.url}/events/", "Two hosts"),
        "network feed": (f"{b.url}/calendar.ics", uid),
        "Atom feed": (f"{b.url}/events.atom", "Two hosts"),
    }

    def visible_on_b() -> dict[str, bool]:
        seen = {}
        for name, (url, needle) in watched.items():
            answer = get(url)
            seen[name] = answer.status == 200 and needle in answer.text
        return seen

    # B has built (and cached) every page and feed before the approval.
    for _ in range(2):
        assert not any(visible_on_b().values())
    staff = signed_in(cluster, a, cluster.ids["staff_email"])
    token = staff.csrf_token(f"{a.url}/events/{event_id}/manage")
    answer = staff.post(
        f"{a.url}/events/{event_id}/workflow/approve", {"csrf_token": token, "comment": ""}
    )
    assert answer.status == 302, answer
    approved = time.monotonic()
    seen = visible_on_b()
    while not all(seen.values()) and time.monotonic() - approved < 1.0:
        time.sleep(0.05)
        seen = visible_on_b()
    elapsed = time.monotonic() - approved
    print(f"\n  approval through A visible on B after {elapsed:.2f}s: {seen}")
    assert all(seen.values()), f"not on B {elapsed:.2f}s after the approval: {seen}"


def test_a_login_lockout_reached_through_a_holds_on_b(cluster):
    a, b = cluster.a, cluster.b
    email = cluster.ids["locked_email"]
    browser = Browser()
    statuses = []
    for _ in range(5):  # LOGIN_MAX_FAILURES_PER_ACCOUNT
        token = browser.csrf_token(f"{a.url}/login")
        answer = browser.post(
            f"{a.url}/login", {"csrf_token": token, "email": email, "password": "wrong"}
        )
        statuses.append(answer.status)
    assert statuses == [400] * 5  # each refusal is the form again, with its error
    # On B, with the right password: refused while the lockout lasts.
    other = Browser()
    token = other.csrf_token(f"{b.url}/login")
    answer = other.post(
        f"{b.url}/login", {"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert answer.status == 429, answer
    assert "session" not in other.cookies or get(f"{b.url}/account").status != 200


def test_a_feed_rate_limit_reached_through_a_holds_on_b(cluster):
    a, b = cluster.a, cluster.b
    path = f"/feeds/{FEED_TOKEN}/calendar.ics"
    through_a = [get(a.url + path).status for _ in range(FEED_LIMIT)]
    assert through_a == [200] * FEED_LIMIT
    limited = get(b.url + path)
    assert limited.status == 429, limited
    assert "Retry-After" in limited.headers or "retry-after" in {k.lower() for k in limited.headers}


def test_a_queued_mail_is_delivered_exactly_once_with_two_workers(cluster):
    from coordinator import jobs
    from coordinator.extensions import db
    from coordinator.mail import MailStatus, OutgoingMessage

    a = cluster.a
    emails = cluster.ids["forgetful"]
    browser = Browser()
    for email in emails:
        token = browser.csrf_token(f"{a.url}/forgot-password")
        answer = browser.post(f"{a.url}/forgot-password", {"csrf_token": token, "email": email})
        assert answer.status == 302, answer
    app = cluster.app()
    with app.app_context():
        ids = list(
            db.session.scalars(
                db.select(OutgoingMessage.id).where(
                    OutgoingMessage.recipient.in_(emails), OutgoingMessage.kind == "password_reset"
                )
            )
        )
        assert len(ids) == len(emails)
        queue = jobs.get_queue(app)
        for _ in range(3):  # the same deliveries queued again: both workers race for them
            for message_id in ids:
                assert queue.enqueue("mail.deliver", [message_id])
        db.session.remove()

    def resets() -> int:
        return sum(1 for m in cluster.sink.messages if "password" in m["Subject"].lower())

    deadline = time.monotonic() + 60
    while resets() < len(emails) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # any second delivery would arrive now
    delivered = sorted(
        message["To"]
        for message in cluster.sink.messages
        if message["To"] in emails and "password" in message["Subject"].lower()
    )
    assert delivered == sorted(emails), delivered
    with app.app_context():
        rows = db.session.execute(
            db.select(OutgoingMessage.status, OutgoingMessage.attempts).where(
                OutgoingMessage.id.in_(ids)
            )
        ).all()
        assert {(status, attempts) for status, attempts in rows} == {(MailStatus.SENT, 1)}
        db.session.remove()
    ran = {
        host.name: host.log_tail("worker", 10**7).count(".mail.deliver: ")
        for host in (a, cluster.b)
    }
    print(f"\n  delivery jobs run per worker: {ran}; messages received: {len(delivered)}")


# Huey's log lines of the workers: each host's scheduler queues the periodic job every minute
# (any worker may then run it: the queue is shared), and the job itself, queued only by the run
# that claimed the period. Task names carry a module prefix ("coordinator.jobs.").
FIRED = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d):\d\d\S* INFO huey\.consumer\.Scheduler .*"
    r"Enqueueing periodic task [\w.]*periodic:mail\.deliver_due:",
    re.M,
)
RAN = re.compile(r"Executing [\w.]*?\bmail\.deliver_due:")


def test_a_periodic_job_runs_once_not_once_per_host(cluster):
    from coordinator.extensions import db
    from coordinator.jobs.models import JobRun

    a, b = cluster.a, cluster.b
    app = cluster.app()

    def count() -> tuple[dict, int, int]:
        logs = {host.name: host.log_tail("worker", 10**7) for host in (a, b)}
        fired = {name: FIRED.findall(log) for name, log in logs.items()}
        ran = sum(len(RAN.findall(log)) for log in logs.values())
        with app.app_context():
            claims = db.session.scalar(
                db.select(db.func.count()).where(JobRun.task_name == "mail.deliver_due")
            )
            db.session.remove()
        return fired, ran, claims

    def settled(fired, ran, claims) -> bool:  # no run still on its way from a firing
        minutes = {minute for times in fired.values() for minute in times}
        return all(fired.values()) and ran == claims == len(minutes)

    deadline = time.monotonic() + 30
    fired, ran, claims = count()
    while time.monotonic() < deadline and not settled(fired, ran, claims):
        time.sleep(0.5)
        fired, ran, claims = count()
    minutes = {minute for times in fired.values() for minute in times}
    firings = sum(len(times) for times in fired.values())
    print(
        f"\n  scheduler firings per host: { {k: len(v) for k, v in fired.items()} }, "
        f"periods claimed: {claims}, runs: {ran}, minutes: {sorted(minutes)}"
    )
    assert all(fired.values()), "each host's scheduler fires the job"
    assert ran == claims == len(minutes), "one run per period, whichever host fired it"
    assert firings > ran, "in some period both schedulers fired, and the job ran once"


def test_kill_9_of_a_during_an_upload_leaves_b_serving_and_the_store_consistent(cluster):
    from coordinator.documents.models import DocumentVersion
    from coordinator.documents.storage import get_storage
    from coordinator.extensions import db

    a, b = cluster.a, cluster.b
    browser = signed_in(cluster, b, cluster.ids["focal_email"])
    token = browser.csrf_token(upload_form(cluster, b))
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode() + b"%PDF-1.4\n"
    size = 8 * 1024 * 1024
    path = f"/partners/{cluster.ids['partner_slug']}/documents/new"
    sent = {"bytes": 0}

    def slow_upload() -> None:
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        with socket.create_connection(("127.0.0.1", a.port), timeout=30) as connection:
            connection.sendall(
                (
                    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                    f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                    f"Content-Length: {len(head) + size}\r\n\r\n"
                ).encode()
                + head
            )
            try:
                while sent["bytes"] < size:
                    connection.sendall(b"0" * 65536)
                    sent["bytes"] += 65536
                    time.sleep(0.02)
            except OSError:
                return  # the host died under it

    uploading = threading.Thread(target=slow_upload, daemon=True)
    uploading.start()
    while sent["bytes"] < 1024 * 1024 and uploading.is_alive():
        time.sleep(0.05)
    assert uploading.is_alive(), "the upload finished before the kill"
    a.kill_web()  # kill -9 of gunicorn's master and every worker of host A
    uploading.join(30)
    print(f"\n  host A killed after {sent['bytes'] // 1024} KiB of an {size // 2**20} MiB upload")
    with pytest.raises(OSError):
        get(a.url + "/healthz", timeout=5)

    assert get(b.url + "/healthz").status == 200
    assert get(b.url + "/readyz").status == 200, get(b.url + "/readyz")
    assert get(f"{b.url}/events/").status == 200
    download = browser.get(f"{b.url}/documents/{found['document_id']}/download")
    assert hashlib.sha256(download.body).hexdigest() == found["sha256"]
    # B takes uploads as before.
    token = browser.csrf_token(upload_form(cluster, b))
    answer = browser.post_multipart(
        upload_form(cluster, b), {"csrf_token": token}, "file", "after.pdf", pdf_bytes(4096)
    )
    assert answer.status == 302, answer

    # The sweep from B: nothing missing; unreferenced objects only within the grace period.
    sweep = b.flask("documents", "sweep")
    assert sweep.returncode == 0, sweep.stdout + sweep.stderr
    assert "0 version(s) with a missing file" in sweep.stdout
    app = cluster.app()
    with app.app_context():
        storage = get_storage()
        referenced = set(db.session.scalars(db.select(DocumentVersion.storage_key)))
        stored = set(storage.iter_keys())
        assert referenced <= stored
        for key in stored - referenced:
            assert storage.age_seconds(key) < 3600, f"orphan {key} older than the grace period"
        db.session.remove()
    # With no grace, the store holds exactly what the database refers to.
    strict = b.flask("documents", "sweep", "--grace-seconds", "0")
    assert strict.returncode == 0, strict.stdout + strict.stderr
    with app.app_context():
        storage = get_storage()
        assert set(storage.iter_keys()) == referenced
        assert list(storage.iter_stale_temporary_keys(0)) == []
        db.session.remove()
    print(f"  after the sweep: {len(referenced)} stored file(s), each referenced, none missing")

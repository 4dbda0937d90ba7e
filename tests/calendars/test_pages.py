"""The sources pages, Sync now, the command line and the round trip through our own feed."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from coordinator import calendars
from coordinator.activities import services as activities
from coordinator.activities.models import Event, Status
from coordinator.activities.workflow import Action
from coordinator.calendars import services, views
from coordinator.calendars.models import CalendarSource
from coordinator.extensions import db
from coordinator.feeds.services import uid_for
from tests import factories
from tests.feeds.validation import PARSERS, reading, validate_feed

FIXTURES = Path(__file__).parent / "fixtures"


def upload(client, slug: str, name: str, **fields):
    data = {
        "name": fields.pop("name", "Our calendar"),
        "url": "",
        "upload": (io.BytesIO((FIXTURES / name).read_bytes()), name),
        "default_kind": "meeting",
        "default_visibility": "public",
        **fields,
    }
    return client.post(f"/partners/{slug}/sources", data=data, content_type="multipart/form-data")


@time_machine.travel(datetime(2027, 1, 10, tzinfo=UTC), tick=False)
def test_a_focal_point_connects_a_file_and_sees_the_drafts(client, login_as, partner, focal_point):
    login_as(focal_point)
    page = client.get(f"/partners/{partner.slug}")
    assert f"/partners/{partner.slug}/sources".encode() in page.data
    response = upload(client, partner.slug, "outlook.ics", keyword="[joint]")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 new, 0 updated, 0 unchanged, 1 skipped, 0 errors" in page
    assert "[joint] Steering committee" in page and "Internal budget meeting" not in page
    event = db.session.scalar(select(Event).where(Event.title == "[joint] Nile water forum"))
    manage = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert "Imported from Our calendar" in manage


def test_the_form_refuses_neither_address_nor_file(client, login_as, partner, focal_point):
    login_as(focal_point)
    response = client.post(f"/partners/{partner.slug}/sources", data={"name": "x"})
    assert response.status_code == 400
    assert b"address or upload an .ics file" in response.data
    response = client.post(
        f"/partners/{partner.slug}/sources", data={"name": "x", "url": "file:///etc/passwd"}
    )
    assert response.status_code == 400 and b"Only http, https and webcal" in response.data


def test_a_broken_upload_shows_the_error_in_words(client, login_as, partner, focal_point):
    login_as(focal_point)
    data = {"name": "bad", "url": "", "upload": (io.BytesIO(b"\xff\xfe garbage"), "bad.ics")}
    response = client.post(
        f"/partners/{partner.slug}/sources", data=data, content_type="multipart/form-data"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Last error" in page and "not UTF-8 text: byte 0xFF" in page


@pytest.mark.parametrize("who", ["other_focal_point", "anonymous"])
def test_others_do_not_see_a_partners_sources(client, login_as, partner, request, who):
    source = services.add_source(
        factories.UserFactory(role="staff"), partner, {"name": "s", "url": ""}
    )
    db.session.commit()
    if who != "anonymous":
        login_as(request.getfixturevalue(who))
    for url in (
        f"/partners/{partner.slug}/sources",
        f"/partners/{partner.slug}/sources/{source.id}",
    ):
        response = client.get(url)
        assert (
            response.status_code in (302, 404)
            if who == "anonymous"
            else response.status_code == 404
        )
    if who != "anonymous":
        assert b"/sources" not in client.get(f"/partners/{partner.slug}").data


def test_staff_manage_any_partners_sources(client, login_as, partner, staff):
    login_as(staff)
    assert client.get(f"/partners/{partner.slug}/sources").status_code == 200


class _Calendar(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args):
        pass


@pytest.fixture
def calendar_server():
    _Calendar.body = (FIXTURES / "google.ics").read_bytes()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Calendar)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CALENDAR_FETCH_ALLOW_PRIVATE": True}


def test_sync_now_queues_the_job_and_the_job_imports(
    client, login_as, partner, focal_point, calendar_server, monkeypatch
):
    port = calendar_server.server_address[1]
    login_as(focal_point)
    response = client.post(
        f"/partners/{partner.slug}/sources",
        data={"name": "Google", "url": f"http://127.0.0.1:{port}/b.ics", "category": "MedCities"},
    )
    assert response.status_code == 302
    source = db.session.scalar(select(CalendarSource))
    assert source.last_counts["new"] == 5
    queued = []
    monkeypatch.setattr(views, "enqueue", lambda name, *args: queued.append((name, args)) or True)
    response = client.post(f"/partners/{partner.slug}/sources/{source.id}/sync")
    assert response.status_code == 302 and queued == [("calendars.sync_source", (source.id,))]
    assert "unchanged 5" in calendars._sync_one_job(source.id)
    # No queue reachable: the request syncs itself.
    monkeypatch.setattr(views, "enqueue", lambda name, *args: False)
    page = client.post(f"/partners/{partner.slug}/sources/{source.id}/sync", follow_redirects=True)
    assert b"0 new, 0 updated, 5 unchanged" in page.data


def test_the_periodic_sync_is_registered_every_four_hours():
    from coordinator.jobs.tasks import PERIODIC_JOBS

    periodic = PERIODIC_JOBS["calendars.sync_all"]
    assert periodic.period == timedelta(hours=4)


@time_machine.travel(datetime(2027, 1, 10, tzinfo=UTC), tick=False)
def test_the_command_line_imports_and_prints_the_counts(app, partner, calendar_server):
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["calendars", "import", partner.slug, str(FIXTURES / "nextcloud.ics")]
    )
    assert result.exit_code == 0, result.output
    assert "new 3, updated 0, unchanged 0, skipped 0, errors 0" in result.output
    again = runner.invoke(
        args=["calendars", "import", partner.slug, str(FIXTURES / "nextcloud.ics")]
    )
    assert "new 0, updated 0, unchanged 3, skipped 0, errors 0" in again.output
    port = calendar_server.server_address[1]
    by_url = runner.invoke(
        args=["calendars", "import", partner.slug, f"http://127.0.0.1:{port}/c.ics"]
    )
    assert "new 6," in by_url.output
    sync = runner.invoke(args=["calendars", "sync"])
    assert "new 0, updated 0, unchanged 6" in sync.output
    bad = runner.invoke(args=["calendars", "import", partner.slug, "/nonexistent.ics"])
    assert bad.exit_code != 0 and "Cannot read" in bad.output


@pytest.mark.parametrize("parser", PARSERS)
def test_round_trip_an_imported_then_published_event_keeps_its_instant(
    client, partner, focal_point, staff, parser
):
    source = services.add_source(focal_point, partner, {"name": "o", "url": ""})
    with time_machine.travel(datetime(2027, 1, 10, tzinfo=UTC), tick=False):
        services.import_payload(source, (FIXTURES / "outlook.ics").read_bytes(), focal_point)
        services.import_payload(source, (FIXTURES / "nextcloud.ics").read_bytes(), focal_point)
        events = list(db.session.scalars(select(Event)))
        for event in events:
            activities.transition(focal_point, event, Action.SUBMIT)
            activities.transition(staff, event, Action.APPROVE)
        db.session.commit()
    with time_machine.travel(datetime(2027, 2, 1, tzinfo=UTC), tick=False):
        body = client.get(f"/partners/{partner.slug}/calendar.ics").data
    instants = reading(validate_feed(body), parser)
    expected = {
        "[joint] Steering committee": datetime(2027, 6, 15, 8, 0, tzinfo=UTC),  # Berlin, summer
        "[joint] Nile water forum": datetime(2027, 7, 6, 7, 0, tzinfo=UTC),  # Cairo, summer
        "Monthly partners meeting (afternoon, Ramadan)": datetime(2027, 3, 4, 14, 0, tzinfo=UTC),
    }
    by_title = {e.title: e for e in events}
    for title, start in expected.items():
        assert by_title[title].status == Status.APPROVED
        assert instants[uid_for(by_title[title].id)][0] == int(start.timestamp()), title
    assert (
        timedelta(0)
        < by_title["[joint] Steering committee"].end_dt
        - by_title["[joint] Steering committee"].start_dt
    )

"""Downloads behind the SSRF guard, against a real local HTTP server."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coordinator.calendars import fetching

BODY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n"


class Handler(BaseHTTPRequestHandler):
    redirect_to = ""
    seen: list[dict] = []

    def do_GET(self):  # noqa: N802
        type(self).seen.append(dict(self.headers))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", type(self).redirect_to)
            self.end_headers()
            return
        if self.path.startswith("/big"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"X" * 200_000)
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("ETag", '"v1"')
        self.send_header("Last-Modified", "Sat, 05 Dec 2026 10:00:00 GMT")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def allowing(*endpoints: str, **kwargs) -> fetching.FetchPolicy:
    return fetching.FetchPolicy(allowed_endpoints=frozenset(endpoints), **kwargs)


GUARDED = fetching.FetchPolicy()


def test_the_guard_refuses_the_local_test_server_itself(server):
    port = server.server_address[1]
    with pytest.raises(fetching.FetchError, match="127.0.0.1, a private or local"):
        fetching.fetch(f"http://127.0.0.1:{port}/cal.ics", GUARDED)
    assert Handler.seen == []  # refused before connecting


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/cal.ics",
        "http://[::1]/cal.ics",
        "http://10.0.0.1/cal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/cal.ics",
        "http://0.0.0.0/cal.ics",
        "http://localhost/cal.ics",
        "webcal://192.168.1.10/cal.ics",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(url):
    with pytest.raises(fetching.FetchError, match="private or local network address"):
        fetching.fetch(url, GUARDED)


def test_a_public_name_resolving_to_loopback_is_refused(monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "calendar.partner.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(fetching.FetchError, match="calendar.partner.example leads to 127.0.0.1"):
        fetching.fetch("webcal://calendar.partner.example/cal.ics", GUARDED)


def test_a_redirect_from_an_allowed_server_to_loopback_is_refused(server):
    port = server.server_address[1]
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other_port = other.getsockname()[1]
    other.close()
    Handler.redirect_to = f"http://127.0.0.1:{other_port}/secret"
    policy = allowing(f"127.0.0.1:{port}")
    with pytest.raises(fetching.FetchError, match="private or local network address"):
        fetching.fetch(f"http://127.0.0.1:{port}/redirect", policy)
    assert len(Handler.seen) == 1  # the allowed hop only


def test_a_redirect_to_the_metadata_address_is_refused(server):
    port = server.server_address[1]
    Handler.redirect_to = "http://169.254.169.254/latest/meta-data/"
    with pytest.raises(fetching.FetchError, match="169.254.169.254"):
        fetching.fetch(f"http://127.0.0.1:{port}/redirect", allowing(f"127.0.0.1:{port}"))


def test_redirects_are_followed_at_most_three_times(server):
    port = server.server_address[1]
    Handler.redirect_to = f"http://127.0.0.1:{port}/redirect"
    with pytest.raises(fetching.FetchError, match="more than 3 times"):
        fetching.fetch(f"http://127.0.0.1:{port}/redirect", allowing(f"127.0.0.1:{port}"))
    assert len(Handler.seen) == 4


def test_download_then_conditional_get(server):
    port = server.server_address[1]
    policy = allowing(f"127.0.0.1:{port}")
    first = fetching.fetch(f"http://127.0.0.1:{port}/cal.ics", policy)
    assert (first.status, first.body, first.etag) == (200, BODY, '"v1"')
    second = fetching.fetch(
        f"http://127.0.0.1:{port}/cal.ics", policy, first.etag, first.last_modified
    )
    assert second.not_modified
    assert Handler.seen[-1]["If-Modified-Since"] == "Sat, 05 Dec 2026 10:00:00 GMT"


def test_the_size_limit_stops_the_download(server):
    port = server.server_address[1]
    policy = allowing(f"127.0.0.1:{port}", max_bytes=100_000)
    with pytest.raises(fetching.FetchError, match="larger than"):
        fetching.fetch(f"http://127.0.0.1:{port}/big", policy)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x.ics", "gopher://x/"])
def test_only_http_and_https(url):
    with pytest.raises(fetching.FetchError, match="Only http"):
        fetching.fetch(url, GUARDED)


def test_webcal_means_https():
    assert fetching.normalise_url("webcal://example.org/a.ics") == "https://example.org/a.ics"

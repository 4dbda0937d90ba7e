"""Benchmark of /calendar.ics, measured side by side in one run.

    .venv/bin/python bench/feed.py [--events 2000] [--rounds 7] [--requests 100]
                                   [--database-url postgresql://...]
    .venv/bin/python bench/feed.py --events 50000 --rounds 3 --requests 50   # the large network

Prints these ratios:
 1. requests/s of /calendar.ics (cached bytes; the version query at most once per
    FEED_RECHECK_SECONDS, and also measured on every request) ÷ requests/s of a route of the
    same app answering the same precomputed bytes (target >= 0.9);
 2. time to build the feed uncached (query, ORM load, writing) ÷ time icalendar alone takes to
    serialise the same events (target <= 1.5): with the feed cache emptied (each VEVENT's octets
    are still kept per process, as when a change invalidates a feed), and with nothing cached at
    all (the first build in a process);
 3. requests/s of a 304 revalidation ÷ requests/s of the precomputed bytes, and ÷ /healthz;
 4. requests/s of /calendar.ics sent gzip (Accept-Encoding: gzip, cached) ÷ /healthz;
 5. the cold network feed at the default FEED_MAX_BYTES (nothing cached: no feed, no VEVENT):
    its build time ÷ the time icalendar alone takes to serialise the events it wrote.
Up to 5,000 events the HTTP routes serve the whole window (FEED_MAX_BYTES raised); above, they
serve the capped feed. Events are seeded with bulk inserts (50,000 take seconds).
HTTP is measured against a real werkzeug server on loopback (HTTP/1.1 keep-alive, one client
connection). Requests to the routes are interleaved one by one in a shuffled order, so a burst
of load from other users of the machine falls on every route alike; a route's rate in a round
is its requests divided by the time they took, and each ratio is the median over the rounds
(the lowest and highest round are printed beside it).
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import icalendar  # noqa: E402
from flask import Response  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from coordinator import create_app  # noqa: E402
from coordinator.access import public  # noqa: E402
from coordinator.activities.filters import EventFilters  # noqa: E402
from coordinator.activities.models import (  # noqa: E402
    Event,
    EventKind,
    Status,
    Theme,
    Visibility,
    event_themes,
)
from coordinator.config import DefaultConfig, normalise_database_url  # noqa: E402
from coordinator.extensions import db  # noqa: E402
from coordinator.feeds import cache as feeds_cache  # noqa: E402
from coordinator.feeds import ical, scopes, services  # noqa: E402
from coordinator.feeds.vtimezone import zone_for  # noqa: E402
from coordinator.partners.models import Partner  # noqa: E402

ZONES = [
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Athens",
    "Europe/Istanbul",
    "Africa/Cairo",
    "Africa/Tunis",
    "Africa/Casablanca",
    "Asia/Beirut",
    "Asia/Amman",
    "Asia/Jerusalem",
    "Africa/Algiers",
    "Europe/Rome",
    "Europe/Belgrade",
]


def seed(count: int) -> None:
    """`count` public events over the next 360 days, in bulk (no ORM object per event)."""
    rng = random.Random(4)
    partners = [
        Partner(name=f"Partner {i}", acronym=f"P{i}", slug=f"p{i}", timezone=ZONES[i])
        for i in range(len(ZONES))
    ]
    themes = [Theme(name=f"Theme {i}", slug=f"t{i}") for i in range(8)]
    db.session.add_all(partners + themes)
    db.session.flush()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    kinds = list(EventKind)
    rows = []
    for index in range(count):
        start = now + timedelta(days=rng.randint(1, 360), hours=rng.randint(0, 23))
        rows.append(
            {
                "title": f"Joint workshop {index}: water, cities; μέρα / يوم",
                "summary": "A joint event of the network, with partners from both shores.",
                "description": "Agenda:\n\n- opening\n- panels\n- visit of the site\n" * 3,
                "kind": rng.choice(kinds),
                "timezone": rng.choice(ZONES),
                "start_dt": start,
                "end_dt": start + timedelta(hours=rng.randint(1, 8)),
                "venue": "City hall",
                "city": "Marseille",
                "country": "FR",
                "latitude": 43.3,
                "longitude": 5.37,
                "online_url": "https://meet.example.org/x" if index % 3 == 0 else "",
                "visibility": Visibility.PUBLIC,
                "status": Status.APPROVED,
                "lead_partner_id": partners[index % len(partners)].id,
                "updated_dt": now,
                "published_dt": now,
                "submitted_dt": now,
                "created_dt": now,
                "status_changed_dt": now,
            }
        )
    for first in range(0, count, 5000):
        db.session.execute(insert(Event), rows[first : first + 5000])
    ids = db.session.scalars(select(Event.id).order_by(Event.id)).all()
    links = [
        {"event_id": event_id, "theme_id": theme.id}
        for event_id in ids
        for theme in rng.sample(themes, 2)
    ]
    for first in range(0, len(links), 10000):
        db.session.execute(insert(event_themes), links[first : first + 10000])
    db.session.commit()


def empty_caches(app) -> None:
    """No built feed anywhere: this process's entries and the shared cache's memory."""
    feeds_cache.feed_cache().entries.clear()
    shared = app.extensions.get("shared_cache")
    if shared is not None:
        shared.memory.clear()


def icalendar_alone(feed_events) -> bytes:
    """The same events through icalendar's object model (its serialisation path)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    for item in feed_events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.updated_dt)
        event.add("dtstart", item.start_dt.astimezone(zone_for(item.timezone)))
        event.add("dtend", item.end_dt.astimezone(zone_for(item.timezone)))
        event.add("summary", item.title)
        event.add("description", item.description)
        event.add("location", item.location)
        event.add("geo", (item.latitude, item.longitude))
        event.add("url", item.url)
        event.add("categories", list(item.categories))
        event.add("status", "CONFIRMED")
        event.add("sequence", item.sequence)
        event.add("last-modified", item.updated_dt)
        calendar.add_component(event)
    return calendar.to_ical()


def best_of(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="feed-bench-"))
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(args.database_url)
            or f"sqlite:///{workdir / 'bench.sqlite'}",
            "MAIL_OUTBOX": str(workdir / "outbox"),
            "UPLOAD_FOLDER": str(workdir / "uploads"),
            "FEED_MAX_BYTES": 50_000_000,
            "BASE_URL": "http://127.0.0.1",
        }
    )
    precomputed: dict[str, bytes] = {}

    @public
    def precomputed_feed():
        return Response(precomputed["body"], content_type="text/calendar; charset=utf-8")

    app.add_url_rule("/bench/precomputed.ics", "bench_precomputed", precomputed_feed)

    with app.app_context():
        db.drop_all()
        db.create_all()
        seed(args.events)

    # 2. Building uncached vs icalendar alone, on the same events.
    full_window = args.events <= 5000
    http_max_bytes = 50_000_000 if full_window else DefaultConfig.FEED_MAX_BYTES
    app.config["FEED_MAX_BYTES"] = http_max_bytes
    with app.test_request_context("/calendar.ics", base_url="http://127.0.0.1"):
        scope = scopes.network_scope(EventFilters())

        def build_uncached():
            empty_caches(app)
            return feeds_cache.current_feed(scope)

        def build_cold():
            ical.forget_rendered_events()
            return build_uncached()

        build_uncached()  # warm: imports, first queries
        if full_window:
            feed_events = [
                services.to_feed_event(e)
                for e in db.session.scalars(db.select(Event).options(db.selectinload(Event.themes)))
            ]
            ours = best_of(build_uncached, 5)
            cold = best_of(build_cold, 5)
            theirs = best_of(lambda: icalendar_alone(feed_events), 5)
        # 5. The production limit: descriptions dropped, then the farthest days left out.
        app.config["FEED_MAX_BYTES"] = DefaultConfig.FEED_MAX_BYTES
        limited = best_of(build_uncached, 3)
        capped_cold = best_of(build_cold, 3)
        limited_feed = build_uncached()
        written_ids = [
            int(line[4:].split(b"@")[0])
            for line in limited_feed.body.split(b"\r\n")
            if line.startswith(b"UID:")
        ]
        written = [
            services.to_feed_event(e)
            for e in db.session.scalars(
                db.select(Event)
                .where(Event.id.in_(written_ids))
                .options(db.selectinload(Event.themes))
                .order_by(Event.start_dt, Event.id)
            )
        ]
        capped_theirs = best_of(lambda: icalendar_alone(written), 3)
        window_events = db.session.scalar(
            scopes.scoped(select(db.func.count(Event.id)), scope).where(
                scopes.Window.at(datetime.now(UTC)).clause()
            )
        )
        app.config["FEED_MAX_BYTES"] = http_max_bytes
        empty_caches(app)
        db.session.remove()

    server = make_server(
        "127.0.0.1",
        0,
        app,
        threaded=False,
        request_handler=type(
            "Handler",
            (WSGIRequestHandler,),
            {"protocol_version": "HTTP/1.1", "log_request": lambda *a, **k: None},
        ),
    )
    port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    connection = http.client.HTTPConnection("127.0.0.1", port)

    def get(path: str, headers=None) -> tuple[int, bytes, dict]:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())

    status, body, headers = get("/calendar.ics")
    assert status == 200 and len(body) > 100_000, (status, len(body))
    precomputed["body"] = body
    etag = headers["ETag"]
    _, _, gzip_headers = get("/calendar.ics", {"Accept-Encoding": "gzip"})
    gzip_served = gzip_headers.get("Content-Encoding") == "gzip"

    def measure(routes: dict[str, tuple[str, dict, int]]) -> dict[str, list[float]]:
        """Requests per second of each route, per round, interleaved request by request."""
        shuffler = random.Random(7)
        rates: dict[str, list[float]] = {name: [] for name in routes}
        for _ in range(args.rounds):
            spent = dict.fromkeys(routes, 0.0)
            for _ in range(args.requests):
                order = list(routes)
                shuffler.shuffle(order)
                for name in order:
                    path, headers, expect = routes[name]
                    started = time.perf_counter()
                    status, _, _ = get(path, headers)
                    spent[name] += time.perf_counter() - started
                    assert status == expect, (name, status)
            for name in routes:
                rates[name].append(args.requests / spent[name])
        return rates

    routes = {
        "feed": ("/calendar.ics", {}, 200),
        "precomputed": ("/bench/precomputed.ics", {}, 200),
        "revalidate": ("/calendar.ics", {"If-None-Match": etag}, 304),
        "gzip": ("/calendar.ics", {"Accept-Encoding": "gzip"}, 200),
        "healthz": ("/healthz", {}, 200),
    }
    recheck = app.config["FEED_RECHECK_SECONDS"]
    rates = measure(routes)
    # The same with the version query on every single request (separately: a strict request
    # would refresh the cached feed's check for the requests around it).
    app.config["FEED_RECHECK_SECONDS"] = 0
    strict_rates = measure(
        {name: routes[name] for name in ("feed", "precomputed", "revalidate", "gzip", "healthz")}
    )
    app.config["FEED_RECHECK_SECONDS"] = recheck
    server.shutdown()
    connection.close()
    with app.app_context():
        db.drop_all()

    def versus(name: str, base: str = "precomputed", rates=rates) -> str:
        ratios = sorted(a / b for a, b in zip(rates[name], rates[base], strict=True))
        label = "precomputed bytes" if base == "precomputed" else "/" + base
        return (
            f"{statistics.median(rates[name]):8.1f} req/s / {label} "
            f"{statistics.median(rates[base]):8.1f} req/s "
            f"= {statistics.median(ratios):.2f} (rounds {ratios[0]:.2f}-{ratios[-1]:.2f})"
        )

    engine = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(
        f"database: {engine}, events: {args.events} ({window_events} in the 400-day window), "
        f"feed served over HTTP: {len(body):,} bytes ({body.count(b'BEGIN:VEVENT')} events; "
        + (
            f"FEED_MAX_BYTES raised so all {args.events} are in), "
            if full_window
            else f"FEED_MAX_BYTES {DefaultConfig.FEED_MAX_BYTES:,}), "
        )
        + "server: werkzeug on 127.0.0.1 (HTTP/1.1 keep-alive, 1 client), "
        f"{args.rounds} rounds x {args.requests} requests per route, medians; "
        f"FEED_RECHECK_SECONDS={recheck} (version query at most once per {recheck}s per feed)"
    )
    print(f"1. /calendar.ics {versus('feed')}  (target >= 0.9)")
    if full_window:
        print(
            f"2. uncached build {ours * 1000:8.1f} ms / icalendar alone {theirs * 1000:8.1f} ms "
            f"= {ours / theirs:.2f}  (target <= 1.5)"
        )
        print(f"   with no VEVENT cached either: {cold * 1000:.1f} ms = {cold / theirs:.2f}")
    else:
        print("2. (whole-window build skipped above 5,000 events: see 5.)")
    print(f"3. 304 revalidation {versus('revalidate')}")
    print(f"   304 revalidation {versus('revalidate', 'healthz')}")
    print(
        f"4. /calendar.ics gzip{'' if gzip_served else ' (NOT served gzip)'} "
        f"{versus('gzip', 'healthz')}  (target >= 0.9)"
    )
    print(f"   /calendar.ics plain {versus('feed', 'healthz')}")
    print(
        f"5. cold network feed, default FEED_MAX_BYTES ({DefaultConfig.FEED_MAX_BYTES:,}): "
        f"{capped_cold * 1000:.1f} ms for {len(limited_feed.body):,} bytes "
        f"({len(written)} events written) / icalendar alone on them "
        f"{capped_theirs * 1000:.1f} ms = {capped_cold / capped_theirs:.2f}"
    )
    print(
        f"   with each VEVENT's octets kept: {limited * 1000:.1f} ms "
        f"= {limited / capped_theirs:.2f}"
    )
    print("   with the version query on every request (FEED_RECHECK_SECONDS=0):")
    print(f"   1. /calendar.ics {versus('feed', rates=strict_rates)}")
    print(f"   3. 304 revalidation {versus('revalidate', rates=strict_rates)}")
    print(f"   4. /calendar.ics gzip {versus('gzip', 'healthz', rates=strict_rates)}")


if __name__ == "__main__":
    main()

"""Benchmark of /calendar.ics over 2,000 upcoming events, measured side by side in one run.

    .venv/bin/python bench/feed.py [--events 2000] [--rounds 7] [--requests 100]
                                   [--database-url postgresql://...]

Prints three ratios:
 1. requests/s of /calendar.ics (cached bytes; the version query at most once per
    FEED_RECHECK_SECONDS, and also measured on every request) ÷ requests/s of a route of the
    same app answering the same precomputed bytes (target >= 0.9);
 2. time to build the feed uncached (query, ORM load, writing) ÷ time icalendar alone takes to
    serialise the same events (target <= 1.5): with the feed cache emptied (each VEVENT's octets
    are still kept per process, as when a change invalidates a feed), and with nothing cached at
    all (the first build in a process);
 3. requests/s of a 304 revalidation ÷ requests/s of the trivial route.
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
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from coordinator import create_app  # noqa: E402
from coordinator.access import public  # noqa: E402
from coordinator.activities.filters import EventFilters  # noqa: E402
from coordinator.activities.models import Event, EventKind, Status, Theme, Visibility  # noqa: E402
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
    rng = random.Random(4)
    partners = [
        Partner(name=f"Partner {i}", acronym=f"P{i}", slug=f"p{i}", timezone=ZONES[i])
        for i in range(len(ZONES))
    ]
    themes = [Theme(name=f"Theme {i}", slug=f"t{i}") for i in range(8)]
    db.session.add_all(partners + themes)
    db.session.flush()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for index in range(count):
        start = now + timedelta(days=rng.randint(1, 360), hours=rng.randint(0, 23))
        event = Event(
            title=f"Joint workshop {index}: water, cities; μέρα / يوم",
            summary="A joint event of the network, with partners from both shores.",
            description="Agenda:\n\n- opening\n- panels\n- visit of the site\n" * 3,
            kind=rng.choice(list(EventKind)),
            timezone=rng.choice(ZONES),
            start_dt=start,
            end_dt=start + timedelta(hours=rng.randint(1, 8)),
            venue="City hall",
            city="Marseille",
            country="FR",
            latitude=43.3,
            longitude=5.37,
            online_url="https://meet.example.org/x" if index % 3 == 0 else "",
            visibility=Visibility.PUBLIC,
            status=Status.APPROVED,
            lead_partner_id=partners[index % len(partners)].id,
            updated_dt=now,
            published_dt=now,
            submitted_dt=now,
            created_dt=now,
        )
        event.themes = rng.sample(themes, 2)
        db.session.add(event)
    db.session.commit()


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
    with app.test_request_context("/calendar.ics", base_url="http://127.0.0.1"):
        scope = scopes.network_scope(EventFilters())
        cache = feeds_cache.feed_cache()

        def build_uncached():
            cache.entries.clear()
            return feeds_cache.current_feed(scope)

        def build_cold():
            ical.forget_rendered_events()
            return build_uncached()

        built = build_uncached()
        feed_events = [
            services.to_feed_event(e)
            for e in db.session.scalars(db.select(Event).options(db.selectinload(Event.themes)))
        ]
        ours = best_of(build_uncached, 5)
        cold = best_of(build_cold, 5)
        theirs = best_of(lambda: icalendar_alone(feed_events), 5)
        # The production limit: descriptions dropped, then the farthest events left out.
        app.config["FEED_MAX_BYTES"] = DefaultConfig.FEED_MAX_BYTES
        limited = best_of(build_uncached, 3)
        limited_feed = build_uncached()
        app.config["FEED_MAX_BYTES"] = 50_000_000
        cache.entries.clear()
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

    precomputed_route = ("/bench/precomputed.ics", {}, 200)
    feed_route = ("/calendar.ics", {}, 200)
    revalidate_route = ("/calendar.ics", {"If-None-Match": etag}, 304)
    recheck = app.config["FEED_RECHECK_SECONDS"]
    rates = measure(
        {"feed": feed_route, "precomputed": precomputed_route, "revalidate": revalidate_route}
    )
    # The same with the version query on every single request (separately: a strict request
    # would refresh the cached feed's check for the requests around it).
    app.config["FEED_RECHECK_SECONDS"] = 0
    strict_rates = measure(
        {"feed": feed_route, "precomputed": precomputed_route, "revalidate": revalidate_route}
    )
    app.config["FEED_RECHECK_SECONDS"] = recheck
    server.shutdown()
    connection.close()
    with app.app_context():
        db.drop_all()

    def versus_precomputed(name: str, rates=rates) -> str:
        ratios = sorted(a / b for a, b in zip(rates[name], rates["precomputed"], strict=True))
        return (
            f"{statistics.median(rates[name]):8.1f} req/s / precomputed bytes "
            f"{statistics.median(rates['precomputed']):8.1f} req/s "
            f"= {statistics.median(ratios):.2f} (rounds {ratios[0]:.2f}-{ratios[-1]:.2f})"
        )

    engine = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(
        f"database: {engine}, events: {args.events}, "
        f"feed size: {len(body):,} bytes ({built.event_count} events; "
        f"FEED_MAX_BYTES raised so all {args.events} are in), "
        f"server: werkzeug on 127.0.0.1 (HTTP/1.1 keep-alive, 1 client), "
        f"{args.rounds} rounds x {args.requests} requests per route, medians; "
        f"FEED_RECHECK_SECONDS={recheck} (version query at most once per {recheck}s per feed)"
    )
    print(f"1. /calendar.ics {versus_precomputed('feed')}  (target >= 0.9)")
    print(
        f"2. uncached build {ours * 1000:8.1f} ms / icalendar alone {theirs * 1000:8.1f} ms "
        f"= {ours / theirs:.2f}  (target <= 1.5)"
    )
    print(f"   with no VEVENT cached either: {cold * 1000:.1f} ms = {cold / theirs:.2f}")
    print(
        f"   with the default FEED_MAX_BYTES ({DefaultConfig.FEED_MAX_BYTES:,}): "
        f"{limited * 1000:.1f} ms for {len(limited_feed.body):,} bytes "
        f"({limited_feed.event_count} events loaded, "
        f"{limited_feed.body.count(b'BEGIN:VEVENT')} written) = {limited / theirs:.2f}"
    )
    print(f"3. 304 revalidation {versus_precomputed('revalidate')}")
    print("   with the version query on every request (FEED_RECHECK_SECONDS=0):")
    print(f"   1. /calendar.ics {versus_precomputed('feed', strict_rates)}")
    print(f"   3. 304 revalidation {versus_precomputed('revalidate', strict_rates)}")


if __name__ == "__main__":
    main()

"""Two hosts against one, measured side by side in one run.

    .venv/bin/python bench/hosts.py [--events 3000] [--rounds 5] [--seconds 4] [--clients 8]
                                    [--cache-url redis://127.0.0.1:6379/12] [--prefix bench-hosts-]

Starts host A (gunicorn with gunicorn.conf.py, `wsgi:app`, 2 workers, its own instance folder),
then host B the same way. Both share the database (COORDINATOR_DATABASE_URL when set, else one
SQLite file) and Redis (CACHE_URL). It seeds the events, then prints:
 1. the cached feed's throughput, two hosts ÷ one: rounds alternate between sending every
    request to A and spreading them over A and B (both hosts stay up, so a burst of load from
    other users of the machine falls on both kinds of round alike); each round's rate is its
    requests divided by its time; the ratio is the median over the rounds, with the lowest and
    highest beside it. On one machine both hosts share its cores, so this shows the overhead of
    a second host rather than a second machine's gain;
 2. how many feed builds a burst of 200 concurrent requests for 20 cold filtered feeds causes
    across both hosts (the sum of coordinator_feed_builds from each host's /metrics). One per
    feed, 20, is the target: with a shared cache and a single-flight lock per feed key, each
    feed is built once whichever worker of whichever host is asked first.

On the shared SQLite file, 8 concurrent clients already get "database is locked" 500s from one
host's feed path (measured 2026-12-06): give COORDINATOR_DATABASE_URL=postgresql://... for
figures; a failed request stops the bench with the hosts' logs.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from tests.hosts.cluster import Host, get  # noqa: E402

FEED = "/calendar.ics"


def metric(host: Host, name: str) -> float:
    """The sum of a counter over every worker of the host (gunicorn's multiprocess metrics)."""
    answer = get(host.url + "/metrics")
    if answer.status != 200:
        raise RuntimeError(f"/metrics of host {host.name}: {answer}")
    return sum(
        sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
        if sample.name in {name, name + "_total"}
    )


def seed(database_url: str, events: int, folder: Path) -> None:
    from bench.feed import seed as seed_events
    from coordinator import create_app
    from coordinator.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "seed",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(folder / "seed"),
            "JOBS_URL": "immediate",
        }
    )
    with app.app_context():
        seed_events(events)
        db.session.remove()
        db.engine.dispose()


def hammer(urls: list[str], seconds: float, clients: int) -> float:
    """Requests per second over `seconds`, `clients` keep-alive connections, each sending its
    requests to the URLs in turn."""
    stop = time.monotonic() + seconds
    counts = [0] * clients
    failures: list[str] = []

    def client(index: int) -> None:
        connections = {}
        turn = index
        while time.monotonic() < stop:
            url = urls[turn % len(urls)]
            turn += 1
            hostport, _, path = url.removeprefix("http://").partition("/")
            if hostport not in connections:
                host, _, port = hostport.partition(":")
                connections[hostport] = http.client.HTTPConnection(host, int(port), timeout=60)
            connection = connections[hostport]
            connection.request("GET", "/" + path)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                failures.append(f"{url}: {answer.status}")
                return
            counts[index] += 1
        for connection in connections.values():
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} failed request(s), e.g. {failures[0]}")
    return sum(counts) / (time.monotonic() - started)


def burst(hosts: list[Host], feeds: int, requests: int) -> tuple[float, int]:
    """`requests` concurrent requests for `feeds` cold filtered feeds, spread over the hosts;
    the feed builds they cause (summed over the hosts) and the slowest answer's seconds."""
    before = sum(metric(host, "coordinator_feed_builds") for host in hosts)
    first_day = date.today() + timedelta(days=400)  # a filter no earlier request used: cold
    urls = [
        f"{hosts[n % len(hosts)].url}{FEED}?start={first_day + timedelta(days=n % feeds)}"
        for n in range(requests)
    ]
    gate = threading.Barrier(requests)

    def fetch(url: str) -> float:
        gate.wait()
        started = time.monotonic()
        answer = get(url, timeout=120)
        if answer.status != 200:
            raise RuntimeError(f"{url}: {answer}")
        return time.monotonic() - started

    with ThreadPoolExecutor(max_workers=requests) as pool:
        slowest = max(pool.map(fetch, urls))
    after = sum(metric(host, "coordinator_feed_builds") for host in hosts)
    return slowest, int(after - before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12")
    )
    parser.add_argument("--prefix", default="bench-hosts-", help="Redis key prefix")
    arguments = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="coordinator-bench-hosts-"))
    database_url = (
        os.environ.get("COORDINATOR_DATABASE_URL") or f"sqlite:///{folder / 'shared.sqlite'}"
    )
    prefix = f"{arguments.prefix}{uuid.uuid4().hex[:8]}:"
    settings = {
        "COORDINATOR_DATABASE_URL": database_url,
        "COORDINATOR_SECRET_KEY": secrets.token_hex(32),
        "COORDINATOR_BASE_URL": "http://coordinator.bench",
        "COORDINATOR_CACHE_URL": arguments.cache_url,
        "COORDINATOR_CACHE_PREFIX": prefix,
        "COORDINATOR_JOBS_URL": "immediate",
        "COORDINATOR_METRICS_ENABLED": "true",
        "COORDINATOR_LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    a = Host("A", folder / "host-a", settings)
    b = Host("B", folder / "host-b", settings)
    try:
        for host in (a, b):
            host.folder.mkdir()
        migrated = a.flask("db", "upgrade")
        if migrated.returncode != 0:
            raise SystemExit(migrated.stderr)
        seed(database_url, arguments.events, folder)
        engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite (one file)"
        print(f"{arguments.events} events on {engine}; shared cache {arguments.cache_url}")

        a.start_web()
        a.wait_ready()
        hammer([a.url + FEED], 1.0, 2)  # every worker of A builds or fetches the feed once
        one_alone = hammer([a.url + FEED], arguments.seconds, arguments.clients)
        print(f"one host alone (before B starts): {one_alone:,.0f} requests/s")
        b.start_web()
        b.wait_ready()
        hammer([b.url + FEED], 1.0, 2)

        ratios, ones, twos = [], [], []
        for _ in range(arguments.rounds):
            one = hammer([a.url + FEED], arguments.seconds, arguments.clients)
            two = hammer([a.url + FEED, b.url + FEED], arguments.seconds, arguments.clients)
            ones.append(one)
            twos.append(two)
            ratios.append(two / one)
        print(
            f"cached feed, requests/s: one host {statistics.median(ones):,.0f}, two hosts "
            f"{statistics.median(twos):,.0f} (median of {arguments.rounds} rounds, "
            f"{arguments.clients} clients)"
        )
        print(
            f"  throughput ratio two hosts ÷ one host: {statistics.median(ratios):.2f} "
            f"(rounds {min(ratios):.2f}–{max(ratios):.2f}; {os.cpu_count()} cores shared by both)"
        )

        slowest, builds = burst([a, b], feeds=20, requests=200)
        workers = 2 * 2  # gunicorn workers per host (WEB_CONCURRENCY) x hosts
        print(
            f"burst of 200 concurrent requests for 20 cold filtered feeds over both hosts: "
            f"{builds} feed builds (target 20: one per feed; {20 * workers} would be one per "
            f"feed per worker); slowest answer {slowest:.1f}s"
        )
    except Exception:
        for host in (a, b):
            print(f"--- host {host.name}'s log (end):\n{host.log_tail('web')}")
        raise
    finally:
        for host in (a, b):
            host.stop()
        _forget_keys(arguments.cache_url, prefix)
        shutil.rmtree(folder, ignore_errors=True)


def _forget_keys(url: str, prefix: str) -> None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()
    except Exception as error:  # noqa: BLE001 - the bench's figures stand; say what was left
        print(f"(could not remove the Redis keys {prefix}*: {error})")


if __name__ == "__main__":
    main()

"""Pages and feeds at 2k, 10k and 50k events, side by side with /healthz, under gunicorn.

    .venv/bin/python bench/scale.py                    # 2,000, 10,000 and 50,000 events
    .venv/bin/python bench/scale.py --sizes 2000       # a quick run (about 2 minutes)
    COORDINATOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/coordinator_bench \\
        .venv/bin/python bench/scale.py                # on PostgreSQL (what issue 13 measured)

For each size it seeds a throwaway database (on PostgreSQL: a database named after the given
one plus `_scale`, created fresh and dropped after; the named database is never touched;
otherwise a temporary SQLite file) with `flask --app wsgi demo --events N`, serves it with
gunicorn (gunicorn.conf.py, 2 workers) on a loopback port and drives every public page with
concurrent clients: wrk when installed (`apt-get install wrk`), else a Python driver. A run in
which one worker got (nearly) every client connection is set aside and run again, up to four
times (drive_balanced; the note column counts them): it measured one worker, not the server.

It prints, for each route, the throughput ÷ /healthz's (measured in the same run, before, in
the middle of and after the pages) and the p50 and p99 latency; the SQL queries one request of
the page runs (through Flask's test client in this process, counted by an engine event, page
cache off, data versions read on every request) and its in-process time; and the workers' RSS
after the run; and, in this process, the statements and time of the signed-in pages whose
lists grow with the network (the staff's home, review queue and dashboard; the home and "My
partner's activities" of a focal point of the partner leading the most events). Then the
targets of issue 13 with PASS or MISS each.

Warm = an anonymous visitor served from the page cache. Cold = the same request with the page
cache bypassed: the server is started with PAGE_CACHE_BYPASS_HEADER set (a bench-only setting)
and the cold runs send that header. On a tree without the page cache both are the same work.
A full run takes about 8 to 12 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BYPASS_HEADER = "X-Bench-Cold"
PAGES = ("events list", "month", "agenda", "event page", "partner page", "project page")
FEEDS = ("network feed", "filtered feed", "events.atom")
MB = 1024 * 1024


# --- the database -------------------------------------------------------------------------------


@contextmanager
def throwaway_database(size: int):
    """A fresh database URL for one size, removed afterwards."""
    given = os.environ.get("COORDINATOR_DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql")):
        from sqlalchemy import create_engine, make_url, text

        from coordinator.config import normalise_database_url

        base = make_url(normalise_database_url(given))
        name = f"{base.database}_scale"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")

        def drop():
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        drop()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False), "PostgreSQL"
        finally:
            drop()
            admin.dispose()
        return
    with tempfile.TemporaryDirectory(prefix=f"scale-{size}-") as folder:
        yield f"sqlite:///{folder}/bench.sqlite", "SQLite"


def _env(database_url: str, folder: str, port: int | None = None) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("COORDINATOR_") or key == "COORDINATOR_CACHE_URL"
    }
    env.update(
        PYTHONPATH=str(ROOT),
        COORDINATOR_DATABASE_URL=database_url,
        COORDINATOR_SECRET_KEY="bench-scale",
        COORDINATOR_UPLOAD_FOLDER=f"{folder}/uploads",
        COORDINATOR_MAIL_OUTBOX=f"{folder}/outbox",
        COORDINATOR_JOBS_URL="immediate",
        COORDINATOR_PAGE_CACHE_BYPASS_HEADER=BYPASS_HEADER,
    )
    if port:
        env.update(
            COORDINATOR_BASE_URL=f"http://127.0.0.1:{port}",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
            GUNICORN_ACCESS_LOG="/dev/null",
        )
    return env


def seed(database_url: str, folder: str, size: int) -> float:
    env = _env(database_url, folder)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    started = time.perf_counter()
    for args in (["db", "upgrade"], ["demo", "--events", str(size)]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


# --- what to request, and queries per page (in this process) ------------------------------------


def in_process_app(database_url: str, folder: str, page_cache: bool):
    import logging

    from coordinator import create_app

    logging.getLogger("coordinator.request").setLevel(logging.WARNING)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _normalised(database_url),
            "SECRET_KEY": "bench-scale",
            "BASE_URL": "http://127.0.0.1",
            "UPLOAD_FOLDER": f"{folder}/uploads",
            "MAIL_OUTBOX": f"{folder}/outbox",
            "JOBS_URL": "immediate",
            "PAGE_CACHE": page_cache,
            # Counted with the data versions read on every request (as tests/conftest.py's
            # exact_query_counts): otherwise whether a request lands inside the recheck
            # interval after the previous one decides whether it reads the version or not.
            "PAGE_CACHE_RECHECK_SECONDS": 0,
            "FEED_RECHECK_SECONDS": 0,
        }
    )


def _normalised(url: str) -> str:
    from coordinator.config import normalise_database_url

    return normalise_database_url(url)


def pick_routes(app) -> dict[str, str]:
    """The URL of every measured route: the busiest partner and project, an upcoming event."""
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from coordinator.activities.models import (
        Confirmation,
        Event,
        EventPartner,
        Project,
        Status,
        Theme,
        Visibility,
    )
    from coordinator.extensions import db
    from coordinator.partners.models import Partner

    with app.app_context():
        published = (Event.status == Status.APPROVED, Event.visibility == Visibility.PUBLIC)
        # The soonest upcoming event with a project, a confirmed co-organiser and a theme: the
        # same shape of page at every size (an event without links runs fewer statements).
        event_id = db.session.scalar(
            select(Event.id)
            .where(
                *published,
                Event.start_dt > datetime.now(UTC),
                Event.project_id.is_not(None),
                Event.themes.any(),
                Event.partner_links.any(EventPartner.confirmation == Confirmation.CONFIRMED),
            )
            .order_by(Event.start_dt)
            .limit(1)
        )
        partner = db.session.scalar(
            select(Partner.slug)
            .join(Event, Event.lead_partner_id == Partner.id)
            .where(*published)
            .group_by(Partner.slug)
            .order_by(func.count().desc())
            .limit(1)
        )
        project = db.session.scalar(
            select(Project.slug)
            .join(Event, Event.project_id == Project.id)
            .where(Project.status == Status.APPROVED, *published)
            .group_by(Project.slug)
            .order_by(func.count().desc())
            .limit(1)
        )
        theme = db.session.scalar(select(Theme.slug).order_by(Theme.id).limit(1))
    return {
        "events list": "/events/",
        "month": "/calendar/",
        "agenda": "/calendar/agenda",
        "event page": f"/events/{event_id}",
        "partner page": f"/partners/{partner}",
        "project page": f"/projects/{project}",
        "network feed": "/calendar.ics",
        "filtered feed": f"/calendar.ics?theme={theme}",
        "events.atom": "/events.atom",
    }


def count_queries(app, routes: dict[str, str]) -> tuple[dict, dict, float, float]:
    """Queries and in-process ms of one request per route (after one to warm it up); the time
    of the process's first request, a build of the network feed; and the median of three
    builds of that feed from nothing (its caches emptied), the process warmed up."""
    from sqlalchemy import event

    from coordinator import sharedcache
    from coordinator.extensions import db

    rebuilds = [0]

    def forget_built_feeds():
        # Feeds are kept per process and in the shared cache: without both, a request serves
        # the bytes built before. A fresh prefix leaves a Redis cache's entries behind too.
        rebuilds[0] += 1
        app.extensions.pop("feeds.cache", None)
        app.config["CACHE_PREFIX"] = f"bench-scale-{os.getpid()}-{rebuilds[0]}:"
        sharedcache.init_app(app)

    counter = [0]
    queries: dict[str, int] = {}
    millis: dict[str, float] = {}
    with app.app_context():
        engine = db.engine

    def count(*_args, **_kwargs):
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        client = app.test_client()
        started = time.perf_counter()
        client.get(routes["network feed"])
        first_request = time.perf_counter() - started
        builds = []
        for _ in range(3):
            forget_built_feeds()
            started = time.perf_counter()
            client.get(routes["network feed"])
            builds.append(time.perf_counter() - started)
        # Each route after one request to warm it up: a feed is then served from the feeds'
        # caches (the build is measured above).
        for label, url in routes.items():
            client.get(url)
            counter[0] = 0
            started = time.perf_counter()
            response = client.get(url)
            millis[label] = (time.perf_counter() - started) * 1000
            queries[label] = counter[0]
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return queries, millis, statistics.median(builds), first_request


SIGNED_IN = (
    ("staff", "staff home", "/"),
    ("staff", "review queue", "/review/"),
    ("staff", "dashboard", "/staff/"),
    ("focal point", "focal point home", "/"),
    ("focal point", "my activities", "/my/activities"),
)


def count_signed_in(app, rounds: int = 5) -> dict[str, tuple[int, float]]:
    """Statements and in-process ms (median of `rounds`) of the signed-in pages whose lists
    grow with the network, for a staff member and a focal point of the partner that leads the
    most events; and /healthz's in-process ms under the label "/healthz"."""
    from sqlalchemy import event, func, select

    from coordinator.accounts.models import User
    from coordinator.activities.models import Event
    from coordinator.demo.network import DEMO_PASSWORD
    from coordinator.extensions import db

    with app.app_context():
        engine = db.engine
        focal_point = db.session.scalar(
            select(User.email)
            .join(Event, Event.lead_partner_id == User.partner_id)
            .where(User.role == "focal_point", User.email.like("%@demo.coordinator.test"))
            .group_by(User.email)
            .order_by(func.count().desc(), User.email)
            .limit(1)
        )
    emails = {"staff": "staff@demo.coordinator.test", "focal point": focal_point}
    counter = [0]

    def count(*_args, **_kwargs):
        counter[0] += 1

    def timed(client, url: str) -> tuple[int, float]:
        client.get(url)
        times = []
        for _ in range(rounds):
            counter[0] = 0
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        return counter[0], statistics.median(times)

    measured: dict[str, tuple[int, float]] = {}
    csrf = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = False  # the bench signs in by posting the form directly
    event.listen(engine, "before_cursor_execute", count)
    try:
        measured["/healthz"] = timed(app.test_client(), "/healthz")
        for role, email in emails.items():
            client = app.test_client()
            signed_in = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
            if signed_in.status_code != 302:
                raise RuntimeError(f"{email} could not sign in ({signed_in.status_code})")
            for who, label, url in SIGNED_IN:
                if who == role:
                    measured[label] = timed(client, url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        app.config["WTF_CSRF_ENABLED"] = csrf
    return measured


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, folder: str):
    port = free_port()
    log = open(f"{folder}/gunicorn.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=_env(database_url, folder, port),
        stdout=log,
        stderr=log,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(
                        f"gunicorn did not start; see {folder}/gunicorn.log"
                    ) from None
                time.sleep(0.2)
        yield base, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def worker_rss(master_pid: int) -> list[float]:
    sizes = []
    for pid in gunicorn_workers(master_pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) * 1024 / MB)
    return sizes


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=180) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""
    except OSError:  # a server still busy with the previous run's backlog
        return 0, {}, b""


# --- the load -----------------------------------------------------------------------------------


def drive(url: str, headers: dict, seconds: float, connections: int) -> dict:
    if _WRK:
        return _drive_wrk(url, headers, seconds, connections)
    return _drive_python(url, headers, seconds, connections)


# A run whose busiest worker did more than this many times the CPU work of the idlest one
# measured one worker, not the server.
_UNBALANCED = 4.0
_ATTEMPTS = 4


def drive_balanced(
    url: str, headers: dict, seconds: float, connections: int, workers: list[int]
) -> dict:
    """drive(), repeated (up to _ATTEMPTS runs) until the workers shared the load. The clients
    open their keep-alive connections at once, and a gthread worker may accept every one of
    them: the other worker then idles for the whole run, and the figures are one worker's (a
    third of /healthz's throughput with two, on this 2-core machine). `unbalanced` counts the
    runs set aside; the last run stands when none was balanced."""
    unbalanced = 0
    while True:
        before = [_cpu_ticks(pid) for pid in workers]
        result = drive(url, headers, seconds, connections)
        worked = [_cpu_ticks(pid) - ticks for pid, ticks in zip(workers, before, strict=True)]
        balanced = min(worked) * _UNBALANCED >= max(worked)
        if balanced or len(workers) < 2 or unbalanced + 1 >= _ATTEMPTS:
            return {**result, "unbalanced": unbalanced + (not balanced)}
        unbalanced += 1


def _cpu_ticks(pid: int) -> int:
    """User and system CPU time of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


def gunicorn_workers(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    return [int(pid) for pid in children.split()]


_WRK = next(
    (
        str(Path(p) / "wrk")
        for p in os.environ.get("PATH", "").split(":")
        if (Path(p) / "wrk").is_file()
    ),
    None,
)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _drive_wrk(url: str, headers: dict, seconds: float, connections: int) -> dict:
    command = [_WRK, "-t2", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "20s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    if int(re.search(r"(\d+) requests in", output).group(1)) == 0:
        return {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": 0}

    def percentile(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return float(found.group(1)) * _UNITS[found.group(2)] if found else float("nan")

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50": percentile("50"),
        "p99": percentile("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def _drive_python(url: str, headers: dict, seconds: float, connections: int) -> dict:
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, _, path = port_path.partition("/")
    path = "/" + path
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                errors[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": errors[0],
    }


def prime(url: str, headers: dict, clients: int) -> None:
    """Fill the caches of every worker: two rounds of concurrent requests (each worker keeps
    its own copy unless CACHE_URL names a Redis)."""
    for _ in range(2):
        threads = [threading.Thread(target=fetch, args=(url, headers)) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def settle(base: str, limit: float = 120.0) -> None:
    """Wait until the server answers /healthz promptly (the previous run's backlog is gone)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.perf_counter()
        fetch(base + "/healthz")
        if time.perf_counter() - started < 0.05:
            return
        time.sleep(0.2)


def measure(
    base: str, routes: dict[str, str], seconds: float, connections: int, workers: list[int]
) -> dict:
    """Every run of one size: label -> {rps, p50, p99, errors, note}."""
    results: dict[str, dict] = {}
    healthz: list[dict] = []

    def run(label: str, path: str, headers: dict | None = None, note: str = "") -> None:
        headers = headers or {}
        settle(base)
        prime(base + path, headers, 1 if BYPASS_HEADER in headers else connections)
        try:
            measured = drive_balanced(base + path, headers, seconds, connections, workers)
            if measured["unbalanced"]:
                note = f"{note} {measured['unbalanced']} unbalanced run(s) set aside".strip()
            results[label] = {**measured, "note": note}
        except (subprocess.CalledProcessError, AttributeError, OSError, IndexError) as error:
            results[label] = {"note": f"no measure: {type(error).__name__}"}

    def run_304(label: str, path: str) -> None:
        """Revalidation as a browser does it: its ETag and its cookie (page ETags are per
        visitor, since each page holds the visitor's CSRF token)."""
        _, headers, _ = fetch(base + path)
        if not headers.get("ETag"):
            results[label] = {"note": "no ETag"}
            return
        revalidate = {"If-None-Match": headers["ETag"]}
        if headers.get("Set-Cookie"):
            revalidate["Cookie"] = headers["Set-Cookie"].split(";")[0]
        status = fetch(base + path, revalidate)[0]
        run(label, path, revalidate, "" if status == 304 else f"answered {status}, not 304")

    def run_healthz() -> None:
        settle(base)
        healthz.append(drive_balanced(base + "/healthz", {}, seconds, connections, workers))

    # Cheap runs first, then the slow cold pages: a slow run's backlog must not reach a cheap one
    # (settle() also waits for the server to be idle before each run).
    run_healthz()
    for label in PAGES:
        run(f"{label} (warm)", routes[label])
    run_304("page 304", routes["events list"])
    for label in FEEDS:
        run(label, routes[label])
    _, headers, _ = fetch(base + routes["network feed"], {"Accept-Encoding": "gzip"})
    gzip = headers.get("Content-Encoding") == "gzip"
    run(
        "network feed gzip",
        routes["network feed"],
        {"Accept-Encoding": "gzip"},
        "" if gzip else "identity: no gzip",
    )
    run_304("network feed 304", routes["network feed"])
    run_healthz()
    for label in PAGES:
        run(f"{label} (cold)", routes[label], {BYPASS_HEADER: "1"})
    run_healthz()
    floor = {
        "rps": statistics.median(h["rps"] for h in healthz),
        "p50": statistics.median(h["p50"] for h in healthz),
        "p99": statistics.median(h["p99"] for h in healthz),
    }
    unbalanced = sum(h["unbalanced"] for h in healthz)
    results["/healthz"] = {
        **floor,
        "errors": sum(h["errors"] for h in healthz),
        "note": f"{unbalanced} unbalanced run(s) set aside" if unbalanced else "",
    }
    for entry in results.values():
        if "rps" in entry:
            entry["ratio"] = entry["rps"] / floor["rps"]
    return results


# --- the report ---------------------------------------------------------------------------------


def print_size(
    size, engine, seeded, results, queries, millis, cold_feed, first, rss, signed_in
) -> None:
    print(
        f"\n== {size:,} events ({engine}; seeded in {seeded:.1f} s; driver: "
        f"{'wrk' if _WRK else 'python'}) =="
    )
    print(
        f"{'route':<26}{'req/s':>9}{'÷healthz':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'queries':>9}{'in-proc ms':>12}  note"
    )
    for label, entry in results.items():
        base = label.replace(" (warm)", "").replace(" (cold)", "")
        show_queries = label.endswith("(cold)") or base in FEEDS
        q = queries.get(base, "") if show_queries else ""
        ms = f"{millis[base]:.1f}" if show_queries and base in millis else ""
        if "rps" not in entry:
            print(f"{label:<26}{'–':>9}{'':>10}{'':>9}{'':>9}{'':>9}{'':>12}  {entry['note']}")
            continue
        errors = f" {entry['errors']} errors" if entry.get("errors") else ""
        print(
            f"{label:<26}{entry['rps']:>9.0f}{entry.get('ratio', 1):>10.3f}{entry['p50']:>9.2f}"
            f"{entry['p99']:>9.2f}{q!s:>9}{ms:>12}  {entry['note']}{errors}"
        )
    print(
        f"cold network feed build, in-process: {cold_feed:.3f} s (median of 3 builds from"
        f" nothing; the process's first request, the same build: {first:.3f} s)"
    )
    print("worker RSS after the run: " + ", ".join(f"{value:.0f} MB" for value in rss))
    _, floor = signed_in["/healthz"]
    print(f"signed-in pages, in-process (/healthz: {floor:.2f} ms):")
    for _, label, url in SIGNED_IN:
        statements, ms = signed_in[label]
        print(
            f"  {label:<22}{url:<18}{statements:>4} queries{ms:>9.1f} ms{ms / floor:>8.0f}× healthz"
        )


def _measured(results: dict, label: str) -> dict:
    """A run's figures; NaN (a MISS) for one that could not be measured."""
    nan = float("nan")
    return {"rps": nan, "ratio": nan, "p50": nan, "p99": nan, "note": "", **results.get(label, {})}


def print_summary(runs: dict) -> None:
    sizes = sorted(runs)
    largest, smallest = sizes[-1], sizes[0]
    print("\n== throughput ÷ /healthz (p50 ms) by size ==")
    labels = [label for label in runs[largest]["results"] if label != "/healthz"]
    print(f"{'route':<26}" + "".join(f"{size:>20,}" for size in sizes))
    for label in ["/healthz", *labels]:
        cells = []
        for size in sizes:
            entry = runs[size]["results"].get(label, {})
            cells.append(
                f"{entry.get('ratio', 1):.3f} ({entry['p50']:.1f})" if "rps" in entry else "–"
            )
        print(f"{label:<26}" + "".join(f"{cell:>20}" for cell in cells))

    print(f"\n== targets of issue 13 (at {largest:,} events) ==")
    top = runs[largest]
    results, floor = top["results"], top["results"]["/healthz"]

    def line(ok: bool | None, text: str) -> None:
        print(f"{'n/a ' if ok is None else ('PASS' if ok else 'MISS')}  {text}")

    for page in PAGES:
        warm = _measured(results, f"{page} (warm)")
        line(warm["ratio"] >= 0.5, f"{page}, warm: {warm['ratio']:.3f}× healthz (≥ 0.5)")
    for page in PAGES:
        cold = _measured(results, f"{page} (cold)")
        line(
            cold["p50"] <= 15 * floor["p50"],
            f"{page}, cold p50 {cold['p50']:.1f} ms ≤ 15× healthz p50 ({15 * floor['p50']:.1f})",
        )
        if largest != smallest and smallest <= 2000:
            own = _measured(runs[smallest]["results"], f"{page} (cold)")["p50"]
            line(
                cold["p50"] <= 2 * own,
                f"{page}, cold p50 {cold['p50']:.1f} ms ≤ 2× its {smallest:,} figure ({own:.1f})",
            )
    gzip = _measured(results, "network feed gzip")
    line(
        gzip["ratio"] >= 0.9 and not gzip["note"],
        f"cached feed, gzip: {gzip['ratio']:.3f}× healthz (≥ 0.9) {gzip['note']}",
    )
    for label in ("network feed 304", "page 304"):
        entry = _measured(results, label)
        line(
            entry["ratio"] >= 0.9 and not entry["note"],
            f"{label}: {entry['ratio']:.3f}× healthz (≥ 0.9) {entry['note']}",
        )
    line(top["cold_feed"] <= 0.3, f"cold network feed build: {top['cold_feed']:.3f} s (≤ 0.3)")
    for label in (*PAGES, *FEEDS):
        counts = [runs[size]["queries"][label] for size in sizes]
        text = f"queries, {label}: " + " / ".join(str(c) for c in counts)
        line(None if len(sizes) == 1 else len(set(counts)) == 1, text + " (the same at each size)")
    # A signed-in list's page holds activities of up to three kinds (events, projects, changes
    # to events), each kind's relations loaded when one is shown: which kinds the first page
    # holds depends on the data (at 2k the demo's submitted project is among the 50 longest
    # waiting, at 50k it is not), never more statements with more data.
    for _, label, _url in SIGNED_IN:
        counts = [runs[size]["signed_in"][label][0] for size in sizes]
        text = f"queries, {label} (signed in): " + " / ".join(str(c) for c in counts)
        line(
            None if len(sizes) == 1 else max(counts[1:]) <= counts[0],
            text + f" (never more than at {smallest:,})",
        )
    line(max(top["rss"]) <= 150, f"worker RSS: {max(top['rss']):.0f} MB (≤ 150)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,10000,50000", help="comma-separated")
    parser.add_argument("--seconds", type=float, default=3.0, help="per measured route")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    runs = {}
    for size in sizes:
        with throwaway_database(size) as (url, engine), tempfile.TemporaryDirectory() as folder:
            seeded = seed(url, folder, size)
            app = in_process_app(url, folder, page_cache=False)
            routes = pick_routes(app)
            queries, millis, cold_feed, first = count_queries(app, routes)
            signed_in = count_signed_in(app)
            from coordinator.extensions import db

            with app.app_context():
                db.engine.dispose()
            with gunicorn(url, folder) as (base, master):
                results = measure(
                    base, routes, args.seconds, args.connections, gunicorn_workers(master)
                )
                rss = worker_rss(master)
            runs[size] = {
                "results": results,
                "queries": queries,
                "cold_feed": cold_feed,
                "rss": rss,
                "signed_in": signed_in,
            }
            print_size(
                size, engine, seeded, results, queries, millis, cold_feed, first, rss, signed_in
            )
            sys.stdout.flush()
    print_summary(runs)


if __name__ == "__main__":
    main()

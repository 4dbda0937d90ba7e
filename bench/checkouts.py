"""The public pages of two checkouts of coordinator, side by side in one run: the CPU time and
the wall time of each page rendered cold (no page cache) in-process, against one seeded
database, the two checkouts taking turns round by round so that the machine's noise falls on
both alike.

    git worktree add /tmp/before 460e64c
    COORDINATOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/coordinator_bench \\
        .venv/bin/python bench/checkouts.py /tmp/before --events 50000

The database is seeded as bench/scale.py seeds it (this checkout's migrations and demo), then
vacuumed and analysed; both checkouts must share its schema. Each checkout runs in a process of
its own, with its own code on sys.path; the routes are bench/scale.py's (the busiest partner and
project, an upcoming event). It prints each page's median CPU and wall milliseconds and this
checkout's ÷ the other's.

    ... bench/checkouts.py /tmp/before --events 50000 --instructions

counts instead the instructions each page's request executes in this process (the app's side:
PostgreSQL's work is not counted), under valgrind's cachegrind (`apt-get install valgrind`):
a count does not move with the machine's load, where times on a shared machine move by a
quarter from one minute to the next. For each checkout, one process starts the app, warms every
page and stops; others do the same and then request one page N times; the difference ÷ N is
that page's count, printed with this checkout's ÷ the other's and each page's ÷ /healthz's.

    ... bench/checkouts.py /tmp/before --events 50000 --reads

counts PostgreSQL's side instead (PostgreSQL only): each page's statements, as each checkout
sends them on a second request, run again under EXPLAIN ANALYZE; it prints the rows of events
the plans examined (returned or dropped by a filter) and the shared buffers they touched.
Counts, not times: the same from run to run on the same data.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def worker(root: str, database_url: str, folder: str) -> None:
    """Serve measurements on stdin/stdout: a line with a number N gets a JSON line of every
    page's N (cpu ms, wall ms) samples."""
    sys.path[:0] = [root, f"{root}/bench"]
    import scale

    app = scale.in_process_app(database_url, folder, page_cache=False)
    routes = scale.pick_routes(app)
    client = app.test_client()
    for label in scale.PAGES:  # warmed up: templates compiled, filter options kept
        for _ in range(3):
            client.get(routes[label])
    print("ready", flush=True)
    for line in sys.stdin:
        samples: dict[str, list[tuple[float, float]]] = {}
        for label in scale.PAGES:
            for _ in range(int(line)):
                wall, cpu = time.perf_counter(), time.process_time()
                if client.get(routes[label]).status_code != 200:
                    raise RuntimeError(f"{root}: {routes[label]} did not answer 200")
                samples.setdefault(label, []).append(
                    ((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000)
                )
        print(json.dumps(samples), flush=True)


def counted_worker(root: str, database_url: str, folder: str, label: str, times: str) -> None:
    """Warm every page (and /healthz), then request `label`'s page `times` times."""
    sys.path[:0] = [root, f"{root}/bench"]
    import scale

    app = scale.in_process_app(database_url, folder, page_cache=False)
    routes = {**scale.pick_routes(app), "/healthz": "/healthz"}
    client = app.test_client()
    for url in routes.values():
        for _ in range(3):
            client.get(url)
    # The warmed heap out of every later collection (as a forked worker's): a full collection
    # falling inside one run and not the other would count for hundreds of requests.
    gc.collect()
    gc.freeze()
    for _ in range(int(times)):
        if client.get(routes[label]).status_code != 200:
            raise RuntimeError(f"{root}: {routes[label]} did not answer 200")


def reads_worker(root: str, database_url: str, folder: str) -> None:
    """Print, as one JSON line, what PostgreSQL reads for each page (_plan_reads): every
    statement of a second request of the page, run again under EXPLAIN ANALYZE with the
    values it was sent with."""
    sys.path[:0] = [root, f"{root}/bench"]
    import scale
    from sqlalchemy import event

    from coordinator.extensions import db

    app = scale.in_process_app(database_url, folder, page_cache=False)
    routes = scale.pick_routes(app)
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    sent: list[tuple[str, Any]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    reads = {}
    for label in scale.PAGES:
        client.get(routes[label])
        sent.clear()
        if client.get(routes[label]).status_code != 200:
            raise RuntimeError(f"{root}: {routes[label]} did not answer 200")
        reads[label] = _plan_reads(engine, [s for s in sent if _READS.match(s[0])])
    event.remove(engine, "before_cursor_execute", keep)
    print(json.dumps(reads), flush=True)


_READS = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)


def _plan_reads(engine, statements: list[tuple[str, Any]]) -> dict[str, int]:
    """The rows of `events` PostgreSQL examined (returned by a scan or dropped by its filter),
    and the shared buffers it touched, over the statements' plans as run (EXPLAIN ANALYZE):
    counts, not times, the same from one run to the next on the same data."""
    totals = {"statements": len(statements), "event rows": 0, "buffers": 0}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
            (plan,) = cursor.fetchone()[0]
            root = plan["Plan"]
            totals["buffers"] += root.get("Shared Hit Blocks", 0) + root.get(
                "Shared Read Blocks", 0
            )
            nodes = [root]
            while nodes:
                node = nodes.pop()
                nodes += node.get("Plans", [])
                if node.get("Relation Name") == "events":
                    examined = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                    totals["event rows"] += round(examined * node["Actual Loops"])
        raw.rollback()
    finally:
        raw.close()
    return totals


def count_reads(checkouts: dict[str, Path], url: str, folder: str) -> None:
    """Each page's reads in PostgreSQL under each checkout, side by side (see the module's
    docstring)."""
    import scale

    counted = {}
    for name, root in checkouts.items():
        done = subprocess.run(
            [sys.executable, __file__, "--reads-worker", str(root), url, folder],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{root}: {done.stderr[-2000:]}")
        counted[name] = json.loads(done.stdout.strip().splitlines()[-1])
    print("PostgreSQL's reads per request (EXPLAIN ANALYZE of each statement of the page)")
    print(f"{'page':14s} {'event rows examined':>28s}   {'shared buffers':>22s}   statements")
    for label in scale.PAGES:
        other, this = counted["other"][label], counted["this"][label]
        rows = [other["event rows"], this["event rows"]]
        buffers = [other["buffers"], this["buffers"]]
        print(
            f"{label:14s} {rows[0]:8d} → {rows[1]:6d} {rows[1] / max(rows[0], 1):6.3f}"
            f"   {buffers[0]:6d} → {buffers[1]:5d} {buffers[1] / max(buffers[0], 1):6.3f}"
            f"   {other['statements']} → {this['statements']}"
        )


INSTRUCTIONS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _instructions(root: Path, database_url: str, folder: str, label: str, times: int) -> int:
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--count",
            str(root),
            database_url,
            folder,
            label,
            str(times),
        ],
        cwd=root,
        # The same hashes in every run: set and dict layouts then cost the same.
        env={**os.environ, "PYTHONPATH": str(root), "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
    )
    found = INSTRUCTIONS.search(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"{root} {label}: {done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def count_instructions(checkouts: dict[str, Path], url: str, folder: str, times: int) -> None:
    """Each page's instructions per request in each checkout, side by side (see the module's
    docstring)."""
    import scale

    labels = ["/healthz", *scale.PAGES]
    # /healthz runs a tenth of a page's instructions: more requests keep its count as exact.
    requests = {label: times * (5 if label == "/healthz" else 1) for label in labels}
    # Each count is its own valgrind process (a count does not depend on what runs beside it).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = {
            (name, label, n): pool.submit(_instructions, root, url, folder, label, n)
            for name, root in checkouts.items()
            for label, n in [("/healthz", 0), *requests.items()]
        }
    counted = {
        name: {
            label: (runs[name, label, n].result() - runs[name, "/healthz", 0].result()) / n
            for label, n in requests.items()
        }
        for name in checkouts
    }
    floor = {name: counted[name]["/healthz"] for name in checkouts}
    print(f"instructions per request (millions), {times} requests a page, in-process")
    print(f"{'page':14s} {'other':>8s} {'this':>8s} {'÷':>6s}   ÷ /healthz: other  this")
    for label in labels:
        other, this = counted["other"][label], counted["this"][label]
        print(
            f"{label:14s} {other / 1e6:8.2f} {this / 1e6:8.2f} {this / other:6.3f}"
            f"   {other / floor['other']:16.1f} {this / floor['this']:5.1f}"
        )


def _start(root: Path, database_url: str, folder: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(root), database_url, folder],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.stdout.readline().strip() != "ready":
        raise RuntimeError(f"the worker of {root} did not start")
    return process


def _settle(database_url: str) -> None:
    """VACUUM ANALYZE a PostgreSQL database once seeded: the state autovacuum keeps a live
    site in, and no autovacuum of the fresh rows running under one checkout's turn."""
    if not database_url.startswith("postgres"):
        return
    from sqlalchemy import create_engine, text

    from coordinator.config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        worker(*sys.argv[2:5])
        return
    if sys.argv[1:2] == ["--count"]:
        counted_worker(*sys.argv[2:7])
        return
    if sys.argv[1:2] == ["--reads-worker"]:
        reads_worker(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a git worktree)")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=5, help="requests per page and round")
    parser.add_argument(
        "--instructions",
        type=int,
        nargs="?",
        const=20,
        metavar="N",
        help="count instructions under valgrind instead, over N requests a page (20)",
    )
    parser.add_argument(
        "--reads",
        action="store_true",
        help="count instead what PostgreSQL reads for each page (PostgreSQL only)",
    )
    args = parser.parse_args()
    if args.instructions and not shutil.which("valgrind"):
        parser.error("--instructions runs valgrind's cachegrind: apt-get install valgrind")
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import scale

    checkouts = {"other": args.other.resolve(), "this": ROOT}
    with (
        scale.throwaway_database(args.events) as (url, engine),
        tempfile.TemporaryDirectory(prefix="checkouts-") as folder,
    ):
        scale.seed(url, folder, args.events)
        _settle(url)
        if args.instructions:
            print(f"== {args.events:,} events ({engine}): this checkout against {args.other} ==")
            count_instructions(checkouts, url, folder, args.instructions)
            return
        if args.reads:
            print(f"== {args.events:,} events ({engine}): this checkout against {args.other} ==")
            count_reads(checkouts, url, folder)
            return
        workers = {name: _start(root, url, folder) for name, root in checkouts.items()}
        samples: dict[str, dict[str, list]] = {name: {} for name in workers}
        try:
            for _ in range(args.rounds):
                for name, process in workers.items():
                    process.stdin.write(f"{args.per_round}\n")
                    process.stdin.flush()
                    for label, taken in json.loads(process.stdout.readline()).items():
                        samples[name].setdefault(label, []).extend(taken)
        finally:
            for process in workers.values():
                process.stdin.close()
                process.wait()
    print(f"== {args.events:,} events ({engine}): this checkout against {checkouts['other']} ==")
    print(f"{'page':14s} {'cpu ms':>15s} {'÷':>6s}   {'wall ms':>15s} {'÷':>6s}")
    for label in scale.PAGES:
        cpu = [statistics.median(s[0] for s in samples[n][label]) for n in ("other", "this")]
        wall = [statistics.median(s[1] for s in samples[n][label]) for n in ("other", "this")]
        print(
            f"{label:14s} {cpu[0]:6.1f} → {cpu[1]:6.1f} {cpu[1] / cpu[0]:6.2f}   "
            f"{wall[0]:6.1f} → {wall[1]:6.1f} {wall[1] / wall[0]:6.2f}"
        )


if __name__ == "__main__":
    main()

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
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a git worktree)")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=5, help="requests per page and round")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import scale

    checkouts = {"other": args.other.resolve(), "this": ROOT}
    with (
        scale.throwaway_database(args.events) as (url, engine),
        tempfile.TemporaryDirectory(prefix="checkouts-") as folder,
    ):
        scale.seed(url, folder, args.events)
        _settle(url)
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

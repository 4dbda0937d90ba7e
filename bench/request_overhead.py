"""What the request log line and the request metrics cost, measured side by side in one run.

    .venv/bin/python bench/request_overhead.py [--rounds 7] [--requests 300]

Prints the time of a cached /calendar.ics (about the cheapest request there is) with the log
line and the metrics ÷ the same request with both hooks taken off, as the median over rounds
that alternate the two (lowest and highest round beside it), and the difference per request.
Through Flask's test client, in one process, on SQLite; the log goes to memory.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coordinator import create_app, logs, metrics  # noqa: E402
from coordinator.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    folder = tempfile.mkdtemp()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
            "UPLOAD_FOLDER": f"{folder}/uploads",
            "MAIL_OUTBOX": f"{folder}/outbox",
        }
    )
    with app.app_context():
        db.create_all()
    logs.handler().setStream(io.StringIO())
    client = app.test_client()
    hooks = list(app.after_request_funcs[None])
    observing = (logs._finish_request, metrics._count_request)
    bare = [hook for hook in hooks if hook not in observing]

    def timed(functions: list) -> float:
        app.after_request_funcs[None] = functions
        start = time.perf_counter()
        for _ in range(args.requests):
            client.get("/calendar.ics")
        return time.perf_counter() - start

    timed(hooks)  # warm up: the feed is built and cached
    ratios, differences = [], []
    for _ in range(args.rounds):
        with_hooks, without = timed(hooks), timed(bare)
        ratios.append(with_hooks / without)
        differences.append((with_hooks - without) / args.requests * 1e6)
    print(
        f"cached /calendar.ics, with log line and metrics / without: "
        f"{statistics.median(ratios):.2f} (rounds {min(ratios):.2f} to {max(ratios):.2f}); "
        f"{statistics.median(differences):.0f} µs per request"
    )


if __name__ == "__main__":
    main()

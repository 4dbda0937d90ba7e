"""Benchmark: the events list and an event page against a trivial route, on 10,000 events.

Run from the repository root:

    .venv/bin/python bench/activities.py [--events 10000] [--rounds 150]

It builds a temporary SQLite database with the events, then requests GET /events/,
GET /events/<id> and GET /healthz in the same app through the Flask test client,
interleaved round by round, and prints the median time of each relative to /healthz.
Only ratios are reported: absolute times depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from coordinator import create_app  # noqa: E402
from coordinator.activities.models import (  # noqa: E402
    Confirmation,
    Event,
    EventKind,
    EventPartner,
    Project,
    Status,
    Theme,
    Visibility,
    event_themes,
)
from coordinator.extensions import db  # noqa: E402
from coordinator.partners.models import Partner  # noqa: E402

ZONES = [
    ("Africa/Cairo", "EG", "Cairo"),
    ("Africa/Tunis", "TN", "Tunis"),
    ("Asia/Beirut", "LB", "Beirut"),
    ("Europe/Madrid", "ES", "Barcelona"),
    ("Europe/Athens", "GR", "Athens"),
    ("Africa/Casablanca", "MA", "Casablanca"),
    ("Europe/Istanbul", "TR", "Istanbul"),
    ("Asia/Amman", "JO", "Amman"),
]


def build(count: int) -> int:
    """Fill the database with `count` events over four years; returns an event id to show."""
    rng = random.Random(20261127)
    partners = [
        Partner(
            name=f"Partner {n}",
            acronym=f"P{n}",
            slug=f"p{n}",
            country="FR",
            timezone="Europe/Paris",
        )
        for n in range(20)
    ]
    themes = [Theme(name=f"Theme {n}", slug=f"theme-{n}") for n in range(9)]
    now = datetime.now(UTC).replace(microsecond=0)
    projects = [
        Project(
            slug=f"project-{n}",
            title=f"Project {n}",
            acronym=f"PR{n}",
            start_date=(now - timedelta(days=400)).date(),
            end_date=(now + timedelta(days=400)).date(),
            lead_partner=partners[n],
            status=Status.APPROVED,
            submitted_dt=now,
            published_dt=now,
        )
        for n in range(4)
    ]
    db.session.add_all(partners + themes + projects)
    db.session.flush()
    statuses = [Status.APPROVED] * 8 + [Status.CANCELLED, Status.SUBMITTED]
    rows = []
    for n in range(count):
        zone, country, city = ZONES[n % len(ZONES)]
        start = now + timedelta(days=rng.randint(-730, 730), hours=rng.randint(0, 23))
        rows.append(
            {
                "title": f"Joint event {n}",
                "summary": "A joint event of the network.",
                "description": "Some **details** about the programme.",
                "kind": list(EventKind)[n % len(EventKind)],
                "timezone": zone,
                "start_dt": start,
                "end_dt": start + timedelta(hours=3),
                "is_all_day": False,
                "city": city,
                "country": country,
                "venue": "City hall",
                "visibility": Visibility.NETWORK if n % 7 == 0 else Visibility.PUBLIC,
                "lead_partner_id": partners[n % 20].id,
                "project_id": projects[n % 4].id if n % 3 == 0 else None,
                "status": statuses[n % len(statuses)],
                "sequence": 0,
                "created_dt": now,
                "updated_dt": now,
                "status_changed_dt": now,
                # The stamps its status requires (CHECK constraints): all three are "now".
                "submitted_dt": now,
                "published_dt": now if statuses[n % len(statuses)] != Status.SUBMITTED else None,
                "cancelled_dt": now if statuses[n % len(statuses)] == Status.CANCELLED else None,
            }
        )
    db.session.execute(insert(Event), rows)
    ids = db.session.scalars(select(Event.id).order_by(Event.id)).all()
    db.session.execute(
        event_themes.insert(),
        [{"event_id": event_id, "theme_id": themes[i % 9].id} for i, event_id in enumerate(ids)],
    )
    db.session.execute(
        insert(EventPartner),
        [
            {
                "event_id": event_id,
                "partner_id": partners[(i + 1) % 20].id,
                "confirmation": Confirmation.CONFIRMED,
            }
            for i, event_id in enumerate(ids)
        ],
    )
    db.session.commit()
    return db.session.scalar(
        select(Event.id)
        .where(
            Event.status == Status.APPROVED,
            Event.visibility == Visibility.PUBLIC,
            Event.project_id.is_not(None),
            Event.start_dt > now,
        )
        .order_by(Event.start_dt)
        .limit(1)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=150)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                "UPLOAD_FOLDER": f"{tmp}/uploads",
                "MAIL_OUTBOX": f"{tmp}/outbox",
                "BASE_URL": "http://127.0.0.1",
            }
        )
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            event_id = build(args.events)
            print(f"built {args.events} events in {time.perf_counter() - started:.1f}s")
            db.session.remove()

        routes = {
            "events list": "/events/",
            "event page": f"/events/{event_id}",
            "trivial": "/healthz",
        }
        client = app.test_client()
        for url in routes.values():  # warm up: templates compiled, caches filled
            for _ in range(3):
                assert client.get(url).status_code == 200, url

        timings: dict[str, list[float]] = {name: [] for name in routes}
        order = list(routes.items())
        for round_number in range(args.rounds):
            # Interleaved, in a different order each round, so drift hits every route alike.
            random.Random(round_number).shuffle(order)
            for name, url in order:
                started = time.perf_counter()
                response = client.get(url)
                timings[name].append(time.perf_counter() - started)
                assert response.status_code == 200, url

    trivial = statistics.median(timings["trivial"])
    print(
        f"{args.events} events, {args.rounds} interleaved rounds, median per route "
        f"relative to GET /healthz:"
    )
    for name in ("events list", "event page"):
        ratio = statistics.median(timings[name]) / trivial
        print(f"  {name:<12} / trivial = {ratio:6.1f}x")


if __name__ == "__main__":
    main()

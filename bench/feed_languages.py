"""What `?lang=` costs a feed build, measured side by side in one run.

    .venv/bin/python bench/feed_languages.py [--events 2000] [--rounds 7]
                                             [--database-url postgresql://...]

Seeds the events of bench/feed.py, gives every event a French translation (title, summary,
description), half of them an Arabic title, and every theme French and Arabic names. Then, in
each round and in a shuffled order, builds the network feed from nothing (no built feed, no
serialised VEVENT) without `lang`, with `lang=fr` (all translated) and with `lang=ar` (mostly
fallbacks), and prints the median over the rounds (lowest and highest beside it) of:
 1. build time with lang=fr ÷ build time without lang;
 2. build time with lang=ar ÷ build time without lang.
(A feed in a language is checked against the same one-row data version as every feed.)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench.feed import empty_caches, seed  # noqa: E402
from coordinator import create_app  # noqa: E402
from coordinator.activities.filters import EventFilters  # noqa: E402
from coordinator.activities.models import (  # noqa: E402
    Event,
    EventTranslation,
    Theme,
    ThemeTranslation,
)
from coordinator.config import normalise_database_url  # noqa: E402
from coordinator.extensions import db  # noqa: E402
from coordinator.feeds import cache as feeds_cache  # noqa: E402
from coordinator.feeds import ical, scopes  # noqa: E402


def translate(count: int) -> None:
    ids = db.session.scalars(select(Event.id).order_by(Event.id)).all()
    rows = [
        {
            "event_id": event_id,
            "language": "fr",
            "title": f"Atelier commun {event_id} : eau, villes",
            "summary": "Un événement commun du réseau, avec des partenaires des deux rives.",
            "description": "Programme :\n\n- ouverture\n- tables rondes\n- visite du site\n" * 3,
        }
        for event_id in ids
    ]
    rows += [
        {"event_id": event_id, "language": "ar", "title": f"ورشة مشتركة {event_id}"}
        for event_id in ids[::2]
    ]
    for first in range(0, len(rows), 5000):
        db.session.execute(insert(EventTranslation), rows[first : first + 5000])
    for theme in db.session.scalars(select(Theme)):
        db.session.add(ThemeTranslation(theme_id=theme.id, language="fr", name=f"Thème {theme.id}"))
        db.session.add(ThemeTranslation(theme_id=theme.id, language="ar", name=f"موضوع {theme.id}"))
    db.session.commit()


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="feed-languages-bench-"))
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
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed(args.events)
        translate(args.events)

    with app.test_request_context("/calendar.ics", base_url="http://127.0.0.1"):
        engine = db.engine.dialect.name
        feeds = {
            "none": scopes.network_scope(EventFilters()),
            "fr": scopes.network_scope(EventFilters(), "fr"),
            "ar": scopes.network_scope(EventFilters(), "ar"),
        }

        def build(name: str):
            def run():
                ical.forget_rendered_events()
                empty_caches(app)
                db.session.expunge_all()  # each build loads its events, as a request would
                built = feeds_cache.current_feed(feeds[name])
                assert built.event_count == args.events, built.event_count

            return run

        for name in feeds:  # warm: imports, first queries, the catalogues
            build(name)()
        builds: dict[str, list[float]] = {name: [] for name in feeds}
        rng = random.Random(7)
        for _ in range(args.rounds):
            order = list(feeds)
            rng.shuffle(order)
            for name in order:
                builds[name].append(timed(build(name)))

    def ratio(mine: list[float], base: list[float]) -> str:
        ratios = [a / b for a, b in zip(mine, base, strict=True)]
        return (
            f"{statistics.median(ratios):.2f} (rounds: {min(ratios):.2f}–{max(ratios):.2f}; "
            f"median {statistics.median(mine) * 1000:.0f} ms vs "
            f"{statistics.median(base) * 1000:.0f} ms)"
        )

    print(f"{args.events} events, {args.rounds} rounds, {engine}")
    print("1. build lang=fr ÷ build without lang:", ratio(builds["fr"], builds["none"]))
    print("2. build lang=ar ÷ build without lang:", ratio(builds["ar"], builds["none"]))


if __name__ == "__main__":
    main()

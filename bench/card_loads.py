"""Loading event cards (load_cards: relations joined, one translations statement for all they
show) against a selectin load per relationship path, side by side in one process.

    .venv/bin/python bench/card_loads.py                  # 10,000 events on SQLite
    COORDINATOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/coordinator_bench \\
        .venv/bin/python bench/card_loads.py --events 50000   # on PostgreSQL

It seeds a throwaway database as bench/scale.py does (`flask demo --events N`), picks pages of
20 upcoming events and loads each page in four ways, alternating round by round with a fresh
session each time:
- `event_card_options()`: co-organisers, themes and the translations of the events, lead
  partners, co-organisers, projects and themes loaded by one selectin statement per path, as the
  JSON API still does;
- the same with every translation read by preload_translations in one statement;
- `load_cards()`: that, with the co-organisers and themes joined to the events' statement too;
- load_cards building its translations statement (and its cache key) on every call, as it did
  before the statement was kept (multilingual._translations_statement).
Each load then reads every French title and name the cards show. It prints the statements of
each and the ratio of their median times to the first.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scale  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    with scale.throwaway_database(args.events) as (url, engine_name):
        with tempfile.TemporaryDirectory(prefix="card-loads-") as folder:
            scale.seed(url, folder, args.events)
            app = scale.in_process_app(url, folder, page_cache=False)
            with app.app_context():
                measure(app, args.rounds, args.events, engine_name)


def measure(app, rounds: int, size: int, engine_name: str) -> None:
    from sqlalchemy import event, select
    from sqlalchemy.orm import joinedload, lazyload, selectinload

    from coordinator import multilingual
    from coordinator.activities.models import (
        Event,
        EventPartner,
        Project,
        Status,
        Theme,
        Visibility,
    )
    from coordinator.activities.queries import card_owners, event_card_options, load_cards
    from coordinator.db import utcnow
    from coordinator.extensions import db
    from coordinator.multilingual import localized_text, preload_translations
    from coordinator.partners.models import Partner

    upcoming = db.session.scalars(
        select(Event.id)
        .where(
            Event.status == Status.APPROVED,
            Event.visibility == Visibility.PUBLIC,
            Event.start_dt > utcnow(),
        )
        .order_by(Event.start_dt, Event.id)
        .limit(20 * 10)
    ).all()
    pages = [upcoming[n : n + 20] for n in range(0, len(upcoming), 20)]
    db.session.remove()

    def shown_texts(events) -> int:
        texts = 0
        for owner in card_owners(events):
            if owner is not None:
                field = owner.TRANSLATABLE[0]
                texts += len(localized_text(owner, field, "fr"))
        return texts

    def selectin(ids):
        query = select(Event).where(Event.id.in_(ids)).options(*event_card_options())
        return shown_texts(db.session.scalars(query).all())

    def translations_preloaded(ids):
        query = select(Event).where(Event.id.in_(ids)).options(*selectin_collections)
        events = db.session.scalars(query).all()
        preload_translations(card_owners(events))
        return shown_texts(events)

    def cards(ids):
        return shown_texts(load_cards(select(Event).where(Event.id.in_(ids))))

    built_once = multilingual._translations_statement

    def cards_building_the_statement(ids):
        # As before the statement was kept: built, and its cache key computed, on every call.
        multilingual._translations_statement = built_once.__wrapped__
        try:
            return cards(ids)
        finally:
            multilingual._translations_statement = built_once

    # load_cards' options with the co-organisers and themes loaded by a statement each.
    selectin_collections = [
        joinedload(Event.lead_partner).lazyload(Partner.translations),
        joinedload(Event.project).lazyload(Project.translations),
        selectinload(Event.partner_links)
        .joinedload(EventPartner.partner)
        .lazyload(Partner.translations),
        selectinload(Event.themes).lazyload(Theme.translations),
        lazyload(Event.translations),
    ]
    ways = {
        "selectin per path": selectin,
        "one translations statement": translations_preloaded,
        "load_cards (all joined)": cards,
        "load_cards, statement rebuilt": cards_building_the_statement,
    }
    statements = dict.fromkeys(ways, 0)
    times: dict[str, list[float]] = {name: [] for name in ways}
    counting = [None]

    def count(*_args, **_kwargs):
        if counting[0] is not None:
            statements[counting[0]] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    texts = {}
    for round_number in range(rounds + 2):  # two rounds to warm up
        ids = pages[round_number % len(pages)]
        order = list(ways)[round_number % len(ways) :] + list(ways)[: round_number % len(ways)]
        for name in order:
            db.session.remove()
            counting[0] = name if round_number == 0 else None
            started = time.perf_counter()
            texts[name] = ways[name](ids)
            elapsed = time.perf_counter() - started
            if round_number >= 2:
                times[name].append(elapsed)
    event.remove(db.engine, "before_cursor_execute", count)
    if len(set(texts.values())) != 1:
        raise RuntimeError(f"the two ways read different texts: {texts}")

    print(f"{size:,} events on {engine_name}, pages of 20 upcoming events, {rounds} rounds")
    base = statistics.median(times["selectin per path"])
    for name in ways:
        ratio = statistics.median(times[name]) / base
        print(f"  {name:<32} {statements[name]:>2} statements   time ÷ selectin: {ratio:.2f}")


if __name__ == "__main__":
    main()

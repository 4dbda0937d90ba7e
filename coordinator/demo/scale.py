"""Synthetic events at scale for the demo network: `flask --app wsgi demo --events N`.

The curated demo year (demo/activities.py) is a few dozen hand-written events. Measuring pages
at 2k, 10k or 50k events (bench/scale.py) needs many more that look like them: spread over the
network's partners (lead and co-organisers), themes, countries, cities and time zones, two
years either side of today, mostly published, some cancelled, network-only, unpublished
(drafts, proposals under review) or part of a joint project.

Rows go in with bulk INSERTs (SQLAlchemy core), not through the workflow: 50k events take
seconds, not hours. Their stamps agree with their status as the CHECK constraints require (the
transition table would leave the same ones); they carry no audit trail and nobody is mailed.

Top-up, not add: `--events N` makes the database hold N synthetic events (every event beyond
the curated demo set counts as one), adding only the difference, so running it again with the
same N adds nothing. The same seed, today and starting state give the same events.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from coordinator.accounts.models import User
from coordinator.activities.models import (
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
from coordinator.demo.activities import PLACES, demo_events
from coordinator.demo.network import focal_point_email
from coordinator.extensions import db
from coordinator.partners.models import Partner

DEFAULT_SEED = 2026
# Days either side of today the synthetic events spread over.
SPAN_DAYS = 730
# Rows per INSERT statement: bounded memory at any N.
BATCH = 2_000
# Online events are hosted from a zone of their own, so the network's zones number 16.
ONLINE_ZONE = "UTC"

# (status, weight): mostly published; the rest shows what a busy review queue holds.
STATUS_WEIGHTS = (
    (Status.APPROVED, 80),
    (Status.CANCELLED, 6),
    (Status.SUBMITTED, 5),
    (Status.DRAFT, 4),
    (Status.CHANGES_REQUESTED, 2),
    (Status.REJECTED, 2),
    (Status.WITHDRAWN, 1),
)
NETWORK_ONLY_SHARE = 0.12
IN_PROJECT_SHARE = 0.2
ALL_DAY_SHARE = 0.1
ONLINE_SHARE = 0.15

TOPICS = (
    "Urban resilience",
    "Coastal cities",
    "Green public spaces",
    "Circular economy",
    "Heritage districts",
    "Youth employment",
    "Water scarcity",
    "Local finance",
    "Waste collection",
    "Participatory budgeting",
    "Metropolitan mobility",
    "Climate adaptation plans",
    "Informal settlements",
    "Port cities",
    "Energy transition",
    "Digital municipalities",
)
KIND_WORDS = {
    EventKind.CONFERENCE: "conference",
    EventKind.WORKSHOP: "workshop",
    EventKind.WEBINAR: "webinar",
    EventKind.MEETING: "steering meeting",
    EventKind.TRAINING: "training",
    EventKind.FIELD_VISIT: "field visit",
    EventKind.FORUM: "forum",
}
START_TIMES = ("09:00", "09:30", "10:00", "11:00", "14:00", "15:00", "16:30")
LANGUAGE_SETS = ("en", "en,fr", "fr", "en,ar", "ar,fr", "es,en", "en,fr,ar")


def synthetic_event_count() -> int:
    """Events beyond the curated demo set (the ones `--events` counts)."""
    curated = [spec.title for spec in demo_events()]
    total = db.session.scalar(select(func.count()).select_from(Event))
    named = db.session.scalar(
        select(func.count()).select_from(Event).where(Event.title.in_(curated))
    )
    return int(total) - int(named)


def add_synthetic_events(target: int, seed: int = DEFAULT_SEED, today: date | None = None) -> int:
    """Top the demo network up to `target` synthetic events; returns how many were added.

    Needs the demo network (partners, themes, focal points) loaded first."""
    missing = target - synthetic_event_count()
    if missing <= 0:
        return 0
    now = datetime.now(UTC).replace(microsecond=0)
    world = _World.load(today or now.date(), now)
    # The seed and how many exist already: a top-up continues the sequence, not repeats it.
    rng = random.Random(f"{seed}:{target - missing}")
    added = 0
    while added < missing:
        size = min(BATCH, missing - added)
        _insert_batch([world.event(rng, target - missing + added + i) for i in range(size)])
        added += size
    db.session.flush()
    return added


class _World:
    """The demo network's partners, themes, projects and places, as plain values."""

    def __init__(self, today: date, now: datetime) -> None:
        self.today, self.now = today, now
        self.partners: list[tuple[int, str, str]] = []  # id, slug, acronym
        self.focal_points: dict[int, int] = {}
        self.themes: list[int] = []
        self.projects: list[tuple[int, int]] = []  # id, lead partner id
        self.places = sorted((city, *place) for city, place in PLACES.items())

    @classmethod
    def load(cls, today: date, now: datetime) -> _World:
        world = cls(today, now)
        world.partners = [
            tuple(row)
            for row in db.session.execute(
                select(Partner.id, Partner.slug, Partner.acronym)
                .where(Partner.is_active)
                .order_by(Partner.id)
            )
        ]
        if not world.partners:
            raise LookupError("Load the demo network first (flask --app wsgi demo).")
        emails = {focal_point_email(slug): pid for pid, slug, _ in world.partners}
        for user_id, email in db.session.execute(
            select(User.id, User.email).where(User.email.in_(emails))
        ):
            world.focal_points[emails[email]] = user_id
        world.themes = list(
            db.session.scalars(select(Theme.id).where(Theme.is_active).order_by(Theme.id))
        )
        world.projects = [
            tuple(row)
            for row in db.session.execute(
                select(Project.id, Project.lead_partner_id)
                .where(Project.status == Status.APPROVED)
                .order_by(Project.id)
            )
        ]
        return world

    def event(self, rng: random.Random, number: int) -> dict:
        lead_id, _, lead_acronym = rng.choice(self.partners)
        kind = rng.choice(list(EventKind))
        status = rng.choices(*zip(*STATUS_WEIGHTS, strict=True))[0]
        online = kind == EventKind.WEBINAR or rng.random() < ONLINE_SHARE
        if online:
            city, zone_name, country, venue = "", ONLINE_ZONE, "", ""
        else:
            city, zone_name, country, venues = rng.choice(self.places)
            venue = rng.choice(venues)
        topic = rng.choice(TOPICS)
        title = f"{topic}: {lead_acronym} {KIND_WORDS[kind]} #{number + 1}"
        day = self.today + timedelta(days=rng.randint(-SPAN_DAYS, SPAN_DAYS))
        if day.weekday() >= 5:  # the network meets on working days
            day += timedelta(days=7 - day.weekday())
        project = None
        if self.projects and rng.random() < IN_PROJECT_SHARE:
            project = rng.choice(self.projects)
            lead_id = project[1]
        row = {
            "title": title[:200],
            "summary": f"A {KIND_WORDS[kind]} on {topic.lower()}"
            + (f" in {city}." if city else ", online."),
            "description": f"{topic} across the Mediterranean: cases, methods and next steps.\n\n"
            f"Organised by {lead_acronym} with partners of the network.",
            "kind": kind,
            "timezone": zone_name,
            "venue": venue,
            "city": city,
            "country": country,
            "online_url": f"https://meet.medcities.example/s{number + 1}" if online else "",
            "languages": rng.choice(LANGUAGE_SETS),
            "registration_url": "",
            "visibility": (
                Visibility.NETWORK if rng.random() < NETWORK_ONLY_SHARE else Visibility.PUBLIC
            ),
            "project_id": project[0] if project else None,
            "lead_partner_id": lead_id,
            "proposer_id": self.focal_points.get(lead_id),
            "sequence": 0,
            "cancel_reason": "",
            "review_comment": "",
            "latitude": None,
            "longitude": None,
            **_times(rng, day, kind, ZoneInfo(zone_name)),
            **self._stamps(rng, status),
        }
        if row["visibility"] == Visibility.PUBLIC and rng.random() < 0.5:
            row["registration_url"] = f"https://www.medcities.org/register/s{number + 1}"
        others = [p for p in self.partners if p[0] != lead_id]
        co = rng.sample(others, k=min(len(others), rng.choice((0, 1, 1, 2, 2, 3))))
        links = [(pid, rng.choices(list(Confirmation), weights=(2, 7, 1))[0]) for pid, _, _ in co]
        themes = rng.sample(self.themes, k=min(len(self.themes), rng.choice((1, 1, 2, 3))))
        return {"row": row, "themes": themes, "partners": links}

    def _stamps(self, rng: random.Random, status: Status) -> dict:
        """The stamps `status` needs and no others (stamp_constraints)."""
        created = self.now - timedelta(days=rng.randint(20, 120), minutes=rng.randint(0, 1440))
        submitted = created + timedelta(days=rng.randint(0, 5))
        decided = min(submitted + timedelta(days=rng.randint(1, 15)), self.now)
        published = status in (Status.APPROVED, Status.CANCELLED)
        cancelled = (
            decided + timedelta(days=rng.randint(0, 10)) if status == Status.CANCELLED else None
        )
        cancelled = min(cancelled, self.now) if cancelled else None
        changed = cancelled or (created if status == Status.DRAFT else decided)
        return {
            "status": status,
            "created_dt": created,
            "updated_dt": changed,
            "status_changed_dt": changed,
            "submitted_dt": None if status in (Status.DRAFT, Status.WITHDRAWN) else submitted,
            "published_dt": decided if published else None,
            "cancelled_dt": cancelled,
            "cancel_reason": (
                "The venue could not be secured on these dates." if cancelled else ""
            ),
        }


def _times(rng: random.Random, day: date, kind: EventKind, zone: ZoneInfo) -> dict:
    if kind in (EventKind.CONFERENCE, EventKind.FORUM, EventKind.FIELD_VISIT) and (
        rng.random() < ALL_DAY_SHARE * 4
    ):
        last = day + timedelta(days=rng.randint(0, 2))
        return {
            "is_all_day": True,
            "start_date": day,
            "end_date": last,
            "start_dt": datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC),
            "end_dt": datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(
                UTC
            ),
        }
    hours, minutes = (int(part) for part in rng.choice(START_TIMES).split(":"))
    start = datetime.combine(day, time(hours, minutes), tzinfo=zone).astimezone(UTC)
    return {
        "is_all_day": False,
        "start_date": None,
        "end_date": None,
        "start_dt": start,
        "end_dt": start + timedelta(minutes=rng.choice((60, 90, 120, 180, 240, 480))),
    }


def _insert_batch(events: list[dict]) -> None:
    table = Event.__table__
    ids = db.session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [event["row"] for event in events],
    ).all()
    theme_rows = [
        {"event_id": event_id, "theme_id": theme_id}
        for event_id, event in zip(ids, events, strict=True)
        for theme_id in event["themes"]
    ]
    partner_rows = [
        {
            "event_id": event_id,
            "partner_id": partner_id,
            "confirmation": confirmation,
            "invited_dt": event["row"]["submitted_dt"] or event["row"]["created_dt"],
            "responded_dt": (
                None if confirmation == Confirmation.PENDING else event["row"]["created_dt"]
            ),
            "responded_by_id": None,
        }
        for event_id, event in zip(ids, events, strict=True)
        for partner_id, confirmation in event["partners"]
    ]
    if theme_rows:
        db.session.execute(insert(event_themes), theme_rows)
    if partner_rows:
        db.session.execute(insert(EventPartner.__table__), partner_rows)

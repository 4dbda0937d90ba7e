"""Import a partner's calendar: new events become drafts, changes follow the workflow.

- New: a draft of the partner through activities.propose_imported_event (the create service
  the form uses), with the source's default kind, themes and visibility.
- Changed in the source: a draft (or a proposal sent back) is updated in place, a published
  event gets a revision for staff (activities.propose_imported_revision), a submitted one
  waits until staff decide. A field group changed here by hand is never overwritten.
- Cancelled or removed in the source: a cancellation is proposed; staff confirm it through
  activities.transition (never silently).
Services only flush; the caller (view, command, job) commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from coordinator.activities import services as activities
from coordinator.activities.models import Event, EventKind, Status, Theme, Visibility
from coordinator.activities.workflow import EDITABLE_STATES, Action
from coordinator.audit.models import record
from coordinator.calendars import fetching, parsing
from coordinator.calendars.models import CalendarSource, ImportedEvent
from coordinator.calendars.permissions import can_confirm_cancellations, can_manage_sources
from coordinator.db import serialise_on, utcnow
from coordinator.errors import ConflictError, DomainError, PermissionDenied
from coordinator.extensions import db
from coordinator.partners.models import Partner

log = logging.getLogger(__name__)

# Fields that change together: a local edit of any of them keeps the whole group.
FIELD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("title",),
    ("description",),
    ("venue",),
    ("online_url",),
    ("timezone", "is_all_day", "start_dt", "end_dt", "start_date", "end_date"),
)
MAX_PROBLEMS_KEPT = 20

DEFAULTS = {
    "CALENDAR_IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    "CALENDAR_IMPORT_MAX_EVENTS": 2000,
    "CALENDAR_IMPORT_DAYS_AHEAD": 550,
    "CALENDAR_FETCH_CONNECT_TIMEOUT": 5,
    "CALENDAR_FETCH_TOTAL_TIMEOUT": 30,
    "CALENDAR_FETCH_MAX_REDIRECTS": 3,
    "CALENDAR_FETCH_ALLOW_PRIVATE": False,
    "CALENDAR_FETCH_ALLOWED_ENDPOINTS": (),
}


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def fetch_policy() -> fetching.FetchPolicy:
    return fetching.FetchPolicy(
        connect_timeout=float(setting("CALENDAR_FETCH_CONNECT_TIMEOUT")),
        total_timeout=float(setting("CALENDAR_FETCH_TOTAL_TIMEOUT")),
        max_bytes=int(setting("CALENDAR_IMPORT_MAX_BYTES")),
        max_redirects=int(setting("CALENDAR_FETCH_MAX_REDIRECTS")),
        allow_private=bool(setting("CALENDAR_FETCH_ALLOW_PRIVATE")),
        allowed_endpoints=frozenset(setting("CALENDAR_FETCH_ALLOWED_ENDPOINTS") or ()),
    )


@dataclass
class ImportResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    error: str = ""  # why the whole calendar could not be imported
    problems: list[str] = field(default_factory=list)  # one sentence per event not imported
    not_modified: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": self.errors,
        }

    def summary(self) -> str:
        text = ", ".join(f"{name} {count}" for name, count in self.counts().items())
        return f"{text}; error: {self.error}" if self.error else text


# --- Sources -------------------------------------------------------------------------------------


def add_source(actor, partner: Partner, data: dict[str, Any]) -> CalendarSource:
    """A new calendar of the partner (by URL, or "" for an uploaded file)."""
    if not can_manage_sources(actor, partner.id):
        raise PermissionDenied(_("Only the partner's focal points and staff connect calendars."))
    url = data.get("url") or ""
    if url:
        try:
            url = fetching.normalise_url(url)
        except fetching.FetchError as error:
            raise DomainError(str(error), field="url") from None
    source = CalendarSource(
        partner_id=partner.id,
        name=data["name"],
        url=url,
        keyword=data.get("keyword") or "",
        category=data.get("category") or "",
        default_kind=EventKind(data.get("default_kind") or EventKind.MEETING).value,
        default_visibility=Visibility(data.get("default_visibility") or Visibility.PUBLIC).value,
        default_theme_ids=sorted(set(data.get("default_theme_ids") or [])),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(source)
    db.session.flush()
    record(
        actor=actor,
        subject_type="partner",
        subject_id=partner.id,
        action="calendar_source_added",
        details={"source_id": source.id, "url": url},
    )
    return source


def import_window(now: datetime) -> parsing.Window:
    """From yesterday to CALENDAR_IMPORT_DAYS_AHEAD days ahead."""
    days = int(setting("CALENDAR_IMPORT_DAYS_AHEAD"))
    return parsing.Window(now - timedelta(days=1), now + timedelta(days=days))


def import_payload(
    source: CalendarSource, payload: bytes, actor=None, now: datetime | None = None
) -> ImportResult:
    """Import the bytes of the source's calendar and record the outcome on the source."""
    now = now or utcnow()
    limit = int(setting("CALENDAR_IMPORT_MAX_BYTES"))
    if len(payload) > limit:
        return _record(source, _failed(fetching.too_large_message(limit)), now)
    try:
        parsed = parsing.parse(
            payload,
            import_window(now),
            default_zone=source.partner.timezone or "UTC",
            max_occurrences=int(setting("CALENDAR_IMPORT_MAX_EVENTS")),
        )
    except parsing.CalendarError as error:
        return _record(source, _failed(str(error)), now)
    serialise_on(db.session, f"calendar-source:{source.id}")
    result = _apply(source, parsed, _importer(source, actor), now)
    return _record(source, result, now)


def sync_source(source: CalendarSource, actor=None, now: datetime | None = None) -> ImportResult:
    """Fetch a URL source (conditionally) and import it."""
    now = now or utcnow()
    if source.is_upload:
        return _record(source, _failed(_("An uploaded file is synced by uploading it again.")), now)
    try:
        fetched = fetching.fetch(source.url, fetch_policy(), source.etag, source.last_modified)
    except fetching.FetchError as error:
        return _record(source, _failed(str(error)), now)
    if fetched.not_modified:
        count = db.session.scalar(
            select(db.func.count(ImportedEvent.id)).where(ImportedEvent.source_id == source.id)
        )
        return _record(source, ImportResult(unchanged=count or 0, not_modified=True), now)
    result = import_payload(source, fetched.body, actor, now)
    if not result.error:
        source.etag, source.last_modified = fetched.etag, fetched.last_modified
    return result


def sync_source_by_id(source_id: int) -> ImportResult:
    """The job's entry point: sync and commit, or record the failure and commit that."""
    source = db.session.get(CalendarSource, source_id)
    if source is None or not source.is_active:
        return ImportResult(error="no such active source")
    return _sync_committed(source)


def sync_all_sources() -> dict[int, ImportResult]:
    """Every active URL source, each in its own transaction: one failure stops no other."""
    ids = db.session.scalars(
        select(CalendarSource.id)
        .where(CalendarSource.is_active, CalendarSource.url != "")
        .order_by(CalendarSource.id)
    ).all()
    db.session.rollback()
    results = {}
    for source_id in ids:
        source = db.session.get(CalendarSource, source_id)
        if source is not None:
            results[source_id] = _sync_committed(source)
    return results


def _sync_committed(source: CalendarSource) -> ImportResult:
    source_id = source.id
    try:
        result = sync_source(source)
        db.session.commit()
        return result
    except Exception as error:  # noqa: BLE001 - record it on the source, go on with the others
        db.session.rollback()
        log.exception("calendar source %s failed to sync", source_id)
        source = db.session.get(CalendarSource, source_id)
        result = _failed(f"The import failed unexpectedly ({type(error).__name__}).")
        if source is not None:
            _record(source, result, utcnow())
            db.session.commit()
        return result


def _failed(message: str) -> ImportResult:
    return ImportResult(errors=1, error=message)


def _record(source: CalendarSource, result: ImportResult, now: datetime) -> ImportResult:
    source.last_sync_dt = now
    source.last_counts = result.counts()
    source.last_error = result.error
    source.last_problems = result.problems[:MAX_PROBLEMS_KEPT]
    if not result.error:
        source.last_success_dt = now
    db.session.flush()
    return result


def _importer(source: CalendarSource, actor):
    """Who the import acts as: the user who asked (if allowed), else nobody (the system)."""
    if actor is not None and can_manage_sources(actor, source.partner_id):
        return actor
    return None


# --- Mapping occurrences onto events -----------------------------------------------------------


def _matches(source: CalendarSource, occurrence: parsing.Occurrence) -> bool:
    if not source.keyword and not source.category:
        return True
    if source.keyword and source.keyword.casefold() in occurrence.title.casefold():
        return True
    wanted = source.category.casefold()
    return bool(wanted) and any(c.casefold() == wanted for c in occurrence.categories)


def _apply(source, parsed: parsing.ParseResult, actor, now: datetime) -> ImportResult:
    result = ImportResult(errors=len(parsed.problems), problems=list(parsed.problems))
    links = {
        (link.uid, link.recurrence_id): link
        for link in db.session.scalars(
            select(ImportedEvent).where(ImportedEvent.source_id == source.id)
        )
    }
    seen: set[tuple[str, str]] = set()
    for occurrence in parsed.occurrences:
        if occurrence.key in seen:
            result.skipped += 1  # the same UID and RECURRENCE-ID twice: the first one wins
            continue
        if not _matches(source, occurrence):
            result.skipped += 1
            continue
        seen.add(occurrence.key)
        link = links.get(occurrence.key)
        try:
            outcome = (
                _create(source, occurrence, actor, now)
                if link is None
                else _update(link, occurrence, actor, now)
            )
        except DomainError as error:
            outcome = "errors"
            result.problems.append(f"“{occurrence.title}”: {error.message}")
        setattr(result, outcome, getattr(result, outcome) + 1)
    window = import_window(now)
    for key, link in links.items():
        if key in seen or link.event.start_dt < window.start:
            continue
        if _propose_cancellation(link, "removed", actor, now):
            result.updated += 1
    return result


def _create(source, occurrence: parsing.Occurrence, actor, now: datetime) -> str:
    if occurrence.is_cancelled:
        return "skipped"
    theme_ids = db.session.scalars(
        select(Theme.id).where(Theme.id.in_(source.default_theme_ids or []), Theme.is_active)
    ).all()
    data = {
        **_python_values(occurrence.values()),
        "summary": "",
        "kind": EventKind(source.default_kind),
        "visibility": Visibility(source.default_visibility),
        "city": "",
        "country": "",
        "latitude": None,
        "longitude": None,
        "languages": "",
        "registration_url": "",
        "project_id": None,
        "theme_ids": list(theme_ids),
        "partner_ids": [],
    }
    event = activities.propose_imported_event(actor, source.partner_id, data)
    db.session.add(
        ImportedEvent(
            source_id=source.id,
            uid=occurrence.uid,
            recurrence_id=occurrence.recurrence_id,
            event_id=event.id,
            sequence=occurrence.sequence,
            imported=occurrence.values(),
            source_changed=[],
            kept_local={},
            floating_zone=occurrence.floating_zone,
            first_seen_dt=now,
            last_seen_dt=now,
        )
    )
    db.session.flush()
    return "new"


def _update(link: ImportedEvent, occurrence: parsing.Occurrence, actor, now: datetime) -> str:
    if occurrence.sequence < link.sequence:
        return "skipped"  # an older copy of the event than the one imported already
    link.last_seen_dt = now
    if occurrence.is_cancelled:
        return "updated" if _propose_cancellation(link, "cancelled", actor, now) else "unchanged"
    reopened = link.cancellation == "proposed"
    if reopened:  # back in the calendar: the proposal is withdrawn
        link.cancellation, link.removal_reason = "", ""
    event = link.event
    new, old = occurrence.values(), dict(link.imported or {})
    current = activities.event_snapshot(event)
    apply: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    for group in FIELD_GROUPS:
        if all(new.get(f) == old.get(f) for f in group):
            continue  # the calendar did not change it
        if all(current.get(f) == new.get(f) for f in group):
            continue  # the event says so already
        if any(current.get(f) != old.get(f) for f in group):
            kept.update({f: new.get(f) for f in group})  # changed here: the local edit wins
        else:
            apply.update({f: new.get(f) for f in group})
    if not apply and not kept and new == old and occurrence.sequence == link.sequence:
        return "updated" if reopened else "unchanged"
    if apply:
        if event.status in EDITABLE_STATES:
            activities.update_imported_draft(actor, event, _python_values(apply))
        elif event.status == Status.APPROVED:
            try:
                activities.propose_imported_revision(actor, event, _python_values(apply))
            except ConflictError:
                return "skipped"
        else:
            # Submitted: staff are reviewing this very version; try again at the next sync.
            # Withdrawn, rejected or cancelled: nothing left to change.
            return "skipped"
    link.imported = new
    link.sequence = occurrence.sequence
    link.source_changed = sorted(apply)
    link.kept_local = {
        **{k: v for k, v in (link.kept_local or {}).items() if k not in apply},
        **kept,
    }
    db.session.flush()
    return "updated" if apply or kept or reopened else "unchanged"


def _python_values(values: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for name, value in values.items():
        if value is not None and name in ("start_dt", "end_dt"):
            value = datetime.fromisoformat(value).astimezone(UTC)
        elif value is not None and name in ("start_date", "end_date"):
            value = date.fromisoformat(value)
        converted[name] = value
    return converted


def _propose_cancellation(link: ImportedEvent, reason: str, actor, now: datetime) -> bool:
    """Mark the event as cancelled or removed in its calendar, for staff (or, before it is
    published, its focal points) to act on. True if this is news."""
    if link.cancellation in ("proposed", "confirmed", "dismissed"):
        return False
    if link.event.status in (Status.CANCELLED, Status.WITHDRAWN, Status.REJECTED):
        return False
    link.cancellation = "proposed"
    link.removal_reason = reason
    record(
        actor=actor,
        subject_type="event",
        subject_id=link.event_id,
        action="cancellation_proposed",
        from_state=link.event.status.value,
        to_state=link.event.status.value,
        details={"source_id": link.source_id, "reason": reason},
    )
    db.session.flush()
    return True


def proposed_cancellations() -> list[ImportedEvent]:
    """Published events their calendar cancelled or dropped, waiting for staff."""
    return list(
        db.session.scalars(
            select(ImportedEvent)
            .join(Event, Event.id == ImportedEvent.event_id)
            .where(ImportedEvent.cancellation == "proposed", Event.status == Status.APPROVED)
            .order_by(Event.start_dt)
        )
    )


def confirm_cancellation(actor, link: ImportedEvent, reason: str) -> None:
    """Staff cancel the published event through the workflow's own transition."""
    if not can_confirm_cancellations(actor):
        raise PermissionDenied(_("Only network staff confirm cancellations."))
    if link.cancellation != "proposed":
        raise ConflictError(_("This cancellation was already decided."))
    activities.transition(actor, link.event, Action.CANCEL, reason)
    link.cancellation = "confirmed"
    db.session.flush()


def dismiss_cancellation(actor, link: ImportedEvent) -> None:
    """Staff keep the event; the calendar's cancellation is not proposed again."""
    if not can_confirm_cancellations(actor):
        raise PermissionDenied(_("Only network staff confirm cancellations."))
    if link.cancellation != "proposed":
        raise ConflictError(_("This cancellation was already decided."))
    link.cancellation = "dismissed"
    record(
        actor=actor,
        subject_type="event",
        subject_id=link.event_id,
        action="cancellation_dismissed",
        from_state=link.event.status.value,
        to_state=link.event.status.value,
        details={"source_id": link.source_id},
    )
    db.session.flush()


def link_for_event(event_id: int) -> ImportedEvent | None:
    return db.session.scalar(select(ImportedEvent).where(ImportedEvent.event_id == event_id))


def source_links(source: CalendarSource) -> list[ImportedEvent]:
    return list(
        db.session.scalars(
            select(ImportedEvent)
            .join(Event, Event.id == ImportedEvent.event_id)
            .where(ImportedEvent.source_id == source.id)
            .order_by(Event.start_dt)
        )
    )

"""Read queries of the proposal workflow: history, the focal point's space, the review queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, literal, select, union_all
from sqlalchemy.orm import selectinload

from coordinator.activities.filters import OneOf
from coordinator.activities.models import (
    Confirmation,
    Event,
    EventPartner,
    EventRevision,
    Project,
    ProjectPartner,
    Status,
    Theme,
)
from coordinator.activities.permissions import revisions_awaiting_decision_clause
from coordinator.activities.workflow import ANSWERABLE_STATES
from coordinator.audit.models import AuditEntry
from coordinator.extensions import db
from coordinator.partners.models import Partner

Item = TypeVar("Item")


@dataclass
class ListHead(Generic[Item]):
    """The first items of a longer list (a page of it) and how many the whole list holds:
    what a page shows of a list that may grow without bound."""

    items: list[Item]
    total: int
    offset: int = 0  # how many of the list come before these

    @property
    def more(self) -> int:
        """How many are not shown (all those after this page, and any before it)."""
        return self.total - len(self.items)

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total

    def last_page(self, page_size: int) -> int:
        """The number of the list's last page of `page_size` items (1 for an empty list)."""
        return max(1, -(-self.total // page_size))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def count_rows(*queries: Select) -> list[int]:
    """How many rows each of `queries` would give, in one statement."""
    counted = [
        select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()
        for query in queries
    ]
    return list(db.session.execute(select(*counted)).one())


# The order a focal point wants to see them: what needs their action first.
STATE_ORDER = (
    Status.CHANGES_REQUESTED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.APPROVED,
    Status.CANCELLED,
    Status.REJECTED,
    Status.WITHDRAWN,
)


def history(subject_type: str, subject_ids: list[int]) -> dict[int, list[AuditEntry]]:
    """Audit entries of several activities in one query, oldest first, keyed by id."""
    grouped: dict[int, list[AuditEntry]] = defaultdict(list)
    if not subject_ids:
        return grouped
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id.in_(subject_ids))
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_dt, AuditEntry.id)
    )
    for entry in entries:
        grouped[entry.subject_id].append(entry)
    return grouped


def _event_options():
    return (
        selectinload(Event.lead_partner),
        selectinload(Event.themes),
        selectinload(Event.partner_links).selectinload(EventPartner.partner),
        selectinload(Event.revisions),
    )


def _project_options():
    return (
        selectinload(Project.lead_partner),
        selectinload(Project.themes),
        selectinload(Project.partner_links).selectinload(ProjectPartner.partner),
    )


# How many of each list "My partner's activities" shows at first, and on each page of one
# list shown in full: a partner's page costs the same after years of activities.
SPACE_LIMIT = 10
SPACE_PAGE_SIZE = 50


@dataclass
class PartnerSpace:
    events_by_state: list[tuple[Status, ListHead[Event]]]
    projects_by_state: list[tuple[Status, ListHead[Project]]]
    event_history: dict[int, list[AuditEntry]]
    project_history: dict[int, list[AuditEntry]]
    event_requests: ListHead[EventPartner]
    project_requests: ListHead[ProjectPartner]
    co_organised: ListHead[EventPartner]


@dataclass(frozen=True)
class SpaceList:
    """One list of a partner's space: the requests to answer (events' or projects'), the
    events it co-organises, its changes waiting for staff, or its events or projects in one
    state."""

    # "event-requests", "project-requests", "co-organised", "changes-waiting" (its changes to
    # published events, waiting for staff), "events" or "projects"
    kind: str
    state: Status | None = None

    @property
    def name(self) -> str:
        """The list as the page's `show` parameter names it ("events-draft")."""
        return f"{self.kind}-{self.state.value}" if self.state else self.kind

    @classmethod
    def named(cls, name: str) -> SpaceList | None:
        """The list `name` names, or None."""
        if name in ("event-requests", "project-requests", "co-organised", "changes-waiting"):
            return cls(name)
        kind, _, state = name.partition("-")
        if kind in ("events", "projects") and state in {s.value for s in Status}:
            return cls(kind, Status(state))
        return None


def _group(items, totals: dict[Status, int]) -> list[tuple[Status, ListHead]]:
    by_state: dict[Status, list] = defaultdict(list)
    for item in items:
        by_state[item.status].append(item)
    return [
        (state, ListHead(by_state[state], totals[state]))
        for state in STATE_ORDER
        if totals.get(state)
    ]


def _led(model: type[Event] | type[Project], partner_id: int) -> tuple[Select, Any]:
    """The events or projects a partner leads, the latest starting first (within a state,
    along ix_events_lead_status_start), with what the space shows of them; and the column
    they are ordered by."""
    if model is Event:
        options, starts = _event_options(), Event.start_dt
    else:
        options, starts = _project_options(), Project.start_date
    query = (
        select(model)
        .where(model.lead_partner_id == partner_id)
        .options(*options)
        .order_by(starts.desc(), model.id.desc())
    )
    return query, starts


def led_by_state(model: type[Event] | type[Project], partner_id: int, limit: int | None):
    """The `limit` latest of each state of what a partner leads (all for None), and how many
    of each state there are: two statements (and the loads of their relations) however many
    there are."""
    query, starts = _led(model, partner_id)
    totals = dict(
        db.session.execute(
            select(model.status, func.count())
            .where(model.lead_partner_id == partner_id)
            .group_by(model.status)
        ).all()
    )
    ranked = (
        select(
            model.id,
            func.row_number()
            .over(partition_by=model.status, order_by=(starts.desc(), model.id.desc()))
            .label("rank"),
        )
        .where(model.lead_partner_id == partner_id)
        .subquery()
    )
    if limit is not None:
        shown = select(ranked.c.id).where(ranked.c.rank <= limit)
        query = query.where(model.id.in_(shown))
    return _group(db.session.scalars(query), totals)


def co_organiser_links_clause(link_model, partner_id: int, confirmation: Confirmation):
    """A partner's co-organiser links of one answer, to activities that still take answers
    (with the link's activity joined): the SQL of what the partner's space and home page list,
    and of the badge's answers due (can_answer_co_organisation's twin, for PENDING)."""
    model = Event if link_model is EventPartner else Project
    owner = link_model.owner_id_column()
    # The partner's links come from their index and their activities by primary key: a plain
    # join has PostgreSQL hash the links against every activity still taking answers.
    linked = select(owner).where(
        link_model.partner_id == partner_id, link_model.confirmation == confirmation
    )
    return and_(
        link_model.partner_id == partner_id,
        link_model.confirmation == confirmation,
        model.status.in_(ANSWERABLE_STATES),
        OneOf(model.id, linked),
    )


def co_organiser_links(link_model, partner_id: int, confirmation: Confirmation) -> Select:
    """co_organiser_links_clause's links with their activity and its lead, the soonest first."""
    if link_model is EventPartner:
        model, relation, starts = Event, EventPartner.event, Event.start_dt
    else:
        model, relation, starts = Project, ProjectPartner.project, Project.start_date
    return (
        select(link_model)
        .join(model)
        .where(co_organiser_links_clause(link_model, partner_id, confirmation))
        .options(selectinload(relation).selectinload(model.lead_partner))
        .order_by(starts, model.id)
    )


def changes_waiting(partner_id: int) -> Select:
    """A partner's changes to its published events that wait for staff, the oldest first."""
    return (
        select(EventRevision)
        .join(Event)
        .where(revisions_awaiting_decision_clause(), Event.lead_partner_id == partner_id)
        .options(selectinload(EventRevision.event))
        .order_by(EventRevision.created_dt, EventRevision.id)
    )


def _space_list_query(partner_id: int, shown: SpaceList) -> Select:
    if shown.kind == "event-requests":
        return co_organiser_links(EventPartner, partner_id, Confirmation.PENDING)
    if shown.kind == "project-requests":
        return co_organiser_links(ProjectPartner, partner_id, Confirmation.PENDING)
    if shown.kind == "co-organised":
        return co_organiser_links(EventPartner, partner_id, Confirmation.CONFIRMED)
    if shown.kind == "changes-waiting":
        return changes_waiting(partner_id)
    model = Event if shown.kind == "events" else Project
    return _led(model, partner_id)[0].where(model.status == shown.state)


def partner_space(partner_id: int, limit: int = SPACE_LIMIT) -> PartnerSpace:
    """What a partner's focal points follow of its activities: the first `limit` of each
    list (requests to answer, events co-organised, its events and projects by state), with how
    many each holds. The rest are a link away (space_list)."""
    events_by_state = led_by_state(Event, partner_id, limit)
    projects_by_state = led_by_state(Project, partner_id, limit)
    lists = [
        _space_list_query(partner_id, SpaceList(kind))
        for kind in ("event-requests", "project-requests", "co-organised")
    ]
    totals = count_rows(*lists)
    event_requests, project_requests, co_organised = (
        ListHead(list(db.session.scalars(query.limit(limit))), total)
        for query, total in zip(lists, totals, strict=True)
    )
    events = [e.id for _, group in events_by_state for e in group]
    projects = [p.id for _, group in projects_by_state for p in group]
    return PartnerSpace(
        events_by_state=events_by_state,
        projects_by_state=projects_by_state,
        event_history=history("event", events),
        project_history=history("project", projects),
        event_requests=event_requests,
        project_requests=project_requests,
        co_organised=co_organised,
    )


def space_list(
    partner_id: int, shown: SpaceList, page: int = 1
) -> tuple[ListHead, dict[int, list[AuditEntry]]]:
    """The `page`th page (SPACE_PAGE_SIZE items) of one list of a partner's space, with how
    many it holds; and the history of the activities on it (for events and projects)."""
    query = _space_list_query(partner_id, shown)
    (total,) = count_rows(query)
    offset = (max(page, 1) - 1) * SPACE_PAGE_SIZE
    items = list(db.session.scalars(query.limit(SPACE_PAGE_SIZE).offset(offset)))
    subject = {"events": "event", "projects": "project"}.get(shown.kind)
    histories = history(subject, [item.id for item in items]) if subject else {}
    return ListHead(items, total, offset), histories


@dataclass
class QueueItem:
    kind: str  # "event", "project", "revision"
    waiting_since: datetime
    event: Event | None = None
    project: Project | None = None
    revision: EventRevision | None = None

    @property
    def title(self) -> str:
        return (self.project or self.event).title  # type: ignore[union-attr]

    @property
    def lead_partner(self) -> Partner:
        return (self.project or self.event).lead_partner  # type: ignore[union-attr]


QUEUE_KINDS = ("event", "project", "revision")
QUEUE_PAGE_SIZE = 50


def review_queue(
    kinds: list[str], partner_slug: str | None, theme_slug: str | None, page: int = 1
) -> ListHead[QueueItem]:
    """One page of the review queue: awaiting_review() narrowed by kind, lead partner and
    theme, QUEUE_PAGE_SIZE items from the `page`th page on."""
    kinds = [k for k in kinds if k in QUEUE_KINDS] or list(QUEUE_KINDS)
    partner_id = theme_id = None
    if partner_slug:
        partner_id = db.session.scalar(select(Partner.id).where(Partner.slug == partner_slug)) or -1
    if theme_slug:
        theme_id = db.session.scalar(select(Theme.id).where(Theme.slug == theme_slug)) or -1
    offset = (max(page, 1) - 1) * QUEUE_PAGE_SIZE
    return awaiting_review(kinds, partner_id, theme_id, limit=QUEUE_PAGE_SIZE, offset=offset)


def awaiting_review(
    kinds: Sequence[str] = QUEUE_KINDS,
    partner_id: int | None = None,
    theme_id: int | None = None,
    *,
    limit: int,
    offset: int = 0,
) -> ListHead[QueueItem]:
    """Everything waiting for a staff decision, the oldest waiting first: submitted events and
    projects (waiting since their submitted_dt, which a submitted row always carries: see
    stamp_constraints), and the pending revisions staff can decide (those of published events).
    `limit` of them from `offset`, with how many wait in all.

    The one definition of "waiting for review", for the review queue, the staff home page and
    the dashboard. The waiting keys of every kind are ordered in one statement and only the
    page's items are loaded: the cost stays the same however long the queue grows.
    """
    waiting = _waiting_keys(kinds, partner_id, theme_id)
    if waiting is None:
        return ListHead([], 0)
    total = db.session.scalar(select(func.count()).select_from(waiting)) or 0
    keys = db.session.execute(
        select(waiting.c.rank, waiting.c.id)
        .order_by(waiting.c.since, waiting.c.rank, waiting.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    ids: dict[int, list[int]] = defaultdict(list)
    for rank, number in keys:
        ids[rank].append(number)
    loaded = {
        (rank, item.id): item
        for rank, model, options in (
            (0, Event, _event_options()),
            (1, EventRevision, (selectinload(EventRevision.event).options(*_event_options()),)),
            (2, Project, _project_options()),
        )
        if ids[rank]
        for item in db.session.scalars(
            select(model).where(model.id.in_(ids[rank])).options(*options)
        )
    }
    items = []
    for rank, number in keys:
        found = loaded.get((rank, number))
        if isinstance(found, Event):
            items.append(QueueItem("event", found.submitted_dt, event=found))
        elif isinstance(found, EventRevision):
            items.append(QueueItem("revision", found.created_dt, event=found.event, revision=found))
        elif isinstance(found, Project):
            items.append(QueueItem("project", found.submitted_dt, project=found))
    return ListHead(items, total, offset)


def _waiting_keys(kinds: Sequence[str], partner_id: int | None, theme_id: int | None):
    """(rank, id, since) of everything waiting of `kinds`, as one subquery (None for no kind).
    The rank (events, revisions, projects) breaks ties of the same moment in a fixed order."""

    def narrow_events(query: Select) -> Select:
        if partner_id is not None:
            query = query.where(Event.lead_partner_id == partner_id)
        if theme_id is not None:
            query = query.where(Event.themes.any(Theme.id == theme_id))
        return query

    def keys(rank: int, model, since) -> Select:
        return select(literal(rank).label("rank"), model.id.label("id"), since.label("since"))

    parts = []
    if "event" in kinds:
        parts.append(
            narrow_events(
                keys(0, Event, Event.submitted_dt).where(Event.status == Status.SUBMITTED)
            )
        )
    if "revision" in kinds:
        parts.append(
            narrow_events(
                keys(1, EventRevision, EventRevision.created_dt)
                .join(Event, EventRevision.event_id == Event.id)
                .where(revisions_awaiting_decision_clause())
            )
        )
    if "project" in kinds:
        query = keys(2, Project, Project.submitted_dt).where(Project.status == Status.SUBMITTED)
        if partner_id is not None:
            query = query.where(Project.lead_partner_id == partner_id)
        if theme_id is not None:
            query = query.where(Project.themes.any(Theme.id == theme_id))
        parts.append(query)
    if not parts:
        return None
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("waiting")


def queue_filter_choices() -> tuple[list[Partner], list[Theme]]:
    """The partners and themes the review queue can be narrowed to."""
    partners = db.session.scalars(
        select(Partner).where(Partner.is_active).order_by(Partner.name)
    ).all()
    themes = db.session.scalars(select(Theme).order_by(Theme.name)).all()
    return list(partners), list(themes)


def form_choices(lead_partner_id: int | None) -> tuple[list[Theme], list[Partner], list[Project]]:
    """What an event or project form offers: active themes, the other active partners (as
    co-organisers) and the approved projects an event may belong to."""
    themes = db.session.scalars(select(Theme).where(Theme.is_active).order_by(Theme.name)).all()
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.is_active, Partner.id != (lead_partner_id or -1))
        .order_by(Partner.name)
    ).all()
    projects = db.session.scalars(
        select(Project).where(Project.status == Status.APPROVED).order_by(Project.title)
    ).all()
    return list(themes), list(partners), list(projects)

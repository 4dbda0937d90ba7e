"""Data versions: one database row per scope ("pages", "feeds") that moves, in the same
transaction, with every change to what that scope shows. Caches key their entries by it
(pagecache.py, feeds/cache.py).

Reading a version is one primary-key read, whatever the size of the data, and each process reads
it at most once per recheck interval (PAGE_CACHE_RECHECK_SECONDS, FEED_RECHECK_SECONDS), and
again after it commits a change itself. Every process and host reads the same rows, so a change
made anywhere is seen everywhere within the interval.

Which writes move which scope is the domain's rule, registered with set_rule() (the activities
domain's versions.py); this module applies it to every ORM session: a transaction that inserted,
updated or deleted a row the rule names (an object flushed, or a bulk or conditional statement
such as a workflow transition) writes a new random token into the scope's row just before it
commits. That row is written last, so a transaction holds its lock only for the instant of its
commit: writers wait for each other there, never in an order that could deadlock. A random token
(not a counter) cannot come back to a value a cache still holds after the table is emptied or the
database restored from an older backup. Time passing moves no version: the caches handle it.

Writes that bypass the ORM session (a raw connection) must call bump() in their transaction.
A session holding changes it has not committed reads what no cache may keep
(has_unsaved_changes()): another process must never be served them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import String, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from coordinator.db import UTCDateTime, utcnow
from coordinator.extensions import db

PAGES = "pages"
FEEDS = "feeds"
SCOPES = (PAGES, FEEDS)
_ALL_SCOPES = frozenset(SCOPES)

Change = Literal["insert", "update", "delete"]
# (table name, change, the flushed object or None for a statement over any rows) -> the scopes
# that write moves.
Rule = Callable[[str, Change, object | None], frozenset[str]]

_UNSAVED = "dataversion.unsaved"  # session.info: scopes changed in the open transaction
_BUMPED = "dataversion.bumped"  # session.info: scopes the committing transaction moved
_MEMO = "dataversion.memo"
_KEPT = "dataversion.kept"
# Values kept by kept_while_unchanged() per process: a few per language and kind of visitor.
KEPT_VALUES = 64
T = TypeVar("T")
_rule: Rule | None = None


class DataVersion(db.Model):
    __tablename__ = "data_versions"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class VersionRead:
    token: str
    read_dt: datetime  # when it was read from the database
    changed_dt: datetime | None  # when a commit last moved it (None: never)


def set_rule(rule: Rule) -> None:
    """Name the function that says which writes move which scope (one per application)."""
    global _rule
    _rule = rule


def current(scope: str, max_age: float) -> VersionRead:
    """The scope's version, read from the database unless this process read it less than
    `max_age` seconds ago (and committed no change to it since)."""
    memo = _memo()
    with memo.lock:
        found = memo.values.get(scope)
        if found is not None and 0 <= time.monotonic() - found[1] < max_age:
            return found[0]
    read_dt = utcnow()
    row = db.session.execute(
        select(DataVersion.token, DataVersion.changed_dt).where(DataVersion.scope == scope)
    ).first()
    if row is None:
        # No row yet (a new or emptied database): a value no cache holds, until the first change.
        read = VersionRead(f"none-{uuid.uuid4().hex}", read_dt, None)
    else:
        read = VersionRead(row.token, read_dt, row.changed_dt)
    with memo.lock:
        memo.values[scope] = (read, time.monotonic())
    return read


def has_unsaved_changes(scope: str) -> bool:
    """Whether this request's session wrote changes to the scope it has not committed yet."""
    # A request answered from a cache never opened a session: none is made to ask.
    registry = db.session.registry
    return registry.has() and scope in registry().info.get(_UNSAVED, ())


def bump(session: Session, scopes: set[str] | frozenset[str] | tuple[str, ...]) -> None:
    """Give each scope a new version, in the session's transaction."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    for scope in sorted(scopes):  # one order for every writer
        statement = insert(DataVersion).values(scope=scope, token=uuid.uuid4().hex, changed_dt=now)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[DataVersion.scope],
                set_={
                    "token": statement.excluded.token,
                    "changed_dt": statement.excluded.changed_dt,
                },
            )
        )


def kept_while_unchanged(scope: str, key: tuple, build: Callable[[], T], max_age: float) -> T:
    """build()'s value, computed once per `key` and version of `scope` in this process.

    For small values every request would otherwise rebuild from the same rows (the options of
    a filter form). A version read is at most `max_age` seconds old, as for the caches; a
    session holding uncommitted changes to the scope gets a fresh value, kept by no one."""
    if has_unsaved_changes(scope):
        return build()
    full_key = (scope, current(scope, max_age).token, *key)
    kept = _kept_values()
    with kept.lock:
        if full_key in kept.values:
            kept.values.move_to_end(full_key)
            return kept.values[full_key]
    value = build()
    with kept.lock:
        kept.values[full_key] = value
        while len(kept.values) > KEPT_VALUES:
            kept.values.popitem(last=False)  # the oldest: most likely of a past version
    return value


class _KeptValues:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: OrderedDict[tuple, object] = OrderedDict()


def _kept_values() -> _KeptValues:
    return current_app.extensions.setdefault(_KEPT, _KeptValues())


class _Memo:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, tuple[VersionRead, float]] = {}


def _memo() -> _Memo:
    extensions = current_app.extensions
    memo = extensions.get(_MEMO)
    if memo is None:
        memo = extensions.setdefault(_MEMO, _Memo())
    return memo


def _forget(scopes) -> None:
    memo = _memo()
    with memo.lock:
        for scope in scopes:
            memo.values.pop(scope, None)


# --- applying the rule to every session ---------------------------------------------------------


def _moved(table: str, change: Change, instance: object | None) -> frozenset[str]:
    if table == DataVersion.__tablename__:
        return frozenset()
    if _rule is None:  # no domain said anything: every write moves everything
        return frozenset(SCOPES)
    return _rule(table, change, instance)


def _note(session: Session, scopes: frozenset[str]) -> None:
    if scopes:
        session.info[_UNSAVED] = session.info.get(_UNSAVED, frozenset()) | scopes


_tables_of: dict[type, tuple[str, ...]] = {}


def _tables(instance: object) -> tuple[str, ...]:
    cls = type(instance)
    found = _tables_of.get(cls)
    if found is None:
        found = _tables_of[cls] = tuple(table.name for table in inspect(cls).tables)
    return found


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _context) -> None:
    # new, dirty and deleted still list what this flush wrote, with each attribute's history.
    # A changed collection (themes attached to an event, a partner's groups) marks its owner
    # dirty.
    if session.info.get(_UNSAVED, frozenset()) >= _ALL_SCOPES:
        return  # nothing left to learn from this flush
    changes = (("insert", session.new), ("update", session.dirty), ("delete", session.deleted))
    for change, instances in changes:
        for instance in instances:
            for table in _tables(instance):
                _note(session, _moved(table, change, instance))


@event.listens_for(Session, "do_orm_execute")
def _note_statement_changes(state) -> None:
    # Bulk and conditional statements (workflow transitions, imports, the demo's inserts).
    for change, happens in (
        ("insert", state.is_insert),
        ("update", state.is_update),
        ("delete", state.is_delete),
    ):
        table = getattr(state.statement, "table", None) if happens else None
        if table is not None:
            _note(state.session, _moved(table.name, change, None))


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outermost commit bumps
    session.flush()  # what is left to flush is noted before deciding
    scopes = session.info.pop(_UNSAVED, frozenset())
    if scopes:
        bump(session, scopes)
        session.info[_BUMPED] = scopes


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    scopes = session.info.pop(_BUMPED, ())
    # This app's own change shows at once (another engine's waits for the recheck, as another
    # process's does).
    if scopes and has_app_context() and session.get_bind() is db.engine:
        _forget(scopes)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(_UNSAVED, None)
        session.info.pop(_BUMPED, None)

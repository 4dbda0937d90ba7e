"""Declarative base, UTC time helpers and the SQLite settings that make it safe."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    bindparam,
    event,
    literal_column,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Set only while a past history is replayed (the demo loader): every stamp then reads it.
_replayed_now: ContextVar[datetime | None] = ContextVar("replayed_now", default=None)


def utcnow() -> datetime:
    return _replayed_now.get() or datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Make utcnow() answer `moment` inside the block, so services stamp a replayed history
    with the time it happened (flush inside the block: column defaults read it then)."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs an aware datetime")
    token = _replayed_now.set(moment)
    try:
        yield
    finally:
        _replayed_now.reset(token)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every engine (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# One instance of each type the pages' statements write values with (literals, casts): a
# statement's cache key reads each type's, which SQLAlchemy works out once per instance (about
# 10 µs for a new UTCDateTime() in every request's statement).
INSTANT = UTCDateTime()
INTEGER = Integer()
DAY = Date()


# --- statements whose text never changes -------------------------------------------------------
# SQLAlchemy writes an IN list of bound values (`IN (__[POSTCOMPILE_ids])`) into the SQL text
# on every run, one parameter per value: it rewrites the whole statement each time, and on
# PostgreSQL a text that changes with the number of ids is never prepared, so it is parsed and
# planned on every run. The two forms below keep one text per statement.


def is_one_of(column, values) -> ColumnElement[bool]:
    """`column IN ('a', 'b')` with the values (constants of the code: states, kinds) written
    into the SQL, not bound: the text is final when compiled, and the planner sees the values
    as a partial index's predicate does."""
    return column.in_([literal_column(_sql_string(str(value))) for value in values])


def _sql_string(value: str) -> str:
    if not re.fullmatch(r"[a-z_]+", value):
        raise ValueError(f"not a constant to write into SQL: {value!r}")
    return f"'{value}'"


class _IdList(TypeDecorator):
    """A list of integer ids bound as one parameter: an INTEGER[] on PostgreSQL, JSON text
    elsewhere (SQLite reads it with json_each)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(Integer))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value, dialect):
        ids = [int(each) for each in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class InBoundIds(ColumnElement[bool]):
    """`column` is one of the ids bound as `name` (a list of integers, as one parameter):
    `= ANY(:name)` on PostgreSQL, `IN (SELECT value FROM json_each(:name))` elsewhere."""

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()
    _is_implicitly_boolean = True

    def __init__(self, column, name: str) -> None:
        self.column = column
        self.ids = bindparam(name, type_=_IdList())


def in_bound_ids(column, name: str) -> InBoundIds:
    return InBoundIds(column, name)


@compiles(InBoundIds)
def _in_bound_ids_sql(element: InBoundIds, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({compiler.process(element.ids, **kw)}))"


@compiles(InBoundIds, "postgresql")
def _in_bound_ids_sql_postgresql(element: InBoundIds, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY({compiler.process(element.ids, **kw)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    # pysqlite's own BEGIN is deferred; we take over so every transaction is
    # BEGIN IMMEDIATE, which removes "database is locked" on read-then-write.
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# A connection that only reads (the readiness probe) can say so with this execution option: its
# transaction then starts deferred, so it never waits for another transaction's write lock.
READ_ONLY = "coordinator_read_only"


@event.listens_for(Engine, "begin")
def _begin_immediate(conn):
    conn.info[_WROTE] = False
    if conn.dialect.name == "sqlite":
        read_only = conn.get_execution_options().get(READ_ONLY)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def serialise_on(session: Session, *keys: str) -> None:
    """Run transactions that name the same key one after another, from here to their end, so
    a read-then-insert (count the failures, then record one) is one step. PostgreSQL takes an
    advisory transaction lock per key, in a fixed order so two transactions never wait on each
    other; SQLite needs nothing, since BEGIN IMMEDIATE already serialises every transaction."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for lock_id in sorted({_lock_id(key) for key in keys}):
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def _lock_id(key: str) -> int:
    # Advisory locks are named by a signed 64-bit integer.
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


# psycopg prepares a statement on a connection once it has run it five times: PostgreSQL then
# parses it once and, when a plan serves every value, plans it once. A ROLLBACK deallocates
# them all, and every request used to end in one, so no statement was ever prepared. A
# transaction that wrote nothing ends the same way by a COMMIT, which keeps them.
_WROTE = "coordinator_wrote"
_READING = re.compile(r"\s*(SELECT|WITH|SHOW|EXPLAIN)\b", re.IGNORECASE)
# A WITH may hold a statement that writes; a read naming one of these words (in an identifier or
# a literal) only loses the COMMIT.
_WRITING = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE)\b", re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    if _writes(statement):
        conn.info[_WROTE] = True


@functools.lru_cache(maxsize=1024)
def _writes(statement: str) -> bool:
    # Kept per text: searching a card statement's 4,000 characters took 160 µs, on every run
    # of every statement, where the texts are few and repeat.
    return not _READING.match(statement) or bool(_WRITING.search(statement))


# psycopg converts a statement's placeholders (%(name)s to $1) once per text and keeps the
# result, but only for texts of up to 4,096 characters: it expects longer ones to be an ORM's
# one-off INSERTs. Ours are built once per process and repeat (db.is_one_of, in_bound_ids), and
# the longest are the busiest (a partner's page seeks eight branches in 6,000 characters):
# converted again on every run, they cost a twentieth of the page's Python. Its cache keeps 128
# texts, so the longer cap holds at most 2 MB.
try:
    from psycopg import _queries as _psycopg_queries
except ImportError:  # a psycopg laid out otherwise keeps its own cap
    _psycopg_queries = None
if getattr(_psycopg_queries, "MAX_CACHED_STATEMENT_LENGTH", None) is not None:
    _psycopg_queries.MAX_CACHED_STATEMENT_LENGTH = max(
        _psycopg_queries.MAX_CACHED_STATEMENT_LENGTH, 16_384
    )


# A statement whose best plan depends on its values (how many events of a country, a kind, a
# partner lie past a moment) runs with this execution option set: it is sent unprepared, so
# PostgreSQL plans it for its values on every run. Prepared, it was planned once for any value
# after its fifth run, and the plan for "any" read every upcoming event of the network where
# the page wanted 21 (the events list of one country at 50k events: 21.9 ms against 3.0).
PLAN_EACH_RUN = "coordinator_plan_each_run"


@event.listens_for(Engine, "do_execute")
def _plan_each_run(cursor, statement, parameters, context):
    if context.execution_options.get(PLAN_EACH_RUN) and context.dialect.driver == "psycopg":
        cursor.execute(statement, parameters, prepare=False)
        return True  # executed: SQLAlchemy does not run it again
    return None


# When a pooled connection last went back to the pool (ConnectionPoolEntry.info).
_CHECKED_IN = "coordinator_checked_in"


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before handing it out only when it sat idle in the pool for
    longer than idle_seconds: SQLAlchemy's pool_pre_ping pings on every checkout, a round trip
    to the database on every request (about 7% of a cold page's throughput under load).

    A connection that fails its ping is replaced by a new one (DisconnectionError: the pool
    discards it and connects again), so a database restarted while the site was quiet costs no
    request. One that went away less than idle_seconds after its last use fails the request
    that meets it, as any request in flight fails (the outage page, 503), and that failure
    invalidates every connection the pool holds: the following requests reconnect."""

    @event.listens_for(engine, "checkin")
    def _stamp(dbapi_connection, record) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in <= idle_seconds:
            return  # just connected, or back from a request a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: the connection is not usable
            raise DisconnectionError(f"the pooled connection failed its ping: {error}") from error


def end_reading_transaction(session: Session) -> None:
    """Commit the session's transaction if it only read (nothing written, nothing pending),
    so that its connection keeps its prepared statements (see _WROTE); a transaction that
    wrote anything is left to the rollback that ends every request."""
    if not session.in_transaction() or session.new or session.deleted or session.dirty:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql" or connection.info.get(_WROTE, True):
        return
    try:
        session.commit()
    except SQLAlchemyError:
        # A read that failed inside it (a timeout) left nothing to keep: the rollback follows.
        session.rollback()

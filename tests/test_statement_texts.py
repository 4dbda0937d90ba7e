"""Statements whose SQL text does not change with their values (coordinator.db.is_one_of and
in_bound_ids): SQLAlchemy then has nothing to rewrite on each run, and on PostgreSQL psycopg
prepares them, however many ids a page reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from coordinator import create_app
from coordinator.activities.cards import load_event_cards
from coordinator.activities.models import PUBLISHED_STATES, Event, Status
from coordinator.db import in_bound_ids, is_one_of
from coordinator.extensions import db
from tests import factories


def _sql(statement) -> str:
    return str(statement.compile(db.engine))


def test_the_ids_are_one_parameter_and_pick_their_rows(app):
    events = [factories.EventFactory() for _ in range(5)]
    db.session.commit()
    statement = select(Event.id).where(in_bound_ids(Event.id, "ids")).order_by(Event.id)
    some, more = [events[0].id, events[3].id], [event.id for event in events]
    assert db.session.scalars(statement, {"ids": some}).all() == sorted(some)
    assert db.session.scalars(statement, {"ids": more}).all() == sorted(more)
    assert db.session.scalars(statement, {"ids": [10**6]}).all() == []
    compiled = statement.compile(db.engine)
    assert list(compiled.params) == ["ids"] and not compiled.post_compile_params


def test_constants_are_written_into_the_sql_and_nothing_else_is(app):
    factories.EventFactory(status=Status.APPROVED)
    factories.EventFactory(status=Status.SUBMITTED)
    db.session.commit()
    clause = is_one_of(Event.status, PUBLISHED_STATES)
    statement = select(Event.status).where(clause)
    assert "IN ('approved', 'cancelled')" in _sql(statement)
    assert db.session.scalars(statement).all() == [Status.APPROVED]
    for unsafe in ("x'); DROP TABLE events; --", "Approved", ""):
        with pytest.raises(ValueError, match="not a constant"):
            is_one_of(Event.status, [unsafe])


def test_the_card_statements_are_prepared_whatever_the_number_of_ids(app, app_config):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (CI's PostgreSQL stage runs this)")
    ids = [factories.EventFactory().id for _ in range(8)]
    db.session.commit()
    served = create_app({**app_config, "PAGE_CACHE": False})
    try:
        with served.test_request_context("/"):
            for count in range(1, 8):  # seven runs, each with a different number of ids
                assert [card.id for card in load_event_cards(ids[:count])] == ids[:count]
            prepared = db.session.scalars(
                text("SELECT statement FROM pg_prepared_statements")
            ).all()
            db.session.rollback()
        assert [statement for statement in prepared if "events.id = ANY(" in statement]
    finally:
        with served.app_context():
            db.session.remove()
            db.engine.dispose()


def test_long_statements_are_converted_once(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's conversion of placeholders (CI's PostgreSQL stage runs this)")
    from psycopg import _queries

    long_statement = text("SELECT :value AS value /* " + "x" * 6_000 + " */")
    for _ in range(2):
        before = _queries._query2pg.cache_info().hits
        assert db.session.execute(long_statement, {"value": 1}).scalar() == 1
    assert _queries._query2pg.cache_info().hits == before + 1

"""The calendar pages' statements are compiled once, then taken from SQLAlchemy's cache: an
element without a cache key (as the long-running events' clause was) makes every statement
holding it compile again on every request (milliseconds each for the month grid's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine.interfaces import CacheStats

from coordinator.extensions import db
from tests.factories import EventFactory


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/",
        "/calendar/agenda",
        "/calendar/agenda?month=2026-03",
        "/calendar/agenda?day=2026-03-02",
        "/events/",
    ],
)
def test_every_statement_of_the_page_has_a_cache_key(app, client, url):
    app.config["PAGE_CACHE"] = False
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    EventFactory(start_dt=start, end_dt=start + timedelta(hours=2))
    db.session.commit()
    unkeyed: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if context.compiled is not None and context.cache_hit is CacheStats.NO_CACHE_KEY:
            unkeyed.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert unkeyed == []

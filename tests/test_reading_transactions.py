"""A request that only read ends its transaction with a COMMIT (coordinator.db): on PostgreSQL
its connection then keeps the statements psycopg prepared, where the ROLLBACK that ends every
request deallocated them all. Whatever was written, or left pending, is still rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from coordinator import create_app
from coordinator.db import end_reading_transaction
from coordinator.extensions import db
from coordinator.partners.models import Partner
from tests import factories


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (CI's PostgreSQL stage runs this)")


def _prepared() -> int:
    return db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))


def test_reading_requests_keep_the_statements_psycopg_prepared(postgresql, app_config):
    factories.PartnerFactory(slug="cmi")
    db.session.commit()
    # Another app: each request then pushes (and tears down) an app context of its own, as
    # under a server, where the test's own context would otherwise be reused.
    served = create_app({**app_config, "PAGE_CACHE": False})  # every request reads
    client = served.test_client()
    try:
        for _ in range(7):  # psycopg prepares a statement on its sixth run
            assert client.get("/partners/cmi").status_code == 200
        with served.app_context():
            assert _prepared() > 0
    finally:
        with served.app_context():
            db.session.remove()
            db.engine.dispose()


def test_filtered_seeks_are_planned_for_their_values_on_every_run(postgresql, app_config):
    lead = factories.PartnerFactory(slug="cmi")
    for day in range(3):
        factories.EventFactory(lead_partner=lead, start_dt=_days_ahead(day + 1), country="ES")
    db.session.commit()
    served = create_app({**app_config, "PAGE_CACHE": False})
    client = served.test_client()
    try:
        for _ in range(7):
            assert client.get("/events/?country=ES").status_code == 200
            assert client.get("/calendar/agenda?country=ES").status_code == 200
        with served.app_context():
            texts = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
        # The cards were prepared; the filtered seeks (the list's branches and count, the
        # agenda's first event) were not (PLAN_EACH_RUN): each run is planned for its values.
        assert any("events.title" in statement for statement in texts)
        assert not [statement for statement in texts if " AS branch" in statement]
        assert not [statement for statement in texts if "events.end_dt >" in statement]
        # Unfiltered, the list's seek stays prepared (PostgreSQL plans it for its values).
        for _ in range(7):
            assert client.get("/events/").status_code == 200
        with served.app_context():
            texts = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
        assert [statement for statement in texts if " AS branch" in statement]
    finally:
        with served.app_context():
            db.session.remove()
            db.engine.dispose()


def _days_ahead(days: int):
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


def test_a_transaction_that_only_read_is_committed(postgresql):
    db.session.commit()
    db.session.scalars(select(Partner)).all()
    assert db.session().in_transaction()
    end_reading_transaction(db.session())
    assert not db.session().in_transaction()


@pytest.mark.parametrize("change", ["pending", "flushed", "statement"])
def test_what_was_written_or_left_pending_is_rolled_back(app, change):
    """On either database: a transaction that changed anything is left open for the rollback
    that ends every request."""
    partner = factories.PartnerFactory(name="Before")
    db.session.commit()
    if change == "statement":
        db.session.execute(update(Partner).values(name="Changed"))
    else:
        partner.name = "Changed"
        if change == "flushed":
            db.session.flush()
    end_reading_transaction(db.session())
    assert db.session().in_transaction()
    db.session.rollback()
    assert db.session.scalar(select(Partner.name).where(Partner.id == partner.id)) == "Before"


@pytest.mark.parametrize(
    ("url", "written"),
    [
        ("/partners/{slug}", "events.lead_partner_id = {id}"),
        ("/events/?partner={slug}", "events.lead_partner_id = {id}"),
        ("/events/past?partner={slug}", "event_partners.partner_id IN ({id})"),
        ("/events/?country=MT", "events.country IN ('MT')"),
        ("/events/?theme={theme}", "event_themes.theme_id IN ({theme_id})"),
        ("/events/past?theme={theme}", "event_themes.theme_id IN ({theme_id})"),
        ("/events/?theme=no-such-theme", "event_themes.theme_id IN (0)"),
    ],
)
def test_values_that_decide_the_plan_are_written_into_the_statement(app, client, url, written):
    """A prepared statement may be planned once for every value: the partner, the country and
    the theme, whose numbers of events differ by thousands, are part of its text, each planned
    for (an unknown theme is written as the id no theme has)."""
    from tests.test_page_query_counts import statements_of

    app.config["PAGE_CACHE"] = False
    partner = factories.PartnerFactory()
    theme = factories.ThemeFactory()
    factories.EventFactory(lead_partner=partner, country="MT", themes=[theme])
    url = url.format(slug=partner.slug, theme=theme.slug)
    written = written.format(id=partner.id, theme_id=theme.id)
    sought = [s for s in statements_of(client, url) if "ORDER BY events.start_dt" in s]
    assert sought and all(written in s for s in sought), sought


def test_a_request_that_never_read_opens_no_session(app_config):
    # Another app, so that the request's app context (and its session registry) is its own.
    served = create_app(app_config)
    with served.app_context():
        registry = db.session.registry
    opened = []
    real = registry.createfunc
    registry.createfunc = lambda: opened.append(1) or real()
    try:
        assert served.test_client().get("/healthz").status_code == 200
    finally:
        registry.createfunc = real
    assert opened == []

"""`flask db upgrade` builds an empty database to head and `flask db check` finds no drift.

Runs on the engine the suite runs on: SQLite by default, PostgreSQL when
COORDINATOR_DATABASE_URL is set (a throwaway database is created and dropped here).
No revision id is named: the lead regenerates the migration after merging.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from coordinator.config import normalise_database_url
from coordinator.extensions import db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_database_url(tmp_path):
    suite_url = os.environ.get("COORDINATOR_DATABASE_URL")
    if not suite_url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = make_url(normalise_database_url(suite_url))
    name = f"coordinator_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _flask(*args: str, database_url: str, instance: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COORDINATOR_")}
    env.update(
        {
            "COORDINATOR_DATABASE_URL": database_url,
            "COORDINATOR_SECRET_KEY": "migration-test",
            "COORDINATOR_MAIL_OUTBOX": str(instance / "outbox"),
            "COORDINATOR_UPLOAD_FOLDER": str(instance / "uploads"),
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_upgrade_from_empty_then_check_finds_no_drift(empty_database_url, tmp_path):
    upgrade = _flask("db", "upgrade", database_url=empty_database_url, instance=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    check = _flask("db", "check", database_url=empty_database_url, instance=tmp_path)
    assert check.returncode == 0, (check.stdout + check.stderr)[-3000:]
    assert "No new upgrade operations detected" in check.stdout + check.stderr

    engine = create_engine(normalise_database_url(empty_database_url))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {table.name for table in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def _revision_before(slug: str) -> str:
    """The revision just before the migration whose file name ends in `slug` (found by name,
    as revision ids are regenerated when branches are merged)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(ROOT / "migrations"))
    (found,) = [r for r in script.walk_revisions() if r.module.__file__.endswith(f"_{slug}.py")]
    return found.down_revision


def test_stamp_checks_repair_rows_that_disagree_with_their_status(empty_database_url, tmp_path):
    """The migration adding the status/stamp CHECK constraints first repairs existing rows,
    from the stamps each row has, so it can run on any database."""
    before = _revision_before("activity_status_stamp_checks")
    for args in (("db", "upgrade"), ("db", "downgrade", before)):
        done = _flask(*args, database_url=empty_database_url, instance=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
    changed, created = "2030-03-02 10:00:00", "2030-03-01 09:00:00"
    engine = create_engine(normalise_database_url(empty_database_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO partners (id, name, acronym, slug, kind, city, country, timezone,"
                    " website, summary, is_coordinator, is_active, created_dt, updated_dt) VALUES"
                    " (1, 'P', 'P', 'p', '', '', '', 'UTC', '', '', false, true, :t, :t)"
                ),
                {"t": created},
            )
            # (status, submitted_dt, published_dt, cancelled_dt) as an old bug left them.
            for number, (status, submitted, published, cancelled) in enumerate(
                [
                    ("approved", None, None, None),
                    ("cancelled", None, None, None),
                    ("draft", changed, changed, None),
                    ("submitted", changed, None, changed),
                ],
                start=1,
            ):
                connection.execute(
                    text(
                        "INSERT INTO projects (id, slug, title, acronym, summary, description,"
                        " start_date, end_date, website, lead_partner_id, status,"
                        " status_changed_dt,"
                        " submitted_dt, published_dt, cancelled_dt, cancel_reason, review_comment,"
                        " created_dt, updated_dt)"
                        " VALUES (:id, :slug, 'T', '', '', '', '2030-01-01',"
                        " '2030-12-31', '', 1, :status, :changed, :submitted, :published,"
                        " :cancelled, '', '', :created, :created)"
                    ),
                    {
                        "id": number,
                        "slug": f"p{number}",
                        "status": status,
                        "changed": changed,
                        "created": created,
                        "submitted": submitted,
                        "published": published,
                        "cancelled": cancelled,
                    },
                )
        upgrade = _flask("db", "upgrade", database_url=empty_database_url, instance=tmp_path)
        assert upgrade.returncode == 0, upgrade.stderr[-3000:]
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT status, submitted_dt IS NOT NULL, published_dt IS NOT NULL,"
                    " cancelled_dt IS NOT NULL FROM projects ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("approved", True, True, False),
        ("cancelled", True, True, True),
        ("draft", False, False, False),
        ("submitted", True, False, False),
    ]


def _indexes(database_url: str, table: str) -> dict[str, dict]:
    """The table's indexes as the database reports them, by name."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        return {index["name"]: index for index in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


def test_seek_indexes_are_created_and_dropped(empty_database_url, tmp_path):
    """The newest migration adds the indexes the event lists seek along; its downgrade drops
    them again."""
    names = {"ix_events_start_id", "ix_events_long_running", "ix_events_published_id"}

    def event_indexes() -> set[str]:
        return set(_indexes(empty_database_url, "events"))

    done = _flask("db", "upgrade", database_url=empty_database_url, instance=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert names <= event_indexes()
    before = _revision_before("event_list_seek_indexes")
    done = _flask("db", "downgrade", before, database_url=empty_database_url, instance=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not names & event_indexes()


def test_partner_and_project_seek_indexes_replace_the_single_column_ones(
    empty_database_url, tmp_path
):
    """The partner and project pages' indexes replace those on lead_partner_id and
    project_id alone, and on PostgreSQL the durations' statistics come with them; the
    downgrade puts the old indexes back."""
    new = {"ix_events_lead_start", "ix_events_project_start"}
    old = {"ix_events_lead_partner_id", "ix_events_project_id"}

    def state() -> tuple[set[str], set[str]]:
        engine = create_engine(normalise_database_url(empty_database_url))
        try:
            indexes = {index["name"] for index in inspect(engine).get_indexes("events")}
            statistics: set[str] = set()
            if engine.dialect.name == "postgresql":
                with engine.connect() as connection:
                    statistics = set(
                        connection.scalars(text("SELECT stxname FROM pg_statistic_ext"))
                    )
            return indexes, statistics
        finally:
            engine.dispose()

    done = _flask("db", "upgrade", database_url=empty_database_url, instance=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    indexes, statistics = state()
    assert new <= indexes and not old & indexes
    postgresql = empty_database_url.startswith("postgresql")
    assert ("st_events_duration" in statistics) is postgresql
    if postgresql:
        # An empty table is not analysed: "0 rows" statistics would make a first bulk load's
        # foreign-key checks scan events for every row (reltuples -1: never analysed).
        engine = create_engine(normalise_database_url(empty_database_url))
        with engine.connect() as connection:
            reltuples = connection.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'events'")
            )
        engine.dispose()
        assert reltuples == -1
    before = _revision_before("partner_and_project_seek_indexes")
    done = _flask("db", "downgrade", before, database_url=empty_database_url, instance=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    indexes, statistics = state()
    assert old <= indexes and not new & indexes and "st_events_duration" not in statistics


@pytest.mark.parametrize(
    "name, key, include, slug",
    [
        (
            "ix_events_status_start",
            ["status", "start_dt"],
            "STATUS_START_INCLUDE",
            "covering_status_start_index",
        ),
        ("ix_events_start_id", ["start_dt", "id"], "START_ID_INCLUDE", "covering_start_index"),
    ],
)
def test_the_start_indexes_cover_what_the_pages_read_on_postgresql(
    empty_database_url, tmp_path, name, key, include, slug
):
    """On PostgreSQL ix_events_status_start and ix_events_start_id carry the columns of
    activities.models' STATUS_START_INCLUDE and START_ID_INCLUDE after the upgrade, and none
    after their migration's downgrade; SQLite's indexes have the same key columns throughout."""
    from coordinator.activities import models

    def index() -> dict:
        return _indexes(empty_database_url, "events")[name]

    postgresql = empty_database_url.startswith("postgresql")
    done = _flask("db", "upgrade", database_url=empty_database_url, instance=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert index()["column_names"][: len(key)] == key
    included = index().get("dialect_options", {}).get("postgresql_include", [])
    assert included == (list(getattr(models, include)) if postgresql else [])
    before = _revision_before(slug)
    done = _flask("db", "downgrade", before, database_url=empty_database_url, instance=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert index()["column_names"][: len(key)] == key
    assert not index().get("dialect_options", {}).get("postgresql_include")


def test_a_themes_events_are_indexed_by_theme(empty_database_url, tmp_path):
    """event_themes gets an index leading with the theme (its primary key leads with the
    event); the downgrade drops it."""

    def indexes() -> set[str]:
        return set(_indexes(empty_database_url, "event_themes"))

    done = _flask("db", "upgrade", database_url=empty_database_url, instance=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ix_event_themes_theme_id" in indexes()
    before = _revision_before("event_themes_theme_index")
    done = _flask("db", "downgrade", before, database_url=empty_database_url, instance=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ix_event_themes_theme_id" not in indexes()

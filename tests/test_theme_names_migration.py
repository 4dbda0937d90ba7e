"""The migration naming the network's themes in four languages, on a database that holds the
demo's themes from before it (SQLite, or PostgreSQL when COORDINATOR_DATABASE_URL is set)."""

from __future__ import annotations

import importlib.util

from sqlalchemy import create_engine, text

from coordinator.config import normalise_database_url
from coordinator.demo.network import demo_data
from coordinator.slugs import slugify
from tests.test_migrations import ROOT, _flask, _revision_before, empty_database_url  # noqa: F401

SLUG = "theme_names_in_four_languages"
CREATED = "2030-03-01 09:00:00"


def _migration_names() -> dict[str, dict[str, str]]:
    (path,) = (ROOT / "migrations" / "versions").glob(f"*_{SLUG}.py")
    spec = importlib.util.spec_from_file_location("theme_names", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.THEME_NAMES


def test_the_migration_names_the_themes_as_the_demo_does():
    data = demo_data()
    demo = {
        slugify(name): {"en": name, **data["theme_translations"][name]} for name in data["themes"]
    }
    assert _migration_names() == demo
    for names in demo.values():
        assert set(names) == {"en", "fr", "es", "ar"} and all(names.values())


def test_themes_of_a_live_database_get_their_names_in_every_language(
    empty_database_url,  # noqa: F811
    tmp_path,
):
    before = _revision_before(SLUG)
    for args in (("db", "upgrade"), ("db", "downgrade", before)):
        done = _flask(*args, database_url=empty_database_url, instance=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
    themes = demo_data()["themes"]
    engine = create_engine(normalise_database_url(empty_database_url))
    try:
        with engine.begin() as connection:
            for number, name in enumerate(themes, start=1):
                # Cultural heritage was written in French on this database; Water is no theme
                # of the network's.
                language, shown = (
                    ("fr", "Patrimoine culturel") if name == "Cultural heritage" else ("en", name)
                )
                connection.execute(
                    text(
                        "INSERT INTO themes (id, name, slug, is_active, language)"
                        " VALUES (:id, :name, :slug, true, :language)"
                    ),
                    {"id": number, "name": shown, "slug": slugify(name), "language": language},
                )
            connection.execute(
                text(
                    "INSERT INTO themes (id, name, slug, is_active, language)"
                    " VALUES (99, 'Water', 'water', true, 'en')"
                )
            )
            # Someone already wrote this one: the migration keeps it.
            connection.execute(
                text(
                    "INSERT INTO theme_translations (theme_id, language, name, checked_by_author,"
                    " created_dt, updated_dt) VALUES (1, 'fr', 'Planification', false, :t, :t)"
                ),
                {"t": CREATED},
            )
        done = _flask("db", "upgrade", database_url=empty_database_url, instance=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT t.slug, tt.language, tt.name FROM theme_translations tt"
                    " JOIN themes t ON t.id = tt.theme_id"
                )
            ).all()
        names = {(slug, language): name for slug, language, name in rows}
        assert names[("strategic-planning", "fr")] == "Planification"
        assert names[("strategic-planning", "ar")] == "التخطيط الاستراتيجي"
        assert names[("climate-and-environment", "ar")] == "المناخ والبيئة"
        assert names[("climate-and-environment", "es")] == "Clima y medio ambiente"
        assert names[("mobility", "fr")] == "Mobilité"
        # A French original gets English, Spanish and Arabic, and no French "translation".
        assert names[("cultural-heritage", "en")] == "Cultural heritage"
        assert names[("cultural-heritage", "ar")] == "التراث الثقافي"
        assert ("cultural-heritage", "fr") not in names
        assert not any(slug == "water" for slug, _ in names)
        # Every other theme: the three languages it is not written in.
        for name in themes:
            if name != "Cultural heritage":
                assert {lang for slug, lang in names if slug == slugify(name)} == {"fr", "es", "ar"}
        assert ("strategic-planning", "en") not in names

        done = _flask("db", "downgrade", before, database_url=empty_database_url, instance=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        with engine.connect() as connection:
            left = connection.execute(
                text("SELECT theme_id, language, name FROM theme_translations")
            ).all()
        assert [tuple(row) for row in left] == [(1, "fr", "Planification")]
    finally:
        engine.dispose()

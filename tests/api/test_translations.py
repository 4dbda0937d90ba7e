"""The API's content languages: every event, project, partner and theme says its original's
language and carries its translations; `?lang=` shows each text in that language where
translated, noting the language of each (field_languages)."""

from __future__ import annotations

import pytest

from coordinator.activities.models import EventTranslation, ProjectTranslation, ThemeTranslation
from coordinator.extensions import db
from coordinator.multilingual import set_translations
from coordinator.partners.models import PartnerTranslation
from tests import factories

PROBLEM = "application/problem+json"


@pytest.fixture
def network(app):
    theme = factories.ThemeFactory(name="Water", slug="water")
    partner = factories.PartnerFactory(
        name="Réseau des villes", summary="Un réseau.", slug="reseau", language="fr"
    )
    project = factories.ProjectFactory(
        title="Villes bleues",
        summary="Un projet.",
        description="Texte.",
        slug="villes-bleues",
        language="fr",
        lead_partner=partner,
    )
    event = factories.EventFactory(
        title="منتدى المدن المتوسطية",
        summary="لقاء حول المناخ.",
        description="برنامج اللقاء.",
        language="ar",
        lead_partner=partner,
        project=project,
        themes=[theme],
    )
    set_translations(
        event,
        {
            "fr": {"title": "Forum des villes méditerranéennes"},
            "en": {"title": "Mediterranean cities forum", "summary": "A climate meeting."},
        },
        None,
        EventTranslation,
    )
    set_translations(
        theme,
        {"fr": {"name": "Eau"}, "es": {"name": "Agua"}, "ar": {"name": "المياه"}},
        None,
        ThemeTranslation,
    )
    set_translations(partner, {"en": {"name": "Cities network"}}, None, PartnerTranslation)
    set_translations(project, {"es": {"title": "Ciudades azules"}}, None, ProjectTranslation)
    db.session.commit()
    return {"event": event, "theme": theme, "partner": partner, "project": project}


def test_without_lang_the_originals_with_their_language_and_every_translation(client, network):
    body = client.get(f"/api/v1/events/{network['event'].id}").get_json()
    assert body["title"] == "منتدى المدن المتوسطية"
    assert body["language"] == "ar"
    assert body["field_languages"] == {"title": "ar", "summary": "ar", "description": "ar"}
    assert body["translations"] == {
        "en": {"title": "Mediterranean cities forum", "summary": "A climate meeting."},
        "fr": {"title": "Forum des villes méditerranéennes"},
    }
    assert body["themes"][0]["name"] == "Water"
    assert body["themes"][0]["translations"] == {
        "ar": {"name": "المياه"},
        "es": {"name": "Agua"},
        "fr": {"name": "Eau"},
    }
    # The same answer whatever language the client's Accept-Language names.
    again = client.get(f"/api/v1/events/{network['event'].id}", headers={"Accept-Language": "fr"})
    assert again.get_json() == body


AR_TITLE = ("منتدى المدن المتوسطية", "ar")
AR_SUMMARY = ("لقاء حول المناخ.", "ar")
FR_PARTNER = "Réseau des villes"


@pytest.mark.parametrize(
    ("language", "title", "summary", "theme", "partner"),
    [
        (
            "en",
            ("Mediterranean cities forum", "en"),
            ("A climate meeting.", "en"),
            "Water",
            "Cities network",
        ),
        ("fr", ("Forum des villes méditerranéennes", "fr"), AR_SUMMARY, "Eau", FR_PARTNER),
        ("es", AR_TITLE, AR_SUMMARY, "Agua", FR_PARTNER),
        ("ar", AR_TITLE, AR_SUMMARY, "المياه", FR_PARTNER),
    ],
)
def test_lang_shows_each_field_in_that_language_where_translated(
    client, network, language, title, summary, theme, partner
):
    event_id = network["event"].id
    for body in (
        client.get(f"/api/v1/events/{event_id}?lang={language}").get_json(),
        client.get(f"/api/v1/events?lang={language}").get_json()["items"][0],
    ):
        assert (body["title"], body["field_languages"]["title"]) == title
        assert (body["summary"], body["field_languages"]["summary"]) == summary
        assert body["field_languages"]["description"] == "ar"
        assert body["language"] == "ar"  # the original's, whatever is shown
        assert body["themes"][0]["name"] == theme
        assert body["themes"][0]["field_languages"] == {"name": language}
        assert body["partners"][0]["name"] == partner


def test_projects_partners_and_themes_take_lang(client, network):
    project = client.get("/api/v1/projects/villes-bleues?lang=es").get_json()
    assert project["title"] == "Ciudades azules" and project["language"] == "fr"
    assert project["field_languages"] == {"title": "es", "summary": "fr", "description": "fr"}
    assert project["translations"] == {"es": {"title": "Ciudades azules"}}
    listed = client.get("/api/v1/projects?lang=es").get_json()["items"]
    assert [p["title"] for p in listed] == ["Ciudades azules"]
    partner = client.get("/api/v1/partners/reseau?lang=en").get_json()
    assert (partner["name"], partner["summary"]) == ("Cities network", "Un réseau.")
    assert partner["field_languages"] == {"name": "en", "summary": "fr"}
    assert partner["language"] == "fr"
    names = {
        p["slug"]: p["name"] for p in client.get("/api/v1/partners?lang=en").get_json()["items"]
    }
    assert names["reseau"] == "Cities network"
    themes = client.get("/api/v1/themes?lang=ar").get_json()["items"]
    assert [(t["name"], t["field_languages"]["name"]) for t in themes] == [("المياه", "ar")]
    assert client.get("/api/v1/themes").get_json()["items"][0]["name"] == "Water"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events?lang=de",
        "/api/v1/events/1?lang=xx",
        "/api/v1/projects?lang=DE",
        "/api/v1/partners/reseau?lang=de",
        "/api/v1/themes?lang=",
    ],
)
def test_an_unsupported_language_is_a_422_naming_the_field(client, network, path):
    response = client.get(path)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert [error["field"] for error in response.get_json()["errors"]] == ["lang"]


def test_the_document_describes_languages(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/events/{event_id}"]["get"]["parameters"]
    lang = next(p for p in parameters if p["name"] == "lang")
    assert lang["in"] == "query" and lang["schema"]["enum"] == ["en", "fr", "es", "ar"]
    event = spec["components"]["schemas"]["Event"]
    assert {"language", "translations", "field_languages"} <= set(event["required"])


def test_the_document_lists_every_query_parameter(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    names = [p["name"] for p in spec["paths"]["/api/v1/events"]["get"]["parameters"]]
    assert {"partner", "theme", "limit", "cursor", "lang", "If-None-Match"} <= set(names)
    assert not any(name.startswith("Generated") for name in spec["components"]["schemas"])

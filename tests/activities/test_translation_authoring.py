"""Writing events and projects in several languages: the proposal form's language panels, later
translations as reviewed revisions, the author's check, the queue's languages and the required
languages before approval (coordinator/activities/translations.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import select

from coordinator.activities import services
from coordinator.activities.models import (
    Event,
    EventRevision,
    EventTranslation,
    Project,
    RevisionStatus,
    Status,
)
from coordinator.activities.workflow import Action
from coordinator.config import configure_required_languages
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.multilingual import set_translations
from tests import factories
from tests.activities.helpers import Cast, event_form_data, project_form_data


@pytest.fixture
def cast(app):
    return Cast()


@pytest.fixture
def published(cast):
    event = cast.event(
        Status.APPROVED,
        title="Water forum",
        summary="Cities compare how they save water.",
        description="Three sessions, **one** field visit.",
        start_dt=datetime(2030, 6, 3, 7, 30, tzinfo=UTC),
        end_dt=datetime(2030, 6, 3, 15, 0, tzinfo=UTC),
        city="Marseille",
        venue="Villa Méditerranée",
        languages="en, fr",
    )
    db.session.commit()
    return event


def _form_of(event: Event, **overrides) -> dict:
    data = event_form_data(partner_ids=[str(link.partner_id) for link in event.partner_links])
    data.update(overrides)
    return data


def _only_event() -> Event:
    return db.session.scalars(select(Event)).one()


# --- The proposal form ---------------------------------------------------------------------------


def test_the_form_offers_a_panel_per_other_language_and_the_page_language_as_original(
    client, login_as, cast
):
    login_as(cast.lead)
    client.post("/language", data={"language": "fr", "next": "/events/new"})
    html = client.get("/events/new").get_data(as_text=True)
    # The original's language defaults to the page's (French here).
    assert '<option selected value="fr">français</option>' in html
    for code in ("en", "es", "ar"):
        assert f'id="translations-{code}" data-language="{code}">' in html
        assert f'name="translations-{code}-title" lang="{code}"' in html
    # The original's own language has its panel hidden (the main fields hold that text).
    assert 'id="translations-fr" data-language="fr" hidden>' in html
    assert "js/translation-tabs.js" in html


def test_proposing_with_a_second_language_stores_it_by_its_author(client, login_as, cast):
    login_as(cast.lead)
    response = client.post(
        "/events/new",
        data=event_form_data(
            language="en",
            **{
                "translations-fr-title": "Forum méditerranéen de l'eau",
                "translations-fr-summary": "Les villes comparent leurs économies d'eau.",
                "translations-fr-description": "Trois sessions, **une** visite.",
                "translations-es-title": "   ",
                "translations-es-summary": "",
                "translations-ar-title": "",
            },
        ),
    )
    assert response.status_code == 302
    event = _only_event()
    assert event.language == "en"
    assert event.content_languages() == ["en", "fr"]  # the empty Spanish one is not stored
    french = event.translation("fr")
    assert french.title == "Forum méditerranéen de l'eau"
    assert french.description == "Trois sessions, **une** visite."
    assert french.author_id == cast.lead.id and french.checked_by_author
    assert db.session.scalars(select(EventTranslation.language)).all() == ["fr"]


def test_the_original_can_be_in_another_language(client, login_as, cast):
    login_as(cast.lead)
    response = client.post(
        "/events/new",
        data=event_form_data(
            title="منتدى المياه", language="ar", **{"translations-en-title": "Water forum"}
        ),
    )
    assert response.status_code == 302
    event = _only_event()
    assert (event.language, event.title) == ("ar", "منتدى المياه")
    assert event.translation("en").title == "Water forum"


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"translations-de-title": "Wasserforum"}, "“de” is not a language this site offers."),
        ({"language": "de"}, "Not a valid choice"),
        ({"translations-fr-title": "x" * 201}, "at most 200 characters"),
        ({"translations-fr-title": "Forum\x00"}, "control characters"),
        (
            {"language": "fr", "translations-fr-title": "Forum"},
            "write that text in the main fields",
        ),
    ],
)
def test_bad_translations_are_form_errors_and_nothing_is_saved(
    client, login_as, cast, posted, message
):
    login_as(cast.lead)
    response = client.post("/events/new", data=event_form_data(**posted))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Event)).all() == []


def test_hostile_text_in_a_translation_is_sanitised_like_the_original(app, client, login_as, cast):
    login_as(cast.lead)
    hostile = '<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror="x()">'
    response = client.post(
        "/events/new",
        data=event_form_data(
            **{"translations-fr-title": "<b>Forum</b>", "translations-fr-description": hostile}
        ),
    )
    assert response.status_code == 302
    event = _only_event()
    with app.test_request_context(), force_locale("fr"):
        html = render_template_string(
            "{% from '_macros.html' import translated %}"
            "{{ translated(event, 'title') }}|"
            "{{ translated(event, 'description', markdown=true) }}",
            event=event,
        )
    assert "&lt;b&gt;Forum&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "href" not in html and "<img" not in html  # no javascript: link, no element
    # The edit form gives the stored text back escaped, never as markup.
    page = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_editing_a_draft_changes_and_clears_translations_in_place(client, login_as, cast):
    event = cast.event(Status.DRAFT, title="Water forum")
    set_translations(
        event, {"fr": {"title": "Forum", "summary": "Résumé"}}, cast.lead, EventTranslation
    )
    db.session.commit()
    login_as(cast.lead)
    page = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="Forum"' in page
    response = client.post(
        f"/events/{event.id}/edit",
        data=_form_of(
            event,
            title="Water forum",
            **{
                "translations-fr-title": "",
                "translations-fr-summary": "",
                "translations-es-title": "Foro del agua",
            },
        ),
    )
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.content_languages() == ["en", "es"]
    assert db.session.scalars(select(EventRevision)).all() == []  # a draft: no review


def test_the_form_tells_who_translated_and_the_original_author_marks_it_checked(
    client, login_as, cast
):
    event = cast.event(Status.DRAFT, title="Water forum")
    colleague = factories.UserFactory(role="focal_point", partner=cast.lead_partner)
    set_translations(event, {"fr": {"title": "Forum de l'eau"}}, colleague, EventTranslation)
    db.session.commit()
    assert not event.translation("fr").checked_by_author

    login_as(colleague)
    page = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert "not yet checked by the original" in page
    assert 'name="translations-checked"' not in page  # only the original's author vouches
    client.post("/logout")

    login_as(cast.lead)
    page = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert f"Translated by <bdi>{colleague.name}</bdi>; not yet checked" in page
    assert 'name="translations-checked" value="fr"' in page
    response = client.post(
        f"/events/{event.id}/edit",
        data=_form_of(
            event,
            title="Water forum",
            **{"translations-fr-title": "Forum de l'eau", "translations-checked": "fr"},
        ),
    )
    assert response.status_code == 302
    db.session.refresh(event)
    row = event.translation("fr")
    assert row.checked_by_author and row.author_id == colleague.id


def test_projects_take_translations_too(client, login_as, cast):
    login_as(cast.lead)
    response = client.post(
        "/projects/new",
        data=project_form_data(
            language="fr",
            title="Villes bleues",
            **{"translations-en-title": "Blue cities", "translations-xx-title": "?"},
        ),
    )
    assert response.status_code == 400  # xx is no language of the site
    response = client.post(
        "/projects/new",
        data=project_form_data(
            language="fr", title="Villes bleues", **{"translations-en-title": "Blue cities"}
        ),
    )
    assert response.status_code == 302
    project = db.session.scalars(select(Project)).one()
    assert (project.language, project.translation("en").title) == ("fr", "Blue cities")


# --- Later translations of a published event: revisions ----------------------------------------


def test_a_revision_that_only_adds_a_translation_is_reviewed_and_the_diff_shows_it(
    client, login_as, cast, published
):
    co_editor = factories.UserFactory(role="focal_point", partner=cast.lead_partner)
    login_as(co_editor)
    response = client.post(
        f"/events/{published.id}/edit",
        data=_form_of(
            published,
            title="Water forum",
            start_time="09:30",
            **{"translations-fr-title": "Forum de l'eau", "translations-fr-summary": ""},
        ),
    )
    assert response.status_code == 302
    revision = db.session.scalars(select(EventRevision)).one()
    assert revision.status == RevisionStatus.PENDING
    assert revision.data == {"title@fr": "Forum de l'eau"}
    db.session.refresh(published)
    assert published.translation("fr") is None  # nothing published before review
    client.post("/logout")

    login_as(cast.staff)
    html = client.get(f"/events/{published.id}/manage").get_data(as_text=True)
    assert '<th scope="row">Title (French)</th>' in html
    assert '<del dir="auto" lang="fr">—</del>' in html
    assert '<ins dir="auto" lang="fr">Forum de l&#39;eau</ins>' in html
    queue = client.get("/review/?kind=revision").get_data(as_text=True)
    assert "Changes to: French" in queue

    response = client.post(f"/revisions/{revision.id}/approve", data={"comment": ""})
    assert response.status_code == 302
    db.session.refresh(published)
    french = published.translation("fr")
    assert french.title == "Forum de l'eau"
    # Written by who proposed it, not by the approving staff; the original's author did not.
    assert french.author_id == co_editor.id and not french.checked_by_author
    assert published.sequence == 1


def test_revisions_change_and_remove_translations_field_by_field(cast, published):
    set_translations(
        published, {"fr": {"title": "Forum", "summary": "Résumé"}}, cast.lead, EventTranslation
    )
    db.session.commit()
    data = services.event_snapshot(published)
    form = {
        "language": "en",
        "translations": {"fr": {"title": "Forum de l'eau", "summary": ""}, "es": {"title": ""}},
    }
    revision = services.edit_event(cast.lead, published, {**_service_data(published), **form})
    assert revision.data == {"title@fr": "Forum de l'eau", "summary@fr": ""}
    rows = services.revision_diff(revision)
    assert [(r["label"], r["old"], r["new"]) for r in rows] == [
        ("Title (French)", "Forum", "Forum de l'eau"),
        ("Summary (French)", "Résumé", "—"),
    ]
    services.approve_revision(cast.staff, revision)
    db.session.commit()
    db.session.refresh(published)
    assert published.translated_texts() == {"fr": {"title": "Forum de l'eau"}}
    assert data["language"] == "en"


def test_a_revision_may_move_the_original_to_another_language(cast, published):
    revision = services.edit_event(
        cast.lead,
        published,
        {
            **_service_data(published),
            "title": "Forum de l'eau",
            "language": "fr",
            "translations": {"en": {"title": "Water forum"}},
        },
    )
    assert revision.data == {"title": "Forum de l'eau", "language": "fr", "title@en": "Water forum"}
    assert [r["label"] for r in services.revision_diff(revision)] == [
        "Title",
        "Language of the original",
        "Title (English)",
    ]
    services.approve_revision(cast.staff, revision)
    db.session.commit()
    db.session.refresh(published)
    assert (published.language, published.title) == ("fr", "Forum de l'eau")
    assert published.translated_texts() == {"en": {"title": "Water forum"}}


def test_a_revision_with_an_unoffered_language_is_refused(cast, published):
    with pytest.raises(DomainError) as refused:
        services.edit_event(
            cast.lead,
            published,
            {**_service_data(published), "translations": {"de": {"title": "Wasserforum"}}},
        )
    assert refused.value.field == "translations"


def test_checking_a_translation_of_a_published_event_needs_no_review(
    client, login_as, cast, published
):
    colleague = factories.UserFactory(role="focal_point", partner=cast.lead_partner)
    set_translations(published, {"fr": {"title": "Forum de l'eau"}}, colleague, EventTranslation)
    db.session.commit()
    login_as(cast.lead)
    response = client.post(
        f"/events/{published.id}/edit",
        data=_form_of(
            published,
            title="Water forum",
            **{"translations-fr-title": "Forum de l'eau", "translations-checked": "fr"},
        ),
    )
    assert response.status_code == 302
    assert db.session.scalars(select(EventRevision)).all() == []
    db.session.refresh(published)
    assert published.translation("fr").checked_by_author


def _service_data(event: Event) -> dict:
    """The event's current values as the services' plain data (what an unchanged form gives)."""
    return {
        "title": event.title,
        "summary": event.summary,
        "description": event.description,
        "kind": event.kind,
        "timezone": event.timezone,
        "start_dt": event.start_dt,
        "end_dt": event.end_dt,
        "is_all_day": event.is_all_day,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "venue": event.venue,
        "city": event.city,
        "country": event.country,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "online_url": event.online_url,
        "languages": event.languages,
        "registration_url": event.registration_url,
        "visibility": event.visibility,
        "project_id": event.project_id,
        "theme_ids": [t.id for t in event.themes],
        "partner_ids": [link.partner_id for link in event.partner_links],
    }


# --- Review: the queue's languages and the required languages -----------------------------------


def test_the_queue_shows_each_proposals_languages(client, login_as, cast):
    event = cast.event(Status.SUBMITTED, title="Water forum", submitted_dt=datetime.now(UTC))
    set_translations(event, {"ar": {"title": "منتدى المياه"}}, cast.lead, EventTranslation)
    db.session.commit()
    login_as(cast.staff)
    html = client.get("/review/").get_data(as_text=True)
    row = html.split(f'data-testid="queue-event-{event.id}"')[1].split("</tr>")[0]
    assert "English" in row and "(original)" in row and "Arabic" in row
    assert "French" not in row
    manage = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert 'data-testid="content-languages"' in manage


class TestRequiredLanguages:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "REQUIRED_LANGUAGES": ["en", "fr"]}

    @pytest.fixture
    def submitted(self, cast):
        event = cast.event(
            Status.SUBMITTED,
            title="Water forum",
            summary="Cities compare.",
            submitted_dt=datetime.now(UTC),
        )
        db.session.commit()
        return event

    def test_approval_waits_for_the_required_languages(self, cast, submitted):
        with pytest.raises(DomainError) as refused:
            services.transition(cast.staff, submitted, Action.APPROVE)
        assert "in French" in refused.value.message
        # The title alone is not enough when the original has a summary.
        set_translations(submitted, {"fr": {"title": "Forum"}}, cast.lead, EventTranslation)
        with pytest.raises(DomainError):
            services.transition(cast.staff, submitted, Action.APPROVE)
        set_translations(submitted, {"fr": {"summary": "Les villes"}}, cast.lead, EventTranslation)
        services.transition(cast.staff, submitted, Action.APPROVE)
        assert submitted.status == Status.APPROVED

    def test_the_original_counts_as_its_language(self, cast):
        event = cast.event(
            Status.SUBMITTED, title="Forum", language="fr", submitted_dt=datetime.now(UTC)
        )
        set_translations(
            event,
            {"en": {"title": "Forum", "summary": "Cities compare."}},
            cast.lead,
            EventTranslation,
        )
        services.transition(cast.staff, event, Action.APPROVE)
        assert event.status == Status.APPROVED

    def test_staff_see_why_on_the_page_and_get_a_form_error(
        self, client, login_as, cast, submitted
    ):
        login_as(cast.staff)
        page = client.get(f"/events/{submitted.id}/manage").get_data(as_text=True)
        assert 'data-testid="missing-languages"' in page and "French" in page
        response = client.post(f"/events/{submitted.id}/workflow/approve", data={"comment": ""})
        assert response.status_code == 400
        assert "This cannot be approved yet" in response.get_data(as_text=True)
        db.session.refresh(submitted)
        assert submitted.status == Status.SUBMITTED
        queue = client.get("/review/").get_data(as_text=True)
        assert 'data-missing-language="fr"' in queue


def test_required_languages_are_read_from_the_environment_form_and_checked(app):
    class Fake:
        config = {"LANGUAGES": ["en", "fr", "es", "ar"], "REQUIRED_LANGUAGES": "en, fr,"}

    configure_required_languages(Fake)
    assert Fake.config["REQUIRED_LANGUAGES"] == ["en", "fr"]
    Fake.config["REQUIRED_LANGUAGES"] = "en,de"
    with pytest.raises(RuntimeError, match="de"):
        configure_required_languages(Fake)
    assert app.config["REQUIRED_LANGUAGES"] == []  # none by default


# --- Staff and the partners involved translate a published event -------------------------------


def test_a_co_organiser_translates_a_published_event_through_review(
    client, login_as, cast, published
):
    login_as(cast.co_organiser)
    manage = client.get(f"/events/{published.id}/manage").get_data(as_text=True)
    assert f'href="/events/{published.id}/translations"' in manage
    page = client.get(f"/events/{published.id}/translations")
    assert page.status_code == 200
    assert 'name="translations-fr-title"' in page.get_data(as_text=True)
    response = client.post(
        f"/events/{published.id}/translations",
        data={"translations-fr-title": "Forum de l'eau", "translations-es-title": ""},
    )
    assert response.status_code == 302
    revision = db.session.scalars(select(EventRevision)).one()
    assert (revision.data, revision.proposer_id) == (
        {"title@fr": "Forum de l'eau"},
        cast.co_organiser.id,
    )
    db.session.refresh(published)
    assert published.translation("fr") is None

    bad = client.post(f"/events/{published.id}/translations", data={"translations-xx-title": "?"})
    assert bad.status_code == 400 and "is not a language this site offers" in bad.get_data(
        as_text=True
    )


def test_a_translation_keeps_the_pending_changes_in_the_newer_revision(cast, published):
    first = services.edit_event(
        cast.lead, published, {**_service_data(published), "title": "Water forum 2030"}
    )
    newer = services.propose_translations(cast.staff, published, {"fr": {"title": "Forum"}})
    db.session.commit()
    db.session.refresh(first)
    assert first.status == RevisionStatus.WITHDRAWN
    assert newer.data == {"title": "Water forum 2030", "title@fr": "Forum"}


@pytest.mark.parametrize(
    ("who", "status", "expected"),
    [
        ("staff", Status.APPROVED, 200),
        ("lead", Status.APPROVED, 200),
        ("co_organiser", Status.APPROVED, 200),
        ("unrelated", Status.APPROVED, 404),
        ("lead", Status.DRAFT, 403),  # drafts are edited in place, on the edit form
        ("staff", Status.SUBMITTED, 403),
    ],
)
def test_who_translates_a_published_event(client, login_as, cast, who, status, expected):
    event = cast.event(status, submitted_dt=datetime.now(UTC) if status != Status.DRAFT else None)
    db.session.commit()
    login_as(cast.user(who))
    assert client.get(f"/events/{event.id}/translations").status_code == expected


def test_the_panel_of_a_language_in_error_is_marked_invalid(client, login_as, cast):
    login_as(cast.lead)
    response = client.post(
        "/events/new", data=event_form_data(**{"translations-es-summary": "x" * 501})
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Summary (Spanish): at most 500 characters." in html
    assert 'class="form-control is-invalid" id="translations-es-summary"' in html
    assert 'class="form-control is-invalid" id="translations-fr-summary"' not in html
    assert 'href="#translations"' in html  # the error summary leads to the panels


def test_the_translation_form_starts_from_the_translations_already_in_review(
    client, login_as, cast, published
):
    services.propose_translations(cast.lead, published, {"fr": {"title": "Forum proposé"}})
    db.session.commit()
    login_as(cast.co_organiser)
    page = client.get(f"/events/{published.id}/translations").get_data(as_text=True)
    assert 'value="Forum proposé"' in page

"""Staff write a partner's long name and summary in several languages on the partner form."""

from __future__ import annotations

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.partners.models import Partner, PartnerTranslation
from tests.partners.test_partners import _form


def _partner(slug: str) -> Partner:
    db.session.rollback()
    return db.session.scalar(select(Partner).where(Partner.slug == slug))


def test_staff_add_the_name_and_summary_in_other_languages(client, login_as, staff, partner):
    login_as(staff)
    form = client.get(f"/partners/{partner.slug}/edit").get_data(as_text=True)
    assert 'name="translations-ar-name" lang="ar"' in form
    response = client.post(
        f"/partners/{partner.slug}/edit",
        data=_form(
            slug=partner.slug,
            language="fr",
            **{
                "translations-en-name": "Mediterranean Agency",
                "translations-ar-name": "الوكالة المتوسطية",
                "translations-ar-summary": "وكالة",
                "translations-es-name": " ",
            },
        ),
    )
    assert response.status_code == 302
    saved = _partner(partner.slug)
    assert saved.language == "fr" and saved.name == "Agence Méditerranéenne"
    assert saved.translated_texts() == {
        "ar": {"name": "الوكالة المتوسطية", "summary": "وكالة"},
        "en": {"name": "Mediterranean Agency"},
    }
    assert saved.translation("ar").author_id == staff.id
    # The edit form gives them back.
    form = client.get(f"/partners/{partner.slug}/edit").get_data(as_text=True)
    assert 'value="Mediterranean Agency"' in form and "Translated by" in form


def test_a_partner_translation_in_an_unoffered_language_is_a_form_error(
    client, login_as, staff, partner
):
    login_as(staff)
    response = client.post(
        f"/partners/{partner.slug}/edit",
        data=_form(slug=partner.slug, **{"translations-it-name": "Agenzia"}),
    )
    assert response.status_code == 400
    assert "“it” is not a language this site offers." in response.get_data(as_text=True)
    assert db.session.scalars(select(PartnerTranslation)).all() == []


def test_a_new_partner_takes_translations_too(client, login_as, staff):
    login_as(staff)
    response = client.post(
        "/partners/new", data=_form(language="en", **{"translations-fr-name": "Agence"})
    )
    assert response.status_code == 302
    created = _partner("amed")
    assert created.translation("fr").name == "Agence"

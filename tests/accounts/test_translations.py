"""Accounts, partners, the home page and error pages speak French, Spanish and Arabic, and
account e-mails are written in the recipient's language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from tests.accounts.helpers import last_message_to, link_token
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import PartnerFactory

PASSWORD = "a brand new passphrase"


def page(response) -> str:
    return response.get_data(as_text=True)


def lang_of(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', page(response))
    assert match
    return match.group(1), match.group(2)


FR = {"Accept-Language": "fr"}
ES = {"Accept-Language": "es"}
AR = {"Accept-Language": "ar"}


# --- Pages -----------------------------------------------------------------------------


def test_sign_in_page_in_french_spanish_and_arabic(client):
    french = page(client.get("/login", headers=FR))
    assert "Mot de passe oublié ?" in french and "Rester connecté sur cet appareil" in french
    spanish = page(client.get("/login", headers=ES))
    assert "¿Ha olvidado su contraseña?" in spanish and "Contraseña" in spanish
    arabic = client.get("/login", headers=AR)
    assert lang_of(arabic) == ("ar", "rtl")
    assert "كلمة المرور" in page(arabic) and "Forgot your password?" not in page(arabic)


def test_a_failed_sign_in_says_why_in_french(client, focal_point):
    db.session.commit()
    response = client.post(
        "/login", headers=FR, data={"email": focal_point.email, "password": "wrong password"}
    )
    assert "L’adresse électronique ou le mot de passe est incorrect." in page(response)


def test_wtforms_own_messages_follow_the_page_language(client):
    response = client.post("/login", headers=AR, data={"email": "", "password": ""})
    assert "هذا الحقل مطلوب." in page(response)


def test_the_sign_in_request_is_flashed_in_spanish(client):
    response = client.get("/account", headers=ES, follow_redirects=True)
    assert "Inicie sesión para ver esta página." in page(response)


def test_welcome_flash_and_profile_follow_the_saved_language(client, login_as, focal_point):
    focal_point.locale = "fr"
    response = login_as(focal_point)
    home = page(client.get(response.headers["Location"]))
    assert f"Bienvenue, {focal_point.name}." in home
    profile = page(client.get("/account"))
    assert "Votre compte" in profile and "Point focal" in profile
    assert "Modifier le mot de passe" in profile


def test_password_rules_speak_arabic(client, login_as, focal_point):
    focal_point.locale = "ar"
    login_as(focal_point)
    response = client.post(
        "/account/password",
        data={
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": "password123",
            "password-confirm": "password123",
        },
    )
    assert response.status_code == 400
    assert "كلمة المرور هذه شائعة جدًا؛ اختر غيرها." in page(response)


def test_control_characters_are_refused_in_spanish(client, login_as, focal_point):
    focal_point.locale = "es"
    login_as(focal_point)
    response = client.post("/account", data={"profile-name": "Bad\x07name"})
    assert "Este campo contiene caracteres de control invisibles" in page(response)


def test_staff_users_page_in_french(client, login_as, staff, focal_point):
    staff.locale = "fr"
    login_as(staff)
    users = page(client.get("/staff/users"))
    assert "Inviter une personne" in users and "Membre du personnel" in users
    assert "— aucun (personnel et administrateurs) —" in users


def test_partner_pages_in_french_with_country_names(client, login_as, staff):
    PartnerFactory(name="Ajuntament de Barcelona", acronym="AMB", country="ES")
    staff.locale = "fr"
    login_as(staff)
    directory = page(client.get("/partners/"))
    assert "Ajouter un partenaire" in directory and "Espagne" in directory
    form = page(client.get("/partners/new"))
    assert "Acronyme" in form and "— choisissez un pays —" in form
    assert "Espagne (ES)" in form and "Spain (ES)" not in form


def test_partner_form_countries_are_sorted_in_the_page_language(client, login_as, staff):
    staff.locale = "fr"
    login_as(staff)
    form = page(client.get("/partners/new"))
    # French alphabetical order ignores accents: Égypte comes between Dominique and Émirats.
    assert form.index("Dominique (DM)") < form.index("Égypte (EG)") < form.index("Équateur (EC)")
    assert form.index("Équateur (EC)") < form.index("Espagne (ES)") < form.index("Finlande (FI)")


def test_home_page_in_spanish(client):
    home = page(client.get("/", headers=ES))
    assert "La red" in home and "Eventos y actividades conjuntos" in home


@pytest.mark.parametrize(
    "headers, expected",
    [
        (FR, "Introuvable"),
        (ES, "No encontrado"),
        (AR, "غير موجود"),
    ],
)
def test_error_pages_are_translated(client, headers, expected):
    response = client.get("/no/such/page", headers=headers)
    assert response.status_code == 404 and expected in page(response)


def test_an_unknown_reset_link_is_explained_in_french(client):
    response = client.get("/reset/not-a-real-token", headers=FR)
    assert response.status_code == 404
    text = page(response)
    assert "Ce lien de réinitialisation du mot de passe n’est pas valide." in text
    assert "demandez un nouveau lien de réinitialisation" in text


# --- E-mails ---------------------------------------------------------------------------


def test_reset_mail_uses_the_recipients_saved_language(client, focal_point):
    focal_point.locale = "fr"
    db.session.commit()
    client.post("/forgot-password", data={"email": focal_point.email}, headers=ES)
    message = last_message_to(focal_point.email)
    assert message.subject.startswith("Réinitialisez votre mot de passe")
    assert "Quelqu’un (vous, espérons-le)" in message.body_text


def test_reset_mail_without_a_saved_language_follows_the_page(client, focal_point):
    db.session.commit()
    client.post("/forgot-password", data={"email": focal_point.email}, headers=ES)
    message = last_message_to(focal_point.email)
    assert message.subject.startswith("Restablezca su contraseña")
    assert "Abra este enlace en los próximos 60 minutos" in message.body_text


def test_invitation_mail_is_in_the_inviting_users_language(client, login_as, staff, partner):
    staff.locale = "fr"
    login_as(staff)
    response = client.post(
        "/staff/users/invite",
        follow_redirects=True,
        data={
            "email": "nouvelle@example.org",
            "name": "Nadia",
            "role": "focal_point",
            "partner": partner.id,
        },
    )
    assert "Invitation envoyée à nouvelle@example.org." in page(response)
    message = last_message_to("nouvelle@example.org")
    assert message.subject.startswith("Invitation à rejoindre")
    assert "Bonjour Nadia," in message.body_text
    assert f"en tant que point focal de {partner.name}" in message.body_text
    assert "UTC" in message.body_text and "expire le" in message.body_text


def test_invitation_page_and_account_creation_in_arabic(client, login_as, staff, partner):
    login_as(staff)
    client.post(
        "/staff/users/invite",
        data={"email": "new@example.org", "name": "", "role": "focal_point", "partner": partner.id},
    )
    token = link_token(last_message_to("new@example.org"), "invite")
    client.post("/logout")
    invitation = client.get(f"/invite/{token}", headers=AR)
    assert lang_of(invitation) == ("ar", "rtl")
    assert "تلقيت دعوة بصفة نقطة اتصال لدى" in page(invitation)
    created = client.post(
        f"/invite/{token}",
        headers=AR,
        follow_redirects=True,
        data={"name": "Nadia", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert "مرحبًا بك يا Nadia. حسابك جاهز." in page(created)
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is not None

"""Which language a page speaks, how to switch it, and locale-aware formatting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from coordinator import i18n
from coordinator.accounts.models import User
from coordinator.activities.models import EventKind
from coordinator.extensions import db


def html_lang(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', response.get_data(as_text=True))
    assert match, "no <html lang dir>"
    return match.group(1), match.group(2)


def test_default_is_english(client):
    assert html_lang(client.get("/calendar/")) == ("en", "ltr")


def test_unsupported_accept_language_falls_back_to_english(client):
    assert (
        html_lang(client.get("/calendar/", headers={"Accept-Language": "de, ja;q=0.8"}))[0] == "en"
    )


@pytest.mark.parametrize(
    "header, expected",
    [("fr-FR,fr;q=0.9,en;q=0.5", "fr"), ("es", "es"), ("ar-MA", "ar"), ("de, es;q=0.4", "es")],
)
def test_accept_language_chooses_among_the_four(client, header, expected):
    assert html_lang(client.get("/calendar/", headers={"Accept-Language": header}))[0] == expected


def test_page_text_follows_the_language(client):
    page = client.get("/calendar/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Calendrier" in page and "Aller au contenu principal" in page
    page = client.get("/calendar/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Calendario" in page and "Mes siguiente" in page


def test_cookie_beats_accept_language(client):
    client.set_cookie(i18n.LANGUAGE_COOKIE, "es")
    assert html_lang(client.get("/calendar/", headers={"Accept-Language": "fr"}))[0] == "es"


def test_unknown_cookie_value_is_ignored(client):
    client.set_cookie(i18n.LANGUAGE_COOKIE, "xx")
    assert html_lang(client.get("/calendar/", headers={"Accept-Language": "fr"}))[0] == "fr"


def test_saved_choice_of_a_signed_in_user_beats_cookie_and_header(client, focal_point, login_as):
    focal_point.locale = "ar"
    login_as(focal_point)
    client.set_cookie(i18n.LANGUAGE_COOKIE, "es")
    assert html_lang(client.get("/calendar/", headers={"Accept-Language": "fr"})) == ("ar", "rtl")


def test_user_without_saved_choice_gets_cookie_then_header(client, focal_point, login_as):
    login_as(focal_point)
    assert html_lang(client.get("/calendar/", headers={"Accept-Language": "fr"}))[0] == "fr"
    client.set_cookie(i18n.LANGUAGE_COOKIE, "es")
    assert html_lang(client.get("/calendar/", headers={"Accept-Language": "fr"}))[0] == "es"


def test_arabic_is_right_to_left_with_the_rtl_stylesheets(client):
    response = client.get("/calendar/agenda", headers={"Accept-Language": "ar"})
    page = response.get_data(as_text=True)
    assert html_lang(response) == ("ar", "rtl")
    assert "bootstrap.rtl.min.css" in page and "css/rtl.css" in page
    english = client.get("/calendar/agenda", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "bootstrap.rtl.min.css" not in english and "css/rtl.css" not in english


def test_every_page_offers_the_switch(client):
    page = client.get("/calendar/").get_data(as_text=True)
    assert 'action="/language"' in page
    for code in ("en", "fr", "es", "ar"):
        assert f'name="language" value="{code}"' in page
    assert 'name="next" value="/calendar/"' in page


def test_switching_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post(
        "/language", data={"language": "fr", "next": "/calendar/agenda?kind=webinar"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/calendar/agenda?kind=webinar"
    assert "lang=fr" in response.headers["Set-Cookie"]
    assert html_lang(client.get("/calendar/agenda"))[0] == "fr"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "///evil.example",
        "",
    ],
)
def test_switching_never_leaves_the_site(client, target):
    response = client.post("/language", data={"language": "es", "next": target})
    assert response.headers["Location"] == "/"


def test_switching_to_an_unknown_language_changes_nothing(client):
    response = client.post("/language", data={"language": "xx", "next": "/calendar/"})
    assert response.status_code == 303
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


def test_switching_is_post_only(client):
    assert client.get("/language?language=fr").status_code == 405


def test_signed_in_switch_saves_the_choice(client, focal_point, login_as):
    login_as(focal_point)
    client.post("/language", data={"language": "ar", "next": "/calendar/"})
    db.session.expire_all()
    assert db.session.get(User, focal_point.id).locale == "ar"
    # The saved choice follows the user to a browser without the cookie.
    client.delete_cookie(i18n.LANGUAGE_COOKIE)
    assert html_lang(client.get("/calendar/"))[0] == "ar"


def test_switch_needs_a_csrf_token(app_config, tmp_path):
    from coordinator import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    response = app.test_client().post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 400


class TestFormatting:
    moment = datetime(2026, 3, 5, 13, 30, tzinfo=UTC)

    def test_month_names_by_locale(self, app):
        with app.test_request_context():
            with force_locale("fr"):
                assert i18n.month_title(2026, 3) == "mars 2026"
            with force_locale("es"):
                assert i18n.month_title(2026, 3) == "marzo de 2026"
            with force_locale("ar"):
                assert i18n.month_title(2026, 3) == "مارس 2026"
            with force_locale("en"):
                assert i18n.month_title(2026, 3) == "March 2026"

    def test_times_in_the_event_zone_by_locale(self, app):
        with app.test_request_context():
            with force_locale("en"):
                assert i18n.local_time_only(self.moment, "Europe/Paris") == "2:30\u202fPM"
            with force_locale("fr"):
                assert i18n.local_time_only(self.moment, "Europe/Paris") == "14:30"
                assert i18n.local_time_only(self.moment, "Asia/Tokyo") == "22:30"

    def test_dates_by_locale(self, app):
        with app.test_request_context():
            with force_locale("fr"):
                assert i18n.localized_date(date(2026, 3, 5), "full") == "jeudi 5 mars 2026"
            with force_locale("es"):
                assert i18n.localized_date(date(2026, 3, 5), "long") == "5 de marzo de 2026"
            with force_locale("ar"):
                assert "مارس" in i18n.localized_date(date(2026, 3, 5), "long")

    def test_numbers_by_locale(self, app):
        with app.test_request_context():
            with force_locale("en"):
                assert i18n.localized_number(1234567.5) == "1,234,567.5"
            with force_locale("fr"):
                assert i18n.localized_number(1234567.5) == "1\u202f234\u202f567,5"
            with force_locale("es"):
                assert i18n.localized_number(1234567.5) == "1.234.567,5"

    def test_ages_by_locale(self, app):
        with app.test_request_context():
            with force_locale("fr"):
                assert i18n.localized_age(timedelta(days=9, hours=2)) == "9\u00a0jours"
            with force_locale("es"):
                assert i18n.localized_age(timedelta(hours=5, minutes=50)) == "5 horas"

    def test_calendar_page_uses_french_month_and_weekday_names(self, client):
        page = client.get("/calendar/2026/3", headers={"Accept-Language": "fr"}).get_data(
            as_text=True
        )
        assert "mars 2026" in page and "lundi" in page


@pytest.mark.parametrize("target", ["/calendar/\x00", "/" + "a" * 10_000, "/calendar/\r\nX: y"])
def test_switching_with_hostile_next_goes_home(client, target):
    response = client.post("/language", data={"language": "fr", "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_error_pages_speak_the_language_too(client):
    response = client.get("/calendar/2026/13", headers={"Accept-Language": "ar"})
    assert response.status_code == 404
    assert html_lang(response) == ("ar", "rtl")
    assert "الانتقال إلى المحتوى الرئيسي" in response.get_data(as_text=True)


def test_responses_vary_on_what_chooses_the_language(client):
    vary = client.get("/calendar/").headers["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


def test_locale_for_mail_uses_the_saved_choice(app, focal_point):
    assert i18n.locale_for(focal_point) == "en"
    focal_point.locale = "es"
    assert i18n.locale_for(focal_point) == "es"
    focal_point.locale = "xx"
    assert i18n.locale_for(focal_point) == "en"
    with force_locale(i18n.locale_for(User(locale="fr"))):
        assert str(EventKind("field_visit").label) == "Visite de terrain"


def test_template_strings_follow_force_locale_inside_a_page(app):
    """Templates look the catalogue up once per locale (i18n.page_translations): a block that
    writes in another language (a notice to a recipient) gets its catalogue, and the page its
    own again after it."""
    from flask import render_template_string
    from flask_babel import force_locale

    from coordinator.i18n import page_locale, page_translations

    cancelled = "{{ _('Cancelled') }}"
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        app.preprocess_request()
        french = render_template_string(cancelled)
        assert str(page_locale()) == "fr" and french != "Cancelled"
        assert page_translations() is page_translations()
        with force_locale("ar"):
            assert str(page_locale()) == "ar"
            arabic = render_template_string(cancelled)
        assert arabic not in (french, "Cancelled")
        assert render_template_string(cancelled) == french
        with force_locale("en"):
            assert render_template_string(cancelled) == "Cancelled"

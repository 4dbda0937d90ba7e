"""The proposal form people use every day: check boxes with a filter for themes and partners,
a country chosen by name, time zones grouped with the network's first, an error summary that
links to each field, hints that tell the truth and one message per bad link."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from coordinator.activities.models import Event, Status
from coordinator.extensions import db
from coordinator.i18n import country_choices, country_codes, grouped_zone_choices
from tests import factories
from tests.activities.helpers import event_form_data, project_form_data


@pytest.fixture
def proposer(app, login_as, partner):
    partner.timezone = "Asia/Beirut"
    user = factories.UserFactory(role="focal_point", partner=partner)
    login_as(user)
    return user


def set_language(client, language: str) -> None:
    client.set_cookie("lang", language)


def optgroups(html: str) -> list[tuple[str, list[str]]]:
    """(label, option values) of each optgroup of the time-zone select, in page order."""
    select_html = re.search(r'<select[^>]*name="timezone".*?</select>', html, re.S).group(0)
    return [
        (label, re.findall(r'value="([^"]+)"', body))
        for label, body in re.findall(
            r'<optgroup label="([^"]*)">(.*?)</optgroup>', select_html, re.S
        )
    ]


# --- Themes and co-organisers: check boxes in a fieldset, no Ctrl-click ---------------------


@pytest.mark.parametrize("path", ["/events/new", "/projects/new"])
def test_themes_and_partners_are_check_boxes_in_fieldsets(client, proposer, path):
    themes = [factories.ThemeFactory(name=f"Theme {n}") for n in range(8)]
    partners = [factories.PartnerFactory(name=f"Partner number {n}") for n in range(8)]
    db.session.commit()
    html = client.get(path).get_data(as_text=True)
    assert "<select multiple" not in html and 'multiple name="' not in html
    assert "Hold Ctrl" not in html
    for name, items in (("theme_ids", themes), ("partner_ids", partners)):
        assert f'<fieldset class="mb-3 choice-list" id="{name}-fieldset"' in html
        for item in items:
            assert re.search(
                rf'<input[^>]*name="{name}"[^>]*type="checkbox"[^>]*value="{item.id}"', html
            ) or re.search(
                rf'<input[^>]*type="checkbox"[^>]*name="{name}"[^>]*value="{item.id}"', html
            )
        # The filter box comes hidden: it only works with the script that shows it.
        assert f'data-choice-filter="{name}"' in html
        assert f'<label class="form-label small mb-1" for="{name}-filter">' in html
    assert "js/choices-filter.js" in html


def test_ticked_boxes_are_saved_as_before(client, proposer, other_partner):
    themes = [factories.ThemeFactory(), factories.ThemeFactory()]
    third = factories.PartnerFactory()
    db.session.commit()
    response = client.post(
        "/events/new",
        data=event_form_data(
            theme_ids=[str(t.id) for t in themes],
            partner_ids=[str(other_partner.id), str(third.id)],
        ),
    )
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert {t.id for t in event.themes} == {t.id for t in themes}
    assert {link.partner_id for link in event.partner_links} == {other_partner.id, third.id}
    # Shown ticked again on the edit form.
    html = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    for partner_id in (other_partner.id, third.id):
        assert re.search(rf'<input checked[^>]*name="partner_ids"[^>]*value="{partner_id}"', html)


def test_a_partner_not_offered_is_refused(client, proposer):
    response = client.post("/events/new", data=event_form_data(partner_ids=["999999"]))
    assert response.status_code == 400
    assert "is not a valid choice" in response.get_data(as_text=True)


# --- Country: a select of countries named in the page's language ---------------------------


def test_country_is_a_select_of_country_names(client, proposer):
    html = client.get("/events/new").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="country"[^>]*name="country"', html)
    assert '<option value="LB">Lebanon</option>' in html
    assert "Two letters" not in html and "Country code" not in html


@pytest.mark.parametrize(
    "language, lebanon, morocco",
    [("fr", "Liban", "Maroc"), ("ar", "لبنان", "المغرب"), ("es", "Líbano", "Marruecos")],
)
def test_countries_are_named_in_the_pages_language(client, proposer, language, lebanon, morocco):
    set_language(client, language)
    html = client.get("/events/new").get_data(as_text=True)
    assert f'<option value="LB">{lebanon}</option>' in html
    assert f'<option value="MA">{morocco}</option>' in html


def test_only_real_iso_countries_are_offered(app):
    codes = country_codes()
    assert len(codes) == 249
    assert {"LB", "FR", "MA", "PS", "EG"} <= codes
    assert not codes & {"EU", "UN", "ZZ", "XA", "XK", "IC", "EA", "QO"}
    with force_locale("fr"):
        names = [name for _, name in country_choices()]
    assert names.index("Égypte") < names.index("Espagne") < names.index("France")


@pytest.mark.parametrize("country", ["LE", "XX", "EU", "Lebanon", "lb1"])
def test_an_unknown_country_is_refused(client, proposer, country):
    response = client.post("/events/new", data=event_form_data(country=country))
    assert response.status_code == 400
    assert "Choose a country from the list." in response.get_data(as_text=True)
    assert db.session.scalars(select(Event)).first() is None


def test_the_country_code_is_stored(client, proposer):
    response = client.post("/events/new", data=event_form_data(country="lb"))
    assert response.status_code == 302
    assert db.session.scalars(select(Event)).one().country == "LB"


def test_a_legacy_bad_code_is_shown_and_must_be_fixed(client, proposer):
    event = factories.EventFactory(lead_partner=proposer.partner, country="LE", status=Status.DRAFT)
    db.session.commit()
    html = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert '<option selected value="LE">LE</option>' in html
    response = client.post(f"/events/{event.id}/edit", data=event_form_data(country="LE"))
    assert response.status_code == 400
    assert "Choose a country from the list." in response.get_data(as_text=True)


# --- Time zones: the partner's and the network's first, then regions -----------------------


def test_time_zones_come_in_groups_the_partners_first(client, proposer):
    factories.PartnerFactory(timezone="Africa/Tunis")
    factories.PartnerFactory(timezone="Europe/Madrid")
    db.session.commit()
    groups = optgroups(client.get("/events/new").get_data(as_text=True))
    label, zones = groups[0]
    assert label == "Your partner&#39;s zone and the network&#39;s"
    assert zones[0] == "Asia/Beirut"
    assert {"Africa/Tunis", "Europe/Madrid", "UTC"} <= set(zones)
    regions = [label for label, _ in groups[1:]]
    assert {"Africa", "Americas", "Asia", "Europe", "Pacific Ocean"} <= set(regions)
    assert regions == sorted(regions)
    europe = dict(groups)["Europe"]
    assert "Europe/Paris" in europe and "Europe/Madrid" not in europe  # listed once only
    assert "Africa/Cairo" in dict(groups)["Africa"]


def test_time_zone_groups_are_localised(client, proposer):
    set_language(client, "ar")
    html = client.get("/events/new").get_data(as_text=True)
    groups = dict(optgroups(html))
    assert "أوروبا" in groups and "أفريقيا" in groups
    assert re.search(r'<option selected value="Asia/Beirut">بيروت \(UTC', html)


def test_grouped_zones_list_every_offered_zone_once(app):
    from coordinator.times import offered_zones

    with force_locale("fr"):
        groups = grouped_zone_choices(offered_zones(), "Asia/Beirut", ("Europe/Paris",), "Réseau")
    values = [value for options in groups.values() for value, _ in options]
    assert len(values) == len(set(values)) == len(offered_zones())
    assert [v for v, _ in groups["Réseau"]] == ["Asia/Beirut", "Europe/Paris", "UTC"]
    assert "Europe" in groups and "Afrique" in groups and "Amériques" in groups


def test_editing_offers_the_lead_partners_zone_first(client, proposer):
    event = factories.EventFactory(
        lead_partner=proposer.partner, timezone="Europe/Paris", status=Status.DRAFT
    )
    db.session.commit()
    html = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert optgroups(html)[0][1][0] == "Asia/Beirut"
    assert '<option selected value="Europe/Paris">' in html


# --- The error summary -----------------------------------------------------------------------


def test_errors_are_summed_up_at_the_top_with_links_to_fields(client, proposer):
    theme = factories.ThemeFactory()
    db.session.commit()
    response = client.post(
        "/events/new",
        data=event_form_data(
            title="", end_time="08:00", theme_ids=["abc"], online_url="ftp://x", country="ZZ"
        ),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="alert alert-danger error-summary"(.*?)</div>', html, re.S)
    assert summary, html[:3000]
    attributes, body = summary.group(1).split(">", 1)
    assert 'role="alert"' in attributes and 'tabindex="-1"' in attributes
    assert "autofocus" in attributes
    assert "There is a problem" in body
    links = re.findall(r'<a class="alert-link" href="#([^"]+)">', body)
    assert {"title", "online_url", "country", f"theme_ids-{0}"} <= set(links)
    for target in links:
        assert f'id="{target}"' in html
    # It comes before the heading, and its script moves the focus to it.
    assert html.index("error-summary") < html.index("<h1")
    assert "js/error-summary.js" in html
    assert theme  # the theme list has one box to link to


def test_the_end_before_start_error_links_to_end_time(client, proposer):
    response = client.post("/events/new", data=event_form_data(end_time="08:00"))
    html = response.get_data(as_text=True)
    assert (
        '<a class="alert-link" href="#end_time">End time: The event must end after it starts.</a>'
        in html
    )


def test_project_form_has_the_summary_too(client, proposer):
    response = client.post("/projects/new", data=project_form_data(title="", website="nope"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#title"' in html and 'href="#website"' in html


def test_a_form_without_errors_has_no_summary(client, proposer):
    assert "There is a problem" not in client.get("/events/new").get_data(as_text=True)


# --- Hints and messages ------------------------------------------------------------------------


def test_the_start_time_hint_matches_what_the_form_does(client, proposer):
    html = client.get("/events/new").get_data(as_text=True)
    assert "Leave empty for an all-day event" not in html
    assert "Not needed for an all-day event: tick “All-day event” above instead." in html
    # Empty times without the tick: an error that says what to do (never a silent all-day).
    response = client.post("/events/new", data=event_form_data(start_time="", end_time=""))
    assert response.status_code == 400
    assert "Enter a time, or tick “All-day event”." in response.get_data(as_text=True)
    # With the tick the times are not needed.
    response = client.post(
        "/events/new", data=event_form_data(start_time="", end_time="", is_all_day="y")
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Event)).one().is_all_day


@pytest.mark.parametrize(
    "link, message",
    [
        ("ftp://example.org", "Enter a web address starting with http:// or https://."),
        ("example.org", "Enter a web address starting with http:// or https://."),
        ("https://localhost", "Enter a complete web address, such as https://example.org/page."),
        ("http://exa mple.org", "Enter a complete web address, such as https://example.org/page."),
    ],
)
@pytest.mark.parametrize("name", ["online_url", "registration_url"])
def test_a_bad_link_gets_one_clear_message(client, proposer, name, link, message):
    response = client.post("/events/new", data=event_form_data(**{name: link}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'<div id="{name}-error"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert error == message
    assert "Invalid URL" not in html


def test_a_bad_project_website_gets_one_message(client, proposer):
    response = client.post("/projects/new", data=project_form_data(website="https://nohost"))
    html = response.get_data(as_text=True)
    assert "Invalid URL" not in html
    assert "Enter a complete web address, such as https://example.org/page." in html


def test_the_new_form_says_documents_come_after_saving(client, proposer):
    html = client.get("/events/new").get_data(as_text=True)
    assert "you can then attach documents" in html

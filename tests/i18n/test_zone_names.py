"""Time zones read as places in the page's language; identifiers stay for machines."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from coordinator.i18n import zone_choices, zone_name
from coordinator.times import offered_zones, zone_names

PARTNERS_JSON = Path(__file__).resolve().parents[2] / "coordinator" / "demo" / "partners.json"
NETWORK_ZONES = json.loads(PARTNERS_JSON.read_text())["event_timezones_to_exercise"]
LANGUAGES = ("en", "fr", "es", "ar")


def in_arabic_script(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and all("ARABIC" in unicodedata.name(char) for char in letters)


@pytest.mark.parametrize(
    "zone, language, expected",
    [
        ("Africa/Cairo", "en", "Cairo Time"),
        ("Africa/Casablanca", "fr", "heure : Casablanca"),
        ("Africa/Cairo", "fr", "heure : Le Caire"),
        ("Europe/Madrid", "es", "hora de Madrid"),
        ("Africa/Algiers", "es", "hora de Argel"),
        ("Asia/Beirut", "ar", "توقيت بيروت"),
        ("Africa/Casablanca", "ar", "توقيت الدار البيضاء"),
        ("America/New_York", "fr", "heure : New York"),
    ],
)
def test_a_zone_is_named_after_its_city_in_the_language(app, zone, language, expected):
    with force_locale(language):
        assert zone_name(zone) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_zone_of_the_network_reads_as_a_place_not_an_identifier(app, language):
    with force_locale(language):
        names = {zone: zone_name(zone) for zone in NETWORK_ZONES}
    for zone, name in names.items():
        city = zone.split("/")[-1]
        assert "/" not in name and "_" not in name, (zone, name)
        if language == "ar":
            assert in_arabic_script(name), (zone, name)
            assert city not in name, (zone, name)
    # Fourteen zones, fourteen different names.
    assert len(set(names.values())) == len(NETWORK_ZONES)


def test_an_alias_reads_as_the_zone_it_stands_for(app):
    with force_locale("fr"):
        assert zone_name("Egypt") == zone_name("Africa/Cairo") == "heure : Le Caire"
        assert zone_name("Europe/Kiev") == zone_name("Europe/Kyiv")


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Coordinated Universal Time"),
        ("fr", "temps universel coordonné"),
        ("es", "tiempo universal coordinado"),
        ("ar", "التوقيت العالمي المنسق"),
    ],
)
def test_utc_is_named_in_the_language(app, language, expected):
    with force_locale(language):
        assert zone_name("UTC") == expected == zone_name("Etc/UTC")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Etc/GMT+3", "EST5EDT", ""])
def test_a_zone_without_a_place_or_unknown_keeps_its_identifier(app, zone):
    # Babel would call Etc/GMT+3 "GMT+3", though its clocks are three hours behind UTC.
    for language in LANGUAGES:
        with force_locale(language):
            assert zone_name(zone) == zone


# --- The time-zone select ----------------------------------------------------------------------


def test_options_keep_identifiers_as_values_and_name_cities_with_the_offset(app, time_machine):
    time_machine.move_to(datetime(2027, 1, 15, 12, 0, tzinfo=UTC), tick=False)
    with force_locale("fr"):
        choices = dict(zone_choices(offered_zones()))
    assert choices["Africa/Cairo"] == "Le Caire (UTC+02:00)"
    assert choices["America/New_York"] == "New York (UTC-05:00)"
    assert choices["Asia/Kolkata"] == "Calcutta (UTC+05:30)"
    with force_locale("ar"):
        choices = dict(zone_choices(offered_zones()))
    assert choices["Africa/Casablanca"] == "الدار البيضاء (UTC+01:00)"


def test_the_offset_is_the_one_in_force_when_the_form_is_shown(app, time_machine):
    time_machine.move_to(datetime(2027, 1, 15, 12, 0, tzinfo=UTC), tick=False)
    with force_locale("es"):
        assert dict(zone_choices(offered_zones()))["Europe/Madrid"] == "Madrid (UTC+01:00)"
    time_machine.move_to(datetime(2027, 7, 15, 12, 0, tzinfo=UTC), tick=False)
    with force_locale("es"):
        assert dict(zone_choices(offered_zones()))["Europe/Madrid"] == "Madrid (UTC+02:00)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_utc_comes_first(app, language):
    with force_locale(language):
        assert zone_choices(offered_zones())[0][0] == "UTC"


def _cities(language: str) -> list[str]:
    with force_locale(language):
        return [label.rsplit(" (", 1)[0] for _, label in zone_choices(offered_zones())[1:]]


def test_cities_come_in_alphabetical_order_whatever_their_accents(app):
    cities = _cities("es")
    assert cities[:3] == ["Abiyán", "Acra", "Adak"]
    first_b = next(index for index, city in enumerate(cities) if city.startswith("B"))
    assert cities.index("Ámsterdam") < first_b
    assert cities[-1] == "Zúrich"
    cities = _cities("fr")
    assert cities.index("Éfaté") < next(i for i, city in enumerate(cities) if city.startswith("F"))
    # Arabic: hamza on the alef does not move a city out of the alef's place.
    assert _cities("ar")[0].startswith("أ")


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_place_is_offered_once(app, language):
    with force_locale(language):
        labels = [label for _, label in zone_choices(offered_zones())]
    assert [label for label, count in Counter(labels).items() if count > 1] == []
    assert set(NETWORK_ZONES) <= set(offered_zones())


def test_aliases_are_left_out_but_a_saved_one_stays_offered():
    zones = offered_zones()
    assert "Europe/Kyiv" in zones and "Europe/Kiev" not in zones
    assert "Egypt" not in zones and "Etc/GMT+3" not in zones and "US/Pacific" not in zones
    assert offered_zones(current="Europe/Kiev")[-1] == "Europe/Kiev"
    assert offered_zones(current="Mars/Olympus") == zones
    assert offered_zones(current="Africa/Cairo") == zones


def test_zones_stay_loaded_however_many_a_page_shows(monkeypatch):
    # ZoneInfo keeps only its 8 latest zones alive: a month grid over 16 zones read and parsed
    # zone files hundreds of times per page as the others were collected.
    import gc
    import weakref

    from coordinator.calendar import services as calendar_services
    from coordinator.i18n import zone_info

    first = weakref.ref(zone_info("America/Argentina/Ushuaia"))
    for name in zone_names()[:40]:
        zone_info(name)
    gc.collect()
    assert first() is not None and first() is zone_info("America/Argentina/Ushuaia")

    class _Timed:
        is_all_day = False
        start_date = end_date = None
        timezone = "Pacific/Chatham"  # UTC+13:45 in January
        start_dt = datetime(2027, 1, 1, 10, 30, tzinfo=UTC)
        end_dt = datetime(2027, 1, 1, 12, tzinfo=UTC)

    asked = []
    monkeypatch.setattr(
        calendar_services, "zone_info", lambda name: asked.append(name) or zone_info(name)
    )
    assert calendar_services.local_days(_Timed()) == (date(2027, 1, 2), date(2027, 1, 2))
    assert asked == ["Pacific/Chatham"]

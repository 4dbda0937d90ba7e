"""Time zones read as places in the page's language; identifiers stay for machines."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from flask_babel import force_locale

from coordinator.i18n import zone_name

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

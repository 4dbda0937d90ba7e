"""Forms of the partners domain: shapes only, rules live in services."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from coordinator.forms import BaseForm

# Babel's territory names; the two-letter ones that are not real countries are left out.
_NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}


@cache
def country_choices() -> list[tuple[str, str]]:
    from babel import Locale

    territories = Locale("en").territories
    codes = [code for code in territories
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return sorted(((code, f"{territories[code]} ({code})") for code in codes),
                  key=lambda item: item[1])


@cache
def timezone_choices() -> list[tuple[str, str]]:
    # Legacy aliases ("US/Pacific", "Etc/GMT+3") are valid but only clutter the list.
    zones = sorted(zone for zone in available_timezones()
                   if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/")))
    return [("UTC", "UTC")] + [(zone, zone.replace("_", " ")) for zone in zones]


def http_url(form, field) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Give a web address starting with http:// or https://.")


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class PartnerForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    acronym = StringField("Acronym", validators=[DataRequired(), Length(max=40)])
    slug = StringField(
        "Address name (slug)",
        validators=[Optional(), Length(max=80),
                    Regexp(SLUG_PATTERN,
                           message="Use lower-case letters, digits and single hyphens.")],
    )
    kind = StringField("Kind of institution", validators=[Optional(), Length(max=100)])
    city = StringField("City", validators=[Optional(), Length(max=120)])
    country = SelectField("Country", validators=[DataRequired()])
    timezone = SelectField("Time zone", validators=[DataRequired()], default="UTC")
    website = URLField("Website", validators=[Optional(), Length(max=500), http_url])
    summary = TextAreaField("Summary", validators=[Optional(), Length(max=2000)])
    groups = SelectMultipleField("Groups", coerce=int)

    def __init__(self, *args, group_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "— choose a country —")] + country_choices()
        self.timezone.choices = timezone_choices()
        self.groups.choices = list(group_choices)


class PartnerGroupForm(BaseForm):
    name = StringField("New group name", validators=[DataRequired(), Length(max=200)])

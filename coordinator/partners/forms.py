"""Forms of the partners domain: shapes only, rules live in services."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from flask_babel import get_locale
from wtforms import SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from coordinator.forms import (
    BaseForm,
    MultiCheckboxField,
    OriginalLanguageField,
    TranslationsField,
)
from coordinator.i18n import collation_key, country_codes, zone_choices
from coordinator.i18n import lazy_gettext as _l
from coordinator.times import offered_zones


@cache
def country_choices(language: str = "en") -> list[tuple[str, str]]:
    """Countries named in the given language, in that language's alphabetical order."""
    from babel import Locale

    territories = Locale.parse(language).territories
    return sorted(
        ((code, f"{territories[code]} ({code})") for code in country_codes()),
        key=lambda item: collation_key(item[1]),
    )


def http_url(form, field) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_l("Give a web address starting with http:// or https://."))


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class PartnerForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[DataRequired(), Length(max=40)])
    slug = StringField(
        _l("Address name (slug)"),
        validators=[
            Optional(),
            Length(max=80),
            Regexp(SLUG_PATTERN, message=_l("Use lower-case letters, digits and single hyphens.")),
        ],
        render_kw={"dir": "ltr"},
    )
    kind = StringField(_l("Kind of institution"), validators=[Optional(), Length(max=100)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()], default="UTC")
    website = URLField(_l("Website"), validators=[Optional(), Length(max=500), http_url])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)])
    language = OriginalLanguageField(_l("Language of the name and summary"))
    # The long name and the summary in other languages, with the originals' limits.
    translations = TranslationsField(
        _l("Other languages"),
        fields=(("name", _l("Name"), 200, False), ("summary", _l("Summary"), 2000, True)),
    )
    groups = MultiCheckboxField(_l("Groups"), coerce=int)

    def __init__(self, *args, group_choices=(), original_language=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.offer(original_language)
        self.country.choices = [("", _l("— choose a country —"))] + country_choices(
            str(get_locale() or "en")
        )
        self.timezone.choices = zone_choices(offered_zones(current=self.timezone.data))
        self.groups.choices = list(group_choices)

    def validate_translations(self, field):
        if any((field.data.get(self.language.data) or {}).values()):
            raise ValidationError(
                _l("Write the original's language in the main fields, not as a translation.")
            )


class PartnerGroupForm(BaseForm):
    name = StringField(_l("New group name"), validators=[DataRequired(), Length(max=200)])

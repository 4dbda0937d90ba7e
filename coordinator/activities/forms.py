"""Forms of the proposal workflow: they check shapes and turn input into plain data.

Rules that need the database (is this theme active, may this partner co-organise) live in
services. partner_id, status and reviewer fields are never fields here.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext as _
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from coordinator.activities.models import EventKind, Visibility
from coordinator.forms import (
    BaseForm,
    MultiCheckboxField,
    OriginalLanguageField,
    TranslationsField,
    supported_date,
)
from coordinator.i18n import country_choices, grouped_zone_choices, is_country_code
from coordinator.i18n import lazy_gettext as _l
from coordinator.multilingual import language_name, localized_text
from coordinator.times import (
    LocalTimeError,
    all_day_span,
    is_known_zone,
    local_to_utc,
    offered_zones,
)

MAX_DESCRIPTION = 20_000
_LANGUAGES = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
# WTForms' URL() checks the host; its own message would follow ours ("… Invalid URL.").
_WELL_FORMED_URL = URL(require_tld=True)


def http_url(form, field):
    """Only http and https links (no javascript:, data: or mailto: in a link field), with a
    real host name: one clear message whatever is wrong."""
    if not field.data:
        return
    if not re.match(r"^https?://[^\s/]+", field.data, re.IGNORECASE):
        raise ValidationError(_("Enter a web address starting with http:// or https://."))
    try:
        _WELL_FORMED_URL(form, field)
    except ValidationError:
        raise ValidationError(
            _("Enter a complete web address, such as https://example.org/page.")
        ) from None


class IntegerMultiCheckboxField(MultiCheckboxField):
    """Check boxes of ids whose unparsable values are a form error, never a 500."""

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist]
        except (TypeError, ValueError):
            self.data = []
            raise ValueError(_("Choose from the list.")) from None


def activity_translations() -> TranslationsField:
    """The title, summary and description in other languages, with the originals' limits."""
    return TranslationsField(
        _l("Other languages"),
        fields=(
            ("title", _l("Title"), 200, False),
            ("summary", _l("Summary"), 500, True),
            ("description", _l("Description"), MAX_DESCRIPTION, True),
        ),
    )


class TextInLanguagesMixin:
    """The original's language and the translations of an activity form."""

    def _text_data(self) -> dict:
        return {
            "language": self.language.data,
            "translations": self.translations.data,
            "checked_languages": list(self.translations.checked),
        }

    def _fill_texts(self, activity) -> None:
        self.language.data = activity.language
        self.translations.data = activity.translated_texts()

    def validate_translations(self, field):
        original = self.language.data
        if any((field.data.get(original) or {}).values()):
            raise ValidationError(
                _(
                    "The original is in %(language)s: write that text in the main fields, "
                    "or choose the original's language again.",
                    language=language_name(original),
                )
            )


class EventForm(TextInLanguagesMixin, BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=500)],
        description=_l("One or two sentences shown in lists."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=MAX_DESCRIPTION)],
        description=_l("Markdown: **bold**, *italic*, lists and links."),
    )
    language = OriginalLanguageField(_l("Language of the original"))
    translations = activity_translations()
    # Choices in the page's language are set per request in __init__.
    kind = SelectField(_l("Kind"), choices=[(k.value, k.value) for k in EventKind])
    theme_ids = IntegerMultiCheckboxField(_l("Themes"), coerce=int, validate_choice=True)
    timezone = SelectField(
        _l("Time zone"),
        validate_choice=False,
        description=_l("Times below are local times in this zone."),
    )
    is_all_day = BooleanField(_l("All-day event (over one or more dates)"))
    start_date = DateField(
        _l("Start date"),
        validators=[DataRequired(message=_l("Enter the start date.")), supported_date],
    )
    # Leaving the times empty is not "all day": an event someone forgot to time would be
    # published as all-day. Ticking the box says it; the hint says so too.
    start_time = TimeField(
        _l("Start time"),
        validators=[Optional()],
        description=_l("Not needed for an all-day event: tick “All-day event” above instead."),
    )
    end_date = DateField(
        _l("End date"),
        validators=[DataRequired(message=_l("Enter the end date.")), supported_date],
    )
    end_time = TimeField(_l("End time"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    # The ISO code is stored; the page names the countries in its language.
    country = SelectField(
        _l("Country"),
        validate_choice=False,
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
    )
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    online_url = StringField(
        _l("Online link"),
        validators=[Optional(), Length(max=500), http_url],
        render_kw={"dir": "ltr"},
    )
    languages = StringField(
        _l("Languages"),
        validators=[Optional(), Length(max=100)],
        description=_l("Language codes separated by commas, e.g. en, fr, ar."),
        render_kw={"dir": "ltr"},
    )
    registration_url = StringField(
        _l("Registration link"),
        validators=[Optional(), Length(max=500), http_url],
        render_kw={"dir": "ltr"},
    )
    visibility = SelectField(
        _l("Visibility"),
        choices=[
            (Visibility.PUBLIC.value, _l("Public")),
            (Visibility.NETWORK.value, _l("Network members only (signed-in users)")),
        ],
    )
    project_id = SelectField(_l("Joint project"), coerce=int, choices=[(0, _l("None"))])
    partner_ids = IntegerMultiCheckboxField(
        _l("Co-organising partners"), coerce=int, validate_choice=True
    )

    def __init__(
        self,
        *args,
        themes=(),
        partners=(),
        projects=(),
        default_zone="UTC",
        partner_zone=None,
        network_zones=(),
        original_language=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in EventKind]
        self.language.offer(original_language)
        # Names in the page's language (multilingual.py); the values stay the ids.
        self.theme_ids.choices = [(t.id, localized_text(t, "name")) for t in themes]
        self.partner_ids.choices = [(p.id, p.display_name_in()) for p in partners]
        self.project_id.choices = [(0, _("None"))] + [
            (p.id, localized_text(p, "title")) for p in projects
        ]
        if self.timezone.data is None:  # nothing posted: the partner's own zone
            self.timezone.data = default_zone
        self.timezone.choices = grouped_zone_choices(
            offered_zones(current=self.timezone.data),
            own_zone=partner_zone or default_zone,
            network_zones=tuple(z for z in network_zones if is_known_zone(z)),
            first_label=_("Your partner's zone and the network's"),
        )
        self._offer_countries()
        self.start_dt: datetime | None = None
        self.end_dt: datetime | None = None

    def _offer_countries(self) -> None:
        self.country.choices = [("", _("— choose a country —")), *country_choices()]
        if self.country.data and not is_country_code(self.country.data):
            # A code saved before the list (or posted by hand) is shown, and refused on save.
            self.country.choices.append((self.country.data, self.country.data))

    def validate_timezone(self, field):
        if not is_known_zone(field.data):
            raise ValidationError(_("Choose a time zone from the list."))

    def validate_country(self, field):
        if field.data and not is_country_code(field.data):
            raise ValidationError(_("Choose a country from the list."))

    def validate_languages(self, field):
        codes = [c.strip() for c in (field.data or "").split(",") if c.strip()]
        for code in codes:
            if not _LANGUAGES.match(code):
                raise ValidationError(
                    _("“%(code)s” is not a language code such as en or fr.", code=code[:20])
                )
        field.data = ", ".join(codes)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.timezone.errors or self.start_date.errors or self.end_date.errors:
            return False
        # The times are checked even when another field is wrong: the error summary then lists
        # every problem at once, not one more after each correction.
        return self._compute_times() and valid

    def _compute_times(self) -> bool:
        zone = self.timezone.data
        if self.is_all_day.data:
            if self.end_date.data < self.start_date.data:
                self.end_date.errors.append(_("The last day cannot be before the first day."))
                return False
            try:
                self.start_dt, self.end_dt = all_day_span(
                    self.start_date.data, self.end_date.data, zone
                )
            except LocalTimeError as error:
                self.timezone.errors.append(str(error))
                return False
            return True
        ok = True
        for field in (self.start_time, self.end_time):
            if field.data is None and not field.errors:
                field.errors.append(_("Enter a time, or tick “All-day event”."))
                ok = False
        if not ok or self.start_time.errors or self.end_time.errors:
            return False
        try:
            self.start_dt = local_to_utc(self.start_date.data, self.start_time.data, zone)
        except LocalTimeError as error:
            self.start_time.errors.append(str(error))
            ok = False
        try:
            self.end_dt = local_to_utc(self.end_date.data, self.end_time.data, zone)
        except LocalTimeError as error:
            self.end_time.errors.append(str(error))
            ok = False
        if ok and self.end_dt <= self.start_dt:
            self.end_time.errors.append(_("The event must end after it starts."))
            ok = False
        return ok

    def to_data(self) -> dict:
        """The validated input as plain data for the services."""
        is_all_day = bool(self.is_all_day.data)
        return {
            "title": self.title.data,
            "summary": self.summary.data or "",
            "description": self.description.data or "",
            "kind": EventKind(self.kind.data),
            "timezone": self.timezone.data,
            "start_dt": self.start_dt,
            "end_dt": self.end_dt,
            "is_all_day": is_all_day,
            "start_date": self.start_date.data if is_all_day else None,
            "end_date": self.end_date.data if is_all_day else None,
            "venue": self.venue.data or "",
            "city": self.city.data or "",
            "country": self.country.data or "",
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "online_url": self.online_url.data or "",
            "languages": self.languages.data or "",
            "registration_url": self.registration_url.data or "",
            "visibility": Visibility(self.visibility.data),
            "project_id": self.project_id.data or None,
            "theme_ids": list(self.theme_ids.data or []),
            "partner_ids": list(self.partner_ids.data or []),
            **self._text_data(),
        }

    def fill_from(self, event, zone_name: str | None = None) -> None:
        """Show an existing event in its own time zone."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(event.timezone)
        for name in (
            "title",
            "summary",
            "description",
            "venue",
            "city",
            "country",
            "latitude",
            "longitude",
            "online_url",
            "languages",
            "registration_url",
        ):
            getattr(self, name).data = getattr(event, name)
        self.kind.data = event.kind.value
        self._fill_texts(event)
        self.visibility.data = event.visibility.value
        self.timezone.data = event.timezone
        self._offer_countries()
        self.is_all_day.data = event.is_all_day
        self.project_id.data = event.project_id or 0
        self.theme_ids.data = [t.id for t in event.themes]
        self.partner_ids.data = [link.partner_id for link in event.partner_links]
        if event.is_all_day:
            self.start_date.data, self.end_date.data = event.start_date, event.end_date
        else:
            start, end = event.start_dt.astimezone(zone), event.end_dt.astimezone(zone)
            self.start_date.data, self.start_time.data = (
                start.date(),
                start.time().replace(tzinfo=None),
            )
            self.end_date.data, self.end_time.data = end.date(), end.time().replace(tzinfo=None)


class ProjectForm(TextInLanguagesMixin, BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=MAX_DESCRIPTION)],
        description=_l("Markdown: **bold**, *italic*, lists and links."),
    )
    language = OriginalLanguageField(_l("Language of the original"))
    translations = activity_translations()
    start_date = DateField(
        _l("Start date"),
        validators=[DataRequired(message=_l("Enter the start date.")), supported_date],
    )
    end_date = DateField(
        _l("End date"),
        validators=[DataRequired(message=_l("Enter the end date.")), supported_date],
    )
    partner_ids = IntegerMultiCheckboxField(_l("Partners"), coerce=int, validate_choice=True)
    theme_ids = IntegerMultiCheckboxField(_l("Themes"), coerce=int, validate_choice=True)
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=500), http_url],
        render_kw={"dir": "ltr"},
    )

    def __init__(self, *args, themes=(), partners=(), original_language=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme_ids.choices = [(t.id, localized_text(t, "name")) for t in themes]
        self.partner_ids.choices = [(p.id, p.display_name_in()) for p in partners]
        self.language.offer(original_language)

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_("The project cannot end before it starts."))

    def to_data(self) -> dict:
        return {
            "title": self.title.data,
            "acronym": self.acronym.data or "",
            "summary": self.summary.data or "",
            "description": self.description.data or "",
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "website": self.website.data or "",
            "theme_ids": list(self.theme_ids.data or []),
            "partner_ids": list(self.partner_ids.data or []),
            **self._text_data(),
        }

    def fill_from(self, project) -> None:
        for name in (
            "title",
            "acronym",
            "summary",
            "description",
            "start_date",
            "end_date",
            "website",
        ):
            getattr(self, name).data = getattr(project, name)
        self.theme_ids.data = [t.id for t in project.themes]
        self.partner_ids.data = [link.partner_id for link in project.partner_links]
        self._fill_texts(project)


class TranslationForm(BaseForm):
    """The title, summary and description of a published event in other languages."""

    translations = activity_translations()

    def __init__(self, *args, original_language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.original_language = original_language

    def validate_translations(self, field):
        if any((field.data.get(self.original_language) or {}).values()):
            raise ValidationError(
                _("Write the original's language in the main fields, not as a translation.")
            )


class CommentForm(BaseForm):
    """A decision or cancellation: the comment is required where the transition says so
    (checked by the service, shown on this form)."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])


class EmptyForm(BaseForm):
    """CSRF only (submit, withdraw, confirm, decline)."""

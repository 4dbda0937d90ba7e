"""Forms of the calendars domain: shapes only, rules live in services."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from coordinator.activities.models import EventKind, Visibility
from coordinator.forms import BaseForm
from coordinator.i18n import lazy_gettext as _l
from coordinator.multilingual import localized_text


class SourceForm(BaseForm):
    """Connect a calendar: an address, or an .ics file, and what its events default to."""

    name = StringField(_l("Name of this calendar"), validators=[DataRequired(), Length(max=120)])
    url = StringField(
        _l("Calendar address (https:// or webcal://)"),
        validators=[Length(max=500)],
    )
    upload = FileField(_l("…or upload an .ics file"))
    keyword = StringField(_l("Only events whose title contains"), validators=[Length(max=100)])
    category = StringField(_l("Only events in the category"), validators=[Length(max=100)])
    default_kind = SelectField(_l("Kind of the imported events"), default="meeting")
    default_visibility = SelectField(_l("Visibility of the imported events"), default="public")
    default_theme_ids = SelectMultipleField(_l("Themes of the imported events"), coerce=int)

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.default_kind.choices = [(kind.value, kind.label) for kind in EventKind]
        self.default_visibility.choices = [(v.value, v.label) for v in Visibility]
        self.default_theme_ids.choices = [
            (theme.id, localized_text(theme, "name")) for theme in themes
        ]

    def validate_url(self, field):
        has_file = bool(self.upload.data and getattr(self.upload.data, "filename", ""))
        if not field.data and not has_file:
            raise ValidationError(_l("Give the calendar's address or upload an .ics file."))
        if field.data and has_file:
            raise ValidationError(_l("Give an address or a file, not both."))

    def to_data(self) -> dict:
        return {
            "name": self.name.data,
            "url": self.url.data or "",
            "keyword": self.keyword.data or "",
            "category": self.category.data or "",
            "default_kind": self.default_kind.data,
            "default_visibility": self.default_visibility.data,
            "default_theme_ids": list(self.default_theme_ids.data or []),
        }


class UploadForm(BaseForm):
    """A new version of an uploaded calendar."""

    upload = FileField(_l("Upload a new version (.ics)"), validators=[DataRequired()])


class CancellationForm(BaseForm):
    reason = TextAreaField(
        _l("Reason shown with the cancellation"), validators=[DataRequired(), Length(max=2000)]
    )

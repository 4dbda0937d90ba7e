"""Forms of the documents pages: shape only; the services check the rules."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from coordinator.documents.models import DEFAULT_VISIBILITY, DocumentVisibility
from coordinator.forms import BaseForm
from coordinator.i18n import lazy_gettext as _l

# Labels are lazy strings: each page shows them in its own language.
VISIBILITY_CHOICES = [(v.value, v.label) for v in DocumentVisibility]


def _visibility_field():
    return SelectField(
        _l("Who may see it"),
        choices=VISIBILITY_CHOICES,
        default=DEFAULT_VISIBILITY.value,
    )


class UploadForm(BaseForm):
    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=200)],
        description=_l("Defaults to the file name."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    visibility = _visibility_field()
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])


class VersionForm(BaseForm):
    file = FileField(_l("New version"), validators=[FileRequired(_l("Choose a file to upload."))])


class VisibilityForm(BaseForm):
    visibility = _visibility_field()

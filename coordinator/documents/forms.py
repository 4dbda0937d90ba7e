"""Forms of the documents pages: shape only; the services check the rules."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from coordinator.documents.models import DEFAULT_VISIBILITY, DocumentVisibility
from coordinator.forms import BaseForm

VISIBILITY_CHOICES = [(v.value, v.label) for v in DocumentVisibility]


def _visibility_field():
    return SelectField(
        "Who may see it",
        choices=VISIBILITY_CHOICES,
        default=DEFAULT_VISIBILITY.value,
    )


class UploadForm(BaseForm):
    title = StringField(
        "Title", validators=[Optional(), Length(max=200)], description="Defaults to the file name."
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    visibility = _visibility_field()
    file = FileField("File", validators=[FileRequired("Choose a file to upload.")])


class VersionForm(BaseForm):
    file = FileField("New version", validators=[FileRequired("Choose a file to upload.")])


class VisibilityForm(BaseForm):
    visibility = _visibility_field()

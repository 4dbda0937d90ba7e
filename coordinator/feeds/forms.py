"""Forms of the private feed panel."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from coordinator.forms import BaseForm
from coordinator.i18n import lazy_gettext as _l


class FeedTokenForm(BaseForm):
    name = StringField(
        _l("Name of the feed"),
        validators=[DataRequired(), Length(max=100)],
        default=_l("My calendar"),
    )


class FeedActionForm(BaseForm):
    """Rotate and revoke carry nothing but the CSRF token."""

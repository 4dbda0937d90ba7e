"""Forms of the accounts domain: shapes only, rules live in services."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from coordinator.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from coordinator.forms import BaseForm
from coordinator.i18n import lazy_gettext as _l
from coordinator.redirects import is_safe_next

_NAME = [DataRequired(), Length(max=200)]
_NEW_PASSWORD = [DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)]

# Signing in and asking for a reset only look an address up, so they accept anything shaped
# like one: the demo accounts live under the reserved ".test" domain, which Email() refuses.
_ADDRESS_SHAPE = [
    DataRequired(),
    Length(max=254),
    Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Enter an email address.")),
]


def _drop_unsafe_next(value):
    """An unsafe `next` is forgotten, not an error: the user should not be stuck on it."""
    return value if is_safe_next(value) else ""


PASSWORD_HELP = _l(
    "%(min)s to %(max)s characters. A few unrelated words make a good one.",
    min=MIN_LENGTH,
    max=MAX_LENGTH,
)


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=_ADDRESS_SHAPE)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField(filters=[_drop_unsafe_next])


class LogoutForm(BaseForm):
    pass


class InviteForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), Email()])
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[("focal_point", _l("Focal point"))])
    partner = SelectField(_l("Partner"), coerce=int, choices=[], validate_choice=True)
    next = HiddenField(filters=[_drop_unsafe_next])


class AcceptInvitationForm(BaseForm):
    name = StringField(_l("Your name"), validators=_NAME)
    password = PasswordField(_l("Choose a password"), validators=_NEW_PASSWORD)
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("Email"), validators=_ADDRESS_SHAPE)


class ResetPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=_NEW_PASSWORD)
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class ProfileForm(BaseForm):
    name = StringField(_l("Name"), validators=_NAME)


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    new_password = PasswordField(_l("New password"), validators=_NEW_PASSWORD)
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The passwords differ."))],
    )


class ApiTokenForm(BaseForm):
    """A new personal API token: its name and what it may do."""

    name = StringField(_l("Name of the token"), validators=[DataRequired(), Length(max=100)])
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=[
            ("read", _l("Read: also network-only events and your partner's proposals")),
            ("propose", _l("Propose: create, edit and submit draft events")),
        ],
        default=["read"],
        validators=[DataRequired(message=_l("Choose at least one scope."))],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )

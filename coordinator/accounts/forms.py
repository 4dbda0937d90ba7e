"""Forms of the accounts domain: shapes only, rules live in services."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from coordinator.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from coordinator.accounts.redirects import is_safe_next
from coordinator.forms import BaseForm

_NAME = [DataRequired(), Length(max=200)]
_NEW_PASSWORD = [DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)]

# Signing in and asking for a reset only look an address up, so they accept anything shaped
# like one: the demo accounts live under the reserved ".test" domain, which Email() refuses.
_ADDRESS_SHAPE = [DataRequired(), Length(max=254),
                  Regexp(r"^[^@\s]+@[^@\s]+$", message="Enter an email address.")]


def _drop_unsafe_next(value):
    """An unsafe `next` is forgotten, not an error: the user should not be stuck on it."""
    return value if is_safe_next(value) else ""


PASSWORD_HELP = f"{MIN_LENGTH} to {MAX_LENGTH} characters. A few unrelated words make a good one."


class LoginForm(BaseForm):
    email = EmailField("Email", validators=_ADDRESS_SHAPE)
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField(filters=[_drop_unsafe_next])


class LogoutForm(BaseForm):
    pass


class ActionForm(BaseForm):
    """A button that changes state: only the CSRF token."""


class InviteForm(BaseForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), Email()])
    name = StringField("Name (optional)", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=[("focal_point", "Focal point")])
    partner = SelectField("Partner", coerce=int, choices=[], validate_choice=True)
    next = HiddenField(filters=[_drop_unsafe_next])


class AcceptInvitationForm(BaseForm):
    name = StringField("Your name", validators=_NAME)
    password = PasswordField("Choose a password", validators=_NEW_PASSWORD)
    confirm = PasswordField("Repeat the password",
                            validators=[DataRequired(),
                                        EqualTo("password", "The passwords differ.")])


class ForgotPasswordForm(BaseForm):
    email = EmailField("Email", validators=_ADDRESS_SHAPE)


class ResetPasswordForm(BaseForm):
    password = PasswordField("New password", validators=_NEW_PASSWORD)
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(),
                                        EqualTo("password", "The passwords differ.")])


class ProfileForm(BaseForm):
    name = StringField("Name", validators=_NAME)


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=MAX_LENGTH)])
    new_password = PasswordField("New password", validators=_NEW_PASSWORD)
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(),
                                        EqualTo("new_password", "The passwords differ.")])

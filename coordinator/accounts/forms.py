"""Forms of the accounts domain: shapes only, rules live in services."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from coordinator.forms import BaseForm


class LoginForm(BaseForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), Email()])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class LogoutForm(BaseForm):
    pass

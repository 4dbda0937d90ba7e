"""Accounts: sign-in, invitations, password reset, profiles and the staff users page."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

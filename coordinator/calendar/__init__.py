"""The month grid and the agenda of published network events."""

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

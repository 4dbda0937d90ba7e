"""Staff insight: the review dashboard and the activity reports (with SVG charts and CSV)."""

from flask import Blueprint

bp = Blueprint("insight", __name__)

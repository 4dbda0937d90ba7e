"""Joint events and projects: proposals, review, co-organisers and their public pages."""

from flask import Blueprint

bp = Blueprint("activities", __name__)

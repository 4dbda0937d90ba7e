"""Events, joint projects, the proposal space and the review queue."""

from flask import Blueprint

bp = Blueprint("activities", __name__)

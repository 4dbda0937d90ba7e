"""The home page, the error pages and the health probes."""

from flask import Blueprint

bp = Blueprint("main", __name__)

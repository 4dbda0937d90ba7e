"""Events, joint projects, the proposal space and the review queue."""

from flask import Blueprint

bp = Blueprint("activities", __name__)

# Public pages (list, archive, event and project pages) register on the same blueprint.
from coordinator.activities import public as _public  # noqa: E402,F401

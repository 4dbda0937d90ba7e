"""Partner institutions of the network and the groups they form."""

from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")

"""Shared documents."""

from flask import Blueprint

bp = Blueprint("documents", __name__)

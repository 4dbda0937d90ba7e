"""Shared documents attached to events, joint projects and partners."""

from flask import Blueprint

bp = Blueprint("documents", __name__)

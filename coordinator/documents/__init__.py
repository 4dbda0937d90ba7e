"""Shared documents attached to events, joint projects and partners (blueprint in views.py)."""

"""Backups: `flask --app wsgi backup create|verify|restore DIR` (see operations.py)."""

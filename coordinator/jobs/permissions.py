"""Who may see failed jobs and queue them again."""

from __future__ import annotations


def can_manage_jobs(user) -> bool:
    """Staff and administrators: a job's arguments name messages and documents."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff)

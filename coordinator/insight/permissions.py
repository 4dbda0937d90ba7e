"""Who may see the staff dashboard and the reports."""

from __future__ import annotations


def _is_signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_view_dashboard(user) -> bool:
    """Staff and administrators: the dashboard shows unpublished proposals of every partner."""
    return _is_signed_in(user) and bool(user.is_staff)


def can_view_reports(user) -> bool:
    """Staff and partners' focal points (reports count only published activities)."""
    return _is_signed_in(user) and bool(user.is_staff or user.is_focal_point)

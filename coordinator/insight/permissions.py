"""Who may see the staff dashboard and the reports."""

from __future__ import annotations

from coordinator.roles import is_signed_in, is_staff


def can_view_dashboard(user) -> bool:
    """Staff and administrators: the dashboard shows unpublished proposals of every partner."""
    return is_staff(user)


def can_view_reports(user) -> bool:
    """Staff and partners' focal points (reports count only published activities)."""
    return is_signed_in(user) and bool(user.is_staff or user.is_focal_point)


def can_export_activities(user) -> bool:
    """Staff only: the per-event list names unconfirmed co-organisers and every partner's role."""
    return is_staff(user)

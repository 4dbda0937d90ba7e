"""Who may connect and sync a partner's calendars, and who confirms what they propose."""

from __future__ import annotations

from coordinator.roles import is_focal_point_of, is_staff


def can_manage_sources(user, partner_id: int | None) -> bool:
    """Focal points of the partner, and network staff."""
    return is_staff(user) or is_focal_point_of(user, partner_id)


def can_confirm_cancellations(user) -> bool:
    """Only staff cancel published events a calendar no longer lists."""
    return is_staff(user)

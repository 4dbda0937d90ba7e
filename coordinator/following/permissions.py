"""Who may do what with following and notices."""

from __future__ import annotations

from coordinator.roles import is_focal_point, is_staff


def may_choose_notices(user) -> bool:
    """Focal points and staff receive the workflow's notices, so they choose how."""
    return is_focal_point(user) or is_staff(user)

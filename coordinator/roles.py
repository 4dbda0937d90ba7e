"""Who a user is: the one home of the role rules every permissions module builds on.

Each predicate takes any user-like object (a User, Flask-Login's anonymous user, a proxy or
None), so a core module needs no import of a domain. "Signed in" means authenticated *and*
enabled: a deactivated account whose session somehow survives counts as signed out everywhere.
"""

from __future__ import annotations

from typing import Any, Protocol


class _LedActivity(Protocol):
    lead_partner_id: int


def is_signed_in(user: Any) -> bool:
    """Authenticated and not deactivated."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_enabled", False)
    )


def is_staff(user: Any) -> bool:
    """Network staff or administrator (administrators are staff too)."""
    return is_signed_in(user) and bool(user.is_staff)


def is_admin(user: Any) -> bool:
    return is_signed_in(user) and bool(user.is_admin)


def is_focal_point(user: Any) -> bool:
    """A focal point attached to a partner."""
    return is_signed_in(user) and bool(user.is_focal_point) and user.partner_id is not None


def is_focal_point_of(user: Any, partner_id: int | None) -> bool:
    """A focal point of this very partner."""
    return partner_id is not None and is_focal_point(user) and user.partner_id == partner_id


def is_lead_focal_point(user: Any, activity: _LedActivity) -> bool:
    """A focal point of the partner that leads the event or project."""
    return is_focal_point_of(user, activity.lead_partner_id)

"""Who may do what with partners: one predicate per rule (templates call them too)."""

from __future__ import annotations


def _is_staff(user) -> bool:
    # Signed in, enabled and staff; the User model is read by duck typing so that partners,
    # which users belong to, does not import accounts.
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_enabled", False)
        and user.is_staff
    )


def can_manage_partners(user) -> bool:
    """Create, edit, deactivate partners and create partner groups."""
    return _is_staff(user)


def can_see_inactive_partners(user) -> bool:
    return _is_staff(user)

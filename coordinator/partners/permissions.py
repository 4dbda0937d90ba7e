"""Who may do what with partners: one predicate per rule (templates call them too)."""

from __future__ import annotations

from coordinator.roles import is_staff


def can_manage_partners(user) -> bool:
    """Create, edit, deactivate partners and create partner groups."""
    return is_staff(user)


def can_see_inactive_partners(user) -> bool:
    return is_staff(user)

"""Who may do what with accounts and partners: one predicate per rule.

Views call these to refuse (403) and templates call the same functions (registered as
Jinja globals) to hide the buttons a user may not use.
"""

from __future__ import annotations

from coordinator.accounts.models import Role, User

# The partner rules live in partners/permissions.py; registered with these for templates.
from coordinator.partners.permissions import can_manage_partners, can_see_inactive_partners
from coordinator.roles import is_admin as _is_admin
from coordinator.roles import is_signed_in as _signed_in
from coordinator.roles import is_staff as _is_staff


def can_manage_users(user) -> bool:
    """See the staff users page and the pending invitations."""
    return _is_staff(user)


def can_invite(user, role: Role | str = Role.FOCAL_POINT) -> bool:
    """Staff invite focal points; only admins invite (create) staff and admins."""
    if Role(role) == Role.FOCAL_POINT:
        return _is_staff(user)
    return _is_admin(user)


def invitable_roles(user) -> list[Role]:
    return [role for role in Role if can_invite(user, role)]


def can_change_user(user, target: User) -> bool:
    """Deactivate or reactivate target: staff for focal points, admins for staff; never oneself."""
    if not _signed_in(user) or target is None or target.id == user.id:
        return False
    if target.is_focal_point:
        return _is_staff(user)
    return _is_admin(user)


def can_deactivate_user(user, target: User) -> bool:
    return target.is_enabled and can_change_user(user, target)


def can_reactivate_user(user, target: User) -> bool:
    return not target.is_enabled and can_change_user(user, target)


def can_see_focal_points(user) -> bool:
    """The names and emails of a partner's focal points are for staff only."""
    return _is_staff(user)


TEMPLATE_PREDICATES = (
    can_manage_users,
    can_invite,
    can_deactivate_user,
    can_reactivate_user,
    can_manage_partners,
    can_see_focal_points,
    can_see_inactive_partners,
)

"""Who may see undelivered mail and send it again."""

from __future__ import annotations

from coordinator.roles import is_staff


def can_manage_mail(user) -> bool:
    """Staff and administrators: the list shows every recipient's address and subject."""
    return is_staff(user)

"""Who may see undelivered mail and send it again."""

from __future__ import annotations


def can_manage_mail(user) -> bool:
    """Staff and administrators: the list shows every recipient's address and subject."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff)

"""Domain errors raised by services and mapped to responses by views."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation; the message is shown to the user."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    status_code = 403


class ConflictError(DomainError):
    """The object changed under us (e.g. a concurrent decision won)."""

    status_code = 409


def apply_to_form(form, error: DomainError) -> None:
    """Show a DomainError on the form: on its field when it names one, else on the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)

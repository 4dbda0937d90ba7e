"""The one way a form view runs: validate → service → commit → flash → redirect, or the form's
page again with its errors and 400."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from coordinator.errors import DomainError, apply_to_form
from coordinator.extensions import db

# What a form view does once the service succeeded and the change is committed: a message to
# flash and the address to go to, or a response of its own (a page shown once, such as a new
# secret).
Done = tuple[Any, str] | Response


def form_errors(form) -> bool:
    """Whether the form holds an error: a field's, or one of the whole form's."""
    return bool(form.errors or form.form_errors)


def form_view(
    form,
    save: Callable[[], Any],
    done: Callable[[Any], Done],
    again: Callable[[], ResponseReturnValue],
    *,
    dry_run: bool = False,
    keep_on_error: bool = False,
    shown: tuple[type[DomainError], ...] = (),
) -> ResponseReturnValue:
    """Run a submitted form through its service.

    - `save()` calls one service with the form's data and returns its result; a DomainError it
      raises with status 400 (a broken rule) is shown on the form, and the transaction is rolled
      back (committed instead with keep_on_error: a sign-in keeps the failed attempt it
      recorded). Errors of the classes in `shown` are shown on the form too, the page answering
      with their own status (429 for too many attempts); any other DomainError (409 changed
      meanwhile, 403, 404) goes to the error pages.
    - `done(result)` runs after the commit: (message, url) to flash as a success and redirect
      to, or a response of its own.
    - `again()` is the form's page: 200 when first shown, 400 once a submission failed (the
      fields keep what the user typed). A response (a redirect back that flashed the errors)
      or a (page, status) pair it returns is answered unchanged.
    - dry_run validates without saving (a "check" button).
    """
    status = 200
    if form.validate_on_submit() and not dry_run:
        try:
            result = save()
        except DomainError as error:
            if error.status_code != 400 and not isinstance(error, shown):
                raise
            if keep_on_error:
                db.session.commit()
            else:
                db.session.rollback()
            apply_to_form(form, error)
            status = error.status_code
        else:
            db.session.commit()
            outcome = done(result)
            if isinstance(outcome, Response):
                return outcome
            message, url = outcome
            flash(str(message), "success")
            return redirect(url)
    page = again()
    if isinstance(page, Response | tuple):
        return page
    if status == 200 and form_errors(form):
        status = 400
    return page, status

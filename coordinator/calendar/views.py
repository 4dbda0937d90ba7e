"""Month grid and agenda: thin views over calendar.services."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, render_template, request
from flask_login import current_user

from coordinator.access import public
from coordinator.activities.filters import EventFilters
from coordinator.activities.models import EventKind
from coordinator.calendar import bp, services
from coordinator.calendar.services import Month
from coordinator.i18n import first_weekday


def _today():
    # Without the viewer's zone the server marks today by UTC; the page names each event's zone.
    return datetime.now(UTC).date()


def _common_context(filters: EventFilters, month: Month) -> dict:
    return {
        "filters": filters,
        "filter_args": filters.to_args(include_dates=False),
        "choices": services.filter_choices(current_user),
        "kinds": list(EventKind),
        "month": month,
        "today": _today(),
        "this_month": Month.containing(_today()),
    }


@bp.route("/")
@bp.route("/<int:year>/<int:month>")
@public
def month(year: int | None = None, month: int | None = None):
    if year is None or month is None:
        shown = Month.containing(_today())
    elif services.is_valid_month(year, month):
        shown = Month(year, month)
    else:
        abort(404)
    filters = EventFilters.from_args(request.args)
    weeks = services.month_weeks(shown, first_weekday())
    events = services.visible_events(current_user, filters, weeks[0][0], weeks[-1][-1])
    day_schedule = services.schedule(events, weeks[0][0], weeks[-1][-1])
    in_month = services.schedule(events, shown.first_day, shown.last_day)
    return render_template(
        "calendar/month.html",
        weeks=weeks,
        schedule=day_schedule,
        month_event_count=in_month.event_count,
        **_common_context(filters, shown),
    )


@bp.route("/agenda")
@public
def agenda():
    raw_month = request.args.get("month")
    filters = EventFilters.from_args(request.args)
    if raw_month:
        shown = Month.parse(raw_month)
    else:
        shown = services.agenda_opening_month(current_user, filters, datetime.now(UTC))
    if shown is None:
        abort(404)
    events = services.visible_events(current_user, filters, shown.first_day, shown.last_day)
    day_schedule = services.schedule(events, shown.first_day, shown.last_day)
    return render_template(
        "calendar/agenda.html",
        schedule=day_schedule,
        **_common_context(filters, shown),
    )

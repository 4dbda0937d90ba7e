"""Month grid and agenda: thin views over calendar.services."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, render_template, request
from flask_login import current_user

from coordinator.access import public
from coordinator.activities.filters import EventFilters
from coordinator.activities.models import EventKind
from coordinator.activities.queries import Cursor
from coordinator.calendar import bp, services
from coordinator.calendar.display import PageText
from coordinator.calendar.services import Month
from coordinator.i18n import first_weekday
from coordinator.pagecache import cached_page


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
        "text": PageText(),
    }


@bp.route("/")
@bp.route("/<int:year>/<int:month>")
@public
@cached_page
def month(year: int | None = None, month: int | None = None):
    if year is None or month is None:
        shown = Month.containing(_today())
    elif services.is_valid_month(year, month):
        shown = Month(year, month)
    else:
        abort(404)
    filters = EventFilters.from_args(request.args)
    weeks = services.month_weeks(shown, first_weekday())
    grid = services.month_grid(current_user, filters, weeks, shown)
    return render_template(
        "calendar/month.html",
        weeks=weeks,
        schedule=grid.schedule,
        more=grid.more,
        month_event_count=grid.month_event_count,
        **_common_context(filters, shown),
    )


@bp.route("/agenda")
@public
@cached_page
def agenda():
    """A month's agenda (?month=2026-11), or one day's (?day=2026-11-05, the "+N more" link of
    a month cell), paged by cursor (?after=, ?before=)."""
    day = services.parse_day(request.args.get("day"))
    raw_month = request.args.get("month")
    filters = EventFilters.from_args(request.args)
    # Read once for both: the filter's partner and theme ids are looked up in making it.
    listed = services.window_events(current_user, filters)
    if day:
        shown = Month.containing(day)
    elif raw_month:
        shown = Month.parse(raw_month)
    else:
        shown = services.agenda_opening_month(listed, datetime.now(UTC))
    if shown is None:
        abort(404)
    after = Cursor.parse(request.args.get("after"))
    before = None if after else Cursor.parse(request.args.get("before"))
    first, last = (day, day) if day else (shown.first_day, shown.last_day)
    agenda = services.agenda_page(listed, first, last, after, before)
    return render_template(
        "calendar/agenda.html",
        schedule=agenda.schedule,
        page=agenda.page,
        day=day,
        **_common_context(filters, shown),
    )

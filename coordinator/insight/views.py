"""The staff dashboard and the reports: thin views over insight.dashboard and insight.reports."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, render_template, request
from flask_login import current_user

from coordinator.activities.filters import EventFilters
from coordinator.activities.queries import filter_options
from coordinator.insight import bp
from coordinator.insight import dashboard as dashboard_data
from coordinator.insight.charts import bar_chart
from coordinator.insight.exports import activities_csv, activities_xlsx, activity_rows
from coordinator.insight.forms import ReportPeriodForm
from coordinator.insight.permissions import (
    can_export_activities,
    can_view_dashboard,
    can_view_reports,
)
from coordinator.insight.reports import SECTIONS, Period, build_report, report_csv, section_title

# The navigation shows these pages with the same predicates that guard them.
bp.add_app_template_global(can_view_dashboard)
bp.add_app_template_global(can_view_reports)
bp.add_app_template_global(can_export_activities)


@bp.route("/staff/")
def dashboard():
    if not can_view_dashboard(current_user):
        abort(403)
    now = datetime.now(UTC)
    return render_template(
        "insight/dashboard.html",
        waiting=dashboard_data.waiting_for_review(now),
        decisions=dashboard_data.recent_decisions(),
        lonely_events=dashboard_data.upcoming_without_confirmed_partner(now),
        lonely_count=dashboard_data.count_upcoming_without_confirmed_partner(now),
    )


def _period_from_request() -> tuple[ReportPeriodForm, Period | None]:
    """The period asked for, the last twelve months when none was, None when it is invalid."""
    default = Period.last_twelve_months(datetime.now(UTC).date())
    if "start" not in request.args and "end" not in request.args:
        form = ReportPeriodForm(formdata=None, start=default.start, end=default.end)
        return form, default
    form = ReportPeriodForm(request.args)
    if not form.validate():
        return form, None
    return form, Period(form.start.data, form.end.data)


@bp.route("/reports/")
def reports():
    if not can_view_reports(current_user):
        abort(403)
    form, period = _period_from_request()
    report = build_report(current_user, period) if period else None
    filters = EventFilters.from_args(request.args)
    exports = can_export_activities(current_user)
    return render_template(
        "insight/reports.html",
        form=form,
        report=report,
        sections=SECTIONS,
        section_title=section_title,
        bar_chart=bar_chart,
        export_filters=filters.to_args(include_dates=False),
        export_selected=filters,
        export_options=filter_options(current_user) if exports else None,
    ), (200 if period else 400)


@bp.route("/reports/activities.csv")
def reports_csv():
    if not can_view_reports(current_user):
        abort(403)
    form, period = _period_from_request()
    if period is None:
        errors = "; ".join(str(error) for field in form for error in field.errors)
        abort(400, description=errors)
    body = report_csv(build_report(current_user, period))
    filename = f"activities-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        "\ufeff" + body,  # the byte-order mark lets spreadsheets read accented and Arabic names
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/reports/events.<any(csv, xlsx):fmt>")
def reports_events(fmt: str):
    """One row per joint activity of the period (and filters), for funders: staff only."""
    if not can_export_activities(current_user):
        abort(403)
    form, period = _period_from_request()
    if period is None:
        abort(400, description="; ".join(str(e) for field in form for e in field.errors))
    rows = activity_rows(current_user, period, EventFilters.from_args(request.args))
    if fmt == "csv":
        body, mimetype = "\ufeff" + activities_csv(rows), "text/csv"
    else:
        body, mimetype = activities_xlsx(rows, period), XLSX
    filename = f"events-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    disposition = f'attachment; filename="{filename}"'
    headers = {"Content-Disposition": disposition, "Cache-Control": "private, no-store"}
    return Response(body, mimetype=mimetype, headers=headers)

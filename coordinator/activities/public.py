"""Public pages of events and projects (registered on the activities blueprint).

Anonymous visitors see public published activities; signed-in users also see network-only
ones. Unpublished activities are shown only to those activities.permissions allows, and only
on their own page, never in a list.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from coordinator.access import public
from coordinator.activities import bp, card_html, display, queries
from coordinator.activities.filters import EventFilters
from coordinator.activities.permissions import can_view_event, can_view_project
from coordinator.pagecache import cached_page


def _list_page(template: str, loader):
    # A cursor of the wrong shape is ignored, as filter values are: the list starts at its top.
    filters = EventFilters.from_args(request.args)
    after = queries.Cursor.parse(request.args.get("after"))
    before = None if after else queries.Cursor.parse(request.args.get("before"))
    page = loader(current_user, filters, after=after, before=before)
    return render_template(
        template,
        page=page,
        filters=filters,
        filter_options=queries.filter_options(current_user),
    )


def _visible_or_404(activity, can_view):
    """The activity if the user may see it; else 404, not 403: an unpublished activity's
    existence is not disclosed."""
    if activity is None or not can_view(current_user, activity):
        abort(404)
    return activity


@bp.route("/events/")
@public
@cached_page
def events():
    return _list_page("activities/events.html", queries.upcoming_events)


@bp.route("/events/past")
@public
def archive():
    return _list_page("activities/archive.html", queries.past_events)


@bp.route("/events/<id:event_id>")
@public
@cached_page
def event(event_id: int):
    event = _visible_or_404(queries.get_event(event_id), can_view_event)
    return render_template("activities/event.html", event=event)


@bp.route("/projects/")
@public
def projects():
    return render_template(
        "activities/projects.html", projects=queries.published_projects(current_user)
    )


@bp.route("/projects/<slug:slug>")
@public
@cached_page
def project(slug: str):
    project = _visible_or_404(queries.get_project(slug), can_view_project)
    return render_template(
        "activities/project.html",
        project=project,
        events=queries.project_events(current_user, project),
        limit=queries.PARTNER_PAGE_LIMIT,
    )


@bp.app_template_global()
def partner_activities(partner) -> dict:
    """For the partner page: the partner's events and projects the viewer may see."""
    return {
        "events": queries.partner_events(current_user, partner),
        "projects": queries.partner_projects(current_user, partner),
        "limit": queries.PARTNER_PAGE_LIMIT,
    }


@bp.app_template_global()
def events_page_url(endpoint: str, filters: EventFilters, **cursor: queries.Cursor) -> str:
    """A link to the page after (after=cursor) or before (before=cursor) of a filtered list,
    keeping the filters."""
    args = filters.to_args()
    args.update({name: value.token for name, value in cursor.items()})
    return url_for(endpoint, **args)


bp.add_app_template_filter(display.event_when, "event_when")
bp.add_app_template_filter(display.event_iso_start, "event_iso_start")
bp.add_app_template_filter(display.language_names, "language_names")
bp.add_app_template_filter(display.web_url, "web_url")
bp.add_app_template_filter(display.date_range, "date_range")
bp.add_app_template_filter(display.list_text, "list_text")
bp.add_app_template_filter(display.partner_links, "partner_links")
bp.add_app_template_global(card_html.event_card, "event_card")

"""The API's routes: thin, over api.queries (reads) and activities.services (writes)."""

from __future__ import annotations

import functools
import hashlib
import json

from flask import Response, current_app, g, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from coordinator.accounts.models import ApiScope
from coordinator.activities import services
from coordinator.activities.clashes import clashes_for_event
from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event, Project
from coordinator.activities.permissions import (
    can_edit_event,
    can_propose_activity,
    can_see_clashes,
    can_view_event,
    can_view_project,
    holds_action,
)
from coordinator.activities.proposals import led_by_state
from coordinator.activities.queries import get_event, get_project, published_projects
from coordinator.activities.workflow import EDITABLE_STATES, Action
from coordinator.api import IF_NONE_MATCH, bp, docs_bp, idempotency, queries, schemas
from coordinator.api import representation as rep
from coordinator.api.auth import ApiAuthError, authenticate, rate_limit_key, require_scope
from coordinator.api.proposals import InvalidProposal, current_values, validated_data
from coordinator.errors import ConflictError, PermissionDenied
from coordinator.extensions import db, limiter
from coordinator.problems import problem
from coordinator.roles import is_lead_focal_point
from coordinator.urls import absolute_url

READ = {"security": [{}, {"bearerAuth": []}]}
WRITE = {"security": [{"bearerAuth": []}]}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "A retried POST with the same key returns the first response.",
}


def problems(*codes: int):
    """Document these problem+json responses (the component responses registered by Api)."""
    import http

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, response=http.HTTPStatus(code).name)(view)
        return view

    return decorate


def not_modified_doc(view):
    return bp.alt_response(304, description="Not modified (If-None-Match matched the ETag).")(view)


def read_endpoint(rule: str, endpoint: str, response_schema, *codes: int, query=None):
    """A GET of the read scope: its query arguments (default: `lang`), its 200 schema, its
    304 and the problems `codes` it may answer, documented alike for every read endpoint."""
    decorators = [
        bp.route(rule, methods=["GET"], endpoint=endpoint),
        bp.arguments(query or schemas.LanguageQuerySchema, location="query"),
        bp.response(200, response_schema),
        bp.doc(**READ),
        not_modified_doc,
        problems(*codes),
    ]

    def decorate(view):
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return decorate


def _write_limit() -> str:
    return current_app.config["API_WRITE_RATE_LIMIT"]


def write_limited(view):
    return limiter.limit(_write_limit, key_func=rate_limit_key)(view)


# --- responses ----------------------------------------------------------------------------------


def read_response(schema, data) -> Response:
    """200 with an ETag, or 304 when the client's copy is current. Anonymous answers are public
    for five minutes (as the public feeds); token answers private."""
    body = json.dumps(schema.dump(data), ensure_ascii=False, separators=(",", ":"))
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    cache = "private, no-cache" if "Authorization" in request.headers else "public, max-age=300"
    headers = {"Cache-Control": cache, "Vary": "Authorization, Accept-Language"}
    if request.if_none_match and request.if_none_match.contains_weak(etag):
        response = Response(status=304, headers=headers)
        response.set_etag(etag)
        return response
    response = Response(body, mimetype="application/json", headers=headers)
    response.set_etag(etag)
    return response


def write_response(outcome: idempotency.Outcome) -> Response:
    response = Response(json.dumps(outcome.body), outcome.status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    if outcome.location:
        response.headers["Location"] = outcome.location
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.before_request
def _authenticate():
    authenticate()


@bp.errorhandler(ApiAuthError)
def _auth_error(error: ApiAuthError):
    headers = []
    if error.status == 401:
        headers.append(("WWW-Authenticate", f'Bearer error="{error.code}"'))
    return problem(error.status, error.detail, code=error.code, headers=headers)


@bp.errorhandler(InvalidProposal)
def _invalid_proposal(error: InvalidProposal):
    db.session.rollback()
    return problem(422, "The proposal has invalid fields.", errors=error.errors)


@bp.errorhandler(queries.BadCursor)
def _bad_cursor(error):
    return problem(422, "Unknown cursor.", errors=[{"field": "cursor", "message": "Unknown."}])


def _reader():
    return authenticate().reader()


# --- reads --------------------------------------------------------------------------------------


def _filters(args: dict) -> EventFilters:
    """The /events/ page's own filters, from the validated query."""
    values = MultiDict()
    for name in ("partner", "project", "theme", "country", "kind"):
        for value in args.get(name, []):
            values.add(name, value)
    if args.get("q"):
        values.add("q", args["q"])
    if args.get("from_"):
        values.add("start", args["from_"].isoformat())
    if args.get("until"):
        values.add("end", args["until"].isoformat())
    return EventFilters.from_args(values)


@read_endpoint(
    "/events", "list_events", schemas.EventPageSchema, 401, 422, query=schemas.EventListQuerySchema
)
def list_events(args):
    """Published events the caller may see, soonest first (cursor pagination)."""
    page = queries.events_page(
        _reader(),
        _filters(args),
        updated_since=args.get("updated_since"),
        cursor=args.get("cursor"),
        limit=args["limit"],
    )
    language = args.get("lang")
    data = {
        "items": [rep.event_data(e, language) for e in page.items],
        "next_cursor": page.next_cursor,
    }
    return read_response(schemas.EventPageSchema(), data)


@read_endpoint("/events/<id:event_id>", "get_event", schemas.EventSchema, 401, 404, 422)
def get_event_view(args, event_id: int):
    """One event, if its page would show it to the caller (else 404)."""
    event = get_event(event_id)
    if event is None or not can_view_event(_reader(), event):
        return problem(404, "There is nothing here.")
    return read_response(schemas.EventSchema(), rep.event_data(event, args.get("lang")))


@read_endpoint("/projects", "list_projects", schemas.ProjectListSchema, 401, 422)
def list_projects(args):
    """Published joint projects."""
    language = args.get("lang")
    items = [rep.project_data(p, language) for p in published_projects(_reader())]
    return read_response(schemas.ProjectListSchema(), {"items": items})


@read_endpoint("/projects/<slug:slug>", "get_project", schemas.ProjectSchema, 401, 404, 422)
def get_project_view(args, slug: str):
    project = get_project(slug)
    if project is None or not can_view_project(_reader(), project):
        return problem(404, "There is nothing here.")
    return read_response(schemas.ProjectSchema(), rep.project_data(project, args.get("lang")))


@read_endpoint("/partners", "list_partners", schemas.PartnerListSchema, 401, 422)
def list_partners(args):
    language = args.get("lang")
    items = [rep.partner_data(p, language) for p in queries.visible_partners(_reader())]
    return read_response(schemas.PartnerListSchema(), {"items": items})


@read_endpoint("/partners/<slug:slug>", "get_partner", schemas.PartnerSchema, 401, 404, 422)
def get_partner_view(args, slug: str):
    partner = queries.visible_partner(_reader(), slug)
    if partner is None:
        return problem(404, "There is nothing here.")
    return read_response(schemas.PartnerSchema(), rep.partner_data(partner, args.get("lang")))


@read_endpoint("/themes", "list_themes", schemas.ThemeListSchema, 401, 422)
def list_themes(args):
    language = args.get("lang")
    items = [rep.theme_data(t, language) for t in queries.active_themes()]
    return read_response(schemas.ThemeListSchema(), {"items": items})


@bp.route("/me/activities", methods=["GET"], endpoint="my_activities")
@bp.response(200, schemas.MyActivitiesSchema)
@bp.doc(parameters=[IF_NONE_MATCH], **WRITE)
@not_modified_doc
@problems(401, 403)
def my_activities():
    """The caller's partner's events and projects, as on “My partner's activities”."""
    user = require_scope(ApiScope.READ).user
    if not can_propose_activity(user):
        raise PermissionDenied("Only focal points of a partner have a partner's activities.")
    # Every activity, in the page's order (the page shows the first of each state): the
    # API's list is not paged.
    items = [
        rep.activity_summary(activity, kind)
        for model, kind in ((Event, "event"), (Project, "project"))
        for _, group in led_by_state(model, user.partner_id, limit=None)
        for activity in group
    ]
    data = {"partner": user.partner.slug, "items": items}
    return read_response(schemas.MyActivitiesSchema(), data)


# --- writes -------------------------------------------------------------------------------------


def proposer_only(view):
    """Check the caller before the body: a token with the propose scope (401/403) of a focal
    point (403). The view finds the user in g.api_proposer."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = require_scope(ApiScope.PROPOSE).user
        if not can_propose_activity(user):
            raise PermissionDenied("Only focal points of a partner propose events.")
        g.api_proposer = user
        return view(*args, **kwargs)

    return wrapper


def _proposal_body(user, event) -> dict:
    clashes = clashes_for_event(user, event) if can_see_clashes(user, event) else None
    return schemas.ProposalSchema().dump(
        {
            "event": rep.event_data(event),
            "clashes": rep.clashes_data(clashes) if clashes is not None else None,
        }
    )


@bp.route("/events", methods=["POST"], endpoint="propose_event")
@write_limited
@proposer_only
@bp.arguments(schemas.EventInputSchema)
@bp.response(201, schemas.ProposalSchema)
@bp.doc(parameters=[IDEMPOTENCY_KEY], **WRITE)
@problems(401, 403, 409, 422, 429)
def propose_event(body):
    """Create a draft event led by the caller's partner (as “Propose an event”)."""
    user = g.api_proposer
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    fingerprint = idempotency.request_fingerprint("POST", request.path, request.get_json())

    def create() -> idempotency.Outcome:
        data = validated_data(body, user.partner_id, user.partner.timezone)
        event = services.propose_event(user, data)
        location = absolute_url("api.get_event", event_id=event.id)
        return idempotency.Outcome(201, _proposal_body(user, event), location)

    outcome = idempotency.run_once(authenticate().token.id, key, fingerprint, create)
    db.session.commit()
    return write_response(outcome)


@bp.route("/events/<id:event_id>", methods=["PATCH"], endpoint="edit_event")
@write_limited
@proposer_only
@bp.arguments(schemas.EventPatchSchema(partial=True))
@bp.response(200, schemas.ProposalSchema)
@bp.doc(**WRITE)
@problems(401, 403, 404, 409, 422, 429)
def edit_event(body, event_id: int):
    """Change a draft or a proposal sent back (the fields given; the others stay)."""
    user = g.api_proposer
    event = services.load_activity(user, "events", event_id)
    if not is_lead_focal_point(user, event):
        raise PermissionDenied("Only the lead partner edits this event.")
    if event.status not in EDITABLE_STATES or not can_edit_event(user, event):
        raise ConflictError("Only drafts and proposals sent back are edited through the API.")
    data = validated_data({**current_values(event), **body}, event.lead_partner_id, event.timezone)
    services.edit_event(user, event, data)
    db.session.commit()
    return write_response(idempotency.Outcome(200, _proposal_body(user, event)))


@bp.route("/events/<id:event_id>/submit", methods=["POST"], endpoint="submit_event")
@write_limited
@proposer_only
@bp.response(200, schemas.EventSchema)
@bp.doc(**WRITE)
@problems(401, 403, 404, 409, 429)
def submit_event(event_id: int):
    """Submit a draft (or a proposal sent back) for review: staff are told, as from the page."""
    user = g.api_proposer
    event = services.load_activity(user, "events", event_id)
    if not holds_action(user, event, Action.SUBMIT):
        raise PermissionDenied("Only the lead partner submits this event.")
    services.transition(user, event, Action.SUBMIT)
    db.session.commit()
    body = schemas.EventSchema().dump(rep.event_data(event))
    return write_response(idempotency.Outcome(200, body))


# --- the contract and its reference page --------------------------------------------------------


@docs_bp.route("/openapi.json")
def openapi_json():
    from coordinator.api import spec_dict

    response = current_app.json.response(spec_dict(current_app))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@docs_bp.route("/docs")
def api_docs():
    """The interactive reference (Swagger UI, vendored under static/vendor/)."""
    return render_template("api/docs.html", spec_url=url_for("api_docs.openapi_json"))

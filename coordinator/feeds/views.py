"""Feed routes: public, partner, project, single-event and private calendars, Atom, and the
private feed panel under /account/feeds."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.http import http_date, quote_etag

from coordinator.access import public
from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event
from coordinator.activities.permissions import can_view_event
from coordinator.extensions import db, limiter
from coordinator.feeds import bp, cache, queries, scopes, services, tokens
from coordinator.feeds.atom import build_atom
from coordinator.feeds.forms import FeedActionForm, FeedTokenForm
from coordinator.feeds.links import subscribe_links, with_language
from coordinator.multilingual import current_language
from coordinator.partners.queries import partner_by_slug
from coordinator.tokens import hash_token
from coordinator.urls import absolute_url
from coordinator.views import form_view

ICS_TYPE = "text/calendar; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def conditional(
    body: bytes,
    etag: str,
    last_modified: datetime,
    content_type: str,
    cache_control: str,
    disposition: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
) -> Response:
    """200 with validators, or 304 when the client's copy is current. If-None-Match wins over
    If-Modified-Since; an unparsable or older If-Modified-Since gets the full answer."""
    # Feeds answer most of the site's requests: the request's headers are parsed only when
    # present, and the response's are handed over as one list.
    environ = request.environ
    if environ.get("HTTP_IF_NONE_MATCH") and request.if_none_match:
        # RFC 9110: If-None-Match compares weakly (W/"x" matches "x").
        not_modified = request.if_none_match.contains_weak(etag)
    elif environ.get("HTTP_IF_MODIFIED_SINCE") and request.if_modified_since is not None:
        not_modified = last_modified <= request.if_modified_since
    else:
        not_modified = False
    headers = [
        *_validator_headers(etag, last_modified),
        ("Cache-Control", cache_control),
        *extra,
    ]
    if not_modified:
        response = Response(status=304, headers=headers)
        response.headers.remove("Content-Type")
        return response
    headers.append(("Content-Type", content_type))
    if disposition:
        headers.append(("Content-Disposition", disposition))
    return Response(body, headers=headers)


@lru_cache(maxsize=1024)
def _validator_headers(etag: str, last_modified: datetime) -> tuple[tuple[str, str], ...]:
    # A cached feed answers many requests with the same validators: format them once.
    return (("ETag", quote_etag(etag)), ("Last-Modified", http_date(last_modified)))


def accepts_gzip() -> bool:
    """Whether the client takes gzip (Accept-Encoding names it, or *, with a quality above 0)."""
    header = request.environ.get("HTTP_ACCEPT_ENCODING", "")
    if "gzip" not in header and "*" not in header:
        return False
    return request.accept_encodings.quality("gzip") > 0


def feed_response(built: cache.BuiltFeed, private: bool = False) -> Response:
    """The feed's gzip bytes to clients that take them, its plain bytes to the others; each
    encoding has its own ETag. A feed its size cap cut short says how far it reaches in
    X-Coordinator-Feed-Until (and in its X-WR-CALDESC)."""
    extra = [("Vary", "Accept-Encoding")]
    if built.until is not None:
        extra.append(("X-Coordinator-Feed-Until", built.until.isoformat()))
    gzipped = accepts_gzip()
    response = conditional(
        built.gzip_body if gzipped else built.body,
        built.gzip_etag if gzipped else built.etag,
        built.last_modified,
        ICS_TYPE,
        "private, max-age=300" if private else "public, max-age=300",
        # No Content-Disposition: every feed URL already ends in calendar.ics.
        extra=tuple(extra),
    )
    if gzipped and response.status_code == 200:
        response.headers["Content-Encoding"] = "gzip"
    if private:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/calendar.ics")
@public
def network_calendar():
    return feed_response(
        cache.feed_for_request(
            lambda: scopes.network_scope(
                EventFilters.from_args(request.args), services.requested_language()
            )
        )
    )


@bp.route("/partners/<slug:slug>/calendar.ics")
@public
def partner_calendar(slug: str):
    def scope():
        partner = partner_by_slug(slug) or abort(404)
        return scopes.partner_scope(
            partner, EventFilters.from_args(request.args), services.requested_language()
        )

    return feed_response(cache.feed_for_request(scope))


@bp.route("/projects/<slug:slug>/calendar.ics")
@public
def project_calendar(slug: str):
    def scope():
        project = queries.published_project(slug) or abort(404)
        return scopes.project_scope(
            project, EventFilters.from_args(request.args), services.requested_language()
        )

    return feed_response(cache.feed_for_request(scope))


@bp.route("/events/<id:event_id>.ics")
@public
def event_ics(event_id: int):
    language = services.requested_language()
    event = db.session.get(Event, event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    body = services.event_calendar(event, language)
    public_event = services.is_public_event(event)
    response = conditional(
        body,
        cache.strong_etag(body),
        services.shown_updated_dt(event, language).replace(microsecond=0),
        ICS_TYPE,
        "public, max-age=300" if public_event else "private, no-cache",
        f'attachment; filename="event-{event.id}.ics"',
    )
    if not public_event:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _private_feed_rate_limit() -> str:
    return current_app.config["PRIVATE_FEED_RATE_LIMIT"]


def _requested_token_key() -> str:
    """Each private feed address has its own allowance, so colleagues behind one office's NAT
    don't share one. The key is the token's hash: the token itself never reaches the storage."""
    return "feed-token:" + hash_token(request.view_args["token"])


def _is_unknown_token(response: Response) -> bool:
    return response.status_code == 404


@bp.route("/feeds/<token>/calendar.ics")
@public
@limiter.limit(_private_feed_rate_limit, key_func=_requested_token_key)
# Addresses that match no live token (guesses, revoked feeds) count per client address, so
# guessing stays limited however many tokens are tried.
@limiter.limit(_private_feed_rate_limit, key_func=get_remote_address, deduct_when=_is_unknown_token)
def private_calendar(token: str):
    feed_token = tokens.find_active_token(token) or abort(404)
    language = services.requested_language()
    if tokens.record_token_use(feed_token):
        db.session.commit()
    built = cache.current_feed(scopes.private_scope(feed_token, language))
    return feed_response(built, private=True)


@bp.route("/events.atom")
@public
def atom():
    language = services.requested_language()
    events = queries.atom_events(language)
    with services.feed_language(language):
        entries = [services.atom_entry(event, language) for event in events]
        body = build_atom(
            feed_id=f"tag:{current_app.config['CALENDAR_UID_HOST']},2026:events",
            title=services.atom_title(language),
            self_url=absolute_url("feeds.atom", lang=language),
            site_url=absolute_url("main.index"),
            entries=entries,
            language=language or current_app.config["BABEL_DEFAULT_LOCALE"],
        )
    # The latest edit shown, and at least the last change to any feed's data: when an entry
    # leaves (deleted, no longer public), the newest stamp shown can go back in time, and an
    # If-Modified-Since client holding the entry would get a 304.
    changed = cache.feed_version().changed_dt
    last_modified = max((e.updated_dt for e in entries), default=cache.EPOCH)
    if changed is not None:
        last_modified = max(last_modified, changed)
    return conditional(
        body,
        cache.strong_etag(body),
        last_modified.replace(microsecond=0),
        ATOM_TYPE,
        "public, max-age=300",
    )


# --- the private feed panel ---------------------------------------------------------------------


@bp.route("/account/feeds")
def private_feeds():
    return render_template(
        "feeds/private_feeds.html",
        feed_form=FeedTokenForm(),
        action_form=FeedActionForm(),
        feed_tokens=tokens.user_tokens(current_user),
    )


@bp.route("/account/feeds", methods=["POST"])
def create_private_feed():
    form = FeedTokenForm()
    return form_view(
        form,
        lambda: tokens.create_feed_token(current_user, form.name.data),
        lambda created: _show_new_token(*created),
        lambda: render_template(
            "feeds/private_feeds.html",
            feed_form=form,
            action_form=FeedActionForm(),
            feed_tokens=tokens.user_tokens(current_user),
        ),
    )


@bp.route("/account/feeds/<id:token_id>/rotate", methods=["POST"])
def rotate_private_feed(token_id: int):
    token = tokens.owned_token(current_user, token_id) or abort(404)
    if not FeedActionForm().validate_on_submit():
        abort(400)
    raw = tokens.rotate_feed_token(current_user, token)
    db.session.commit()
    return _show_new_token(token, raw)


@bp.route("/account/feeds/<id:token_id>/revoke", methods=["POST"])
def revoke_private_feed(token_id: int):
    token = tokens.owned_token(current_user, token_id) or abort(404)
    if not FeedActionForm().validate_on_submit():
        abort(400)
    tokens.revoke_feed_token(current_user, token)
    db.session.commit()
    flash(
        _("The private feed “%(name)s” was revoked; its URL no longer works.", name=token.name),
        "success",
    )
    return redirect(url_for("feeds.private_feeds"))


def _show_new_token(token, raw: str) -> Response:
    # The token exists in clear only in this response: it is shown once, never stored.
    url = with_language(tokens.private_feed_url(raw))
    from coordinator.feeds.links import links_for

    response = Response(
        render_template(
            "feeds/token_created.html", feed_token=token, links=links_for(url, token.name)
        )
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.app_template_global("feed_subscribe_links")
def _feed_subscribe_links(target=None, filters=None):
    return subscribe_links(target, filters)


@bp.app_template_global("event_ics_url")
def _event_ics_url(event) -> str:
    """ "Add to calendar": the event's .ics in the page's language."""
    return url_for("feeds.event_ics", event_id=event.id, lang=current_language())


@bp.app_template_global("feed_reach")
def _feed_reach(target=None, filters=None):
    """The last day the subscribe panel's feed covers when its size cap cut it short, else
    None (read from the built feed; a page never builds one)."""
    return cache.cached_reach(
        scopes.scope_for(target, filters or EventFilters(), current_language())
    )


@bp.app_template_global("event_jsonld")
def _event_jsonld(event):
    from coordinator.feeds.jsonld import jsonld_script

    return jsonld_script(event)


@bp.app_template_global("private_feed_panel")
def _private_feed_panel():
    """Context for feeds/_private_feeds.html when another page (the account page) includes it."""
    return {
        "feed_form": FeedTokenForm(),
        "action_form": FeedActionForm(),
        "feed_tokens": tokens.user_tokens(current_user),
    }

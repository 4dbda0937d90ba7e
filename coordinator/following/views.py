"""Following from the pages, /account/following, notice preferences, and the public digest
subscription: subscribe, confirm, unsubscribe (one click), preferences."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from coordinator import i18n
from coordinator.access import public
from coordinator.accounts.notices import preferences_of
from coordinator.extensions import csrf, db, limiter
from coordinator.following import bp, queries, services
from coordinator.following.forms import (
    NO_DIGEST,
    DigestChoicesForm,
    FollowingDigestForm,
    NoticePreferencesForm,
    SubscribeForm,
)
from coordinator.following.models import FollowKind, Period
from coordinator.following.permissions import may_choose_notices
from coordinator.forms import ActionForm
from coordinator.redirects import safe_next
from coordinator.views import form_view

KINDS = "any(partner,theme,project,country)"


_SUBSCRIBE_ARGUMENT = {
    FollowKind.PARTNER: "partner_ids",
    FollowKind.THEME: "theme_ids",
    FollowKind.COUNTRY: "countries",
}


@bp.app_template_global()
def follow_button(kind: str, key, name: str) -> dict:
    """What a page's follow button needs: whether the viewer follows it already, and for
    visitors the subscribe page with it chosen (no account needed)."""
    follow_kind = FollowKind(kind)
    signed_in = current_user.is_authenticated
    key = str(key)
    argument = _SUBSCRIBE_ARGUMENT.get(follow_kind)
    return {
        "kind": kind,
        "key": key,
        "name": name,
        "signed_in": signed_in,
        "following": signed_in and queries.is_following(current_user, follow_kind, key),
        "subscribe_url": url_for("following.subscribe", **({argument: key} if argument else {})),
    }


@bp.app_template_global()
def follow_buttons_for_filters(filters) -> list[dict]:
    """On the events list filtered by one theme or one country: its follow button."""
    buttons = []
    if len(filters.themes) == 1:
        theme = queries.theme_by_slug(filters.themes[0])
        if theme is not None:
            name = queries.target_name(FollowKind.THEME, theme)
            buttons.append(follow_button("theme", theme.id, name))
    if len(filters.countries) == 1 and i18n.is_country_code(filters.countries[0]):
        code = filters.countries[0]
        buttons.append(follow_button("country", code, i18n.country_name(code)))
    return buttons


def _back(kind: FollowKind, target) -> str:
    if kind == FollowKind.PARTNER:
        default = url_for("partners.show", slug=target.slug)
    elif kind == FollowKind.PROJECT:
        default = url_for("activities.project", slug=target.slug)
    elif kind == FollowKind.THEME:
        default = url_for("activities.events", theme=target.slug)
    else:
        default = url_for("activities.events", country=target)
    return safe_next(request.form.get("next"), default)


def _follow_change(kind: str, key: str, following: bool):
    follow_kind = FollowKind(kind)
    target = queries.find_target(follow_kind, key, current_user) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = queries.target_name(follow_kind, target)
    if following:
        services.follow(current_user, follow_kind, key)
        message = _("You follow %(name)s.", name=name)
    else:
        services.unfollow(current_user, follow_kind, key)
        message = _("You no longer follow %(name)s.", name=name)
    db.session.commit()
    flash(message, "success")
    return redirect(_back(follow_kind, target))


@bp.route(f"/following/<{KINDS}:kind>/<key>", methods=["POST"])
def follow(kind: str, key: str):
    return _follow_change(kind, key, following=True)


@bp.route(f"/following/<{KINDS}:kind>/<key>/unfollow", methods=["POST"])
def unfollow(kind: str, key: str):
    return _follow_change(kind, key, following=False)


@bp.route("/account/following", methods=["GET", "POST"])
def my_following():
    user = current_user._get_current_object()
    form = FollowingDigestForm()
    if request.method == "GET":
        period = queries.digest_period_of(user)
        form.period.data = period.value if period else NO_DIGEST
    return form_view(
        form,
        lambda: services.set_digest_period(
            user, None if form.period.data == NO_DIGEST else Period(form.period.data)
        ),
        lambda _saved: (_("Your digest choice is saved."), url_for("following.my_following")),
        lambda: render_template(
            "following/my_following.html",
            form=form,
            action_form=ActionForm(),
            follows=queries.described_follows(queries.user_follower(user), user),
        ),
    )


@bp.route("/account/notifications", methods=["GET", "POST"])
def notice_preferences():
    user = current_user._get_current_object()
    if not may_choose_notices(user):
        abort(403)
    form = NoticePreferencesForm()
    if request.method == "GET":
        for kind, delivery in preferences_of(user).items():
            form[kind.value].data = delivery.value
    return form_view(
        form,
        lambda: services.save_notice_preferences(user, form.choices()),
        lambda _saved: (
            _("Your notification choices are saved."),
            url_for("following.notice_preferences"),
        ),
        lambda: render_template("following/notice_preferences.html", form=form),
    )


# --- The digest for anyone ----------------------------------------------------------------------


def _choices(form: DigestChoicesForm) -> services.Choices:
    return services.Choices(
        partner_ids=list(form.partner_ids.data or []),
        theme_ids=list(form.theme_ids.data or []),
        countries=list(form.countries.data or []),
        period=Period(form.period.data),
    )


def _subscribe_rate_limit() -> str:
    return current_app.config["DIGEST_SUBSCRIBE_RATE_LIMIT"]


@bp.route("/digest/subscribe", methods=["GET", "POST"])
@public
# Each request may mail an address: a bound per client address keeps the form from being used
# to flood other people's inboxes (an address gets one confirmation per link lifetime anyway).
@limiter.limit(_subscribe_rate_limit, methods=["POST"])
def subscribe():
    form = SubscribeForm(default_zone=current_app.config["DEFAULT_TIMEZONE"])
    if request.method == "GET":  # a page's "by e-mail" link preselects what it shows
        form.partner_ids.data = request.args.getlist("partner_ids", type=int)
        form.theme_ids.data = request.args.getlist("theme_ids", type=int)
        form.countries.data = request.args.getlist("countries")
    return form_view(
        form,
        lambda: services.request_subscription(
            form.email.data, _choices(form), i18n.select_locale(), form.timezone.data
        ),
        # The same answer whether the address was new, pending or subscribed already.
        lambda _done: make_response(render_template("following/check_inbox.html")),
        lambda: render_template("following/subscribe.html", form=form),
    )


@bp.route("/digest/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_subscription(token: str):
    """GET shows a button (mail scanners open links; only a person confirms); POST confirms."""
    try:
        services.subscription_to_confirm(token)
    except services.ConfirmationDead as dead:
        return render_template("following/confirmation_dead.html", reason=dead.reason), 410
    form = ActionForm()
    return form_view(
        form,
        lambda: services.confirm_subscription(token),
        lambda _subscription: make_response(render_template("following/confirmed.html")),
        lambda: render_template("following/confirm.html", form=form),
    )


@bp.route("/digest/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # RFC 8058: mail clients POST with no session; the signed token authorises it
def unsubscribe(token: str):
    services.recipient_of_token(token)  # a tampered or dead link: 400 with its reason
    if request.method == "GET":
        return render_template("following/unsubscribe.html", token=token)
    services.unsubscribe(token)
    db.session.commit()
    return render_template("following/unsubscribed.html")


@bp.route("/digest/preferences/<token>", methods=["GET", "POST"])
@public
def subscription_preferences(token: str):
    kind, subscription = services.recipient_of_token(token)
    if kind != "subscription":
        return redirect(url_for("following.my_following"))
    form = DigestChoicesForm()
    if request.method == "GET":
        chosen = queries.followed_keys(queries.subscription_follower(subscription))
        form.partner_ids.data = [int(k) for kd, k in chosen if kd == FollowKind.PARTNER]
        form.theme_ids.data = [int(k) for kd, k in chosen if kd == FollowKind.THEME]
        form.countries.data = [k for kd, k in chosen if kd == FollowKind.COUNTRY]
        form.period.data = subscription.period.value
    return form_view(
        form,
        lambda: services.update_subscription(token, _choices(form)),
        lambda _saved: (
            _("Your digest choices are saved."),
            url_for("following.subscription_preferences", token=token),
        ),
        lambda: render_template(
            "following/subscription_preferences.html",
            form=form,
            token=token,
            active=subscription.is_active,
        ),
    )


bp.add_app_template_global(may_choose_notices)

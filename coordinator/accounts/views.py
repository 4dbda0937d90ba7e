"""Sign-in and sign-out, invitations, password reset, the profile and the staff users page."""

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
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required

from coordinator import i18n
from coordinator.access import public
from coordinator.accounts import api_tokens, bp, permissions, queries, services
from coordinator.accounts.forms import (
    PASSWORD_HELP,
    AcceptInvitationForm,
    ApiTokenForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    LogoutForm,
    ProfileForm,
    ResetPasswordForm,
)
from coordinator.accounts.models import Role, User
from coordinator.extensions import db
from coordinator.forms import ActionForm
from coordinator.partners.models import Partner
from coordinator.partners.queries import active_partners
from coordinator.redirects import safe_next
from coordinator.views import form_view

for _predicate in permissions.TEMPLATE_PREDICATES:
    bp.add_app_template_global(_predicate)


# What every page that asks for a new password says about it.
_HELP = {"password_help": PASSWORD_HELP}


@bp.app_template_global()
def new_invite_form() -> InviteForm:
    """An empty invitation form, for pages of other modules that offer one (a partner's)."""
    return InviteForm(formdata=None)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("main.index")))
    return form_view(
        form,
        lambda: _sign_in(
            services.authenticate(form.email.data, form.password.data, request.remote_addr or ""),
            remember=form.remember.data,
        ),
        lambda user: _welcome(user, form.next.data),
        lambda: render_template("accounts/login.html", form=form),
        keep_on_error=True,  # the recorded failure counts towards the lockout
        shown=(services.TooManyAttempts,),
    )


def _sign_in(user: User, remember: bool = False) -> User:
    services.sign_in(user, remember=remember)
    return user


def _welcome(user: User, next_url: str | None) -> tuple[str, str]:
    """Greet a user who just signed in, in the user's own language (the page's was chosen
    while anonymous), and go on to where they were heading."""
    refresh_locale()
    return _("Welcome, %(name)s.", name=user.name), safe_next(next_url, url_for("main.index"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    services.sign_out(current_user._get_current_object())
    db.session.commit()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


# --- Invitations -----------------------------------------------------------------------


@bp.errorhandler(services.TokenUnusable)
def _token_problem(error: services.TokenUnusable):
    """An invitation or reset link that is unknown, used or expired: what to do instead."""
    db.session.rollback()
    return render_template("accounts/token_problem.html", message=error.message), error.status_code


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    invitation = services.find_invitation(token)
    form = AcceptInvitationForm()
    if request.method == "GET" and invitation.name:
        form.name.data = invitation.name
    return form_view(
        form,
        lambda: _sign_in(
            services.accept_invitation(token, name=form.name.data, password=form.password.data)
        ),
        lambda user: (
            _("Welcome, %(name)s. Your account is ready.", name=user.name),
            url_for("main.index"),
        ),
        lambda: render_template(
            "accounts/accept_invitation.html", form=form, invitation=invitation, **_HELP
        ),
    )


@bp.route("/staff/users/invite", methods=["POST"])
def invite():
    if not permissions.can_invite(current_user):
        abort(403)
    form = _invite_form()
    back = safe_next(form.next.data, url_for("accounts.users"))
    return form_view(
        form,
        lambda: services.invite_user(
            current_user,
            email=form.email.data,
            name=form.name.data or "",
            role=form.role.data,
            partner=db.session.get(Partner, form.partner.data) if form.partner.data else None,
        ),
        lambda _sent: (_("Invitation sent to %(email)s.", email=form.email.data), back),
        lambda: _invitation_not_sent(form, back),
    )


def _invitation_not_sent(form: InviteForm, back: str):
    """The invitation form sits on other pages (users, a partner's): its errors are flashed."""
    for field in (form.email, form.name, form.role, form.partner):
        for message in field.errors:
            flash(
                _(
                    "Invitation not sent — %(field)s: %(problem)s",
                    field=field.label.text,
                    problem=message,
                ),
                "danger",
            )
    for message in form.form_errors:
        flash(_("Invitation not sent: %(problem)s", problem=message), "danger")
    return redirect(back)


def _invite_form() -> InviteForm:
    form = InviteForm()
    roles = permissions.invitable_roles(current_user)
    form.role.choices = [(role.value, role.label) for role in roles]
    form.partner.choices = [(0, _("— none (staff and admins) —"))] + [
        (partner.id, partner.display_name_in()) for partner in active_partners()
    ]
    return form


# --- Password reset --------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. Check your inbox."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    services.find_reset_token(token)
    form = ResetPasswordForm()
    return form_view(
        form,
        lambda: _sign_in(services.reset_password(token, form.password.data)),
        lambda _user: (
            _("Your password is changed. Every other session has been signed out."),
            url_for("main.index"),
        ),
        lambda: render_template("accounts/reset_password.html", form=form, **_HELP),
    )


# --- Profile ---------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(prefix="profile")
    password_form = ChangePasswordForm(prefix="password", formdata=None)
    if request.method == "GET":
        form.name.data = user.name
    return form_view(
        form,
        lambda: services.update_profile(user, name=form.name.data),
        lambda _saved: (_("Your name is saved."), url_for("accounts.profile")),
        lambda: _render_profile(form, password_form),
    )


@bp.route("/account/password", methods=["POST"])
def change_password():
    user = current_user._get_current_object()
    form = ProfileForm(prefix="profile", formdata=None, data={"name": user.name})
    password_form = ChangePasswordForm(prefix="password")
    return form_view(
        password_form,
        lambda: _change_password(user, password_form),
        lambda _user: (
            _("Your password is changed. Your other sessions have been signed out."),
            url_for("accounts.profile"),
        ),
        lambda: _render_profile(form, password_form),
    )


def _change_password(user: User, password_form: ChangePasswordForm) -> User:
    services.change_password(
        user,
        current_password=password_form.current_password.data,
        new_password=password_form.new_password.data,
    )
    return _sign_in(user)  # this session continues under the new nonce


def _render_profile(form, password_form):
    return render_template(
        "accounts/profile.html", form=form, password_form=password_form, password_help=PASSWORD_HELP
    )


# --- Staff: users ----------------------------------------------------------------------


@bp.route("/staff/users")
def users():
    if not permissions.can_manage_users(current_user):
        abort(403)
    form = _invite_form()
    form.partner.data = request.args.get("partner", type=int) or 0
    return render_template(
        "accounts/users.html",
        accounts=queries.all_accounts(),
        invitations=queries.open_invitations(),
        invite_form=form,
        action_form=ActionForm(),
        Role=Role,
    )


def _get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/staff/users/<id:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    target = _get_user_or_404(user_id)
    if not permissions.can_deactivate_user(current_user, target):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.deactivate_user(current_user, target)
    db.session.commit()
    flash(_("%(name)s is deactivated and signed out everywhere.", name=target.name), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/staff/users/<id:user_id>/reactivate", methods=["POST"])
def reactivate(user_id: int):
    target = _get_user_or_404(user_id)
    if not permissions.can_reactivate_user(current_user, target):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.reactivate_user(current_user, target)
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=target.name), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch language and go back to the page the switch was pressed on (a local path only)."""
    language = i18n.supported_language(request.form.get("language"))
    target = safe_next(request.form.get("next"), url_for("main.index"))
    response = redirect(target, code=303)
    if language is None:
        return response
    if current_user.is_authenticated:
        services.save_user_locale(current_user._get_current_object(), language)
        db.session.commit()
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        language,
        max_age=i18n.LANGUAGE_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
    )
    return response


# --- Personal API tokens ------------------------------------------------------------------------


def _api_tokens_page(form: ApiTokenForm, status: int = 200):
    return render_template(
        "accounts/api_tokens.html",
        form=form,
        action_form=ActionForm(),
        api_tokens=api_tokens.user_api_tokens(current_user),
    ), status


@bp.route("/account/api-tokens")
def api_tokens_page():
    return _api_tokens_page(ApiTokenForm())


@bp.route("/account/api-tokens", methods=["POST"])
def create_api_token():
    form = ApiTokenForm()
    return form_view(
        form,
        lambda: api_tokens.create_api_token(current_user, form.name.data, form.scopes.data),
        _api_token_created,
        lambda: _api_tokens_page(form, 400),
    )


def _api_token_created(created):
    # The token exists in clear only in this response: shown once, never stored.
    token, raw = created
    response = make_response(
        render_template("accounts/api_token_created.html", api_token=token, raw=raw)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/api-tokens/<id:token_id>/revoke", methods=["POST"])
def revoke_api_token(token_id: int):
    token = api_tokens.owned_api_token(current_user, token_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    api_tokens.revoke_api_token(current_user, token)
    db.session.commit()
    flash(_("The API token “%(name)s” was revoked.", name=token.name), "success")
    return redirect(url_for("accounts.api_tokens_page"))

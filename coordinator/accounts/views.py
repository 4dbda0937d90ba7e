"""Sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coordinator.accounts import services
from coordinator.accounts.forms import LoginForm, LogoutForm
from coordinator.access import public
from coordinator.accounts.redirects import safe_next
from coordinator.errors import apply_to_form
from coordinator.extensions import db

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("main.index")))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except services.TooManyAttempts as error:
            db.session.commit()
            apply_to_form(form, error)
            return render_template("accounts/login.html", form=form), 429
        except services.DomainError as error:
            db.session.commit()  # keep the recorded failure
            apply_to_form(form, error)
            return render_template("accounts/login.html", form=form), 200
        services.sign_in(user, remember=form.remember.data)
        db.session.commit()
        flash(f"Welcome, {user.name}.", "success")
        return redirect(safe_next(form.next.data, url_for("main.index")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    services.sign_out(current_user._get_current_object())
    db.session.commit()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))

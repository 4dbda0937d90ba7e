"""The partner directory, each partner's page, and staff editing of partners and groups."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coordinator.access import public
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms import ActionForm
from coordinator.pagecache import cached_page
from coordinator.partners import bp, queries, services
from coordinator.partners.forms import PartnerForm, PartnerGroupForm
from coordinator.partners.models import Partner
from coordinator.partners.permissions import can_manage_partners, can_see_inactive_partners
from coordinator.redirects import safe_next
from coordinator.views import form_view


def get_partner_or_404(slug: str, *, with_groups: bool = False) -> Partner:
    partner = queries.partner_by_slug(slug, with_groups=with_groups)
    if partner is None or (not partner.is_active and not can_see_inactive_partners(current_user)):
        abort(404)
    return partner


def _require_manager() -> None:
    if not can_manage_partners(current_user):
        abort(403)


def _data(form: PartnerForm) -> services.PartnerData:
    return services.PartnerData(
        name=form.name.data,
        acronym=form.acronym.data,
        slug=form.slug.data or "",
        kind=form.kind.data or "",
        city=form.city.data or "",
        country=form.country.data,
        timezone=form.timezone.data,
        website=form.website.data or "",
        summary=form.summary.data or "",
        group_ids=list(form.groups.data or []),
        language=form.language.data or "",
        translations=form.translations.data,
    )


@bp.route("/")
@public
def index():
    partners = queries.directory(include_inactive=can_see_inactive_partners(current_user))
    return render_template("partners/index.html", partners=partners)


@bp.route("/<slug:slug>")
@public
@cached_page
def show(slug: str):
    partner = get_partner_or_404(slug, with_groups=True)
    # The focal-point invitation form on this page comes from accounts (new_invite_form).
    return render_template("partners/show.html", partner=partner, action_form=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
def create():
    _require_manager()
    form = PartnerForm(group_choices=queries.group_choices())
    return form_view(
        form,
        lambda: services.create_partner(current_user, _data(form)),
        lambda partner: (
            _("%(name)s is added.", name=partner.name),
            url_for("partners.show", slug=partner.slug),
        ),
        lambda: _render_form(form, None),
    )


def _render_form(form: PartnerForm, partner: Partner | None) -> str:
    return render_template(
        "partners/form.html", form=form, partner=partner, group_form=PartnerGroupForm(formdata=None)
    )


@bp.route("/<slug:slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    _require_manager()
    partner = get_partner_or_404(slug)
    form = PartnerForm(
        obj=partner if request.method == "GET" else None,
        group_choices=queries.group_choices(),
        original_language=partner.language,
    )
    if request.method == "GET":
        form.groups.data = [group.id for group in partner.groups]
        form.translations.data = partner.translated_texts()
    return form_view(
        form,
        lambda: services.update_partner(current_user, partner, _data(form)),
        lambda _saved: (
            _("%(name)s is saved.", name=partner.name),
            url_for("partners.show", slug=partner.slug),
        ),
        lambda: _render_form(form, partner),
    )


def _set_active(slug: str, active: bool):
    _require_manager()
    partner = get_partner_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.set_partner_active(current_user, partner, active)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("partners.show", slug=partner.slug))
    db.session.commit()
    flash(
        _("%(name)s is reactivated.", name=partner.name)
        if active
        else _("%(name)s is deactivated.", name=partner.name),
        "success",
    )
    return redirect(url_for("partners.show", slug=partner.slug))


@bp.route("/<slug:slug>/deactivate", methods=["POST"])
def deactivate(slug: str):
    return _set_active(slug, False)


@bp.route("/<slug:slug>/reactivate", methods=["POST"])
def reactivate(slug: str):
    return _set_active(slug, True)


@bp.route("/groups", methods=["POST"])
def create_group():
    _require_manager()
    form = PartnerGroupForm()
    back = safe_next(request.form.get("next"), url_for("partners.index"))
    return form_view(
        form,
        lambda: services.create_group(current_user, form.name.data),
        lambda group: (
            _("The group “%(name)s” is created; you can now add partners to it.", name=group.name),
            back,
        ),
        lambda: _group_not_created(form, back),
    )


def _group_not_created(form: PartnerGroupForm, back: str):
    """The group form sits on other pages: its errors are flashed there."""
    for message in form.name.errors + form.form_errors:
        flash(_("Group not created: %(problem)s", problem=message), "danger")
    return redirect(back)

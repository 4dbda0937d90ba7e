"""The one form view (coordinator.views.form_view), and what it makes uniform across the site:
a refused submission answers 400 with the page again, keeping what the user typed."""

from __future__ import annotations

import pytest
from flask import Response
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired

from coordinator.accounts.models import User
from coordinator.errors import ConflictError, DomainError
from coordinator.extensions import db
from coordinator.forms import BaseForm
from coordinator.partners.models import PartnerGroup
from coordinator.views import form_view
from tests.accounts.helpers import last_message_to, link_token
from tests.factories import PartnerFactory


class NameForm(BaseForm):
    name = StringField("Name", validators=[DataRequired()])


class TooOften(DomainError):
    status_code = 429


def _groups() -> list[str]:
    return list(db.session.scalars(select(PartnerGroup.name)))


def _run(app, data, save, method="POST", **options):
    """form_view in a request; `save` adds a group named after the field, then may fail."""
    with app.test_request_context("/", method=method, data=data):
        form = NameForm()

        def add_then(fail):
            db.session.add(PartnerGroup(name=form.name.data, slug="g"))
            db.session.flush()
            if fail is not None:
                raise fail
            return form.name.data

        response = form_view(
            form,
            lambda: add_then(save),
            lambda name: (f"{name} saved", "/done"),
            lambda: f"page {form.name.data!r} {list(form.name.errors)}",
            **options,
        )
        db.session.rollback()  # whatever was not committed is gone
        return response


def test_success_commits_flashes_and_redirects(app):
    response = _run(app, {"name": "Kept"}, None)
    assert isinstance(response, Response) and response.status_code == 302
    assert response.location == "/done"
    assert _groups() == ["Kept"]


def test_a_first_display_answers_200_and_saves_nothing(app):
    assert _run(app, {}, None, method="GET") == ("page None []", 200)
    assert _groups() == []


def test_a_field_error_answers_400_with_the_page_and_saves_nothing(app):
    assert _run(app, {"name": ""}, None) == ("page '' ['This field is required.']", 400)
    assert _groups() == []


def test_a_broken_rule_lands_on_its_field_rolled_back_with_400(app):
    page, status = _run(app, {"name": "Typed"}, DomainError("Taken.", field="name"))
    assert (page, status) == ("page 'Typed' ['Taken.']", 400)
    assert _groups() == []


def test_keep_on_error_commits_what_the_service_recorded(app):
    page, status = _run(app, {"name": "Typed"}, DomainError("No."), keep_on_error=True)
    assert status == 400
    assert _groups() == ["Typed"]


def test_an_error_of_a_shown_class_answers_with_its_own_status(app):
    page, status = _run(app, {"name": "Typed"}, TooOften("Wait."), shown=(TooOften,))
    assert status == 429


@pytest.mark.parametrize("error", [ConflictError("Changed."), TooOften("Wait.")])
def test_other_domain_errors_go_to_the_error_pages(app, error):
    with pytest.raises(type(error)):
        _run(app, {"name": "Typed"}, error)


def test_dry_run_validates_without_saving(app):
    assert _run(app, {"name": "Typed"}, None, dry_run=True) == ("page 'Typed' []", 200)
    assert _groups() == []


def test_done_may_answer_with_its_own_response(app):
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm()
        shown_once = Response("the secret, once")
        assert form_view(form, lambda: None, lambda _: shown_once, lambda: "page") is shown_once


# --- What it makes uniform, through each kind of form view ---------------------------------------


def _partner_form(name: str, slug: str) -> dict:
    return {
        "name": name,
        "acronym": "TN",
        "slug": slug,
        "country": "FR",
        "timezone": "Europe/Paris",
    }


def test_a_refused_partner_keeps_what_was_typed(client, login_as, staff):
    PartnerFactory(slug="taken")
    login_as(staff)
    response = client.post("/partners/new", data=_partner_form("Typed Name", "taken"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "already uses" in html and 'value="Typed Name"' in html


def test_a_refused_partner_edit_keeps_what_was_typed(client, login_as, staff):
    partner = PartnerFactory()
    login_as(staff)
    response = client.post(
        f"/partners/{partner.slug}/edit", data=_partner_form("New Typed Name", "Bad Slug!")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "lower-case letters" in html and 'value="New Typed Name"' in html


def test_a_wrong_password_answers_400_and_keeps_the_email(client, focal_point):
    db.session.commit()
    response = client.post("/login", data={"email": focal_point.email, "password": "wrong-pass"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "not right" in html and f'value="{focal_point.email}"' in html


def test_a_refused_name_keeps_what_was_typed(client, login_as, focal_point):
    login_as(focal_point)
    response = client.post("/account", data={"profile-name": "Typed\x07Name"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "control characters" in html


def test_a_refused_invitation_answer_keeps_the_name(client, login_as, staff, partner):
    login_as(staff)
    client.post(
        "/staff/users/invite",
        data={"email": "nadia@example.org", "role": "focal_point", "partner": partner.id},
    )
    token = link_token(last_message_to("nadia@example.org"), "invite")
    client.post("/logout")
    response = client.post(
        f"/invite/{token}",
        data={"name": "Nadia Typed", "password": "password123", "confirm": "password123"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "too common" in html and 'value="Nadia Typed"' in html
    assert db.session.scalar(select(User).where(User.email == "nadia@example.org")) is None


def test_a_refused_new_password_answers_400(client, focal_point):
    db.session.commit()
    client.post("/forgot-password", data={"email": focal_point.email})
    token = link_token(last_message_to(focal_point.email), "reset")
    response = client.post(
        f"/reset/{token}", data={"password": "password123", "confirm": "password123"}
    )
    assert response.status_code == 400 and "too common" in response.get_data(as_text=True)


def test_a_refused_invitation_is_flashed_on_the_page_it_came_from(client, login_as, staff):
    login_as(staff)
    response = client.post(
        "/staff/users/invite",
        data={"email": "not-an-address", "role": "focal_point", "next": "/staff/users"},
        follow_redirects=True,
    )
    assert response.request.path == "/staff/users"
    assert "Invitation not sent" in response.get_data(as_text=True)


def test_a_refused_group_is_flashed_on_the_page_it_came_from(client, login_as, staff):
    login_as(staff)
    response = client.post("/partners/groups", data={"name": ""}, follow_redirects=True)
    assert response.request.path == "/partners/"
    assert "Group not created" in response.get_data(as_text=True)
    assert _groups() == []


def test_a_refused_private_feed_keeps_what_was_typed(client, login_as, focal_point):
    login_as(focal_point)
    response = client.post("/account/feeds", data={"name": "x" * 500})
    assert response.status_code == 400
    assert "x" * 500 in response.get_data(as_text=True)

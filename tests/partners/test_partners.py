"""Staff create, edit and deactivate partners and groups; the directory and partner pages."""

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.partners.models import Partner, PartnerGroup
from tests.factories import PartnerFactory, UserFactory


def _form(**overrides):
    data = {
        "name": "Agence Méditerranéenne",
        "acronym": "AMED",
        "slug": "",
        "kind": "agency",
        "city": "Marseille",
        "country": "FR",
        "timezone": "Europe/Paris",
        "website": "https://amed.example.org",
        "summary": "An agency.",
    }
    data.update(overrides)
    return data


def _partner(slug):
    db.session.rollback()
    return db.session.scalar(select(Partner).where(Partner.slug == slug))


def test_staff_create_a_partner_with_a_slug_from_the_acronym(client, login_as, staff):
    group = PartnerGroup(name="CMI Urban Hub", slug="cmi-urban-hub")
    db.session.add(group)
    login_as(staff)
    response = client.post("/partners/new", data=_form(groups=[str(group.id)]))
    assert response.status_code == 302 and response.headers["Location"].endswith("/partners/amed")
    partner = _partner("amed")
    assert partner.timezone == "Europe/Paris"
    assert [g.name for g in partner.groups] == ["CMI Urban Hub"]
    assert "Agence" in client.get("/partners/amed").get_data(as_text=True)


def test_slug_is_made_unique_or_refused_when_given(client, login_as, staff):
    PartnerFactory(slug="amed", acronym="AMED")
    login_as(staff)
    assert client.post("/partners/new", data=_form()).headers["Location"].endswith("/amed-2")
    taken = client.post("/partners/new", data=_form(slug="amed"))
    assert taken.status_code == 400 and "already uses" in taken.get_data(as_text=True)
    reserved = client.post("/partners/new", data=_form(slug="new"))
    assert "reserved" in reserved.get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("timezone", "Mars/Olympus_Mons", "Not a valid choice"),
        ("timezone", "", "This field is required"),
        ("country", "XX", "Not a valid choice"),
        ("website", "javascript:alert(1)", "http:// or https://"),
        ("website", "ftp://example.org", "http:// or https://"),
        ("slug", "Bad Slug!", "lower-case letters"),
        ("name", "", "This field is required"),
        ("name", "x" * 10_000, "longer than"),
        ("acronym", "A\x00B", "control characters"),
    ],
)
def test_bad_partner_input_is_a_form_error(client, login_as, staff, field, value, message):
    login_as(staff)
    response = client.post("/partners/new", data=_form(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _partner("amed") is None


def test_edit_a_partner(client, login_as, staff, partner):
    login_as(staff)
    form = client.get(f"/partners/{partner.slug}/edit").get_data(as_text=True)
    assert partner.name in form and '<option selected value="Europe/Paris">' in form
    response = client.post(
        f"/partners/{partner.slug}/edit",
        data=_form(name="Renamed", slug="renamed", timezone="Africa/Tunis"),
    )
    assert response.headers["Location"].endswith("/partners/renamed")
    renamed = _partner("renamed")
    assert renamed.name == "Renamed" and renamed.timezone == "Africa/Tunis"


def test_deactivated_partner_leaves_the_directory_but_staff_still_see_it(
    app, client, login_as, staff, partner
):
    login_as(staff)
    assert client.post(f"/partners/{partner.slug}/deactivate").status_code == 302
    assert "Inactive" in client.get(f"/partners/{partner.slug}").get_data(as_text=True)
    client.post("/logout")
    assert partner.name not in client.get("/partners/").get_data(as_text=True)
    assert client.get(f"/partners/{partner.slug}").status_code == 404
    login_as(staff)
    assert client.post(f"/partners/{partner.slug}/reactivate").status_code == 302
    client.post("/logout")
    assert client.get(f"/partners/{partner.slug}").status_code == 200


def test_the_coordinator_cannot_be_deactivated(client, login_as, staff):
    coordinator = PartnerFactory(is_coordinator=True)
    login_as(staff)
    client.post(f"/partners/{coordinator.slug}/deactivate")
    assert _partner(coordinator.slug).is_active


def test_staff_create_groups(client, login_as, staff):
    login_as(staff)
    response = client.post(
        "/partners/groups", data={"name": "CMI Urban Hub", "next": "/partners/new"}
    )
    assert response.headers["Location"].endswith("/partners/new")
    assert "CMI Urban Hub" in client.get("/partners/new").get_data(as_text=True)
    again = client.post("/partners/groups", data={"name": "CMI Urban Hub"}, follow_redirects=True)
    assert "already exists" in again.get_data(as_text=True)
    evil = client.post("/partners/groups", data={"name": "G2", "next": "//evil.example"})
    assert evil.headers["Location"] == "/partners/"


def test_focal_points_are_shown_to_staff_only(client, login_as, staff, focal_point, partner):
    login_as(staff)
    assert focal_point.email in client.get(f"/partners/{partner.slug}").get_data(as_text=True)
    client.post("/logout")
    login_as(focal_point)
    page = client.get(f"/partners/{partner.slug}").get_data(as_text=True)
    assert focal_point.email not in page and "Edit" not in page
    client.post("/logout")
    assert focal_point.email not in client.get(f"/partners/{partner.slug}").get_data(as_text=True)


def test_directory_is_public_and_hides_staff_buttons(client, partner):
    page = client.get("/partners/").get_data(as_text=True)
    assert partner.name in page and "Add a partner" not in page


def test_focal_point_cannot_edit_even_its_own_partner(client, login_as, focal_point, partner):
    login_as(focal_point)
    assert client.get(f"/partners/{partner.slug}/edit").status_code == 403
    assert client.post(f"/partners/{partner.slug}/edit", data=_form()).status_code == 403
    assert client.post("/partners/new", data=_form()).status_code == 403
    assert client.post(f"/partners/{partner.slug}/deactivate").status_code == 403
    assert client.post("/partners/groups", data={"name": "X"}).status_code == 403
    assert _partner("amed") is None


def test_staff_page_invite_binds_partner(client, login_as, staff, partner):
    UserFactory(role="focal_point", partner=partner, name="Existing Person")
    login_as(staff)
    page = client.get(f"/partners/{partner.slug}").get_data(as_text=True)
    assert "Existing Person" in page

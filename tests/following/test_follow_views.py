"""Following from the pages: one POST button (CSRF-checked, works without JavaScript) showing
its state, and /account/following to see and manage it all."""

from __future__ import annotations

import re

from coordinator.extensions import db
from coordinator.following.models import Follow
from tests import factories


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    return found.group(1) if found else ""


def _follows(user) -> set[tuple[str, str]]:
    db.session.expire_all()
    return {(f.kind.value, f.key) for f in db.session.query(Follow).filter_by(user_id=user.id)}


def test_following_a_partner_from_its_page_and_unfollowing_it(app, client, login_as, focal_point):
    partner = factories.PartnerFactory(name="Blue Coast Agency", slug="blue-coast")
    login_as(focal_point)
    page = client.get("/partners/blue-coast").get_data(as_text=True)
    assert f'action="/following/partner/{partner.id}"' in page
    response = client.post(
        f"/following/partner/{partner.id}",
        data={"csrf_token": _token(page), "next": "/partners/blue-coast"},
    )
    assert response.status_code == 302 and response.location.endswith("/partners/blue-coast")
    assert _follows(focal_point) == {("partner", str(partner.id))}

    page = client.get("/partners/blue-coast").get_data(as_text=True)
    assert "Following" in page and f'action="/following/partner/{partner.id}/unfollow"' in page
    # Following again changes nothing.
    client.post(f"/following/partner/{partner.id}", data={"csrf_token": _token(page)})
    assert len(_follows(focal_point)) == 1

    mine = client.get("/account/following").get_data(as_text=True)
    assert "Blue Coast Agency" in mine
    client.post(
        f"/following/partner/{partner.id}/unfollow",
        data={"csrf_token": _token(mine), "next": "/account/following"},
    )
    assert _follows(focal_point) == set()


def test_themes_countries_and_projects_are_followed_from_their_pages(
    app, client, login_as, focal_point
):
    theme = factories.ThemeFactory(name="Water", slug="water")
    project = factories.ProjectFactory(slug="blue-cities", title="Blue Cities")
    login_as(focal_point)
    events = client.get("/events/?theme=water&country=MA").get_data(as_text=True)
    assert f'action="/following/theme/{theme.id}"' in events
    assert 'action="/following/country/MA"' in events
    project_page = client.get("/projects/blue-cities").get_data(as_text=True)
    assert f'action="/following/project/{project.id}"' in project_page
    token = _token(events)
    for path in (
        f"/following/theme/{theme.id}",
        "/following/country/ma",
        f"/following/project/{project.id}",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert _follows(focal_point) == {
        ("theme", str(theme.id)),
        ("country", "MA"),
        ("project", str(project.id)),
    }
    mine = client.get("/account/following").get_data(as_text=True)
    assert "Water" in mine and "Morocco" in mine and "Blue Cities" in mine


def test_bad_follow_requests_get_a_reason_not_a_500(app, client, login_as, focal_point):
    inactive = factories.PartnerFactory(is_active=False)
    draft = factories.ProjectFactory(status="draft")
    login_as(focal_point)
    token = _token(client.get("/account/following").get_data(as_text=True))
    for path in (
        "/following/partner/999999",
        f"/following/partner/{inactive.id}",
        f"/following/project/{draft.id}",
        "/following/country/XX",
        "/following/partner/abc",
        "/following/theme/99999999999999999999",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    assert client.post("/following/galaxy/1", data={"csrf_token": token}).status_code == 404
    partner = factories.PartnerFactory()
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True  # signed in; now the forms check their token
    assert client.post(f"/following/partner/{partner.id}").status_code == 400  # no CSRF token
    assert client.get(f"/following/partner/{partner.id}").status_code == 405
    assert _follows(focal_point) == set()


def test_visitors_are_offered_the_digest_by_e_mail_and_cannot_post(app, client):
    partner = factories.PartnerFactory(slug="blue-coast")
    db.session.commit()
    page = client.get("/partners/blue-coast").get_data(as_text=True)
    assert f"/digest/subscribe?partner_ids={partner.id}" in page
    response = client.post(f"/following/partner/{partner.id}")
    assert response.status_code in (302, 400)
    assert db.session.query(Follow).count() == 0
    form = client.get(f"/digest/subscribe?partner_ids={partner.id}").get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*name="partner_ids"[^>]*value="{partner.id}"', form)


def test_the_digest_choice_on_account_following(app, client, login_as, focal_point):
    login_as(focal_point)
    page = client.get("/account/following").get_data(as_text=True)
    assert re.search(r'value="daily"[^>]*checked|checked[^>]*value="daily"', page)
    response = client.post(
        "/account/following", data={"csrf_token": _token(page), "period": "none"}
    )
    assert response.status_code == 302
    from coordinator.following.queries import digest_period_of

    assert digest_period_of(focal_point) is None
    bad = client.post("/account/following", data={"csrf_token": _token(page), "period": "hourly"})
    assert bad.status_code == 400

"""The navigation offers the dashboard and reports exactly to those who may open them."""


def _nav(client) -> str:
    page = client.get("/partners/").get_data(as_text=True)
    return page.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]


def test_anonymous_visitors_see_neither(client):
    nav = _nav(client)
    assert "/staff/" not in nav and "/reports/" not in nav


def test_focal_points_see_reports_only(client, focal_point, login_as):
    login_as(focal_point)
    nav = _nav(client)
    assert "/reports/" in nav and 'href="/staff/"' not in nav


def test_staff_see_both(client, staff, login_as):
    login_as(staff)
    nav = _nav(client)
    assert "/reports/" in nav and 'href="/staff/"' in nav

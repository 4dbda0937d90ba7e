"""The subscribe panel, the event actions and the schema.org JSON-LD."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import render_template_string
from werkzeug.datastructures import MultiDict

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Status, Visibility
from tests import factories

SUBSCRIBE = (
    "{% with subscribe_target=target, subscribe_filters=filters %}"
    '{% include "feeds/_subscribe.html" %}{% endwith %}'
)
STATIC = Path(__file__).resolve().parents[2] / "static"


def _render(template: str, **context) -> str:
    with_request = context.pop("_request", "/")
    from flask import current_app

    with current_app.test_request_context(with_request):
        return render_template_string(template, **context)


def _hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def test_network_subscribe_panel_carries_the_filters(app):
    filters = EventFilters.from_args(
        MultiDict([("theme", "water"), ("kind", "webinar"), ("start", "2027-01-01")])
    )
    page = _render(SUBSCRIBE, target=None, filters=filters)
    https = "http://localhost/calendar.ics?theme=water&kind=webinar&lang=en"
    assert (
        f'value="{html.escape(https)}"' in page or f'value="{https.replace("&", "&amp;")}"' in page
    )
    hrefs = _hrefs(page)
    assert "webcal://localhost/calendar.ics?theme=water&kind=webinar&lang=en" in hrefs
    google = next(h for h in hrefs if h.startswith("https://calendar.google.com/calendar/r?"))
    assert parse_qs(urlsplit(google).query)["cid"] == [
        "webcal://localhost/calendar.ics?theme=water&kind=webinar&lang=en"
    ]
    outlook = next(
        h for h in hrefs if h.startswith("https://outlook.live.com/calendar/0/addfromweb?")
    )
    assert parse_qs(urlsplit(outlook).query)["url"] == [https]
    assert "start=" not in page  # a feed follows time itself; date ranges are not carried
    # The copy button works without inline script (CSP script-src 'self').
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all(
        'src="/static/js/feeds-' in attrs and not body for attrs, body in scripts
    )
    assert (STATIC / "js" / "feeds-copy.js").is_file()
    assert 'data-feeds-copy="feed-url-network"' in page and 'for="feed-url-network"' in page


def test_partner_and_project_subscribe_panels(app):
    partner = factories.PartnerFactory(slug="cmi")
    project = factories.ProjectFactory(slug="blue-cities")
    assert "webcal://localhost/partners/cmi/calendar.ics?lang=en" in _hrefs(
        _render(SUBSCRIBE, target=partner, filters=None)
    )
    page = _render(SUBSCRIBE, target=project, filters=EventFilters(kinds=["forum"]))
    assert "webcal://localhost/projects/blue-cities/calendar.ics?kind=forum&lang=en" in _hrefs(page)


def test_event_actions_link_the_download_and_embed_safe_jsonld(app):
    event = factories.EventFactory(
        title="</script><script>alert(1)</script> & <!-- Σ",
        online_url="https://meet.example/x",
        venue="Hall",
        city="Tunis",
        country="TN",
        latitude=36.8,
        longitude=10.18,
        timezone="Africa/Tunis",
    )
    page = _render('{% include "feeds/_event_actions.html" %}', event=event)
    assert f'href="/events/{event.id}.ics?lang=en"' in page
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    assert "<" not in blocks[0] and ">" not in blocks[0]
    data = json.loads(blocks[0])
    assert data["@type"] == "Event" and data["name"] == event.title
    assert data["startDate"].endswith("+01:00")
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["url"] == f"http://localhost/events/{event.id}"


def test_no_jsonld_for_events_that_are_not_public(app):
    for event in (
        factories.EventFactory(visibility=Visibility.NETWORK),
        factories.EventFactory(status=Status.SUBMITTED),
    ):
        page = _render('{% include "feeds/_event_actions.html" %}', event=event)
        assert "application/ld+json" not in page
        assert f"/events/{event.id}.ics" in page


def test_cancelled_event_jsonld(app):
    event = factories.EventFactory(status=Status.CANCELLED, is_all_day=False)
    page = _render('{% include "feeds/_event_actions.html" %}', event=event)
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_private_feed_panel_renders_on_its_own(client, login_as, focal_point):
    login_as(focal_point)
    page = client.get("/account/feeds").get_data(as_text=True)
    assert "Private calendar feeds" in page
    assert 'name="csrf_token"' in page and 'action="/account/feeds"' in page


def test_private_feed_panel_included_without_context(app, focal_point):
    """How the account page includes it: `{% include "feeds/_private_feeds.html" %}` alone."""
    from flask import current_app
    from flask_login import login_user

    from tests.feeds.factories import FeedTokenFactory

    FeedTokenFactory(owner=focal_point, name="Office PC")
    FeedTokenFactory(owner=focal_point, name="Old one", revoked_dt=datetime.now(UTC))
    with current_app.test_request_context("/account"):
        login_user(focal_point)
        page = render_template_string('{% include "feeds/_private_feeds.html" %}')
    assert "Office PC" in page and "Old one" not in page
    assert 'action="/account/feeds/' in page and "Revoke" in page

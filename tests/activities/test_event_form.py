"""The proposal form: local times in IANA zones, DST gaps and folds, hostile input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coordinator.activities.models import Event, Status
from coordinator.extensions import db
from tests import factories
from tests.activities.helpers import event_form_data


@pytest.fixture
def proposer(app, client, login_as, partner):
    partner.timezone = "Asia/Beirut"
    user = factories.UserFactory(role="focal_point", partner=partner)
    login_as(user)
    return user


def events_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def test_time_zone_defaults_to_the_proposers_partner(client, proposer):
    html = client.get("/events/new").get_data(as_text=True)
    assert '<option selected value="Asia/Beirut">' in html


def test_a_proposal_is_saved_as_a_draft_in_utc(client, proposer, other_partner):
    theme = factories.ThemeFactory()
    response = client.post(
        "/events/new",
        data=event_form_data(theme_ids=[str(theme.id)], partner_ids=[str(other_partner.id)]),
    )
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.status == Status.DRAFT
    assert event.lead_partner_id == proposer.partner_id and event.proposer_id == proposer.id
    # 09:30 in Paris in June is 07:30 UTC (CEST, UTC+2).
    assert event.start_dt == datetime(2030, 6, 3, 7, 30, tzinfo=UTC)
    assert event.end_dt == datetime(2030, 6, 3, 15, 0, tzinfo=UTC)
    assert [t.id for t in event.themes] == [theme.id]
    assert [link.partner_id for link in event.partner_links] == [other_partner.id]
    assert response.headers["Location"].endswith(f"/events/{event.id}/manage")


def test_partner_and_status_are_never_read_from_the_form(client, proposer, other_partner):
    response = client.post(
        "/events/new",
        data=event_form_data(
            lead_partner_id=str(other_partner.id),
            partner_id=str(other_partner.id),
            status="approved",
            proposer_id="999",
        ),
    )
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.lead_partner_id == proposer.partner_id
    assert event.status == Status.DRAFT


def test_all_day_event_over_several_dates(client, proposer):
    response = client.post(
        "/events/new",
        data=event_form_data(
            is_all_day="y",
            start_time="",
            end_time="",
            start_date="2030-06-03",
            end_date="2030-06-05",
            timezone="Africa/Casablanca",
        ),
    )
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.is_all_day
    assert (event.start_date, event.end_date) == (date(2030, 6, 3), date(2030, 6, 5))
    assert event.end_dt > event.start_dt


@pytest.mark.parametrize(
    "day,clock,needle",
    [
        ("2030-03-31", "02:30", "does not exist in Paris Time"),  # last Sunday of March
        ("2030-10-27", "02:30", "happens twice in Paris Time"),  # last Sunday of October
    ],
)
def test_dst_gap_and_fold_get_clear_errors(client, proposer, day, clock, needle):
    response = client.post(
        "/events/new",
        data=event_form_data(start_date=day, start_time=clock, end_date=day, end_time="18:00"),
    )
    assert response.status_code == 400
    assert needle in response.get_data(as_text=True)
    assert events_count() == 0


def test_dst_gap_on_the_end_time_is_reported_on_the_end(client, proposer):
    response = client.post(
        "/events/new",
        data=event_form_data(
            start_date="2030-03-30", start_time="20:00", end_date="2030-03-31", end_time="02:15"
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="end_time-error"' in html and "does not exist" in html


@pytest.mark.parametrize(
    "overrides",
    [
        {"end_time": "09:30"},  # end equals start
        {"end_time": "08:00"},  # end before start
        {"end_date": "2030-06-02"},  # a day earlier
    ],
)
def test_end_must_come_after_start(client, proposer, overrides):
    response = client.post("/events/new", data=event_form_data(**overrides))
    assert response.status_code == 400
    assert "must end after it starts" in response.get_data(as_text=True)
    assert events_count() == 0


def test_all_day_last_day_before_first_is_rejected(client, proposer):
    response = client.post(
        "/events/new",
        data=event_form_data(is_all_day="y", start_date="2030-06-03", end_date="2030-06-01"),
    )
    assert response.status_code == 400
    assert "last day cannot be before the first day" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus_Mons",
        "",
        "../../etc/passwd",
        "posix/Europe/Paris",
        "Europe/Paris\x00",
        "x" * 300,
    ],
)
def test_unknown_time_zones_are_form_errors(client, proposer, zone):
    response = client.post("/events/new", data=event_form_data(timezone=zone))
    assert response.status_code == 400
    assert events_count() == 0


def test_missing_time_for_a_timed_event(client, proposer):
    response = client.post("/events/new", data=event_form_data(start_time=""))
    assert response.status_code == 400
    assert "Enter a time" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "field,value",
    [
        ("online_url", "javascript:alert(1)"),
        ("registration_url", "data:text/html,<script>alert(1)</script>"),
        ("country", "France"),
        ("languages", "english; <b>"),
        ("latitude", "91"),
        ("title", "A\x00B"),
        ("title", "x" * 10_000),
        ("description", "x" * 20_001),
        ("summary", "bad\x07bell"),
        ("theme_ids", "not-a-number"),
        ("partner_ids", "99999"),
        ("project_id", "abc"),
        ("kind", "party"),
    ],
)
def test_hostile_fields_are_form_errors(client, proposer, field, value):
    response = client.post("/events/new", data=event_form_data(**{field: value}))
    assert response.status_code == 400
    assert events_count() == 0


def test_lead_partner_cannot_be_named_co_organiser(client, proposer):
    response = client.post(
        "/events/new", data=event_form_data(partner_ids=[str(proposer.partner_id)])
    )
    assert response.status_code == 400
    assert events_count() == 0


def _real_tags(page: str) -> list[tuple[str, list]]:
    """Tags an HTML parser (like a browser) sees, not text that merely looks like tags."""
    found: list[tuple[str, list]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(page)
    return found


XSS = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    "<svg/onload=alert(1)>",
    "[x](  JaVaScRiPt:alert(1))",
    '"><iframe src=//evil.example>',
]


def test_xss_in_markdown_is_rendered_harmless(client, proposer):
    description = "\n\n".join(XSS) + "\n\n[ok](https://example.org)"
    response = client.post(
        "/events/new",
        data=event_form_data(description=description, title="<script>alert('t')</script>"),
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    lowered = page.lower()
    assert "<script>alert" not in lowered
    tags = _real_tags(page)
    assert not {"iframe", "svg", "img", "object", "embed"} & {name for name, _ in tags}
    for name, attrs in tags:
        for attr, value in attrs:
            assert not attr.startswith("on"), (name, attr)
            if attr in ("href", "src"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:"))
    assert 'href="https://example.org"' in page
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in page


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    field=st.sampled_from(
        [
            "title",
            "summary",
            "description",
            "timezone",
            "start_date",
            "start_time",
            "end_date",
            "end_time",
            "city",
            "country",
            "languages",
            "online_url",
            "latitude",
            "theme_ids",
            "partner_ids",
            "visibility",
        ]
    ),
    value=st.text(max_size=300),
)
def test_random_text_never_gives_a_500(client, proposer, field, value):
    response = client.post("/events/new", data=event_form_data(**{field: value}))
    assert response.status_code in (200, 302, 400)
    db.session.rollback()


def test_check_for_clashes_saves_nothing(client, proposer):
    response = client.post("/events/new", data=event_form_data(check="1"))
    assert response.status_code == 200
    assert "Possible clashes" in response.get_data(as_text=True)
    assert events_count() == 0

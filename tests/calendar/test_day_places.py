"""Which events a month grid shows on each local day, and how many it has: PostgreSQL counts
them in SQL (calendar.services._placed_in_sql), other engines in Python (place_spans). Both
give the same answer; each case runs on the engine under test, and on PostgreSQL both ways."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Status, Visibility
from coordinator.calendar import services
from coordinator.calendar.services import DayPlaces, Month
from coordinator.extensions import db
from tests.factories import EventFactory

MARCH = Month(2026, 3)
# Monday 23 February to Sunday 5 April.
GRID = services.month_weeks(MARCH)


def at(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def places(user=None, month: Month = MARCH, limit: int = 3, **filters) -> DayPlaces:
    db.session.commit()
    weeks = services.month_weeks(month)
    args = (user, EventFilters(**filters), weeks[0][0], weeks[-1][-1], month, limit)
    in_python = services._placed_in_python(*args)
    if db.session.get_bind().dialect.name == "postgresql":
        assert services._placed_in_sql(*args) == in_python
    return in_python


def days_of(result: DayPlaces, event) -> dict[date, bool]:
    """The days the event is shown on, each with its `continues` flag."""
    return {
        day: continues
        for day, items in result.shown.items()
        for event_id, continues in items
        if event_id == event.id
    }


def test_the_grid_covers_whole_weeks():
    assert (GRID[0][0], GRID[-1][-1]) == (date(2026, 2, 23), date(2026, 4, 5))


def test_events_sit_on_their_local_day(app):
    # 23:30 UTC on 10 March is 08:30 on 11 March in Tokyo; 03:00 UTC on 11 March is 20:00
    # on 10 March in Los Angeles.
    tokyo = EventFactory(
        timezone="Asia/Tokyo", start_dt=at(2026, 3, 10, 23, 30), end_dt=at(2026, 3, 11, 1)
    )
    los_angeles = EventFactory(
        timezone="America/Los_Angeles", start_dt=at(2026, 3, 11, 3), end_dt=at(2026, 3, 11, 4)
    )
    result = places()
    assert days_of(result, tokyo) == {date(2026, 3, 11): False}
    assert days_of(result, los_angeles) == {date(2026, 3, 10): False}
    assert result.totals == {date(2026, 3, 10): 1, date(2026, 3, 11): 1}
    assert result.month_event_count == 2


def test_local_days_follow_the_clock_changes(app):
    # Paris: UTC+1 until 29 March 2026 01:00 UTC, UTC+2 until 25 October 01:00 UTC.
    before = EventFactory(start_dt=at(2026, 3, 28, 23, 30), end_dt=at(2026, 3, 29, 0, 30))
    after = EventFactory(start_dt=at(2026, 3, 29, 22, 30), end_dt=at(2026, 3, 29, 23))
    still_winter = EventFactory(start_dt=at(2026, 3, 28, 22, 30), end_dt=at(2026, 3, 28, 22, 45))
    result = places()
    assert days_of(result, before) == {date(2026, 3, 29): False}  # 00:30 CET
    assert days_of(result, after) == {date(2026, 3, 30): False}  # 00:30 CEST
    assert days_of(result, still_winter) == {date(2026, 3, 28): False}  # 23:30 CET
    autumn_summer = EventFactory(start_dt=at(2026, 10, 24, 22, 30), end_dt=at(2026, 10, 24, 23))
    autumn_winter = EventFactory(start_dt=at(2026, 10, 25, 22, 30), end_dt=at(2026, 10, 25, 23))
    october = places(month=Month(2026, 10))
    assert days_of(october, autumn_summer) == {date(2026, 10, 25): False}  # 00:30 CEST
    assert days_of(october, autumn_winter) == {date(2026, 10, 25): False}  # 23:30 CET


def test_an_event_ending_at_local_midnight_stays_on_its_day(app):
    event = EventFactory(start_dt=at(2026, 3, 10, 21), end_dt=at(2026, 3, 10, 23))
    assert days_of(places(), event) == {date(2026, 3, 10): False}


def test_multi_day_and_all_day_events_cover_each_day_and_continue(app):
    timed = EventFactory(
        timezone="Asia/Tokyo", start_dt=at(2026, 3, 9, 23), end_dt=at(2026, 3, 12, 3)
    )  # 08:00 on the 10th to 12:00 on the 12th in Tokyo
    all_day = EventFactory(
        timezone="Europe/Madrid",
        is_all_day=True,
        start_date=date(2026, 3, 30),
        end_date=date(2026, 4, 1),
        start_dt=at(2026, 3, 29, 22),
        end_dt=at(2026, 4, 1, 22),
    )
    result = places()
    assert days_of(result, timed) == {
        date(2026, 3, 10): False,
        date(2026, 3, 11): True,
        date(2026, 3, 12): True,
    }
    assert days_of(result, all_day) == {
        date(2026, 3, 30): False,
        date(2026, 3, 31): True,
        date(2026, 4, 1): True,
    }
    assert result.month_event_count == 2


def test_spans_are_cut_at_the_grid_and_counted_in_the_month_they_touch(app):
    # From January into the grid's first week: shown from the grid's first day on, continuing,
    # and not in March's count.
    from_january = EventFactory(start_dt=at(2026, 1, 28, 9), end_dt=at(2026, 2, 24, 9))
    # The grid's last days belong to April: shown there, not counted in March.
    april = EventFactory(start_dt=at(2026, 4, 2, 9), end_dt=at(2026, 4, 2, 10))
    # From February's last day into March: counted.
    across = EventFactory(start_dt=at(2026, 2, 28, 9), end_dt=at(2026, 3, 1, 9))
    # Running past the grid's end.
    into_may = EventFactory(start_dt=at(2026, 3, 31, 9), end_dt=at(2026, 5, 3, 9))
    result = places()
    assert days_of(result, from_january) == {date(2026, 2, 23): True, date(2026, 2, 24): True}
    assert days_of(result, april) == {date(2026, 4, 2): False}
    assert days_of(result, across) == {date(2026, 2, 28): False, date(2026, 3, 1): True}
    shown = days_of(result, into_may)
    assert min(shown) == date(2026, 3, 31) and max(shown) == date(2026, 4, 5)
    assert result.month_event_count == 2  # across and into_may


def test_a_day_shows_all_day_and_continuing_events_first_then_by_start(app):
    day = date(2026, 3, 18)
    late = EventFactory(start_dt=at(2026, 3, 18, 15), end_dt=at(2026, 3, 18, 16))
    early = EventFactory(start_dt=at(2026, 3, 18, 8), end_dt=at(2026, 3, 18, 9))
    # Two at the same time: the lower id first, on every request.
    tie_a = EventFactory(start_dt=at(2026, 3, 18, 10), end_dt=at(2026, 3, 18, 11))
    EventFactory(start_dt=at(2026, 3, 18, 10), end_dt=at(2026, 3, 18, 11))  # tie_b, not shown
    continuing = EventFactory(start_dt=at(2026, 3, 17, 10), end_dt=at(2026, 3, 18, 17))
    all_day = EventFactory(
        is_all_day=True,
        start_date=day,
        end_date=day,
        start_dt=at(2026, 3, 17, 23),
        end_dt=at(2026, 3, 18, 23),
    )
    result = places(limit=4)
    assert result.shown[day] == [
        (continuing.id, True),
        (all_day.id, False),
        (early.id, False),
        (tie_a.id, False),
    ]
    assert result.totals[day] == 6
    assert late.id not in {event_id for event_id, _ in result.shown[day]}
    assert result.month_event_count == 6


def test_only_the_first_few_are_returned_with_the_day_count(app):
    for minute in range(7):
        EventFactory(start_dt=at(2026, 3, 5, 8, minute), end_dt=at(2026, 3, 5, 9))
    result = places()
    assert len(result.shown[date(2026, 3, 5)]) == 3
    assert result.totals == {date(2026, 3, 5): 7}
    assert result.month_event_count == 7


def test_an_empty_month(app):
    assert places() == DayPlaces({}, {}, 0)


@pytest.mark.parametrize("signed_in", [False, True])
def test_published_events_only_network_ones_for_signed_in_users(app, focal_point, signed_in):
    shown = {}
    for name, status, visibility in [
        ("public", Status.APPROVED, Visibility.PUBLIC),
        ("cancelled", Status.CANCELLED, Visibility.PUBLIC),
        ("network", Status.APPROVED, Visibility.NETWORK),
        ("draft", Status.DRAFT, Visibility.PUBLIC),
        ("submitted", Status.SUBMITTED, Visibility.PUBLIC),
    ]:
        shown[name] = EventFactory(
            status=status,
            visibility=visibility,
            start_dt=at(2026, 3, 12, 9),
            end_dt=at(2026, 3, 12, 10),
        ).id
    result = places(user=focal_point if signed_in else None, limit=10)
    visible = {event_id for event_id, _ in result.shown[date(2026, 3, 12)]}
    expected = {"public", "cancelled", "network"} if signed_in else {"public", "cancelled"}
    assert visible == {shown[name] for name in expected}
    assert result.totals[date(2026, 3, 12)] == len(expected) == result.month_event_count


def test_filters_narrow_the_counts(app):
    EventFactory(country="FR", start_dt=at(2026, 3, 3, 9), end_dt=at(2026, 3, 3, 10))
    tunis = EventFactory(country="TN", start_dt=at(2026, 3, 3, 9), end_dt=at(2026, 3, 3, 10))
    result = places(countries=["TN"])
    assert result.shown == {date(2026, 3, 3): [(tunis.id, False)]}
    assert result.totals == {date(2026, 3, 3): 1} and result.month_event_count == 1


def test_one_placing_statement_per_shape_serves_every_month(app, focal_point):
    """The statement is kept per shape (who may see what, which filters), with the dates bound:
    the same one for any month and any dates in the filters, another for any other shape."""
    services._placing_statement.cache_clear()

    def statement(user=None, **filters):
        return services._placing_statement(
            services.window_shape(user, EventFilters(**filters)), 41, 3
        )

    anonymous = statement()
    assert statement(start=date(2026, 1, 1)) is anonymous
    assert statement(user=focal_point) is not anonymous
    assert statement(countries=["TN"]) is not anonymous
    assert statement(countries=["TN"]) is not statement(countries=["FR"])
    assert statement(kinds=["webinar"]) is statement(kinds=["webinar"])


def test_months_and_filters_in_turn_each_get_their_own_events(app):
    """Run one after the other in one process (the kept statement bound anew each time)."""
    march = EventFactory(country="FR", start_dt=at(2026, 3, 3, 9), end_dt=at(2026, 3, 3, 10))
    may = EventFactory(country="TN", start_dt=at(2026, 5, 20, 9), end_dt=at(2026, 5, 20, 10))
    for _ in range(2):
        assert places().shown == {date(2026, 3, 3): [(march.id, False)]}
        assert places(month=Month(2026, 5)).shown == {date(2026, 5, 20): [(may.id, False)]}
        assert places(month=Month(2026, 5), countries=["FR"]).shown == {}
        assert places(month=Month(2026, 5), countries=["TN"]).month_event_count == 1


def test_the_agenda_opens_on_the_next_events_month_at_each_instant_in_turn(app):
    """agenda_opening_month keeps one statement per shape and binds the instant: asked at
    several instants one after the other, each opens on its own month."""
    services._opening_statement.cache_clear()
    EventFactory(start_dt=at(2026, 3, 3, 9), end_dt=at(2026, 3, 3, 10))
    EventFactory(start_dt=at(2026, 6, 10, 9), end_dt=at(2026, 6, 10, 10), country="TN")
    db.session.commit()
    listed = services.window_events(None, EventFilters())
    tunisia = services.window_events(None, EventFilters(countries=["TN"]))
    for _ in range(2):
        assert services.agenda_opening_month(listed, at(2026, 3, 1)) == MARCH
        # Late in March, nothing left: the month of the next event.
        assert services.agenda_opening_month(listed, at(2026, 3, 20)) == Month(2026, 6)
        assert services.agenda_opening_month(tunisia, at(2026, 3, 1)) == Month(2026, 6)
        # Nothing left at all: today's month.
        assert services.agenda_opening_month(listed, at(2026, 7, 1)) == Month(2026, 7)
    assert services._opening_statement.cache_info().currsize == 2

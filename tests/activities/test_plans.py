"""The lists, the partner filter and the month grid are read through the indexes meant for
them: EXPLAIN on PostgreSQL, over a few thousand events, for the statements the pages run.

SQLite's planner is not the one that serves the site, so the test runs on PostgreSQL only
(CI's PostgreSQL stage sets COORDINATOR_DATABASE_URL).
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import insert, text

from coordinator.activities.models import Event, EventPartner, Project, Theme, event_themes
from coordinator.extensions import db
from coordinator.partners.models import Partner

EVENTS = 6000
PARTNERS = 30


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "EXPLAIN plans are PostgreSQL's: run with COORDINATOR_DATABASE_URL set "
            "(CI's PostgreSQL stage does)"
        )
    # The statements of the pages themselves: the anonymous page cache's data-version aggregate
    # (one per recheck interval, not per request) reads every row and is measured by
    # bench/scale.py instead.
    app.config["PAGE_CACHE"] = False
    return app


def _seed() -> None:
    """EVENTS events over ±2 years, 30 partners and 8 themes; a few long-running ones, more
    lasting a few days, some drafts, cancelled or network-only. Then ANALYZE, so the planner
    knows the sizes."""
    now = datetime.now(UTC).replace(microsecond=0)
    rnd = random.Random(13)
    db.session.execute(
        insert(Partner),
        [dict(id=n, name=f"Partner {n}", acronym=f"P{n}", slug=f"p{n}") for n in range(1, 31)],
    )
    db.session.execute(insert(Theme), [dict(id=n, name=f"T{n}", slug=f"t{n}") for n in range(1, 9)])
    events, links, themes = [], [], []
    for number in range(1, EVENTS + 1):
        start = now + timedelta(minutes=rnd.randint(-2 * 365 * 1440, 2 * 365 * 1440))
        # About 1% long-running (ix_events_long_running) and 5% lasting a few days: both are in
        # ix_events_multi_day, which must be clearly the larger of the two partial indexes, as
        # on a real network. With the same rows in both, the planner's choice between them for
        # the long-running part is a tie, and it broke the other way on another machine.
        lasting = rnd.random()
        if lasting < 0.01:
            days = rnd.randint(40, 200)
        elif lasting < 0.06:
            days = rnd.randint(2, 20)
        else:
            days = 0
        length = timedelta(days=days, hours=2)
        status = rnd.choice(["approved"] * 8 + ["cancelled", "draft"])
        published = status != "draft"
        events.append(
            dict(
                id=number,
                title=f"Event {number}",
                kind="workshop",
                timezone="Europe/Paris",
                start_dt=start,
                end_dt=start + length,
                lead_partner_id=rnd.randint(1, PARTNERS),
                status=status,
                status_changed_dt=now,
                created_dt=now,
                updated_dt=now,
                submitted_dt=now if published else None,
                published_dt=now - timedelta(minutes=number) if published else None,
                cancelled_dt=now if status == "cancelled" else None,
                country=rnd.choice(["FR", "TN", "ES", "IT", "MA"]),
                visibility="public" if rnd.random() > 0.1 else "network",
            )
        )
        links.append(
            dict(
                event_id=number,
                partner_id=rnd.randint(1, PARTNERS),
                confirmation=rnd.choice(["confirmed", "pending"]),
            )
        )
        themes.append(dict(event_id=number, theme_id=rnd.randint(1, 8)))
    db.session.execute(insert(Event), events)
    db.session.execute(insert(EventPartner), links)
    db.session.execute(event_themes.insert(), themes)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _plans(client, url: str) -> list[tuple[str, str]]:
    """(statement, plan) of each statement on events the page ran."""
    ran: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        ran.append((statement, parameters))

    db.session.remove()
    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    plans = []
    with db.engine.connect() as connection:
        cursor = connection.connection.cursor()
        for statement, parameters in ran:
            verb = statement.lstrip().split(None, 1)[0].upper()
            if " events" not in statement or verb not in ("SELECT", "WITH"):
                continue
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append((statement, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def _seeks(plans, *needles: str) -> list[str]:
    """Plans of the statements that read events by (start_dt, id) and contain the needles."""
    return [
        plan
        for statement, plan in plans
        if "ORDER BY events.start_dt" in statement and all(n in statement for n in needles)
    ]


def _seek_and_count(plan: str) -> tuple[str, str | None]:
    """A list's seek reads its count in the same statement, in the last branch of its UNION
    ALL (a scalar subquery: an InitPlan of the top Append, and a branch that only returns
    it): the plan of the seek alone, and the count's plan (None: the statement counts
    nothing)."""
    lines = plan.splitlines()
    if not lines[0].startswith("Append"):
        return plan, None
    # The top Append's children: each starts on a line indented by two spaces.
    children: list[list[str]] = []
    for line in lines[1:]:
        if line.startswith("  ") and not line.startswith("   "):
            children.append([])
        children[-1].append(line)
    counts = [child for child in children if child[0].lstrip().startswith("InitPlan")]
    if not counts:
        return plan, None
    # The branch returning the count reads nothing itself ("Result" with no child).
    seek = [
        line
        for child in children
        if child not in counts and not (len(child) == 1 and "Result" in child[0])
        for line in child
    ]
    return "\n".join([lines[0], *seek]), "\n".join(counts[0])


def _capped(plan: str) -> bool:
    """Every read of events in the plan is under a Limit (each branch of a count stops after
    COUNT_CAP + 1 rows)."""
    lines = plan.splitlines()
    for number, line in enumerate(lines):
        if " on events" not in line:
            continue
        depth = len(line) - len(line.lstrip())
        ancestors = []
        for above in reversed(lines[:number]):
            indent = len(above) - len(above.lstrip())
            if indent < depth and "->" in above or indent == 0:
                ancestors.append(above.strip())
                depth = indent
        if not any(a.startswith(("->  Limit", "Limit")) for a in ancestors):
            return False
    return True


def test_the_events_list_seeks_the_start_index(postgresql, client):
    _seed()
    plans = _plans(client, "/events/")
    # No statement of the page reads every event: not the seeks, nor the countries of the
    # filter form; the count (read with the seek) stops after COUNT_CAP + 1 rows whichever way
    # it reads them.
    for statement, plan in plans:
        rest, count = _seek_and_count(plan)
        assert count is None or _capped(count), plan
        assert "Seq Scan on events" not in rest, f"{statement}\n{plan}"
    (seek,) = _seeks(plans)  # one statement, its parts the branches of a UNION ALL:
    seek, count = _seek_and_count(seek)
    assert count is not None, seek  # the count in the seek's statement
    # The part started from a day back, the longer ones of the month before, the long-running.
    recent, multi_day, long_running = _branches(seek)
    assert "Seq Scan on events" not in seek, seek
    assert "ix_events_start_id" in recent, recent
    assert "ix_events_multi_day" in multi_day, multi_day
    assert "ix_events_long_running" in long_running, long_running
    # The next page seeks from its cursor the same way.
    past = _plans(client, "/events/past")
    (seek,) = _seeks(past)
    assert re.search(
        r"Index (Only )?Scan Backward using ix_events_start_id", _seek_and_count(seek)[0]
    ), seek


def test_the_home_page_seeks_its_next_events_from_a_day_back(postgresql, client):
    """The home page's next events are sought as the events list's first page is: the start
    index from a day back (an index condition on start_dt), the longer events of the month
    before and the long-running ones from their own indexes, not read in start order from the
    network's first event with every ended one filtered out."""
    _seed()
    (seek,) = _seeks(_plans(client, "/"))
    recent, multi_day, long_running = _branches(seek)
    assert re.search(r"Index Cond: .*start_dt >=", recent), recent
    assert "ix_events_multi_day" in multi_day, multi_day
    assert "ix_events_long_running" in long_running, long_running


BUSY = 31  # the partner of _seed_busy_partner


def _seed_busy_partner() -> None:
    """A partner as busy as the bench's busiest: it leads every tenth event and co-organises
    (confirmed) another tenth; and a project with every tenth event. Then ANALYZE."""
    db.session.execute(insert(Partner), [dict(id=BUSY, name="Busy", acronym="B", slug="busy")])
    db.session.execute(
        insert(Project),
        [
            dict(
                id=1,
                slug="hub",
                title="Hub",
                start_date=datetime.now(UTC).date() - timedelta(days=800),
                end_date=datetime.now(UTC).date() + timedelta(days=800),
                lead_partner_id=BUSY,
                status="approved",
                status_changed_dt=datetime.now(UTC),
                submitted_dt=datetime.now(UTC),
                published_dt=datetime.now(UTC),
                created_dt=datetime.now(UTC),
                updated_dt=datetime.now(UTC),
            )
        ],
    )
    db.session.execute(text(f"UPDATE events SET lead_partner_id = {BUSY} WHERE id % 10 = 3"))
    db.session.execute(text("UPDATE events SET project_id = 1 WHERE id % 10 = 7"))
    db.session.execute(
        insert(EventPartner),
        [
            dict(event_id=number, partner_id=BUSY, confirmation="confirmed")
            for number in range(5, EVENTS + 1, 10)
        ],
    )
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _branches(plan: str) -> list[str]:
    """The plans of the branches of a UNION ALL (the children of its top Append)."""
    lines = plan.splitlines()
    assert lines[0].startswith("Append"), plan
    branches: list[list[str]] = []
    for line in lines[1:]:
        if line.startswith("  ->  "):
            branches.append([])
        branches[-1].append(line)
    return ["\n".join(branch) for branch in branches]


def _seek_branches(plan: str) -> list[str]:
    """The plans of the seek's branches, wherever its unions sit in the statement (a list's
    seek is the statement, a partner's or project's page reads its cards around its two, one
    per direction): the subtrees under an Append or Merge Append that hold no union of their
    own."""
    lines = plan.splitlines()

    def label_column(line: str) -> int:
        stripped = line.lstrip()
        offset = 4 if stripped.startswith("->  ") else 0
        return len(line) - len(stripped) + offset

    branches = []
    for number, line in enumerate(lines):
        if not re.match(r"(Merge )?Append\b", line.strip().removeprefix("->  ")):
            continue
        arrow = label_column(line) + 2  # where its children's "->" arrows stand
        children: list[list[str]] = []
        for child in lines[number + 1 :]:
            indent = len(child) - len(child.lstrip())
            if child.lstrip().startswith("->  ") and indent == arrow:
                children.append([])
            elif indent <= arrow - 2 and child.lstrip().startswith("->  "):
                break
            if children:
                children[-1].append(child)
        branches += ["\n".join(child) for child in children if "Append" not in "".join(child)]
    return branches


def _sought_not_gathered(plan: str, partner_id: int) -> None:
    """The partner's lists are sought, not gathered: no branch reads every link; every branch
    stops at its page; the events it leads are read in list order along its range of
    ix_events_lead_start (no sort of all of them), from now on or back from now; those it
    co-organises (led by another) along the start index with each event's co-organisers
    looked up by the event_partners primary key, or, where the planner finds it cheaper (a
    partner with few links, a small table as here), from the partner's own links."""
    assert "Seq Scan on event_partners" not in plan, plan
    led = f"lead_partner_id = {partner_id})"
    for branch in _seek_branches(plan):
        assert "Limit" in branch, branch
        if "ix_events_long_running" in branch or "ix_events_multi_day" in branch:
            continue  # the few longer events, whoever leads them
        if led in branch:
            assert "Sort" not in branch and "Seq Scan" not in branch, branch
            assert re.search(r"Index Scan (Backward )?using ix_events_lead_start", branch), branch
        else:
            assert f"lead_partner_id <> {partner_id}" in branch, branch
            assert (
                "pk_event_partners" in branch or "ix_event_partners_partner_confirmation" in branch
            ), branch


def test_the_partner_page_seeks_its_lists_along_the_partner_indexes(postgresql, client):
    _seed()
    _seed_busy_partner()
    plans = _plans(client, "/partners/busy")
    seeks = _seeks(plans, "event_partners")
    # One statement seeks both lists and reads their cards: upcoming (the partner's and its
    # co-organised events running now or later, and the long-running ones) and past, each
    # side a branch.
    assert len(seeks) == 1, plans
    (statement,) = [s for s, p in plans if "ORDER BY events.start_dt" in s]
    assert "ANY(ARRAY(" not in statement, statement  # no gathering of every event's id
    (plan,) = seeks
    assert len(_seek_branches(plan)) == 8, plan
    _sought_not_gathered(plan, BUSY)
    assert "Index Scan Backward using ix_events_lead_start" in plan, plan  # the past, from now
    assert "ix_events_long_running" in plan, plan


def test_the_project_page_seeks_its_lists_along_the_project_index(postgresql, client):
    _seed()
    _seed_busy_partner()
    plans = _plans(client, "/projects/hub")
    (plan,) = _seeks(plans, "events.project_id")
    assert "Seq Scan on events" not in plan, plan
    assert "Index Scan using ix_events_project_start" in plan, plan
    assert "Index Scan Backward using ix_events_project_start" in plan, plan
    # Not the project's whole past: the long-running events that started earlier are few.
    assert "ix_events_long_running" in plan, plan
    branches = _seek_branches(plan)
    assert len(branches) == 4 and all("Limit" in branch for branch in branches), plan


def test_the_partner_filter_seeks_the_partner_indexes(postgresql, client):
    _seed()
    _seed_busy_partner()
    for url in ("/events/?partner=busy", "/events/past?partner=busy"):
        plans = _plans(client, url)
        (seek,) = _seeks(plans, "event_partners")
        seek, count = _seek_and_count(seek)
        _sought_not_gathered(seek, BUSY)
        _counted_from_the_links(count)
    # With several partners, the sides are sought the same way (the planner picks, for each,
    # between the partners' index ranges and the start index), and counts stop at the cap.
    (seek,) = _seeks(_plans(client, "/events/?partner=busy&partner=p7"), "event_partners")
    _counted_from_the_links(_seek_and_count(seek)[1])


def _counted_from_the_links(plan: str | None) -> None:
    """A partner filter's count stops at the cap, and finds the co-organised events from the
    partners' links (looked up by primary key), never by scanning or hash-joining every event
    of the range: at 50,000 events that read 17,000 rows for the busiest partner."""
    assert plan is not None  # read with the seek
    assert _capped(plan), plan
    assert "Seq Scan on events" not in plan, plan
    assert "Hash Join" not in plan, plan


def test_the_theme_filter_reads_the_themes_links_alone(postgresql, client):
    """A theme's events come from its own event_themes rows (ix_event_themes_theme_id), never
    from a scan of every event's themes: in the list's count and in the month grid."""
    _seed()
    for url in ("/events/?theme=t3", "/calendar/?theme=t3"):
        for statement, plan in _plans(client, url):
            assert "Seq Scan on event_themes" not in plan, f"{statement}\n{plan}"


def test_the_month_grid_reads_a_window_of_the_start_index(postgresql, client):
    _seed()
    month = datetime.now(UTC) + timedelta(days=60)
    plans = _plans(client, f"/calendar/{month.year}/{month.month}")
    for statement, plan in plans:
        assert "Seq Scan on events" not in plan, f"{statement}\n{plan}"
    (window,) = [plan for statement, plan in plans if "row_number()" in statement]
    assert "Seq Scan on events" not in window, window
    assert re.search(r"ix_events_(start_id|status_start)", window), window
    assert "ix_events_multi_day" in window and "ix_events_long_running" in window, window


def test_the_month_grid_and_the_list_count_read_the_covering_index_alone(postgresql, client):
    """Once the table is vacuumed (autovacuum's work on a live site), the month grid's window
    and the events list's count read ix_events_status_start, which carries the columns they
    read: index-only scans, no event row fetched from the table."""
    _seed()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE events"))
    month = datetime.now(UTC) + timedelta(days=60)
    (window,) = [
        plan
        for statement, plan in _plans(client, f"/calendar/{month.year}/{month.month}")
        if "row_number()" in statement
    ]
    # (The long-running events, a few, come from ix_events_long_running and their rows.)
    assert "Index Only Scan using ix_events_status_start" in window, window
    (seek,) = _seeks(_plans(client, "/events/"))
    count = _seek_and_count(seek)[1]
    # Along either covering index: both carry what the count tests.
    assert count is not None and re.search(
        r"Index Only Scan using ix_events_(status_start|start_id)", count
    ), seek


def test_the_seeks_along_the_start_index_read_it_alone(postgresql, client):
    """Once the table is vacuumed, the seeks along ix_events_start_id (the events list's
    running-or-future branch, the agenda's opening event, a partner page's co-organised
    events) read the index alone: it carries what they test of each event they pass over
    (START_ID_INCLUDE), so the events that began in the last month and have ended, passed
    over before the page's first, are never fetched from the table."""
    _seed()
    _seed_busy_partner()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE events"))
    (seek,) = _seeks(_plans(client, "/events/"))
    recent = _branches(_seek_and_count(seek)[0])[0]
    assert "Index Only Scan using ix_events_start_id" in recent, recent
    (opening,) = [
        plan
        for statement, plan in _plans(client, "/calendar/agenda")
        if "events.end_dt >" in statement
        and "LIMIT" in statement
        and "events.timezone" in statement
    ]
    assert "Index Only Scan using ix_events_start_id" in opening, opening
    assert "Index Scan using ix_events_start_id" not in opening, opening
    (partner,) = _seeks(_plans(client, "/partners/busy"), "event_partners")
    along_start = [line for line in partner.splitlines() if "using ix_events_start_id" in line]
    assert along_start and all("Index Only Scan" in line for line in along_start), partner


def test_the_atom_feed_reads_the_newest_published(postgresql, client):
    _seed()
    plans = _plans(client, "/events.atom")
    (newest,) = [plan for statement, plan in plans if "ORDER BY events.published_dt" in statement]
    assert "ix_events_published_id" in newest, newest


def _reads_a_start_range(plan: str) -> bool:
    """The plan reads the start index from a lower bound (or the long-running events' index),
    not from the network's first event on."""
    return bool(re.search(r"Index Cond: .*start_dt >=", plan)) or "ix_events_long_running" in plan


def test_the_agenda_finds_its_opening_month_from_a_day_back(postgresql, client):
    _seed()
    plans = _plans(client, "/calendar/agenda")
    opening = [
        plan
        for statement, plan in plans
        # The first event not ended, read as its span (the agenda's page of events reads
        # only (start_dt, id) along the index, then loads whole rows without LIMIT).
        if "events.end_dt >" in statement
        and "LIMIT" in statement
        and "events.timezone" in statement
    ]
    (opening,) = opening  # every part, one statement: each branch reads a start range
    branches = _branches(opening)
    assert len(branches) == 3, opening
    for branch in branches:
        assert _reads_a_start_range(branch), opening


def test_the_feed_reads_its_window_as_start_index_ranges(postgresql, client):
    _seed()
    plans = _plans(client, "/calendar.ics")
    window = _seeks(plans, "events.end_dt >")
    assert len(window) >= 3, plans  # the size bound, the long-running events, the batches
    for plan in window:
        assert "Seq Scan on events" not in plan and _reads_a_start_range(plan), plan


def test_a_partners_space_reads_its_activities_and_links_from_their_indexes(
    postgresql, client, login_as
):
    """The signed-in home page, the navigation badge and My partner's activities of the
    busiest partner: its activities by state come from its own index range, and
    its co-organiser links (answers due, events co-organised) from their index, their events
    by primary key, never from a scan of every event still taking answers (at 50,000 events a
    hash join read 43,000 of them to count one partner's 765 answers due)."""
    from tests.factories import UserFactory

    _seed()
    _seed_busy_partner()
    login_as(UserFactory(role="focal_point", partner=db.session.get(Partner, BUSY)))
    plans = _plans(client, "/") + _plans(client, "/my/activities")
    links = [(s, p) for s, p in plans if "event_partners.confirmation =" in s and "count(" in s]
    assert links, [s for s, _ in plans]
    for statement, plan in links:
        assert "ANY(ARRAY(" in statement, statement
        assert "Seq Scan on events" not in plan and "Index Cond: (id = ANY" in plan, plan
        assert "ix_event_partners_partner_confirmation" in plan, plan
        # Every read of events has a condition on its index (a key, a lead partner), none
        # reads an index whole with the states as a filter.
        lines = plan.splitlines()
        for number, line in enumerate(lines):
            if " on events" in line:
                assert lines[number + 1].strip().startswith(("Index Cond", "Recheck Cond")), plan
    by_state = [p for s, p in plans if "row_number() OVER (PARTITION BY events.status" in s]
    by_state += [p for s, p in plans if "GROUP BY events.status" in s]
    assert len(by_state) == 2, [s for s, _ in plans]
    for plan in by_state:  # the partner's own index range, whichever index holds it
        assert "Seq Scan on events" not in plan, plan
        assert f"Index Cond: (lead_partner_id = {BUSY})" in plan, plan

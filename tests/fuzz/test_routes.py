"""Every route of app.url_map survives hostile path and query values: never a response >= 500.

The table of values is fixed (no randomness), so a failure reproduces exactly. The walk reads
app.url_map itself: a new route is fuzzed without editing this file, and a route whose converter
this file does not know fails the test until someone says how to fuzz it.

Each role (anonymous, focal point, staff) walks every rule: each path argument in turn gets
hostile values while the others keep a real seeded value, then query strings (every known name at
once, and each name the page was seen to read alone), then POSTs with hostile form bodies
(CSRF is off in the test configuration). `pytest -n 0 tests/fuzz` prints the figures.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import ClassVar
from urllib.parse import quote, urlencode

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import (
    AnyConverter,
    IntegerConverter,
    PathConverter,
    Rule,
    UnicodeConverter,
    UUIDConverter,
)

from coordinator.access import is_public_endpoint
from coordinator.accounts import services as account_services
from coordinator.accounts.models import Invitation, PasswordResetToken
from coordinator.activities.models import Confirmation, EventRevision, ProjectPartner, Status
from coordinator.converters import IdConverter, SlugConverter
from coordinator.db import utcnow
from coordinator.documents import services as document_services
from coordinator.documents.models import DocumentVisibility
from coordinator.documents.storage import get_storage
from coordinator.extensions import db
from tests import factories
from tests.conftest import login
from tests.documents import samples
from tests.feeds.factories import FeedTokenFactory

FEED_TOKEN = "fuzz-feed-token-abcdefghijklmnopqrstuvwxyz0123456789"
INVITE_TOKEN = "fuzz-invitation-token-abcdefghijklmnopqrstuvwxyz"
RESET_TOKEN = "fuzz-reset-token-abcdefghijklmnopqrstuvwxyz01234"

# fmt: off
# Path values, already percent-encoded as a client would send them. Each argument of a rule gets
# every one of them in turn while the rule's other arguments keep a real value.
_PLAIN_PATH_VALUES = [
    "0", "-1", "2147483648", "9223372036854775808", "1" * 10_000, "\x00", "a\x00b", "١٢٣",
    "x" * 10_000, "..", "' OR 1=1 --",
]
PATH_VALUES = [quote(value, safe="") for value in _PLAIN_PATH_VALUES] + ["%FF%FE", "%"]
# Where the client is turned away before the view runs (sign-in, 403), only the converters and
# the router see the value: a few values show that.
FEW_PATH_VALUES = [quote(value, safe="") for value in ("2147483648", "1" * 10_000, "\x00")]

# Query values. A GET route that reads its query string (RecordingArgs) gets each value in all
# QUERY_NAMES at once, and each name it was seen to read gets NAMED_QUERY_VALUES alone, so that
# one bad value cannot hide another. A route that reads none gets a few junk queries.
QUERY_VALUES = [
    "\x00", "2147483648", "9999-12-31", "0001-01-01", "9999-12", "x" * 10_000, "é\u202e日本",
]
NAMED_QUERY_VALUES = ["\x00", "2147483648", "9999-12-31", "0001-01-01"]
QUERY_NAMES = [
    "partner", "project", "theme", "country", "kind", "q", "start", "end", "page", "month",
    "year", "next", "language", "status", "sort",
]
RAW_QUERIES = [
    "partner=%FF%FE&theme=%C0%AE&start=%00&end=%00",
    "start=9999-12-31&end=9999-12-31",
    "start=0001-01-01&end=0001-01-01",
    "&".join(["partner=a"] * 200),
    "%00=%00&=&&=&%",
    "zz\x00=1&" + "y" * 5000 + "=1",
]
# Form bodies posted to every POST rule at its real address.
FORM_NAMES = [
    "title", "name", "email", "comment", "start_date", "end_date", "start_time", "end_time",
    "timezone", "slug", "partner", "partner_ids", "theme_ids", "project_id", "visibility",
    "language", "next", "password", "kind", "country", "start", "end",
]
FORM_VALUES = ["\x00", "9999-12-31", "0001-01-01", "2147483648"]
# fmt: on

_ARGUMENT = re.compile(r"<(?:[^<>]*:)?(\w+)>")
_KNOWN_CONVERTERS = (
    IdConverter,
    SlugConverter,
    AnyConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
)


@dataclass
class World:
    """Real rows, so id and slug routes reach real code, and the signed-in clients."""

    values: dict[str, str]
    project_slug: str
    client: object
    user: object


@pytest.fixture
def world(app, role) -> World:
    lead = factories.PartnerFactory(slug="fuzz-lead")
    other = factories.PartnerFactory(slug="fuzz-other")
    theme = factories.ThemeFactory(slug="fuzz-theme")
    focal_point = factories.UserFactory(role="focal_point", partner=lead)
    factories.UserFactory(role="focal_point", partner=other)
    staff = factories.UserFactory(role="staff")
    victim = factories.UserFactory(role="focal_point", partner=other)  # for /staff/users/<id>
    project = factories.ProjectFactory(lead_partner=lead, slug="fuzz-project")
    db.session.add(
        ProjectPartner(project=project, partner=other, confirmation=Confirmation.PENDING)
    )
    event = factories.EventFactory(lead_partner=lead, project=project, themes=[theme])
    factories.EventPartnerFactory(event=event, partner=other, confirmation=Confirmation.PENDING)
    factories.EventFactory(lead_partner=lead, status=Status.DRAFT)
    factories.EventFactory(lead_partner=other, status=Status.SUBMITTED)
    revision = EventRevision(event=event, proposer=focal_point, data={"title": "Renamed"})
    db.session.add(revision)
    feed_token = FeedTokenFactory(owner=focal_point, raw=FEED_TOKEN)
    db.session.add(
        Invitation(
            email="invitee@example.org",
            role="focal_point",
            partner=lead,
            token_hash=account_services.hash_token(INVITE_TOKEN),
            expires_dt=utcnow() + timedelta(days=1),
        )
    )
    db.session.add(
        PasswordResetToken(
            user=focal_point,
            token_hash=account_services.hash_token(RESET_TOKEN),
            expires_dt=utcnow() + timedelta(days=1),
        )
    )
    db.session.flush()
    document = document_services.create_document(
        subject=event,
        user=focal_point,
        title="Agenda",
        description="",
        visibility=DocumentVisibility.PARTNERS,
        filename="agenda.pdf",
        stream=io.BytesIO(samples.pdf("agenda")),
        storage=get_storage(),
    )
    db.session.commit()
    values = {
        "event_id": str(event.id),
        "project_id": str(project.id),
        "revision_id": str(revision.id),
        "user_id": str(victim.id),
        "token_id": str(feed_token.id),
        "document_id": str(document.id),
        "number": "1",
        "slug": lead.slug,
        "kind": "events",
        "ref": str(event.id),
        "year": "2026",
        "month": "12",
        "action_slug": "submit",
        "answer": "confirm",
        "decision": "approve",
        "filename": "css/app.css",
    }
    client = app.test_client()
    users = {"anonymous": None, "focal_point": focal_point, "staff": staff}
    if users[role] is not None:
        login(client, users[role])
    return World(values, project.slug, client, users[role])


def _token_for(rule: Rule) -> str:
    if rule.rule.startswith("/invite/"):
        return INVITE_TOKEN
    if rule.rule.startswith("/reset/"):
        return RESET_TOKEN
    return FEED_TOKEN


def real_values(rule: Rule, world: World) -> dict[str, str]:
    """A real value for each argument of the rule (the seeded rows), so other arguments of a
    fuzzed one lead to real code."""
    real = {}
    for name, converter in rule._converters.items():
        if name == "token":
            real[name] = _token_for(rule)
        elif name == "slug" and rule.rule.startswith("/projects/"):
            real[name] = world.project_slug
        elif name in world.values:
            real[name] = world.values[name]
        elif isinstance(converter, AnyConverter):
            real[name] = sorted(converter.items)[0]
        else:
            real[name] = "1"
    return real


def extra_values(converter) -> list[str]:
    """Values a converter should accept or that sit at its edges, on top of PATH_VALUES."""
    if not isinstance(converter, _KNOWN_CONVERTERS):
        pytest.fail(
            f"the route fuzz does not know how to fuzz {type(converter).__name__}: "
            "add it to _KNOWN_CONVERTERS and extra_values in tests/fuzz/test_routes.py"
        )
    if isinstance(converter, AnyConverter):
        return [quote(item, safe="") for item in sorted(converter.items)]
    if isinstance(converter, IdConverter):
        return ["2147483647", "007"]
    if isinstance(converter, IntegerConverter):
        return ["13", "1969", "9999"]
    if isinstance(converter, SlugConverter):
        return ["fuzz-project", "-a", "x" * 121, "new"]
    if isinstance(converter, PathConverter):
        return ["../coordinator/__init__.py", "..%2F..%2Fwsgi.py"]
    return ["x", "new", FEED_TOKEN[:-1], "A" * 129]  # the tokens, among others


def build_path(rule: Rule, values: dict[str, str]) -> str:
    return _ARGUMENT.sub(lambda match: values[match.group(1)], rule.rule)


@dataclass
class Tally:
    rules: set[str] = field(default_factory=set)
    get: int = 0
    writes: int = 0  # POST (and any other method a rule allows but GET)
    errors: list[str] = field(default_factory=list)


class RecordingArgs(ImmutableMultiDict):
    """request.args that notes which names the view read: the filters a page knows."""

    read: ClassVar[set[str]] = set()

    def __getitem__(self, key):
        RecordingArgs.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        RecordingArgs.read.add(key)
        return super().__contains__(key)

    def getlist(self, key, type=None):
        RecordingArgs.read.add(key)
        return super().getlist(key, type)

    # A view that walks all the arguments may read any name: each of QUERY_NAMES alone, then.
    def items(self, multi=False):
        RecordingArgs.read.update(QUERY_NAMES)
        return super().items(multi)

    def lists(self):
        RecordingArgs.read.update(QUERY_NAMES)
        return super().lists()

    def to_dict(self, flat=True):
        RecordingArgs.read.update(QUERY_NAMES)
        return super().to_dict(flat)


def _send(client, method: str, path: str, tally: Tally, **kwargs) -> int:
    try:
        response = client.open(path, method=method, **kwargs)
        status = response.status_code
        detail = "" if status < 500 else response.get_data(as_text=True)[:200]
    except Exception as error:  # TESTING propagates exceptions: that would have been a 500
        db.session.rollback()
        status, detail = 500, repr(error)[:300]
    if method == "GET":
        tally.get += 1
    else:
        tally.writes += 1
    if status >= 500:
        query = kwargs.get("query_string", "")
        tally.errors.append(f"{status} {method} {path[:120]}?{str(query)[:120]} {detail}")
    return status


def fuzzable_rules(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def _path_variants(rule: Rule, world: World, reachable: bool) -> list[str]:
    paths = [build_path(rule, real_values(rule, world))]
    for name, converter in rule._converters.items():
        edges = extra_values(converter)  # fails on a converter this file cannot fuzz
        values = edges + PATH_VALUES if reachable else FEW_PATH_VALUES
        for value in values:
            paths.append(build_path(rule, real_values(rule, world) | {name: value}))
    return list(dict.fromkeys(paths))


def _query_variants(read_names: set[str], reachable: bool) -> list[str]:
    if not reachable or not read_names:  # the view reads no query: a few junk ones show that
        return [urlencode(dict.fromkeys(QUERY_NAMES, "\x00")), RAW_QUERIES[0], RAW_QUERIES[-2]]
    queries = [urlencode(dict.fromkeys(QUERY_NAMES, value)) for value in QUERY_VALUES]
    queries += [
        urlencode({name: value}) for name in sorted(read_names) for value in NAMED_QUERY_VALUES
    ]
    return queries + RAW_QUERIES


@pytest.mark.parametrize("role", ["anonymous", "focal_point", "staff"])
def test_no_route_answers_a_server_error(app, world, role, record_property, capsys):
    app.request_class = type(
        "RecordingRequest", (app.request_class,), {"parameter_storage_class": RecordingArgs}
    )
    client = world.client
    tally = Tally()
    started = time.perf_counter()
    write_rules = []
    for rule in fuzzable_rules(app):
        tally.rules.add(rule.rule)
        # Routes this client is turned away from get fewer values: only the router sees them.
        reachable = role != "anonymous" or is_public_endpoint(app, rule.endpoint)
        read_names: set[str] = set()
        if "GET" in rule.methods:
            RecordingArgs.read.clear()
            status = _send(client, "GET", build_path(rule, real_values(rule, world)), tally)
            read_names = set(RecordingArgs.read)
            reachable = reachable and status != 403
        paths = _path_variants(rule, world, reachable)
        if "GET" in rule.methods:
            for path in paths[1:]:
                _send(client, "GET", path, tally)
            for query in _query_variants(read_names, reachable):
                _send(client, "GET", paths[0], tally, query_string=query)
        writes = sorted(rule.methods - {"GET", "HEAD", "OPTIONS"})
        if writes:
            # A rule that also answers GET had its path values through the router above.
            if "GET" in rule.methods:
                paths = _path_variants(rule, world, reachable=False)
            write_rules.append((rule, writes, paths))
    # State-changing requests come last, so the GETs above all saw the seeded rows.
    for rule, writes, paths in write_rules:
        for method in writes:
            for path in paths:
                _send(client, method, path, tally)
            for value in FORM_VALUES:
                _send(client, method, paths[0], tally, data=dict.fromkeys(FORM_NAMES, value))
        if rule.endpoint == "accounts.logout" and role != "anonymous":
            db.session.expire_all()
            login(client, world.user)

    if role != "anonymous":  # the fuzz ran signed in to the end (a logout was undone)
        assert client.get("/account").status_code == 200
    requests_made = tally.get + tally.writes
    record_property("route_fuzz_rules", sorted(tally.rules))
    record_property("route_fuzz_requests", requests_made)
    record_property("route_fuzz_get", tally.get)
    record_property("route_fuzz_writes", tally.writes)
    record_property("route_fuzz_errors", len(tally.errors))
    with capsys.disabled():
        print(
            f"\nroute fuzz as {role}: {len(tally.rules)} routes, {requests_made} requests "
            f"({tally.get} GET, {tally.writes} POST), {len(tally.errors)} responses >= 500, "
            f"{time.perf_counter() - started:.1f} s"
        )
    assert not tally.errors, "\n".join(tally.errors[:40])


def test_a_converter_the_fuzz_does_not_know_fails_it(app):
    with pytest.raises(pytest.fail.Exception, match="does not know how to fuzz UUIDConverter"):
        extra_values(UUIDConverter(app.url_map))

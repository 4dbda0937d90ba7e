"""Schemathesis against the generated OpenAPI document, in the suite (so every engine CI runs
the suite on runs it too): every operation, without a token, with a read token and with a
read+propose token of a focal point. No server error, no response outside the schema, no
undocumented status code.

Requests are bounded (MAX_EXAMPLES per operation and caller) to keep the module short; the
number made is printed (`pytest -s`) and asserted to cover every operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from coordinator.extensions import db
from tests import factories
from tests.api.conftest import bearer, make_token

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture
def network(app, focal_point, other_focal_point):
    """Some of everything the API can return, so generated ids and slugs find rows."""
    theme = factories.ThemeFactory()
    project = factories.ProjectFactory(lead_partner=focal_point.partner)
    factories.EventFactory(lead_partner=focal_point.partner, themes=[theme], project=project)
    factories.EventFactory(lead_partner=other_focal_point.partner, status="draft")
    factories.EventFactory(status="cancelled")
    db.session.commit()


@pytest.mark.parametrize("caller", ["anonymous", "read", "read+propose"])
def test_every_operation_conforms(app, network, focal_point, caller, capsys):
    headers = {}
    if caller != "anonymous":
        headers = bearer(make_token(focal_point, caller.split("+")))
    # The limiter would answer 429 (documented) to most writes of a generated burst.
    app.config["API_WRITE_RATE_LIMIT"] = "100000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    counted: dict[str, int] = {}

    def check(operation, label: str) -> None:
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
            counted[label] = counted.get(label, 0) + 1

        run()

    for operation in operations:
        check(operation, f"{operation.method.upper()} {operation.path}")
    assert set(counted) == {f"{op.method.upper()} {op.path}" for op in operations}
    with capsys.disabled():
        total = sum(counted.values())
        print(f"\nschemathesis ({caller}): {total} requests over {len(counted)} operations")

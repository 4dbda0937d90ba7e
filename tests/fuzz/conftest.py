"""Adds up what the route fuzz did (from each test's user_properties, so it works under
pytest-xdist too) and prints it at the end of the session."""

from __future__ import annotations

from collections import Counter

FUZZ_PROPERTY_PREFIX = "route_fuzz_"

_totals: Counter[str] = Counter()
_routes: set[str] = set()


def pytest_runtest_logreport(report) -> None:
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == f"{FUZZ_PROPERTY_PREFIX}rules":
            _routes.update(value)
        elif name.startswith(FUZZ_PROPERTY_PREFIX):
            _totals[name.removeprefix(FUZZ_PROPERTY_PREFIX)] += value


def pytest_terminal_summary(terminalreporter) -> None:
    if not _totals:
        return
    terminalreporter.write_sep("-", "route fuzz")
    terminalreporter.write_line(
        f"routes fuzzed: {len(_routes)}; requests made: {_totals['requests']} "
        f"(GET {_totals['get']}, POST {_totals['writes']}); "
        f"responses >= 500: {_totals['errors']}"
    )

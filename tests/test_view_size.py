"""Views stay thin: few route functions run over 20 lines.

A route function is a function decorated with `<blueprint or app>.route(...)`, `.get(...)`,
`.post(...)`, `.put(...)`, `.patch(...)` or `.delete(...)`. Its length runs from its `def` line to
the last line of its body; decorators do not count. Run with `-s` to see the longest.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "coordinator"
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
LIMIT = 20
MOST_OVER_LIMIT = 5
SHOWN = 10


def _is_route_decorator(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ROUTE_DECORATORS
        and isinstance(node.func.value, ast.Name | ast.Attribute)
    )


def route_function_lengths(package: Path = PACKAGE) -> list[tuple[int, str]]:
    """(lines, "path:line name") for every route function under the package, longest first."""
    found: list[tuple[int, str]] = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if any(_is_route_decorator(decorator) for decorator in node.decorator_list):
                lines = node.end_lineno - node.lineno + 1
                where = f"{path.relative_to(package.parent)}:{node.lineno} {node.name}"
                found.append((lines, where))
    return sorted(found, key=lambda item: (-item[0], item[1]))


def report(lengths: list[tuple[int, str]]) -> str:
    over = [item for item in lengths if item[0] > LIMIT]
    longest = "\n".join(f"  {lines:3d}  {where}" for lines, where in lengths[:SHOWN])
    return (
        f"{len(over)} of {len(lengths)} route functions are over {LIMIT} lines; "
        f"the {SHOWN} longest:\n{longest}"
    )


def test_the_walk_finds_the_routes():
    lengths = route_function_lengths()
    names = {where.split()[-1] for _, where in lengths}
    assert len(lengths) > 50
    assert {"login", "upload", "manage_event"} <= names


def test_the_count_excludes_decorators_and_counts_the_body(tmp_path):
    (tmp_path / "views.py").write_text(
        "@bp.get('/a')\n@login_required\ndef a():\n    x = 1\n\n    return x\n\n\n"
        "def helper():\n    return 1\n\n\n"
        "@app.route('/b', methods=['POST'])\ndef b():\n    return 2\n",
        encoding="utf-8",
    )
    assert [(lines, where.split()[-1]) for lines, where in route_function_lengths(tmp_path)] == [
        (4, "a"),
        (2, "b"),
    ]


def test_few_route_functions_are_over_twenty_lines():
    lengths = route_function_lengths()
    print("\n" + report(lengths))
    over = [item for item in lengths if item[0] > LIMIT]
    assert len(over) <= MOST_OVER_LIMIT, report(lengths)

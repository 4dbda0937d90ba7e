"""Layers: the import graph of coordinator/ has no cycle between packages, and the core imports
no domain.

A *unit* is a domain package (coordinator/accounts/, coordinator/feeds/, ...) or a core module
(a module directly in coordinator/: i18n.py, forms.py, db.py, times.py, ...). An import counts
wherever it is written, at module level or inside a function: both make the importer depend on
the imported code at run time. Imports under `if TYPE_CHECKING:` do not count (annotations only).

coordinator/__init__.py (create_app) and coordinator/cli.py (the command registry) assemble the
application from its domains: they sit above every unit, so they are no core module; nothing
but create_app may import them, which a test below holds.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "coordinator"
# The application's assembly: it imports every domain, and only create_app imports the CLI.
ASSEMBLY = {"__init__", "cli"}

Graph = dict[str, dict[str, list[str]]]  # unit -> imported unit -> ["path:line name", ...]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(tree: ast.Module, module: str, is_package: bool) -> list[tuple[str, int]]:
    """Every (dotted name, line) the module imports, in functions too, TYPE_CHECKING aside."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for branch in child.orelse:
                    visit_node(branch)
                continue
            visit_node(child)

    def visit_node(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                parts = module.split(".") if is_package else module.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            # `from coordinator import i18n` imports the module coordinator.i18n.
            found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names)
        visit(node)

    visit(tree)
    return found


def unit_of(dotted: str, root: Path) -> str | None:
    """The unit a dotted name belongs to: coordinator.accounts.models -> "accounts"."""
    parts = dotted.split(".")
    if parts[0] != root.name or len(parts) < 2:
        return None
    if (root / parts[1]).is_dir() or (root / f"{parts[1]}.py").is_file():
        return parts[1]
    return None


def import_graph(root: Path) -> Graph:
    graph: Graph = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("")
        parts = list(relative.parts)
        is_package = parts[-1] == "__init__"
        unit = "__init__" if parts == [root.name, "__init__"] else parts[1]
        module = ".".join(parts[:-1] if is_package else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for dotted, line in imported_names(tree, module, is_package):
            target = unit_of(dotted, root)
            if target is not None and target != unit:
                where = f"{path.relative_to(root.parent)}:{line} {dotted}"
                graph.setdefault(unit, {}).setdefault(target, []).append(where)
    return graph


def is_domain(unit: str, root: Path) -> bool:
    return (root / unit).is_dir()


def strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one unit (each a knot of cycles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    knots: list[list[str]] = []

    def connect(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        on_stack.add(unit)
        for target in graph.get(unit, {}):
            if target not in index:
                connect(target)
                low[unit] = min(low[unit], low[target])
            elif target in on_stack:
                low[unit] = min(low[unit], index[target])
        if low[unit] == index[unit]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == unit:
                    break
            if len(component) > 1:
                knots.append(sorted(component))

    for unit in sorted(graph):
        if unit not in index:
            connect(unit)
    return knots


def shortest_cycle(graph: Graph, knot: list[str]) -> list[str]:
    """A shortest cycle through the knot's first unit, as [a, b, ..., a]."""
    start = knot[0]
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        unit = queue.popleft()
        for target in sorted(graph.get(unit, {})):
            if target not in knot:
                continue
            if target == start:
                path = [unit]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if target not in came_from:
                came_from[target] = unit
                queue.append(target)
    raise AssertionError(f"{knot} is no cycle")


def describe_cycles(graph: Graph) -> list[str]:
    """Each knot of units importing each other, with one cycle and the imports that make it."""
    described = []
    for knot in strongly_connected(graph):
        cycle = shortest_cycle(graph, knot)
        lines = [f"units importing each other: {', '.join(knot)}; e.g. {' -> '.join(cycle)}"]
        for importer, imported in zip(cycle, cycle[1:], strict=False):
            lines.append(f"  {importer} -> {imported}:")
            lines.extend(f"    {where}" for where in graph[importer][imported])
        described.append("\n".join(lines))
    return described


def core_reaching_up(graph: Graph, root: Path) -> list[str]:
    return [
        where
        for unit, targets in sorted(graph.items())
        if unit not in ASSEMBLY and not is_domain(unit, root)
        for target, places in sorted(targets.items())
        if is_domain(target, root)
        for where in places
    ]


# --- The house as it stands --------------------------------------------------------------------


def test_no_import_cycle_between_packages():
    cycles = describe_cycles(import_graph(PACKAGE))
    print("\n\n".join(cycles))
    assert not cycles, "import cycles between packages:\n" + "\n\n".join(cycles)


def test_no_core_module_imports_a_domain():
    upward = core_reaching_up(import_graph(PACKAGE), PACKAGE)
    assert not upward, "core modules importing a domain package:\n" + "\n".join(upward)


def test_only_create_app_imports_the_assembly():
    graph = import_graph(PACKAGE)
    importers = sorted(
        f"{unit}: {where}"
        for unit, targets in graph.items()
        for target, places in targets.items()
        if target in ASSEMBLY and unit != "__init__"
        for where in places
    )
    assert not importers, "\n".join(importers)


# --- The checker itself, on a small made-up tree ---------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "coordinator"
    for name, source in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "partners_source",
    [
        "from coordinator.accounts.models import User\n",
        "def f():\n    from coordinator.accounts import models\n",  # inside a function
        "from ..accounts.models import User\n",  # relative
        "import coordinator.accounts.models\n",
    ],
)
def test_a_cycle_between_packages_is_found_and_named(tmp_path, partners_source):
    root = _tree(
        tmp_path,
        {
            "accounts/__init__.py": "",
            "accounts/models.py": "from coordinator.partners.models import Partner\n",
            "partners/__init__.py": "",
            "partners/models.py": partners_source,
        },
    )
    [cycle] = describe_cycles(import_graph(root))
    assert "accounts -> partners -> accounts" in cycle
    assert (
        "coordinator/partners/models.py:" in cycle and "coordinator/accounts/models.py:1" in cycle
    )


def test_a_longer_cycle_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "accounts/__init__.py": "from coordinator import feeds\n",
            "feeds/__init__.py": "from coordinator.activities import models\n",
            "activities/__init__.py": "",
            "activities/models.py": "from coordinator.accounts import models\n",
        },
    )
    [cycle] = describe_cycles(import_graph(root))
    assert "accounts -> feeds -> activities -> accounts" in cycle


def test_type_checking_imports_and_one_way_imports_are_no_cycle(tmp_path):
    root = _tree(
        tmp_path,
        {
            "accounts/__init__.py": "from coordinator.partners import models\n",
            "partners/__init__.py": "",
            "partners/models.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from coordinator.accounts.models import User\n"
            ),
        },
    )
    assert describe_cycles(import_graph(root)) == []


def test_a_core_module_importing_a_domain_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "i18n.py": "def f():\n    from coordinator.accounts.redirects import safe_next\n",
            "db.py": "from coordinator import i18n\n",  # core to core is fine
            "accounts/__init__.py": "",
            "accounts/redirects.py": "from coordinator.i18n import f\n",
            "cli.py": "from coordinator.accounts import redirects\n",  # the assembly may
        },
    )
    assert core_reaching_up(import_graph(root), root) == [
        "coordinator/i18n.py:2 coordinator.accounts.redirects.safe_next"
    ]

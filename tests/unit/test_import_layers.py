"""The layers import downwards only: no cycle between the packages of cruddur_ops, and no task
module imports another (shared helpers live in the domain packages). Reads the source (every
import, the lazy ones inside functions too); imports nothing."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "cruddur_ops"


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by ``path`` (``from .. import x`` counts as ``..x``)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts if path.name == "__init__.py" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.update(f"{module}.{a.name}" if not node.module else module for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cruddur_ops."):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("cruddur_ops."))
    return found


def _unit(module: str) -> str:
    """cruddur_ops.sync.plan → sync; cruddur_ops.aws → aws."""
    return module.split(".")[1]


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        source = _unit(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for module in _imports(path):
            if module.count(".") and _unit(module) != source:
                graph.setdefault(source, set()).add(_unit(module))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == path[0]:
                found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its smallest name
                walk([*path, nxt])

    for start in sorted(graph):
        walk([start])
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycle_between_packages() -> None:
    graph = package_graph()
    assert "tasks" in graph.get("entrypoints", set()), "the graph was read (the namespace imports the tasks)"
    assert cycles(graph) == []


# A module that only assembles the collections of its parts (frontend.py) may import them.
ASSEMBLERS = {"frontend.py"}
# The db task modules still share helpers among themselves (db_common: settings and target;
# db_schema: the lint guard and the dump after migrate), to be moved into db/.
NOT_YET_MOVED = {"db.py", "db_schema.py"}


def test_no_task_module_imports_another() -> None:
    offenders = {
        path.name: sorted(m for m in _imports(path) if m.startswith("cruddur_ops.tasks."))
        for path in (PACKAGE / "tasks").glob("*.py")
        if path.name not in ASSEMBLERS | NOT_YET_MOVED
    }
    assert {name: found for name, found in offenders.items() if found} == {}

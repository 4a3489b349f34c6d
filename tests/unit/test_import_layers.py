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
    assert "cli" in graph.get("tasks", set()), "the graph was read (the task modules import cli.guard)"
    assert cycles(graph) == []


def _task_names(path: Path) -> set[str]:
    """The @ops_task functions of a module, with `tasks` and `collection` (what an assembling
    module such as frontend.py may take from its parts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {"tasks", "collection"} | {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef)
        and any("ops_task" in ast.unparse(d) for d in node.decorator_list)
    }


def test_no_task_module_imports_helpers_from_another() -> None:
    """tasks/ holds task modules (with @ops_task) and their shared support (db_common.py). A task
    module may take another one's tasks to assemble a collection, never its helpers."""
    modules = {path.stem: path for path in (PACKAGE / "tasks").glob("*.py") if path.stem != "__init__"}
    task_modules = {name: _task_names(path) for name, path in modules.items() if len(_task_names(path)) > 2}
    borrowed = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module in task_modules and node.module != name:
                    borrowed += [f"{name} <- {node.module}.{a.name}" for a in node.names
                                 if a.name not in task_modules[node.module]]
                elif node.module is None:
                    aliases.update({a.asname or a.name: a.name for a in node.names if a.name in task_modules})
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                module = aliases[node.value.id]
                if node.attr not in task_modules[module]:
                    borrowed.append(f"{name} <- {module}.{node.attr}")
    assert "cfn" in task_modules and "deploy" in task_modules["cfn"], "the task modules were read"
    assert borrowed == []


# Task modules whose settings come from the resolver alone (config.Settings.environ): they may hand
# the process environment to a child process (psql, pg_dump), never read it themselves.
RESOLVED_TASK_MODULES = ("cors", "db", "db_common", "db_schema", "env", "lambda_", "rds", "workspace")


def environ_reads(source: str) -> list[int]:
    """Lines where ``os.environ`` is used other than as a child process's ``base_env=``."""
    tree = ast.parse(source)
    handed = {id(k.value) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == "base_env"}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "environ"
            and isinstance(node.value, ast.Name) and node.value.id == "os" and id(node) not in handed]


def test_the_environ_finder_finds_a_read() -> None:
    assert environ_reads("import os\nrun(base_env=os.environ)\nkind(os.environ)\n") == [3]


def test_task_modules_read_the_environment_through_the_resolver_only() -> None:
    found = {name: environ_reads((PACKAGE / "tasks" / f"{name}.py").read_text(encoding="utf-8"))
             for name in RESOLVED_TASK_MODULES}
    assert {name: lines for name, lines in found.items() if lines} == {}

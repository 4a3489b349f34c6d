"""The task namespace loads only the task modules a command line names (entrypoints/namespace.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from invoke import Collection

from cruddur_ops.entrypoints.namespace import TASK_MODULES, build_namespace, modules_for

REPO_ROOT = Path(__file__).resolve().parents[2]
ALL_MODULES = [module for module, _ in TASK_MODULES]
SUPPORT_MODULES = ("db_common", "db_schema", "frontend_common")


def _task_names(module: Any, namespace: str) -> set[str]:
    if hasattr(module, "collection"):
        collection: Collection = module.collection
        return {f"{collection.name}.{name}" for name in collection.task_names}
    return {f"{namespace}.{name}" for name in Collection(namespace, *module.tasks).task_names}


@pytest.mark.parametrize(("module_name", "names"), TASK_MODULES)
def test_each_registered_module_defines_exactly_the_tasks_its_line_names(
        module_name: str, names: tuple[str, ...]) -> None:
    module = import_module(f"cruddur_ops.tasks.{module_name}")
    assert _task_names(module, names[0].split(".")[0]) == set(names)


def test_every_task_module_is_registered() -> None:
    modules = [p.stem for p in (REPO_ROOT / "cruddur_ops" / "tasks").glob("*.py") if p.stem != "__init__"]
    with_tasks = {name for name in modules
                  if {"tasks", "collection"} & set(vars(import_module(f"cruddur_ops.tasks.{name}")))}
    assert with_tasks == set(ALL_MODULES)


@pytest.mark.parametrize(("argv", "expected"), [
    (["frontend.sync", "--yes"], ["frontend_sync"]),
    (["--echo", "frontend.plan", "--out=plan.json"], ["frontend_sync"]),
    (["db.kill_all"], ["db"]),
    (["db.kill-all", "env.render", "sync"], ["env", "db"]),
    (["--help", "cfn.deploy"], ["cfn"]),
    (["--list"], ALL_MODULES),
    ([], ALL_MODULES),
    (["frontend"], ALL_MODULES),  # not a task: invoke's own error message, from every task
    (["frontend.synx"], ALL_MODULES),
])
def test_a_command_line_loads_the_modules_of_the_tasks_it_names(argv: list[str],
                                                                 expected: list[str]) -> None:
    assert modules_for(argv) == expected


def test_the_full_namespace_holds_every_registered_task_in_one_collection_per_namespace() -> None:
    ns = build_namespace()
    assert set(ns.task_names) == {name for _, names in TASK_MODULES for name in names}
    assert sorted(ns.collections) == ["cfn", "cors", "db", "env", "frontend", "lambda", "rds", "workspace"]


PROBE = """
import json, sys
from invoke.main import program
sys.argv = ["inv", "--search-root", {root!r}, *{argv!r}]  # what tasks.py reads, as under `inv`
try:
    program.run()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("cruddur_ops.tasks."))), file=sys.stderr)
"""


@pytest.mark.parametrize(("argv", "loaded"), [
    # the frontend's and db's tasks share support modules of their own, which define no task
    (["frontend.sync", "--help"], [f"cruddur_ops.tasks.{m}" for m in ("frontend_common", "frontend_sync")]),
    (["--help", "db.status"], [f"cruddur_ops.tasks.{m}" for m in ("db", "db_common", "db_schema")]),
    (["--list"], sorted(f"cruddur_ops.tasks.{m}" for m in (*ALL_MODULES, *SUPPORT_MODULES))),
])
def test_inv_imports_only_the_task_module_it_runs(argv: list[str], loaded: list[str]) -> None:
    code = PROBE.format(root=str(REPO_ROOT), argv=argv)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert json.loads(result.stderr.strip().splitlines()[-1]) == loaded, result.stderr
    assert "Usage" in result.stdout or "Available tasks" in result.stdout

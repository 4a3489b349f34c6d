"""The task namespace shared by ``tasks.py`` (``inv``) and the ``cruddur-ops`` console script.

A run imports only the task modules it names: ``inv frontend.sync`` loads ``tasks/frontend_sync.py``
and no other task module (nor what they import: psycopg's helpers, cfn-lint's, jinja2's …).
A command line that names no registered task (``inv --list``, ``inv --help``, a typo, shell
completion) loads them all, so listings, help and invoke's own "No idea what 'x' is!" stay exactly
as they were. Naming more than needed only loads more; it never hides a task.

To add task modules, add one line per module to ``TASK_MODULES``: the module (in
``cruddur_ops/tasks/``) and the dotted names of the tasks it defines. The module exports either
``tasks`` (Task objects for that namespace) or ``collection`` (an invoke ``Collection``).
tests/unit/test_task_namespace.py fails when a line and its module disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import Any

from invoke import Collection

from ..patches.invoke_optional_positional import install as install_optional_positional

# (module in cruddur_ops/tasks, the tasks it defines), in the order `inv --list` shows them.
TASK_MODULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("env", ("env.render",)),
    ("frontend_build", ("frontend.build",)),
    ("frontend_sync", ("frontend.plan", "frontend.sync")),
    ("frontend_releases", ("frontend.releases", "frontend.rollback")),
    ("frontend_doctor", ("frontend.doctor",)),
    ("cfn", ("cfn.plan", "cfn.deploy", "cfn.outputs")),
    ("rds", ("rds.update-sg-rule",)),
    ("db", ("db.connect", "db.create", "db.drop", "db.schema-load", "db.seed", "db.setup",
            "db.sessions", "db.kill-all", "db.migrate", "db.rollback", "db.status", "db.new",
            "db.lint", "db.dump", "db.drift")),
    ("workspace", ("workspace.init", "workspace.origin")),
    ("lambda_", ("lambda.doctor",)),
    ("cors", ("cors.apply",)),
)


def _spellings(name: str) -> set[str]:
    # invoke accepts a task as `db.kill-all` or `db.kill_all`
    return {name, name.replace("-", "_")}


def modules_for(argv: Iterable[str]) -> list[str]:
    """The task modules a command line needs: those defining a task it names, else all."""
    tokens = {token.split("=", 1)[0] for token in argv}
    wanted = [module for module, names in TASK_MODULES
              if any(tokens & _spellings(name) for name in names)]
    return wanted or [module for module, _ in TASK_MODULES]


def _namespace_name(names: Sequence[str]) -> str:
    return names[0].split(".", 1)[0]


def build_namespace(argv: Iterable[str] | None = None) -> Collection:
    """The namespace for a command line (``None``: every task)."""
    install_optional_positional()  # `inv env.render` and `inv env.render sync` both work
    wanted = set(modules_for(argv or ()))
    collections: dict[str, Collection] = {}
    for module_name, names in TASK_MODULES:
        if module_name not in wanted:
            continue
        module: Any = import_module(f"cruddur_ops.tasks.{module_name}")
        name = _namespace_name(names)
        if hasattr(module, "collection"):
            collections[name] = module.collection
            continue
        collection = collections.setdefault(name, Collection(name))
        for task in module.tasks:
            collection.add_task(task)
    ns = Collection()
    for collection in collections.values():
        ns.add_collection(collection)
    # Defaults every task can read from ctx.config.cruddur; invoke.yaml overrides them.
    ns.configure({"cruddur": {}})
    name_tasks(ns)
    return ns


def name_tasks(ns: Collection) -> None:
    """Give each task body its dotted name (``frontend.sync``) for step summaries and annotations."""
    for name in ns.task_names:
        body = ns[name].body
        if hasattr(body, "__wrapped__"):  # an ops_task wrapper
            setattr(body, "task_name", name)  # noqa: B010  (a function attribute)


def __getattr__(name: str) -> Collection:
    # `from cruddur_ops.entrypoints.namespace import namespace`: every task, built on first use
    if name == "namespace":
        ns = build_namespace()
        globals()["namespace"] = ns
        return ns
    raise AttributeError(name)

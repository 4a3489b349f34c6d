"""Migrate / rollback / status: observe files, plan inside the executor's session, load only the
SQL the plan needs (all of it before the first step runs), execute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ...errors import ConfigError
from ..sqlerrors import transaction_control
from .apply import Executor, Script, StepResult
from .files import MigrationFile, discover
from .ledger import read_ledger
from .loader import load_migration
from .plan import MigratePlan, RollbackPlan, Status, Step, plan_migrate, plan_rollback, reconcile


def load_scripts(steps: Sequence[Step], direction: str) -> dict[str, Script]:
    """SQL for each step, with the line where that SQL starts in its file (when it appears
    verbatim there, as in every generated file) so errors point at the file's own lines."""
    scripts: dict[str, Script] = {}
    for step in steps:
        path = Path(step.path)
        source = path.read_text(encoding="utf-8")
        loaded = load_migration(path, source)
        sql = loaded.migrate_sql if direction == "up" else loaded.rollback_sql
        control = transaction_control(sql)
        if control:
            method = "migrate_sql()" if direction == "up" else "rollback_sql()"
            raise ConfigError(
                f"migration {path.name}: {method} contains `{control[0]}`",
                hint="remove BEGIN/COMMIT/ROLLBACK: each migration already runs in one transaction "
                "together with its bookkeeping row",
            )
        at = source.find(sql) if sql.strip() else -1
        offset = source.count("\n", 0, at) if at >= 0 else 0
        scripts[step.version] = Script(sql, offset)
    return scripts


@dataclass(frozen=True)
class MigrateOutcome:
    plan: MigratePlan
    results: tuple[StepResult, ...]


@dataclass(frozen=True)
class RollbackOutcome:
    plan: RollbackPlan
    results: tuple[StepResult, ...]


def status(conn: psycopg.Connection[Any], directory: Path) -> Status:
    return reconcile(discover(directory), read_ledger(conn))


def migrate(executor: Executor, directory: Path, *, accept_changed: bool = False) -> MigrateOutcome:
    files: list[MigrationFile] = discover(directory)
    with executor.session(files) as ledger:
        plan = plan_migrate(reconcile(files, ledger), accept_changed=accept_changed)
        scripts = load_scripts(plan.steps, "up")
        return MigrateOutcome(plan, tuple(executor.migrate(plan, scripts)))


def rollback(executor: Executor, directory: Path, *, steps: int = 1,
             accept_changed: bool = False) -> RollbackOutcome:
    files = discover(directory)
    with executor.session(files) as ledger:
        plan = plan_rollback(reconcile(files, ledger), steps=steps, accept_changed=accept_changed)
        scripts = load_scripts(plan.steps, "down")
        return RollbackOutcome(plan, tuple(executor.rollback(plan, scripts)))

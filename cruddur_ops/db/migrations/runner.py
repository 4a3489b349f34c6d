"""Migrate / rollback / status: observe files, plan inside the executor's session, load only the
SQL the plan needs (all of it before the first step runs), execute."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ...errors import ConfigError
from ..lint import MigrationSql
from ..sqlerrors import transaction_control
from ..statements import split
from ..timeouts import statement_timeout
from .apply import Executor, Script, StepResult
from .files import MigrationFile, discover
from .ledger import read_ledger
from .loader import LoadedMigration, load_migration
from .plan import MigratePlan, RollbackPlan, Status, Step, plan_migrate, plan_rollback, reconcile

# Called with the plan and each planned step's SQL before anything runs (db.migrate's lint guard).
Review = Callable[[MigratePlan, Sequence[MigrationSql]], None]


def _line_offset(source: str, sql: str) -> int:
    """Lines before ``sql`` in its file, when it appears there verbatim (every generated file)."""
    at = source.find(sql) if sql.strip() else -1
    return source.count("\n", 0, at) if at >= 0 else 0


def read_migration(path: Path) -> tuple[LoadedMigration, MigrationSql]:
    """A migration file's options and both SQL texts with their positions in the file."""
    source = path.read_text(encoding="utf-8")
    loaded = load_migration(path, source)
    return loaded, MigrationSql(path.name, loaded.migrate_sql, loaded.rollback_sql,
                                _line_offset(source, loaded.migrate_sql),
                                _line_offset(source, loaded.rollback_sql), loaded.transactional)


def load_scripts(steps: Sequence[Step], direction: str) -> dict[str, Script]:
    """SQL for each step, with the line where that SQL starts in its file (when it appears
    verbatim there, as in every generated file) so errors point at the file's own lines.
    A non-transactional step is parsed here, so SQL that does not parse stops the run before
    any statement of it has run."""
    scripts: dict[str, Script] = {}
    for step in steps:
        path = Path(step.path)
        loaded, texts = read_migration(path)
        sql = loaded.migrate_sql if direction == "up" else loaded.rollback_sql
        offset = texts.migrate_line_offset if direction == "up" else texts.rollback_line_offset
        control = transaction_control(sql)
        if control:
            method = "migrate_sql()" if direction == "up" else "rollback_sql()"
            raise ConfigError(
                f"migration {path.name}: {method} contains `{control[0]}`",
                hint="remove BEGIN/COMMIT/ROLLBACK: each migration already runs in one transaction "
                "together with its bookkeeping row",
            )
        timeout = None if loaded.statement_timeout is None else statement_timeout(
            loaded.statement_timeout, source=f"{path.name}: statement_timeout")
        statements = () if loaded.transactional else tuple(
            split(sql, where=path.name, line_offset=offset))
        scripts[step.version] = Script(sql, offset, loaded.transactional, statements, timeout)
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


def migrate(executor: Executor, directory: Path, *, accept_changed: bool = False,
            retry_failed: bool = False, mark_applied: bool = False,
            review: Review | None = None) -> MigrateOutcome:
    files: list[MigrationFile] = discover(directory)
    with executor.session(files) as ledger:
        plan = plan_migrate(reconcile(files, ledger), accept_changed=accept_changed,
                            retry_failed=retry_failed, mark_applied=mark_applied)
        if review is not None and plan.steps:
            review(plan, [read_migration(Path(step.path))[1] for step in plan.steps])
        scripts = load_scripts(plan.steps, "up")
        return MigrateOutcome(plan, tuple(executor.migrate(plan, scripts)))


def rollback(executor: Executor, directory: Path, *, steps: int = 1,
             accept_changed: bool = False) -> RollbackOutcome:
    files = discover(directory)
    with executor.session(files) as ledger:
        plan = plan_rollback(reconcile(files, ledger), steps=steps, accept_changed=accept_changed)
        scripts = load_scripts(plan.steps, "down")
        return RollbackOutcome(plan, tuple(executor.rollback(plan, scripts)))

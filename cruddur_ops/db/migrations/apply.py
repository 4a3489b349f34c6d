"""Executors for migrate/rollback plans. They never print: progress goes through a callback.

:class:`PostgresExecutor` holds the migration lock for the whole run, creates the ledger (adopting
the old pointer) once, and runs each step in ONE transaction with its bookkeeping row and the old
pointer update — so a failure leaves nothing of that step behind and stops the run.
A step marked ``transactional = False`` runs statement by statement in autocommit instead, its
ledger row written after the last one; a failure part-way is recorded ("failed at statement K")
and blocks later runs until it is retried or marked applied. The lock is a session lock on a
connection that never has a transaction open between statements, so ``CREATE INDEX
CONCURRENTLY`` (which waits for every older transaction) never waits for the lock's holder.
:class:`DryRunExecutor` reads the same state without locking or writing and reports what would
run (with the SQL).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from ...errors import DatabaseError
from ...redact import mask_text
from ..sqlerrors import analyse, sql_error
from ..statements import Statement
from . import ledger
from .files import MigrationFile
from .lock import advisory_lock
from .plan import FailedRow, Ledger, MigratePlan, RollbackPlan, Step

MAX_RECORDED_ERROR_CHARS = 500


@dataclass(frozen=True)
class Script:
    """The SQL of one step, and where it sits in its file (for error line numbers)."""

    sql: str
    line_offset: int = 0
    transactional: bool = True
    statements: tuple[Statement, ...] = ()  # parsed, for a non-transactional step
    statement_timeout: str | None = None  # the migration's own, overriding the run's


@dataclass(frozen=True)
class StepResult:
    step: Step
    direction: str  # "up" | "down"
    duration_ms: int
    executed: bool  # False in a dry run
    sql: str = ""


@dataclass(frozen=True)
class Progress:
    event: str  # "waiting-lock" | "adopted" | "start" | "done" | "accepted" | "marked"
    step: Step | None = None
    direction: str = ""
    detail: str = ""


ProgressCallback = Callable[[Progress], None]


def _ignore(_: Progress) -> None:
    return None


class Executor(Protocol):
    def session(self, files: Sequence[MigrationFile]) -> Any: ...
    def migrate(self, plan: MigratePlan, scripts: Mapping[str, Script]) -> list[StepResult]: ...
    def rollback(self, plan: RollbackPlan, scripts: Mapping[str, Script]) -> list[StepResult]: ...


class PostgresExecutor:
    def __init__(self, conn: psycopg.Connection[Any], *, lock_wait_seconds: float,
                 lock_timeout_ms: int, progress: ProgressCallback = _ignore,
                 statement_timeout: str | None = None) -> None:
        self.conn = conn
        self.lock_wait_seconds = lock_wait_seconds
        self.lock_timeout_ms = lock_timeout_ms
        self.progress = progress
        self.statement_timeout = statement_timeout  # DB_STATEMENT_TIMEOUT, a PostgreSQL interval

    @contextmanager
    def session(self, files: Sequence[MigrationFile]) -> Iterator[Ledger]:
        """Lock, make sure the ledger exists (adopting the old pointer once), then read it.
        Planning happens inside, so a second run waiting on the lock plans from fresh state."""
        # A migration blocked on a table lock (a long query on `users`) fails after this long
        # instead of hanging while holding our lock and queueing every other session behind it.
        self.conn.execute("SELECT set_config('lock_timeout', %s, false)", [f"{self.lock_timeout_ms}ms"])
        if self.statement_timeout is not None:
            self.conn.execute("SELECT set_config('statement_timeout', %s, false)", [self.statement_timeout])
        with advisory_lock(self.conn, wait_seconds=self.lock_wait_seconds,
                           on_wait=lambda who: self.progress(Progress("waiting-lock", detail=who))):
            adopted = ledger.ensure_ledger(self.conn, files)
            if adopted:
                self.progress(Progress("adopted", detail=str(adopted)))
            yield ledger.read_ledger(self.conn)

    def _run(self, step: Step, direction: str, script: Script,
             record: Callable[[int], None]) -> StepResult:
        if not script.transactional:
            return self._run_autocommit(step, direction, script, record)
        self.progress(Progress("start", step, direction))
        started = time.monotonic()
        try:
            with self.conn.transaction():
                if script.statement_timeout is not None:
                    self.conn.execute("SELECT set_config('statement_timeout', %s, true)",
                                      [script.statement_timeout])
                if script.sql.strip():
                    self.conn.execute(script.sql)  # no params: the simple protocol, many statements
                duration_ms = int((time.monotonic() - started) * 1000)
                record(duration_ms)
                ledger.sync_pointer(self.conn)
        except psycopg.Error as exc:
            verb = "migration" if direction == "up" else "rollback of"
            raise sql_error(
                exc, script.sql, what=f"{verb} {step.version}_{step.name}.py",
                line_offset=script.line_offset, conn=self.conn,
                hint="nothing of it was applied (its transaction was rolled back); "
                "steps before it in this run are committed",
            ) from exc
        self.progress(Progress("done", step, direction, detail=f"{duration_ms} ms"))
        return StepResult(step, direction, duration_ms, True, script.sql)

    def _run_autocommit(self, step: Step, direction: str, script: Script,
                        record: Callable[[int], None]) -> StepResult:
        """One statement at a time, each committed on its own; the ledger row after the last."""
        self.progress(Progress("start", step, direction, detail="outside a transaction"))
        started = time.monotonic()
        total = len(script.statements)
        if script.statement_timeout is not None:
            self.conn.execute("SELECT set_config('statement_timeout', %s, false)", [script.statement_timeout])
        try:
            for statement in script.statements:
                try:
                    self.conn.execute(statement.text)
                except psycopg.Error as exc:
                    raise self._failed_part_way(step, direction, statement, total, exc) from exc
        finally:
            if script.statement_timeout is not None and not self.conn.closed:
                with suppress(psycopg.Error):  # a broken connection must not hide the real error
                    self.conn.execute("SELECT set_config('statement_timeout', %s, false)",
                                      [self.statement_timeout or "0"])
        duration_ms = int((time.monotonic() - started) * 1000)
        with self.conn.transaction():
            record(duration_ms)
            ledger.sync_pointer(self.conn)
        self.progress(Progress("done", step, direction, detail=f"{duration_ms} ms"))
        return StepResult(step, direction, duration_ms, True, script.sql)

    def _failed_part_way(self, step: Step, direction: str, statement: Statement, total: int,
                         exc: psycopg.Error) -> DatabaseError:
        failure = analyse(exc, statement.text, line_offset=statement.line - 1)
        message = failure.describe(
            f"{'migration' if direction == 'up' else 'rollback of'} {step.version}_{step.name}.py, "
            f"statement {statement.index} of {total},")
        done = f"statements 1-{statement.index - 1} are committed" if statement.index > 1 else \
            "no statement of it was committed"
        if direction == "down":
            return DatabaseError(message, hint=f"it runs outside a transaction: {done}; finish or "
                                 "undo them by hand, then re-run the rollback")
        recorded = FailedRow(step.version, step.name, statement.index, total,
                             mask_text(failure.message)[:MAX_RECORDED_ERROR_CHARS])
        try:
            ledger.record_failure(self.conn, recorded, step.checksum)
        except psycopg.Error:
            done += " (the failure could not be recorded: the connection is gone)"
        return DatabaseError(
            message,
            hint=f"it runs outside a transaction: {done}; `inv db.status` shows it; fix the cause, then "
            "`inv db.migrate --retry-failed` (write such steps with IF NOT EXISTS) or `--mark-applied`",
        )

    def _record_up(self, step: Step) -> Callable[[int], None]:
        def record(duration_ms: int) -> None:
            ledger.record_applied(self.conn, step.version, step.name, step.checksum, duration_ms)
            ledger.clear_failure(self.conn, step.version)
        return record

    def migrate(self, plan: MigratePlan, scripts: Mapping[str, Script]) -> list[StepResult]:
        for step in plan.accept:
            with self.conn.transaction():
                ledger.record_checksum(self.conn, step.version, step.checksum)
            self.progress(Progress("accepted", step))
        for step in plan.mark_applied:
            with self.conn.transaction():
                self._record_up(step)(0)
                ledger.sync_pointer(self.conn)
            self.progress(Progress("marked", step))
        return [self._run(step, "up", scripts[step.version], self._record_up(step)) for step in plan.steps]

    def rollback(self, plan: RollbackPlan, scripts: Mapping[str, Script]) -> list[StepResult]:
        return [
            self._run(step, "down", scripts[step.version],
                      lambda _ms, s=step: ledger.remove_applied(self.conn, s.version))  # type: ignore[misc]
            for step in plan.steps
        ]


class DryRunExecutor:
    """Same observations as a real run, no lock, no writes: reports the SQL it would execute."""

    def __init__(self, conn: psycopg.Connection[Any], progress: ProgressCallback = _ignore) -> None:
        self.conn = conn
        self.progress = progress

    @contextmanager
    def session(self, files: Sequence[MigrationFile]) -> Iterator[Ledger]:
        yield ledger.read_ledger(self.conn)

    def migrate(self, plan: MigratePlan, scripts: Mapping[str, Script]) -> list[StepResult]:
        return [StepResult(s, "up", 0, False, scripts[s.version].sql) for s in plan.steps]

    def rollback(self, plan: RollbackPlan, scripts: Mapping[str, Script]) -> list[StepResult]:
        return [StepResult(s, "down", 0, False, scripts[s.version].sql) for s in plan.steps]

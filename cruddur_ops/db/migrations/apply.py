"""Executors for migrate/rollback plans. They never print: progress goes through a callback.

:class:`PostgresExecutor` holds the migration lock for the whole run, creates the ledger (adopting
the old pointer) once, and runs each step in ONE transaction with its bookkeeping row and the old
pointer update — so a failure leaves nothing of that step behind and stops the run.
:class:`DryRunExecutor` reads the same state without locking or writing and reports what would
run (with the SQL).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from ..sqlerrors import sql_error
from . import ledger
from .files import MigrationFile
from .lock import advisory_lock
from .plan import Ledger, MigratePlan, RollbackPlan, Step


@dataclass(frozen=True)
class Script:
    """The SQL of one step, and where it sits in its file (for error line numbers)."""

    sql: str
    line_offset: int = 0


@dataclass(frozen=True)
class StepResult:
    step: Step
    direction: str  # "up" | "down"
    duration_ms: int
    executed: bool  # False in a dry run
    sql: str = ""


@dataclass(frozen=True)
class Progress:
    event: str  # "waiting-lock" | "adopted" | "start" | "done" | "accepted"
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
                 lock_timeout_ms: int, progress: ProgressCallback = _ignore) -> None:
        self.conn = conn
        self.lock_wait_seconds = lock_wait_seconds
        self.lock_timeout_ms = lock_timeout_ms
        self.progress = progress

    @contextmanager
    def session(self, files: Sequence[MigrationFile]) -> Iterator[Ledger]:
        """Lock, make sure the ledger exists (adopting the old pointer once), then read it.
        Planning happens inside, so a second run waiting on the lock plans from fresh state."""
        # A migration blocked on a table lock (a long query on `users`) fails after this long
        # instead of hanging while holding our lock and queueing every other session behind it.
        self.conn.execute("SELECT set_config('lock_timeout', %s, false)", [f"{self.lock_timeout_ms}ms"])
        with advisory_lock(self.conn, wait_seconds=self.lock_wait_seconds,
                           on_wait=lambda who: self.progress(Progress("waiting-lock", detail=who))):
            adopted = ledger.ensure_ledger(self.conn, files)
            if adopted:
                self.progress(Progress("adopted", detail=str(adopted)))
            yield ledger.read_ledger(self.conn)

    def _run(self, step: Step, direction: str, script: Script,
             record: Callable[[int], None]) -> StepResult:
        self.progress(Progress("start", step, direction))
        started = time.monotonic()
        try:
            with self.conn.transaction():
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

    def migrate(self, plan: MigratePlan, scripts: Mapping[str, Script]) -> list[StepResult]:
        for step in plan.accept:
            with self.conn.transaction():
                ledger.record_checksum(self.conn, step.version, step.checksum)
            self.progress(Progress("accepted", step))
        results = []
        for step in plan.steps:
            results.append(self._run(
                step, "up", scripts[step.version],
                lambda ms, s=step: ledger.record_applied(self.conn, s.version, s.name, s.checksum, ms),  # type: ignore[misc]
            ))
        return results

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

"""Pure planning: which migrations are applied, pending, changed or missing, and what a migrate or
rollback run will do. No database, no files, no printing: data in, frozen dataclasses out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ...errors import RefusedError
from .files import MigrationFile
from .versions import Version


class State(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    CHANGED = "changed"  # applied, but the file's checksum differs from the recorded one
    MISSING = "missing"  # applied, but no file for it any more
    FAILED = "failed"  # a non-transactional migration stopped part-way: some statements ran


@dataclass(frozen=True)
class FailedRow:
    """A non-transactional migration that failed at ``statement`` of ``statements``: the ones
    before it are committed (autocommit), so the database is between two schemas."""

    version: str
    name: str
    statement: int
    statements: int
    error: str
    failed_at: str | None = None

    def describe(self) -> str:
        return f"failed at statement {self.statement} of {self.statements}: {self.error}"


@dataclass(frozen=True)
class AppliedRow:
    """One row of ``schema_migrations`` (or a file the old pointer says was applied)."""

    version: str
    name: str
    checksum: str | None
    applied_at: str | None = None  # ISO text, for display
    duration_ms: int | None = None
    adopted: bool = False  # counted as applied because of schema_information, not run by us


@dataclass(frozen=True)
class Ledger:
    """What the database says has been applied."""

    exists: bool  # the schema_migrations table exists
    rows: tuple[AppliedRow, ...] = ()
    pointer: Decimal | None = None  # schema_information.last_successful_run, as time
    pointer_raw: str | None = None
    has_pointer_table: bool = False
    failures: tuple[FailedRow, ...] = ()  # rows of schema_migration_failures


@dataclass(frozen=True)
class Entry:
    version: str
    name: str
    state: State
    path: str | None = None
    checksum: str | None = None  # of the file today
    recorded_checksum: str | None = None
    applied_at: str | None = None
    adopted: bool = False
    failure: FailedRow | None = None  # state FAILED: where it stopped

    @property
    def sort_key(self) -> Version:
        return Version.parse(self.version)

    @property
    def is_applied(self) -> bool:
        return self.state not in (State.PENDING, State.FAILED)


@dataclass(frozen=True)
class Status:
    entries: tuple[Entry, ...]
    adopting_pointer: str | None = None  # the ledger does not exist yet; this pointer will be adopted

    def having(self, *states: State) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.state in states)

    def state_counts(self) -> dict[State, int]:
        """How many entries are in each state (every state, in State's order)."""
        return {state: len(self.having(state)) for state in State}

    @property
    def pending(self) -> tuple[Entry, ...]:
        return self.having(State.PENDING)

    @property
    def failed(self) -> tuple[Entry, ...]:
        return self.having(State.FAILED)

    @property
    def changed(self) -> tuple[Entry, ...]:
        return self.having(State.CHANGED)

    @property
    def missing(self) -> tuple[Entry, ...]:
        return self.having(State.MISSING)

    @property
    def applied(self) -> tuple[Entry, ...]:
        return self.having(State.APPLIED, State.CHANGED, State.MISSING)


def adopted_rows(files: Sequence[MigrationFile], pointer: Decimal | None) -> tuple[AppliedRow, ...]:
    """Files the old ``schema_information`` pointer counts as applied: everything at or before it
    in true time (the old scripts compared integers; the pointer still means a point in time)."""
    if pointer is None:
        return ()
    return tuple(
        AppliedRow(version=f.version.digits, name=f.name, checksum=f.checksum, adopted=True)
        for f in files
        if f.version.key <= pointer
    )


def reconcile(files: Sequence[MigrationFile], ledger: Ledger) -> Status:
    """Compare the files with the ledger (or, before the ledger exists, with the old pointer)."""
    if ledger.exists:
        rows = {row.version: row for row in ledger.rows}
        adopting = None
    else:
        rows = {row.version: row for row in adopted_rows(files, ledger.pointer)}
        adopting = ledger.pointer_raw if ledger.pointer is not None else None
    failures = {failure.version: failure for failure in ledger.failures}
    entries: list[Entry] = []
    for f in files:
        row = rows.pop(f.version.digits, None)
        if row is None:
            failure = failures.get(f.version.digits)
            entries.append(Entry(f.version.digits, f.name, State.FAILED if failure else State.PENDING,
                                 str(f.path), f.checksum, failure=failure))
            continue
        changed = row.checksum is not None and row.checksum != f.checksum
        entries.append(Entry(
            f.version.digits, f.name, State.CHANGED if changed else State.APPLIED, str(f.path),
            f.checksum, row.checksum, row.applied_at, row.adopted,
        ))
    for row in rows.values():
        entries.append(Entry(row.version, row.name, State.MISSING, None, None, row.checksum,
                             row.applied_at, row.adopted))
    entries.sort(key=lambda e: e.sort_key)
    return Status(tuple(entries), adopting)


@dataclass(frozen=True)
class Step:
    version: str
    name: str
    path: str
    checksum: str
    reason: str


@dataclass(frozen=True)
class MigratePlan:
    steps: tuple[Step, ...]  # to apply, oldest first
    accept: tuple[Step, ...] = ()  # changed applied files whose new checksum gets recorded
    warnings: tuple[str, ...] = ()
    mark_applied: tuple[Step, ...] = ()  # failed part-way; recorded as applied without running


@dataclass(frozen=True)
class RollbackPlan:
    steps: tuple[Step, ...]  # to undo, newest first
    warnings: tuple[str, ...] = ()


def _file_name(entry: Entry) -> str:
    return f"{entry.version}_{entry.name}.py"


def _refuse_failed(failed: Sequence[Entry]) -> None:
    entry = failed[0]
    assert entry.failure is not None
    raise RefusedError(
        f"migration {_file_name(entry)} {entry.failure.describe()}; statements before it are "
        "committed (it runs outside a transaction)",
        hint="fix the cause, then `inv db.migrate --retry-failed` (re-runs it from its first "
        "statement: write such steps with IF NOT EXISTS), or finish it by hand and "
        "`inv db.migrate --mark-applied`",
    )


def plan_migrate(status: Status, *, accept_changed: bool = False, retry_failed: bool = False,
                 mark_applied: bool = False) -> MigratePlan:
    """Apply every pending file in time order.

    A pending file older than the newest applied one (a branch merged late) is applied too — the
    old scripts skipped it forever — with a warning. An applied file whose content changed stops
    the run unless ``accept_changed``: the database no longer matches the history in the repo.
    """
    if status.changed and not accept_changed:
        names = ", ".join(_file_name(e) for e in status.changed)
        raise RefusedError(
            f"applied migration files were edited since they ran: {names}",
            hint="restore them (git checkout), or re-run with --accept-changed to record their new "
            "checksums; put new changes in a new migration (`inv db.new NAME`)",
        )
    if retry_failed and mark_applied:
        raise RefusedError("--retry-failed and --mark-applied exclude each other",
                           hint="re-run the failed migration, or record it as applied: not both")
    if status.failed and not (retry_failed or mark_applied):
        _refuse_failed(status.failed)
    warnings = [f"{_file_name(e)} was applied but its file is missing" for e in status.missing]
    applied = status.applied
    newest = max((e.sort_key for e in applied), default=None)
    marked = tuple(
        Step(e.version, e.name, e.path or "", e.checksum or "", "marked applied after a failure")
        for e in status.failed
    ) if mark_applied else ()
    steps: list[Step] = []
    runnable = status.having(State.PENDING, State.FAILED) if retry_failed else status.pending
    for entry in runnable:
        reason = "retry after a failure" if entry.state is State.FAILED else "pending"
        if newest is not None and entry.sort_key < newest:
            reason = f"pending, older than the newest applied migration {newest.digits} (out of order)"
            warnings.append(f"{_file_name(entry)} is older than applied {newest.digits}: applying it out of order")
        steps.append(Step(entry.version, entry.name, entry.path or "", entry.checksum or "", reason))
    accept = tuple(
        Step(e.version, e.name, e.path or "", e.checksum or "", "file changed after it was applied")
        for e in status.changed
    ) if accept_changed else ()
    return MigratePlan(tuple(steps), accept, tuple(warnings), marked)


def plan_rollback(status: Status, *, steps: int = 1, accept_changed: bool = False) -> RollbackPlan:
    """Undo the ``steps`` newest applied migrations, newest first (the old script undid the oldest)."""
    if steps < 1:
        raise RefusedError(f"--steps must be at least 1 (got {steps})", hint="e.g. --steps 2")
    newest_first = sorted(status.applied, key=lambda e: e.sort_key, reverse=True)
    chosen = newest_first[:steps]
    warnings: list[str] = []
    if len(chosen) < steps and chosen:
        warnings.append(f"only {len(chosen)} applied migration(s) to roll back (asked for {steps})")
    planned: list[Step] = []
    for entry in chosen:
        if entry.state is State.MISSING:
            raise RefusedError(
                f"cannot roll back {_file_name(entry)}: its file is missing",
                hint="restore the file (its rollback_sql() is needed) and re-run",
            )
        if entry.state is State.CHANGED and not accept_changed:
            raise RefusedError(
                f"{_file_name(entry)} was edited after it was applied: its rollback_sql() may not "
                "undo what ran",
                hint="restore the file, or re-run with --accept-changed to use the edited rollback",
            )
        reason = "newest applied" if not planned else "next newest applied"
        planned.append(Step(entry.version, entry.name, entry.path or "", entry.checksum or "", reason))
    return RollbackPlan(tuple(planned), tuple(warnings))

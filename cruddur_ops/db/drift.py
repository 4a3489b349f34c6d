"""``db.drift``: does a live schema still match its migrations?

The expected schema is rebuilt in a throwaway database: the base ``schema.sql`` and then every
migration the target's ledger records as applied, in time order, through the same executor
``db.migrate`` uses. Both schemas are dumped with :mod:`.dump` and compared as a unified diff
(expected → actual: a column added by hand on the target shows as ``+``).

The scratch database is created and dropped on a server that is never the target's when the
target is prod: replaying migrations there would put load (and a stray database) on production.
"""

from __future__ import annotations

import difflib
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ..errors import OpsError, RefusedError
from . import admin
from .connection import connect
from .dump import Runner, dump_schema
from .migrations.apply import PostgresExecutor
from .migrations.files import discover
from .migrations.plan import MigratePlan, State, Status, Step
from .migrations.runner import load_scripts, status
from .scripts import run_sql_file
from .target import DbTarget

SCRATCH_PREFIX = "cruddur_drift_"
SCRATCH_LOCK_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class DriftReport:
    expected_label: str
    actual_label: str
    diff: tuple[str, ...]  # unified diff lines, without trailing newlines
    replayed: tuple[str, ...]  # migration files replayed on the scratch database
    warnings: tuple[str, ...] = ()

    @property
    def drifted(self) -> bool:
        return bool(self.diff)


def _cluster_identity(target: DbTarget) -> tuple[Any, ...]:
    """Who the server is: its system identifier when readable (RDS may refuse), and host:port."""
    params = target.params()
    address = (str(params.get("host") or params.get("hostaddr") or "localhost").lower(),
               str(params.get("port") or "5432"))
    try:
        with connect(target) as conn:
            row = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()
    except (psycopg.Error, OpsError):  # no permission (RDS) or no connection: the address decides
        row = None
    return (row[0],) if row else address


def refuse_prod_server(target: DbTarget, scratch_server: DbTarget) -> None:
    if target.env != "prod":
        return
    if _cluster_identity(target) == _cluster_identity(scratch_server):
        raise RefusedError(
            f"the scratch database would be created on the production server ({target.describe()})",
            hint="point CONNECTION_URL at a dev server, or pass --scratch-url postgresql://…@dev-host/postgres",
        )


def replay_steps(current: Status) -> tuple[list[Step], list[str]]:
    """The migrations to replay: every one the target records as applied, oldest first."""
    steps: list[Step] = []
    warnings: list[str] = []
    for entry in current.entries:
        file_name = f"{entry.version}_{entry.name}.py"
        if entry.state is State.MISSING:
            warnings.append(f"{file_name} is applied on the target but its file is missing: not replayed")
        elif entry.state is State.FAILED:
            warnings.append(f"{file_name} failed part-way on the target: not replayed")
        elif entry.is_applied:
            if entry.state is State.CHANGED:
                warnings.append(f"{file_name} was edited after it was applied: replaying today's file")
            steps.append(Step(entry.version, entry.name, entry.path or "", entry.checksum or "", "replay"))
    return steps, warnings


def _build_expected(scratch: DbTarget, base_schema: Path, migrations_dir: Path, steps: list[Step]) -> None:
    with connect(scratch) as conn:
        run_sql_file(conn, base_schema, label=base_schema.name)
        executor = PostgresExecutor(conn, lock_wait_seconds=0, lock_timeout_ms=SCRATCH_LOCK_TIMEOUT_MS)
        with executor.session(discover(migrations_dir)):
            executor.migrate(MigratePlan(tuple(steps)), load_scripts(steps, "up"))


def detect_drift(target: DbTarget, scratch_server: DbTarget, *, base_schema: Path, migrations_dir: Path,
                 base_env: Mapping[str, str], run: Runner = subprocess.run) -> DriftReport:
    """Compare ``target``'s schema with schema.sql + its applied migrations replayed on a scratch
    database created on ``scratch_server`` (and always dropped)."""
    refuse_prod_server(target, scratch_server)
    with connect(target) as conn:
        current = status(conn, migrations_dir)
    steps, warnings = replay_steps(current)
    actual = dump_schema(target, base_env=base_env, run=run)
    scratch = scratch_server.with_dbname(f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}")
    with connect(scratch_server) as conn:
        admin.create_database(conn, scratch.dbname)
    try:
        _build_expected(scratch, base_schema, migrations_dir, steps)
        expected = dump_schema(scratch, base_env=base_env, run=run)
    finally:
        with connect(scratch_server) as conn:
            admin.drop_database(conn, scratch.dbname, force=True)
    expected_label = f"expected ({base_schema.name} + {len(steps)} applied migration(s))"
    actual_label = f"{target.env} ({target.describe()})"
    diff = tuple(line.rstrip("\n") for line in difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True),
        fromfile=expected_label, tofile=actual_label))
    return DriftReport(expected_label, actual_label, diff,
                       tuple(f"{s.version}_{s.name}.py" for s in steps), tuple(warnings))

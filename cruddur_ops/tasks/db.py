"""`inv db.*` tasks: connect, create, drop, schema-load, seed, setup, sessions, kill-all, migrate,
rollback, status, new (and, from db_schema: lint, dump, drift).

Names: CONNECTION_URL (dev), PROD_CONNECTION_URL or PROD_DB_SECRET_ID (prod), DB_DIR,
MIGRATIONS_DIR, DB_MAINTENANCE_DB, DB_LOCK_WAIT, DB_LOCK_TIMEOUT, DB_STATEMENT_TIMEOUT,
DB_DUMP_AFTER_MIGRATE, DB_SCHEMA_DUMP. Folders and setup steps: db/setup.py; output: db/render.py; the
target and the hooks shared with db_schema: db_common.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Collection, Context
from invoke.exceptions import Exit

from .. import ci
from ..cli.common import confirm
from ..cli.guard import ops_task
from ..config import repo_root, resolve_path
from ..console import consoles
from ..db.settings import DEFAULT_LOCK_TIMEOUT_SECONDS, DEFAULT_LOCK_WAIT_SECONDS
from ..errors import EXIT_CHANGES_PRESENT, ConfigError, RefusedError
from . import db_schema
from .db_common import COMMON_HELP, DB_DIR_HELP, MIGRATIONS_HELP, dump_after_migrate, lint_guard
from .db_common import settings_for as _settings
from .db_common import target_for as _target

# The db core imports psycopg (~0.3 s), and db/render.py rich.table: both are imported inside
# the tasks, so `inv --list` and every other namespace stay fast.
if TYPE_CHECKING:
    from ..db.migrations.apply import DryRunExecutor, PostgresExecutor
    from ..db.settings import DbSettings
    from ..db.target import DbTarget

YES_HELP = "approve a destructive prod action (on a terminal you also type 'prod')"
JSON_HELP = "print the result as one JSON object on stdout (shape: docs/json.md); text goes to stderr"


def _guard_destructive(target: DbTarget, action: str, yes: bool) -> None:
    """Prod actions that destroy data: --yes always, and on a terminal the word 'prod' too."""
    if target.env != "prod":
        return
    if not yes:
        raise RefusedError(
            f"`{action}` on prod destroys data and needs --yes",
            hint="re-run with --env prod --yes (on a terminal you will also type 'prod')",
        )
    if consoles().interactive:
        confirm(f"About to {action} on PRODUCTION {target.describe()}.", yes=False, expected="prod")


# --- tasks ---------------------------------------------------------------------------------


@ops_task(help={**COMMON_HELP, "command": "run one SQL command and exit (psql -c)"})
def connect(ctx: Context, env: str = "dev", secret_id: str = "", command: str = "") -> None:
    """Open psql on the database (the password goes through PGPASSWORD, never argv or the screen)."""
    from ..db.psql import psql_invocation

    _, target = _target(ctx, env, secret_id)
    invocation = psql_invocation(target, base_env=os.environ,
                                 extra_args=["-c", command] if command else [])
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        # Replace this process: psql owns the terminal, signals and the exit code from here on.
        os.execvpe(invocation.executable, invocation.argv, invocation.env)
    except OSError as exc:
        raise ConfigError(f"cannot run {invocation.executable}: {exc.strerror}",
                          hint="check the psql installation (`psql --version`)") from exc


@ops_task(help=COMMON_HELP)
def create(ctx: Context, env: str = "dev", secret_id: str = "") -> None:
    """Create the database named in the URL (connects to the maintenance database `postgres`)."""
    db, target = _target(ctx, env, secret_id)
    _create(db, target)


def _create(db: DbSettings, target: DbTarget) -> None:
    from ..db.render import show
    from ..db.setup import create_database

    created = create_database(db, target)
    show(f"created database {target.dbname}" if created else f"database {target.dbname} already exists")


@ops_task(help={**COMMON_HELP, "yes": YES_HELP,
                "force": "end other sessions on the database first (DROP … WITH (FORCE))"})
def drop(ctx: Context, env: str = "dev", secret_id: str = "", yes: bool = False, force: bool = False) -> None:
    """Drop the database named in the URL. Prod: --yes, and type 'prod' on a terminal."""
    db, target = _target(ctx, env, secret_id)
    _guard_destructive(target, "drop the database", yes)
    _drop(db, target, force)


def _drop(db: DbSettings, target: DbTarget, force: bool) -> None:
    from ..db.render import show
    from ..db.setup import drop_database

    dropped = drop_database(db, target, force=force)
    show(f"dropped database {target.dbname}" if dropped else f"database {target.dbname} does not exist")


def _load_file(target: DbTarget, path: Path, kind: str) -> None:
    from ..db.render import show_loaded
    from ..db.setup import load_file

    show_loaded(load_file(target, path, kind))


@ops_task(help={**COMMON_HELP, "yes": YES_HELP, "db-dir": DB_DIR_HELP,
                "file": "SQL file to load instead of DB_DIR/schema.sql"})
def schema_load(ctx: Context, env: str = "dev", secret_id: str = "", yes: bool = False,
                db_dir: str = "", file: str = "") -> None:
    """Load schema.sql (one transaction: any SQL error fails the task and leaves nothing)."""
    db, target = _target(ctx, env, secret_id, DB_DIR=db_dir)
    _guard_destructive(target, "load the schema (it drops and re-creates tables)", yes)
    path = resolve_path(file) if file else db.db_dir / "schema.sql"
    _load_file(target, path, "schema")


@ops_task(help={**COMMON_HELP, "db-dir": DB_DIR_HELP, "file": "SQL file instead of DB_DIR/seed.sql"})
def seed(ctx: Context, env: str = "dev", secret_id: str = "", db_dir: str = "", file: str = "") -> None:
    """Load seed.sql (one transaction)."""
    db, target = _target(ctx, env, secret_id, DB_DIR=db_dir)
    path = resolve_path(file) if file else db.db_dir / "seed.sql"
    _load_file(target, path, "seed")


@ops_task(help={**COMMON_HELP, "yes": YES_HELP, "db-dir": DB_DIR_HELP, "migrations-dir": MIGRATIONS_HELP,
                "force": "end other sessions before dropping", "seed": "load seed.sql (--no-seed to skip)"})
def setup(ctx: Context, env: str = "dev", secret_id: str = "", yes: bool = False, db_dir: str = "",
          migrations_dir: str = "", force: bool = False, seed: bool = True) -> None:
    """Drop, create, load schema and seed, migrate — every step on the same --env target."""
    from ..db.setup import check_setup_files

    db, target = _target(ctx, env, secret_id, DB_DIR=db_dir, MIGRATIONS_DIR=migrations_dir)
    _guard_destructive(target, "re-create the database (drop, create, schema, seed, migrate)", yes)
    check_setup_files(db.db_dir, db.migrations_dir, seed=seed)  # before anything is dropped
    _drop(db, target, force)
    _create(db, target)
    _load_file(target, db.db_dir / "schema.sql", "schema")
    if seed:
        _load_file(target, db.db_dir / "seed.sql", "seed")
    _migrate(db, target, dry_run=False, accept_changed=False)


@ops_task(help={**COMMON_HELP, "all": "every database on the server, not only the target"})
def sessions(ctx: Context, env: str = "dev", secret_id: str = "", all: bool = False) -> None:
    """List client sessions (pg_stat_activity) on the database."""
    from ..db import admin, render
    from ..db.connection import connect as open_connection
    from ..db.setup import maintenance

    db, target = _target(ctx, env, secret_id)
    with open_connection(maintenance(db, target)) as conn:
        rows = admin.list_sessions(conn, None if all else target.dbname)
    render.print_table(render.sessions_table(rows))
    render.say(f"{len(rows)} session(s)")


@ops_task(help=COMMON_HELP)
def kill_all(ctx: Context, env: str = "dev", secret_id: str = "") -> None:
    """Terminate every other session on the dev database (refused for prod)."""
    from ..db import admin
    from ..db.connection import connect as open_connection
    from ..db.render import show
    from ..db.setup import maintenance

    db, target = _target(ctx, env, secret_id)
    if target.env != "dev":
        raise RefusedError("kill-all is for dev only", hint="on prod, end single sessions deliberately")
    with open_connection(maintenance(db, target)) as conn:
        count = admin.terminate_sessions(conn, target.dbname)
    show(f"terminated {count} session(s) on {target.dbname}")


def _executor(conn: Any, db: DbSettings, *, dry_run: bool) -> DryRunExecutor | PostgresExecutor:
    """A dry run is a different executor (reads only), not a flag inside the real one."""
    from ..db.migrations.apply import DryRunExecutor, PostgresExecutor
    from ..db.render import show_progress

    if dry_run:
        return DryRunExecutor(conn, show_progress)
    return PostgresExecutor(conn, lock_wait_seconds=db.lock_wait, lock_timeout_ms=int(1000 * db.lock_timeout),
                            progress=show_progress, statement_timeout=db.statement_timeout)


def _migrate(db: DbSettings, target: DbTarget, *, dry_run: bool, accept_changed: bool,
             allow_destructive: bool = False, retry_failed: bool = False, mark_applied: bool = False) -> None:
    from ..db import render
    from ..db.connection import connect as open_connection
    from ..db.migrations import runner
    from ..db.summary import migrate_json, migrate_markdown

    review = lint_guard(target, allow_destructive=allow_destructive, dry_run=dry_run)
    with open_connection(target) as conn:
        outcome = runner.migrate(_executor(conn, db, dry_run=dry_run), db.migrations_dir,
                                 accept_changed=accept_changed, retry_failed=retry_failed,
                                 mark_applied=mark_applied, review=review)
        after = runner.status(conn, db.migrations_dir) if ci.json_requested() else None
    for warning in outcome.plan.warnings:
        render.say(f"warning: {warning}", "skipped")
        ci.warn(warning)
    ci.section(migrate_markdown(outcome.results, dry_run=dry_run, database=target.describe()))
    if after is not None:
        ci.result(migrate_json(outcome.results, after, dry_run=dry_run, warnings=outcome.plan.warnings))
    if dry_run and outcome.results:
        consoles().out.print(render.step_results(outcome.results), end="")
    verb = "would apply" if dry_run else "applied"
    render.say(f"{verb} {len(outcome.results)} migration(s)" if outcome.results
               else "nothing to migrate: up to date", "ok")
    if not dry_run:
        dump_after_migrate(db, target)


@ops_task(help={**COMMON_HELP, "dry-run": "show what would run (with SQL); no lock, no writes",
                "migrations-dir": MIGRATIONS_HELP, "db-dir": DB_DIR_HELP,
                "accept-changed": "record the new checksum of edited applied files and continue",
                "lock-wait": f"seconds to wait for another run's lock (DB_LOCK_WAIT; default {DEFAULT_LOCK_WAIT_SECONDS:g})",
                "lock-timeout": f"seconds a statement may wait for a table lock (DB_LOCK_TIMEOUT; default {DEFAULT_LOCK_TIMEOUT_SECONDS:g})",
                "allow-destructive": "prod: apply migrations with unacknowledged `inv db.lint` findings",
                "retry-failed": "re-run a non-transactional migration that failed part-way, from its first statement",
                "mark-applied": "record a non-transactional migration that failed part-way as applied, without running it",
                "json": JSON_HELP})
def migrate(ctx: Context, env: str = "dev", secret_id: str = "", dry_run: bool = False,
            migrations_dir: str = "", db_dir: str = "", accept_changed: bool = False,
            lock_wait: str = "", lock_timeout: str = "", allow_destructive: bool = False,
            retry_failed: bool = False, mark_applied: bool = False, json: bool = False) -> None:
    """Apply pending migrations in time order, each in one transaction with its ledger row
    (`transactional = False` ones statement by statement). Prod refuses unacknowledged lint findings."""
    db, target = _target(ctx, env, secret_id, DB_DIR=db_dir, MIGRATIONS_DIR=migrations_dir,
                         DB_LOCK_WAIT=lock_wait, DB_LOCK_TIMEOUT=lock_timeout)
    _migrate(db, target, dry_run=dry_run, accept_changed=accept_changed, allow_destructive=allow_destructive, retry_failed=retry_failed, mark_applied=mark_applied)


@ops_task(help={**COMMON_HELP, "yes": YES_HELP, "steps": "how many migrations to undo, newest first",
                "dry-run": "show what would be undone (with SQL)", "migrations-dir": MIGRATIONS_HELP,
                "db-dir": DB_DIR_HELP, "accept-changed": "roll back even if the file was edited since",
                "lock-wait": "seconds to wait for another run's lock (DB_LOCK_WAIT)",
                "lock-timeout": "seconds a statement may wait for a table lock (DB_LOCK_TIMEOUT)"})
def rollback(ctx: Context, env: str = "dev", secret_id: str = "", yes: bool = False, steps: int = 1,
             dry_run: bool = False, migrations_dir: str = "", db_dir: str = "",
             accept_changed: bool = False, lock_wait: str = "", lock_timeout: str = "") -> None:
    """Undo the newest applied migration (--steps N for more), each with its ledger row."""
    from ..db import render
    from ..db.connection import connect as open_connection
    from ..db.migrations import runner

    db, target = _target(ctx, env, secret_id, DB_DIR=db_dir, MIGRATIONS_DIR=migrations_dir,
                         DB_LOCK_WAIT=lock_wait, DB_LOCK_TIMEOUT=lock_timeout)
    if not dry_run:
        _guard_destructive(target, f"roll back {steps} migration(s)", yes)
    with open_connection(target) as conn:
        outcome = runner.rollback(_executor(conn, db, dry_run=dry_run), db.migrations_dir, steps=steps,
                                  accept_changed=accept_changed)
    for warning in outcome.plan.warnings:
        render.say(f"warning: {warning}", "skipped")
    if dry_run and outcome.results:
        consoles().out.print(render.step_results(outcome.results), end="")
    if not outcome.results:
        render.say("nothing to roll back: no migration is applied", "ok")


@ops_task(help={**COMMON_HELP, "exit-code": "exit 2 when migrations are pending (or failed part-way)",
                "migrations-dir": MIGRATIONS_HELP, "db-dir": DB_DIR_HELP, "json": JSON_HELP})
def status(ctx: Context, env: str = "dev", secret_id: str = "", exit_code: bool = False,
           migrations_dir: str = "", db_dir: str = "", json: bool = False) -> None:
    """Show applied / pending / changed / missing migrations (read-only)."""
    from ..db import render
    from ..db.connection import connect as open_connection
    from ..db.migrations import runner
    from ..db.summary import status_json, status_markdown

    db, target = _target(ctx, env, secret_id, DB_DIR=db_dir, MIGRATIONS_DIR=migrations_dir)
    with open_connection(target) as conn:
        current = runner.status(conn, db.migrations_dir)
    render.print_table(render.status_table(current))
    render.say(render.status_summary(current).plain)
    ci.section(status_markdown(current))
    ci.result(status_json(current))
    if exit_code and (current.pending or current.failed):
        raise Exit(code=EXIT_CHANGES_PRESENT)


@ops_task(positional=["name"], help={"name": "snake_case description, e.g. add_bio_column",
                                     "migrations-dir": MIGRATIONS_HELP, "db-dir": DB_DIR_HELP,
                                     "no-transaction": "write `transactional = False` (for CREATE INDEX CONCURRENTLY)"})
def new(ctx: Context, name: str, migrations_dir: str = "", db_dir: str = "", no_transaction: bool = False) -> None:
    """Write a new migration file (17-digit timestamp that sorts after every existing one)."""
    from ..db.migrations import files as migration_files
    from ..db.render import say, show

    _, db = _settings(ctx, DB_DIR=db_dir, MIGRATIONS_DIR=migrations_dir)
    path = migration_files.write_new(db.migrations_dir,
                                     migration_files.validate_name(name), time.time_ns(),
                                     transactional=not no_transaction)
    show(str(path.relative_to(repo_root()) if path.is_relative_to(repo_root()) else path))
    say("edit migrate_sql() and rollback_sql(), then `inv db.migrate`")


collection = Collection(
    "db", connect, create, drop, schema_load, seed, setup, sessions, kill_all, migrate, rollback,
    status, new, db_schema.lint, db_schema.dump, db_schema.drift,
)

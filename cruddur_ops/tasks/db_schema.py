"""`inv db.lint`, `inv db.dump`, `inv db.drift`. The two hooks `db.migrate` shares with them (the
lint guard, the dump after a dev migrate) live in db_common.

Names: DB_SCHEMA_DUMP (where db.dump writes; default db/schema.sql), DB_DUMP_AFTER_MIGRATE,
DB_SCRATCH_URL (db.drift's scratch server).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context
from invoke.exceptions import Exit

from .. import ci
from ..cli.guard import ops_task
from ..config import Settings
from ..console import consoles, plain
from ..db.settings import DEFAULT_SCHEMA_DUMP, STDOUT
from ..errors import EXIT_ERROR
from .db_common import (
    COMMON_HELP,
    DB_DIR_HELP,
    MIGRATIONS_HELP,
    connect_target,
    settings_for,
    target_for,
    write_dump,
)

if TYPE_CHECKING:
    from ..db.settings import DbSettings


# --- lint ----------------------------------------------------------------------------------

def _lint_paths(settings: Settings, db: DbSettings, *, every: bool, env: str) -> list[Path]:
    """--all: every migration file (no database needed); else the pending and failed ones."""
    from ..db.connection import connect
    from ..db.migrations import files, runner

    if every:
        return [f.path for f in files.discover(db.migrations_dir)]
    with connect(connect_target(settings, db, env)) as conn:
        current = runner.status(conn, db.migrations_dir)
    return [Path(e.path) for e in (*current.pending, *current.failed) if e.path]


@ops_task(help={**COMMON_HELP, "all": "lint every migration, not only the pending ones (needs no database)",
                "json": "print the report as JSON on stdout (docs/json.md); text goes to stderr", "migrations-dir": MIGRATIONS_HELP,
                "db-dir": DB_DIR_HELP})
def lint(ctx: Context, env: str = "dev", secret_id: str = "", all: bool = False, json: bool = False,
         migrations_dir: str = "", db_dir: str = "") -> None:
    """Lint pending migrations (--all: every one) for statements that destroy data or lock a busy
    table; exit 1 on findings not acknowledged in the migration."""
    from ..db import render
    from ..db.lint import lint as lint_sql
    from ..db.migrations.runner import read_migration

    settings, db = settings_for(ctx, PROD_DB_SECRET_ID=secret_id, DB_DIR=db_dir, MIGRATIONS_DIR=migrations_dir)
    paths = _lint_paths(settings, db, every=all, env=env)
    report = lint_sql([read_migration(path)[1] for path in paths])
    for finding in report.unacknowledged:
        ci.warn(f"{finding.file}:{finding.line} {finding.rule}: {finding.why}")
    if json:  # printed by the task wrapper, alone on stdout (also when there are findings)
        ci.result(report.as_dict())
    else:
        consoles().out.print(render.lint_report(report), end="")
    consoles().err.print(render.lint_summary(report))
    if not report.clean:
        raise Exit(code=EXIT_ERROR)


# --- dump ----------------------------------------------------------------------------------

@ops_task(help={**COMMON_HELP, "out": f"file to write (DB_SCHEMA_DUMP; default {DEFAULT_SCHEMA_DUMP}); - for stdout"})
def dump(ctx: Context, env: str = "dev", secret_id: str = "", out: str = "") -> None:
    """Write the schema (pg_dump --schema-only, normalised: two dumps of one schema are identical)."""
    from ..db.dump import dump_schema

    db, target = target_for(ctx, env, secret_id, DB_SCHEMA_DUMP=out)
    if db.schema_dump == STDOUT:
        consoles().out.print(plain(dump_schema(target, base_env=os.environ)), end="", soft_wrap=True)
        return
    write_dump(target, db.dump_path)


# --- drift ---------------------------------------------------------------------------------

@ops_task(help={**COMMON_HELP, "scratch-url": "server for the scratch database (DB_SCRATCH_URL; default the "
                "CONNECTION_URL server; never the prod server)", "db-dir": DB_DIR_HELP,
                "migrations-dir": MIGRATIONS_HELP, "schema": "base schema file (default DB_DIR/schema.sql)"})
def drift(ctx: Context, env: str = "dev", secret_id: str = "", scratch_url: str = "", db_dir: str = "",
          migrations_dir: str = "", schema: str = "") -> None:
    """Compare the live schema with schema.sql + its applied migrations replayed on a scratch
    database; print a unified diff and exit 1 when they differ."""
    from ..db import render
    from ..db.drift import detect_drift
    from ..db.setup import base_schema, scratch_server

    db, target = target_for(ctx, env, secret_id, DB_SCRATCH_URL=scratch_url, DB_DIR=db_dir,
                            MIGRATIONS_DIR=migrations_dir)
    report = detect_drift(target, scratch_server(db), base_schema=base_schema(db, schema),
                          migrations_dir=db.migrations_dir, base_env=os.environ)
    for warning in report.warnings:
        render.say(f"warning: {warning}", "skipped")
    if report.drifted:
        consoles().out.print(render.drift_diff(report), end="", soft_wrap=True)
        render.say(f"schema drift: {report.actual_label} differs from {report.expected_label}", "failed")
        raise Exit(code=EXIT_ERROR)
    render.say(f"no drift: {report.actual_label} matches {report.expected_label}", "ok")

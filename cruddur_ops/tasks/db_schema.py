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
from ..config import Settings, resolve_path
from ..console import consoles, plain
from ..db import setup
from ..errors import EXIT_ERROR, ConfigError
from .db_common import (
    COMMON_HELP,
    DB_DIR_HELP,
    DEFAULT_SCHEMA_DUMP,
    MIGRATIONS_HELP,
    dump_path,
    settings_for,
    target_for,
    write_dump,
)

if TYPE_CHECKING:
    from ..db.target import DbTarget


# --- lint ----------------------------------------------------------------------------------

def _lint_paths(ctx: Context, directory: Path, *, every: bool, env: str, secret_id: str) -> list[Path]:
    from ..db.connection import connect
    from ..db.migrations import files, runner

    if every:
        return [f.path for f in files.discover(directory)]
    _, target = target_for(ctx, env, secret_id)
    with connect(target) as conn:
        current = runner.status(conn, directory)
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

    settings = settings_for(ctx)
    directory = setup.migrations_dir(settings, migrations_dir, db_dir)
    paths = _lint_paths(ctx, directory, every=all, env=env, secret_id=secret_id)
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

    settings, target = target_for(ctx, env, secret_id)
    if (out or settings.get("DB_SCHEMA_DUMP")) == "-":
        consoles().out.print(plain(dump_schema(target, base_env=os.environ)), end="", soft_wrap=True)
        return
    write_dump(target, dump_path(settings, out))


# --- drift ---------------------------------------------------------------------------------

def _scratch_server(settings: Settings) -> DbTarget:
    from ..db.target import DbTarget

    url = settings.get("DB_SCRATCH_URL")
    if url:
        return DbTarget("dev", url, "--scratch-url")
    dev_url = settings.get("CONNECTION_URL")
    if not dev_url:
        raise ConfigError("db.drift needs a server for its scratch database",
                          hint="set CONNECTION_URL (a dev server) or pass --scratch-url postgresql://…/postgres")
    return setup.maintenance(settings, DbTarget("dev", dev_url, "CONNECTION_URL"))


@ops_task(help={**COMMON_HELP, "scratch-url": "server for the scratch database (DB_SCRATCH_URL; default the "
                "CONNECTION_URL server; never the prod server)", "db-dir": DB_DIR_HELP,
                "migrations-dir": MIGRATIONS_HELP, "schema": "base schema file (default DB_DIR/schema.sql)"})
def drift(ctx: Context, env: str = "dev", secret_id: str = "", scratch_url: str = "", db_dir: str = "",
          migrations_dir: str = "", schema: str = "") -> None:
    """Compare the live schema with schema.sql + its applied migrations replayed on a scratch
    database; print a unified diff and exit 1 when they differ."""
    from ..db import render
    from ..db.drift import detect_drift

    _, target = target_for(ctx, env, secret_id)
    settings = settings_for(ctx, PROD_DB_SECRET_ID=secret_id or None, DB_SCRATCH_URL=scratch_url or None)
    base = resolve_path(schema) if schema else setup.db_dir(settings, db_dir) / "schema.sql"
    if not base.is_file():
        raise ConfigError(f"base schema {base} does not exist", hint="pass --schema FILE or --db-dir DIR")
    report = detect_drift(target, _scratch_server(settings), base_schema=base,
                          migrations_dir=setup.migrations_dir(settings, migrations_dir, db_dir),
                          base_env=os.environ)
    for warning in report.warnings:
        render.say(f"warning: {warning}", "skipped")
    if report.drifted:
        consoles().out.print(render.drift_diff(report), end="", soft_wrap=True)
        render.say(f"schema drift: {report.actual_label} differs from {report.expected_label}", "failed")
        raise Exit(code=EXIT_ERROR)
    render.say(f"no drift: {report.actual_label} matches {report.expected_label}", "ok")

"""What the `inv db.*` task modules (db, db_schema) share: flag help, settings and the target,
and the two hooks `db.migrate` runs (the lint guard, the dump after a dev migrate). Folders and
setup steps live in :mod:`cruddur_ops.db.setup`, output in :mod:`cruddur_ops.db.render`.

Configuration (flags > environment > invoke config `cruddur.db.*` > defaults). No env file is
read: the rendered backend-flask.env holds the *container's* CONNECTION_URL (host `db`), which is
wrong from a workspace shell.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Context

from .. import ci
from ..cli.common import aws_target, is_truthy, load_settings
from ..config import Settings, repo_root, resolve_path
from ..errors import RefusedError

if TYPE_CHECKING:
    from ..db.lint import MigrationSql, Report
    from ..db.migrations.plan import MigratePlan
    from ..db.migrations.runner import Review
    from ..db.target import DbTarget

ENV_HELP = "dev (CONNECTION_URL) or prod (PROD_DB_SECRET_ID / PROD_CONNECTION_URL)"
SECRET_HELP = "prod only: Secrets Manager secret id with RDS-style JSON credentials (PROD_DB_SECRET_ID)"
DB_DIR_HELP = "folder with schema.sql, seed.sql, migrations/ (DB_DIR; default backend-flask/db, else examples/backend-flask/db)"
MIGRATIONS_HELP = "folder of migration files (MIGRATIONS_DIR; default DB_DIR/migrations)"
COMMON_HELP = {"env": ENV_HELP, "secret-id": SECRET_HELP}
DEFAULT_SCHEMA_DUMP = "db/schema.sql"
ACKNOWLEDGE_HINT = "`-- db.lint: allow RULE (why)` before the statement"


def settings_for(ctx: Context, **flags: Any) -> Settings:
    return load_settings(ctx, section="db", flags=flags)


def target_for(ctx: Context, env: str, secret_id: str) -> tuple[Settings, DbTarget]:
    from ..db.render import show_target
    from ..db.secret import fetch_secret_string
    from ..db.target import resolve_target

    settings = settings_for(ctx, PROD_DB_SECRET_ID=secret_id or None)
    env_name = (env or "dev").strip().lower()
    target = resolve_target(
        env_name,
        dev_url=settings.get("CONNECTION_URL"),
        prod_url=settings.get("PROD_CONNECTION_URL"),
        # PROD_DB_SECRET_ID in the environment must not break dev; an explicit flag for dev is an error.
        secret_id=settings.get("PROD_DB_SECRET_ID") if env_name == "prod" else (secret_id or None),
        fetch_secret=lambda sid: fetch_secret_string(sid, aws_target(settings)),
        default_dbname=settings.get("DB_NAME", default="cruddur"),
    )
    ci.mask(target.password)  # e.g. from a Secrets Manager secret: registered before anything prints
    show_target(target)
    return settings, target


def _shown(path: Path) -> str:
    root = repo_root()
    return str(path.relative_to(root) if path.is_relative_to(root) else path)


def _names(findings: Sequence[Any]) -> str:
    return ", ".join(f"{f.file}:{f.line} {f.rule}" for f in findings)


def lint_guard(target: DbTarget, *, allow_destructive: bool, dry_run: bool) -> Review:
    """db.migrate's review of the planned steps: prod refuses unacknowledged findings (unless
    --allow-destructive); dev, dry runs and allowed prod runs print them as warnings."""

    def review(plan: MigratePlan, items: Sequence[MigrationSql]) -> None:
        from ..db import render
        from ..db.lint import lint as lint_sql
        from ..db.render import say

        report: Report = lint_sql(items)
        for finding in report.findings:
            if finding.acknowledged:
                say(f"lint: {finding.file}:{finding.line} {finding.rule} (acknowledged)", "muted")
        open_findings = report.unacknowledged
        if not open_findings:
            return
        render.show_lint_report(report)
        if target.env == "prod" and not allow_destructive and not dry_run:
            raise RefusedError(
                f"prod: pending migrations have {len(open_findings)} unacknowledged lint finding(s): "
                f"{_names(open_findings)}; nothing was applied",
                hint=f"make them safe (see `inv db.lint`), acknowledge each with {ACKNOWLEDGE_HINT}, "
                "or re-run with --allow-destructive",
            )
        why = "applying anyway (--allow-destructive)" if target.env == "prod" and not dry_run else "warning"
        say(f"{why}: {len(open_findings)} lint finding(s): {_names(open_findings)}", "skipped")

    return review


def dump_path(settings: Settings, flag: str) -> Path:
    return resolve_path(flag or settings.get("DB_SCHEMA_DUMP") or DEFAULT_SCHEMA_DUMP)


def write_dump(target: DbTarget, path: Path) -> None:
    from ..db.dump import dump_schema
    from ..db.render import say
    from ..fsutil import atomic_write_text

    text = dump_schema(target, base_env=os.environ)
    atomic_write_text(path, text)
    say(f"wrote the schema of {target.dbname} to {_shown(path)} ({text.count(chr(10))} lines)", "ok")


def dump_after_migrate(settings: Settings, target: DbTarget) -> None:
    """DB_DUMP_AFTER_MIGRATE=true: a dev migrate refreshes the schema dump."""
    if target.env != "dev" or not is_truthy(settings.get("DB_DUMP_AFTER_MIGRATE"), "DB_DUMP_AFTER_MIGRATE"):
        return
    write_dump(target, dump_path(settings, ""))

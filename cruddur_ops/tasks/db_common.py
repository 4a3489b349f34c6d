"""What the `inv db.*` task modules (db, db_schema) share: flag help, settings and the target,
and the two hooks `db.migrate` runs (the lint guard, the dump after a dev migrate). Folders and
setup steps live in :mod:`cruddur_ops.db.setup`, output in :mod:`cruddur_ops.db.render`.

Configuration: :mod:`cruddur_ops.db.settings` (flags > environment > invoke config `cruddur.db.*`
> defaults). No env file is read: the rendered backend-flask.env holds the *container's* CONNECTION_URL (host `db`), which is
wrong from a workspace shell.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Context

from .. import ci
from ..cli.common import aws_target, load_settings
from ..config import Settings, repo_root
from ..errors import RefusedError

if TYPE_CHECKING:
    from ..db.lint import MigrationSql, Report
    from ..db.migrations.plan import MigratePlan
    from ..db.migrations.runner import Review
    from ..db.settings import DbSettings
    from ..db.target import DbTarget

ENV_HELP = "dev (CONNECTION_URL) or prod (PROD_DB_SECRET_ID / PROD_CONNECTION_URL)"
SECRET_HELP = "prod only: Secrets Manager secret id with RDS-style JSON credentials (PROD_DB_SECRET_ID)"
DB_DIR_HELP = "folder with schema.sql, seed.sql, migrations/ (DB_DIR; default backend-flask/db, else examples/backend-flask/db)"
MIGRATIONS_HELP = "folder of migration files (MIGRATIONS_DIR; default DB_DIR/migrations)"
COMMON_HELP = {"env": ENV_HELP, "secret-id": SECRET_HELP}
ACKNOWLEDGE_HINT = "`-- db.lint: allow RULE (why)` before the statement"


def settings_for(ctx: Context, **flags: Any) -> tuple[Settings, DbSettings]:
    """The resolved settings (for the AWS target) and the db's own; ``flags`` by setting name
    (``DB_DIR=db_dir`` …; empty means not given)."""
    from ..db.settings import db_settings

    settings = load_settings(ctx, section="db", flags=flags)
    return settings, db_settings(settings)


def connect_target(settings: Settings, db: DbSettings, env: str) -> DbTarget:
    """The database ``--env`` names, shown (password masked) before anything connects."""
    from ..db.render import show_target
    from ..db.secret import fetch_secret_string
    from ..db.target import resolve_target

    env_name = (env or "dev").strip().lower()
    target = resolve_target(
        env_name,
        dev_url=db.dev_url,
        prod_url=db.prod_url,
        secret_id=db.secret_id(env_name),
        fetch_secret=lambda sid: fetch_secret_string(sid, aws_target(settings)),
        default_dbname=db.db_name,
    )
    ci.mask(target.password)  # e.g. from a Secrets Manager secret: registered before anything prints
    show_target(target)
    return target


def target_for(ctx: Context, env: str, secret_id: str, **flags: Any) -> tuple[DbSettings, DbTarget]:
    settings, db = settings_for(ctx, PROD_DB_SECRET_ID=secret_id, **flags)
    return db, connect_target(settings, db, env)


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


def write_dump(target: DbTarget, path: Path) -> None:
    from ..db.dump import dump_schema
    from ..db.render import say
    from ..fsutil import atomic_write_text

    text = dump_schema(target, base_env=os.environ)  # pg_dump's own environment (PGSSLMODE …)
    atomic_write_text(path, text)
    say(f"wrote the schema of {target.dbname} to {_shown(path)} ({text.count(chr(10))} lines)", "ok")


def dump_after_migrate(db: DbSettings, target: DbTarget) -> None:
    """DB_DUMP_AFTER_MIGRATE=true: a dev migrate refreshes the schema dump."""
    if target.env == "dev" and db.dump_after_migrate:
        write_dump(target, db.dump_path)

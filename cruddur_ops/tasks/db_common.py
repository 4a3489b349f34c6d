"""Configuration and output helpers shared by the `inv db.*` task modules (db, db_schema).

Configuration (flags > environment > invoke config `cruddur.db.*` > defaults). No env file is
read: the rendered backend-flask.env holds the *container's* CONNECTION_URL (host `db`), which is
wrong from a workspace shell.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Context

from .. import ci
from ..cli.common import aws_target, load_settings
from ..config import Settings, repo_root, resolve_path
from ..console import consoles, plain
from ..errors import ConfigError

if TYPE_CHECKING:
    from rich.table import Table

    from ..db.target import DbTarget

ENV_HELP = "dev (CONNECTION_URL) or prod (PROD_DB_SECRET_ID / PROD_CONNECTION_URL)"
SECRET_HELP = "prod only: Secrets Manager secret id with RDS-style JSON credentials (PROD_DB_SECRET_ID)"
DB_DIR_HELP = "folder with schema.sql, seed.sql, migrations/ (DB_DIR; default backend-flask/db, else examples/backend-flask/db)"
MIGRATIONS_HELP = "folder of migration files (MIGRATIONS_DIR; default DB_DIR/migrations)"
COMMON_HELP = {"env": ENV_HELP, "secret-id": SECRET_HELP}


def settings_for(ctx: Context, **flags: Any) -> Settings:
    return load_settings(ctx, section="db", flags=flags)


def target_for(ctx: Context, env: str, secret_id: str) -> tuple[Settings, DbTarget]:
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
    consoles().err.print(plain(f"db: {target.env} → {target.describe()} ({target.source})", style="muted"))
    return settings, target


def db_dir(settings: Settings, flag: str) -> Path:
    configured = flag or settings.get("DB_DIR")
    if configured:
        return resolve_path(configured)
    root = repo_root()
    real = root / "backend-flask" / "db"
    return real if real.is_dir() else root / "examples" / "backend-flask" / "db"


def migrations_dir(settings: Settings, flag: str, db_dir_flag: str = "") -> Path:
    configured = flag or settings.get("MIGRATIONS_DIR")
    return resolve_path(configured) if configured else db_dir(settings, db_dir_flag) / "migrations"


def seconds(settings: Settings, name: str, flag: str, default: float) -> float:
    raw = flag or settings.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds", hint="e.g. 30") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative", hint="e.g. 30")
    return value


def maintenance(settings: Settings, target: DbTarget) -> DbTarget:
    from ..db.target import DEFAULT_MAINTENANCE_DB

    return target.maintenance(settings.get("DB_MAINTENANCE_DB", default=DEFAULT_MAINTENANCE_DB))


def say(message: str, style: str | None = None) -> None:
    consoles().err.print(plain(message, style=style or ""))


def print_table(table: Table) -> None:
    """Tables are data: piped to a file or a CI log they must not be cut at 80 columns."""
    out = consoles().out
    if out.is_terminal:
        out.print(table)
        return
    from rich.console import Console

    wide = Console(file=io.StringIO(), width=400, no_color=True, highlight=False, emoji=False)
    wide.print(table)
    text = "\n".join(line.rstrip() for line in wide.file.getvalue().splitlines())  # type: ignore[attr-defined]
    out.print(plain(text), soft_wrap=True)



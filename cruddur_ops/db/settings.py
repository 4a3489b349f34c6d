"""`inv db.*` settings, resolved once from the layered :class:`~cruddur_ops.config.Settings`.

Flags reach these through ``Settings.flags`` under the names below (``DB_DIR`` for ``--db-dir``
…), so the precedence is the resolver's: flag > environment > env file > invoke config
``cruddur.db.*`` > the defaults here; an empty value counts as unset. A bad value is a
:class:`~cruddur_ops.errors.ConfigError` before anything connects.

Names: CONNECTION_URL (dev), PROD_CONNECTION_URL or PROD_DB_SECRET_ID (prod), DB_NAME, DB_DIR,
MIGRATIONS_DIR, DB_MAINTENANCE_DB, DB_LOCK_WAIT, DB_LOCK_TIMEOUT, DB_STATEMENT_TIMEOUT,
DB_SCHEMA_DUMP, DB_DUMP_AFTER_MIGRATE, DB_SCRATCH_URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings, parse_bool, repo_root, resolve_path
from ..errors import ConfigError
from .timeouts import statement_timeout

DEFAULT_DB_NAME = "cruddur"  # the database a prod secret without `dbname` names
DEFAULT_MAINTENANCE_DB = "postgres"
DEFAULT_LOCK_WAIT_SECONDS = 60.0
DEFAULT_LOCK_TIMEOUT_SECONDS = 10.0
DEFAULT_SCHEMA_DUMP = "db/schema.sql"
STDOUT = "-"  # DB_SCHEMA_DUMP / --out value meaning "print the dump"


@dataclass(frozen=True)
class DbSettings:
    dev_url: str | None
    prod_url: str | None
    prod_secret_id: str | None  # PROD_DB_SECRET_ID from any layer: prod reads it
    secret_id_flag: str | None  # --secret-id alone: with --env dev it is an error, the variable is not
    db_name: str
    db_dir: Path
    migrations_dir: Path
    maintenance_db: str
    lock_wait: float  # seconds
    lock_timeout: float  # seconds
    statement_timeout: str | None  # a PostgreSQL duration ("30s"); None: the server's own
    schema_dump: str  # a path, or STDOUT
    dump_after_migrate: bool
    scratch_url: str | None

    def secret_id(self, env_name: str) -> str | None:
        """The secret id ``env_name`` resolves with: a PROD_DB_SECRET_ID variable must not break dev."""
        return self.prod_secret_id if env_name == "prod" else self.secret_id_flag

    @property
    def dump_path(self) -> Path:
        return resolve_path(self.schema_dump)


def _text(settings: Settings, name: str) -> str | None:
    value = settings.get(name)
    return None if value is None else str(value)


def _seconds(settings: Settings, name: str, default: float) -> float:
    raw = settings.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds", hint="e.g. 30") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative", hint="e.g. 30")
    return value


def _bool(settings: Settings, name: str) -> bool:
    raw: Any = settings.get(name)
    return parse_bool(raw if raw is None or isinstance(raw, bool) else str(raw), name=name)


def default_db_dir(root: Path) -> Path:
    """backend-flask/db in a Cruddur checkout, else the bundled example."""
    real = root / "backend-flask" / "db"
    return real if real.is_dir() else root / "examples" / "backend-flask" / "db"


def db_settings(settings: Settings) -> DbSettings:
    configured_dir = _text(settings, "DB_DIR")
    db_dir = resolve_path(configured_dir) if configured_dir else default_db_dir(repo_root())
    migrations = _text(settings, "MIGRATIONS_DIR")
    timeout = settings.get("DB_STATEMENT_TIMEOUT")
    return DbSettings(
        dev_url=_text(settings, "CONNECTION_URL"),
        prod_url=_text(settings, "PROD_CONNECTION_URL"),
        prod_secret_id=_text(settings, "PROD_DB_SECRET_ID"),
        secret_id_flag=settings.flags.get("PROD_DB_SECRET_ID") or None,
        db_name=str(settings.get("DB_NAME", default=DEFAULT_DB_NAME)),
        db_dir=db_dir,
        migrations_dir=resolve_path(migrations) if migrations else db_dir / "migrations",
        maintenance_db=str(settings.get("DB_MAINTENANCE_DB", default=DEFAULT_MAINTENANCE_DB)),
        lock_wait=_seconds(settings, "DB_LOCK_WAIT", DEFAULT_LOCK_WAIT_SECONDS),
        lock_timeout=_seconds(settings, "DB_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT_SECONDS),
        statement_timeout=None if timeout is None else statement_timeout(timeout, source="DB_STATEMENT_TIMEOUT"),
        schema_dump=str(settings.get("DB_SCHEMA_DUMP", default=DEFAULT_SCHEMA_DUMP)),
        dump_after_migrate=_bool(settings, "DB_DUMP_AFTER_MIGRATE"),
        scratch_url=_text(settings, "DB_SCRATCH_URL"),
    )

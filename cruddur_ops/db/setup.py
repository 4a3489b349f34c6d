"""The database's folders, and the steps `db.create`, `db.drop`, `db.schema-load`, `db.seed` and
`db.setup` are made of. Each step returns what it did; :mod:`cruddur_ops.db.render` shows it.

Reads the resolved :class:`~cruddur_ops.config.Settings` (never ``os.environ``) and prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings, repo_root, resolve_path
from ..errors import ConfigError

if TYPE_CHECKING:  # psycopg (~0.3 s) only for the steps that connect: `db.new` needs none
    from .target import DbTarget


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    dbname: str
    # Migrations the ledger records as applied when a schema file was loaded: the file may have
    # re-created their tables without them.
    recorded_migrations: int = 0


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
    from .target import DEFAULT_MAINTENANCE_DB

    return target.maintenance(settings.get("DB_MAINTENANCE_DB", default=DEFAULT_MAINTENANCE_DB))


def create_database(settings: Settings, target: DbTarget) -> bool:
    """True when created, False when it already existed."""
    from . import admin
    from .connection import connect

    with connect(maintenance(settings, target)) as conn:
        return admin.create_database(conn, target.dbname)


def drop_database(settings: Settings, target: DbTarget, *, force: bool) -> bool:
    """True when dropped, False when it did not exist."""
    from . import admin
    from .connection import connect

    with connect(maintenance(settings, target)) as conn:
        return admin.drop_database(conn, target.dbname, force=force)


def load_file(target: DbTarget, path: Path, kind: str) -> LoadedFile:
    """Run a schema or seed file in one transaction."""
    from .connection import connect
    from .migrations.ledger import applied_count
    from .scripts import run_sql_file

    if not path.is_file():
        raise ConfigError(f"{kind} file {path} does not exist", hint="pass --db-dir DIR or set DB_DIR")
    root = repo_root()
    with connect(target) as conn:
        run_sql_file(conn, path, label=str(path.relative_to(root) if path.is_relative_to(root) else path))
        recorded = applied_count(conn) if kind == "schema" else 0
    return LoadedFile(path, target.dbname, recorded)


def check_setup_files(directory: Path, migrations: Path, *, seed: bool) -> None:
    """Fail before `db.setup` drops anything when a file or the migrations folder is wrong."""
    from .migrations import files as migration_files

    for required in [directory / "schema.sql"] + ([directory / "seed.sql"] if seed else []):
        if not required.is_file():
            raise ConfigError(f"{required} does not exist", hint="pass --db-dir DIR or set DB_DIR")
    migration_files.discover(migrations)

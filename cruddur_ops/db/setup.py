"""The steps `db.create`, `db.drop`, `db.schema-load`, `db.seed` and `db.setup` are made of. Each step returns what it did; :mod:`cruddur_ops.db.render` shows it.

Reads :class:`~cruddur_ops.db.settings.DbSettings` (never ``os.environ``) and prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import repo_root, resolve_path
from ..errors import ConfigError
from .settings import DbSettings

if TYPE_CHECKING:  # psycopg (~0.3 s) only for the steps that connect: `db.new` needs none
    from .target import DbTarget


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    dbname: str
    # Migrations the ledger records as applied when a schema file was loaded: the file may have
    # re-created their tables without them.
    recorded_migrations: int = 0


def maintenance(db: DbSettings, target: DbTarget) -> DbTarget:
    return target.maintenance(db.maintenance_db)


def scratch_server(db: DbSettings) -> DbTarget:
    """db.drift's server for its scratch database: DB_SCRATCH_URL, else the CONNECTION_URL server
    (never the prod server)."""
    from .target import DbTarget

    if db.scratch_url:
        return DbTarget("dev", db.scratch_url, "--scratch-url")
    if not db.dev_url:
        raise ConfigError("db.drift needs a server for its scratch database",
                          hint="set CONNECTION_URL (a dev server) or pass --scratch-url postgresql://…/postgres")
    return maintenance(db, DbTarget("dev", db.dev_url, "CONNECTION_URL"))


def base_schema(db: DbSettings, schema: str) -> Path:
    """db.drift's base: --schema, else DB_DIR/schema.sql; it must exist."""
    base = resolve_path(schema) if schema else db.db_dir / "schema.sql"
    if not base.is_file():
        raise ConfigError(f"base schema {base} does not exist", hint="pass --schema FILE or --db-dir DIR")
    return base


def create_database(db: DbSettings, target: DbTarget) -> bool:
    """True when created, False when it already existed."""
    from . import admin
    from .connection import connect

    with connect(maintenance(db, target)) as conn:
        return admin.create_database(conn, target.dbname)


def drop_database(db: DbSettings, target: DbTarget, *, force: bool) -> bool:
    """True when dropped, False when it did not exist."""
    from . import admin
    from .connection import connect

    with connect(maintenance(db, target)) as conn:
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

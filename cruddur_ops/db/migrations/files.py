"""Migration files on disk: discovery (``<digits>_<name>.py``) and ``db.new``.

Discovery reads bytes only (name, version, checksum); the SQL is loaded later, just for the files
a plan needs, so one broken pending file does not hide the status of all the others.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ...errors import ConfigError
from ...fsutil import atomic_write_text
from .versions import Version, new_version

FILE_NAME = re.compile(r"^(?P<digits>\d+)_(?P<name>[A-Za-z0-9_]+)\.py$")
MIGRATION_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class MigrationFile:
    version: Version
    name: str
    path: Path
    checksum: str  # sha256 of the file with line endings normalised (a CRLF checkout is no edit)


def checksum_of(data: bytes) -> str:
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def discover(directory: Path) -> list[MigrationFile]:
    """Every migration file in ``directory``, in true time order.

    Files that do not look like migrations (``__init__.py``, ``README``) are ignored; two files
    for the same point in time (``…0_x.py`` and ``…_y.py`` differing only in trailing zeros, or a
    copy-pasted timestamp) are an error, because their order would be arbitrary.
    """
    if not directory.is_dir():
        raise ConfigError(
            f"migrations directory {directory} does not exist",
            hint="pass --migrations-dir DIR or set MIGRATIONS_DIR (or DB_DIR with a migrations/ folder)",
        )
    found: list[MigrationFile] = []
    for path in directory.iterdir():
        match = FILE_NAME.match(path.name)
        if not match or not path.is_file():
            continue
        found.append(MigrationFile(
            version=Version.parse(match["digits"]),
            name=match["name"],
            path=path,
            checksum=checksum_of(path.read_bytes()),
        ))
    found.sort(key=lambda f: f.version)
    by_time: dict[object, MigrationFile] = {}
    for item in found:
        clash = by_time.get(item.version.key)
        if clash is not None:
            raise ConfigError(
                f"migrations {clash.path.name} and {item.path.name} have the same timestamp",
                hint="rename one of them with `inv db.new` and move its SQL over",
            )
        by_time[item.version.key] = item
    return found


def validate_name(name: str) -> str:
    if not MIGRATION_NAME.match(name or "") or len(name) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"migration name {name!r} is not snake_case",
            hint="use lower-case letters, digits and single underscores, starting with a letter, "
            "e.g. `inv db.new add_bio_column`",
        )
    return name


def class_name_for(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Migration"


TEMPLATE = '''from lib.db import db


class {klass}:
{options}  def migrate_sql():
    data = """
    """
    return data

  def rollback_sql():
    data = """
    """
    return data

  def migrate():
    db.query_commit({klass}.migrate_sql(), {{
    }})

  def rollback():
    db.query_commit({klass}.rollback_sql(), {{
    }})


migration = {klass}
'''


NO_TRANSACTION_OPTIONS = '''  # Runs outside a transaction, one statement at a time (CREATE INDEX CONCURRENTLY needs
  # it). A failure part-way leaves the statements before it applied: write each one so that it
  # can run again (CREATE INDEX CONCURRENTLY IF NOT EXISTS …, ADD COLUMN IF NOT EXISTS …).
  transactional = False
  # statement_timeout = "30min"  # overrides DB_STATEMENT_TIMEOUT for this migration

'''


def render_new(name: str, *, transactional: bool = True) -> str:
    """The same shape as the bootcamp generator's files, so old tooling can still read them."""
    return TEMPLATE.format(klass=class_name_for(validate_name(name)),
                           options="" if transactional else NO_TRANSACTION_OPTIONS)


def write_new(directory: Path, name: str, now_ns: int, *, transactional: bool = True) -> Path:
    """Create ``<17 digits>_<name>.py`` atomically; the version sorts after every existing file."""
    content = render_new(name, transactional=transactional)
    if not directory.is_dir():
        raise ConfigError(
            f"migrations directory {directory} does not exist",
            hint="create it, or pass --migrations-dir DIR",
        )
    existing = discover(directory)
    for item in existing:
        if item.name == name:
            raise ConfigError(
                f"a migration named {name!r} already exists: {item.path.name}",
                hint="choose a name that says what this migration does differently",
            )
    version = new_version(now_ns, [f.version for f in existing])
    path = directory / f"{version.digits}_{name}.py"
    atomic_write_text(path, content)
    return path

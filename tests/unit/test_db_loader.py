"""Old-format migration files load without the backend, and without side effects on imports."""

from __future__ import annotations

import builtins
import sys
from pathlib import Path

import pytest

from cruddur_ops.db.migrations.loader import load_migration, load_module
from cruddur_ops.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "backend-flask" / "db" / "migrations"


def write(tmp_path: Path, body: str, name: str = "16812294605993273_x.py") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_the_real_cruddur_migrations_load_without_lib_db() -> None:
    before_import = builtins.__import__
    assert "lib" not in sys.modules
    bio = load_migration(EXAMPLES / "16812294605993273_add_bio_column.py")
    uuid = load_migration(EXAMPLES / "16844665640237772_reply_to_activity_uuid_to_uuid.py")
    assert "ADD COLUMN bio text" in bio.migrate_sql
    assert "DROP COLUMN bio" in bio.rollback_sql
    assert uuid.migrate_sql.count("ALTER TABLE") == 2
    assert "reply_to_activity_uuid uuid" in uuid.migrate_sql
    assert bio.class_name == "AddBioColumnMigration"
    # The sandbox lived only inside that exec: nothing leaked into the interpreter.
    assert "lib" not in sys.modules and "lib.db" not in sys.modules
    assert builtins.__import__ is before_import


def test_import_lib_db_style_and_instance_with_self_methods(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "import lib.db\nimport json\n"
        "class M:\n"
        "    def migrate_sql(self):\n        return json.dumps('x') and 'SELECT 1;'\n"
        "    def rollback_sql(self):\n        return 'SELECT 2;'\n"
        "migration = M()\n"
    ))
    loaded = load_migration(path)
    assert (loaded.migrate_sql, loaded.rollback_sql) == ("SELECT 1;", "SELECT 2;")


def test_class_with_self_methods_and_static_methods(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "class M:\n"
        "    def migrate_sql(self):\n        return 'SELECT 1;'\n"
        "    @staticmethod\n    def rollback_sql():\n        return 'SELECT 2;'\n"
        "migration = M\n"
    ))
    loaded = load_migration(path)
    assert (loaded.migrate_sql, loaded.rollback_sql) == ("SELECT 1;", "SELECT 2;")


def test_using_the_stub_db_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "from lib.db import db\n"
        "class M:\n"
        "    def migrate_sql():\n        db.query_commit('x', {})\n"
        "    def rollback_sql():\n        return ''\n"
        "migration = M\n"
    ))
    with pytest.raises(ConfigError, match=r"lib\.db\.db\.query_commit\(\) is not available"):
        load_migration(path)


def test_the_stub_is_fresh_per_load(tmp_path: Path) -> None:
    first = load_module(write(tmp_path, "from lib.db import db\nimport lib.db\nX = lib.db\n"))
    second = load_module(write(tmp_path, "import lib.db\nY = lib.db\n", "17000000000000000_y.py"))
    assert first.X is not second.Y


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("class M:\n  def migrate_sql(:\n", "syntax error on line 2"),
        ("import flask_not_installed_here\n", "imports flask_not_installed_here"),
        ("class M:\n  def migrate_sql():\n    return 'x'\n", "defines no `migration`"),
        ("class M:\n  def migrate_sql():\n    return 'x'\nmigration = M\n", "has no rollback_sql"),
        ("class M:\n  def migrate_sql():\n    return 3\n  def rollback_sql():\n    return ''\n"
         "migration = M\n", "returned int"),
        ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
    ],
)
def test_broken_files_name_the_file_and_the_problem(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError, match=message) as info:
        load_migration(path)
    assert path.name in info.value.message

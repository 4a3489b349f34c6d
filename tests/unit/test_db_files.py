"""Discovery orders files by true time; `db.new` writes the old shape with a sortable name."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruddur_ops.db.migrations.files import (
    checksum_of,
    class_name_for,
    discover,
    validate_name,
    write_new,
)
from cruddur_ops.db.migrations.loader import load_migration
from cruddur_ops.errors import ConfigError


def touch(directory: Path, name: str, body: str = "") -> Path:
    path = directory / name
    path.write_text(body or f"# {name}\n")
    return path


def test_discover_sorts_by_time_and_ignores_other_files(tmp_path: Path) -> None:
    touch(tmp_path, "1690000000123456_later_sixteen.py")
    touch(tmp_path, "16812294605993273_older_seventeen.py")
    touch(tmp_path, "__init__.py")
    touch(tmp_path, "README.md")
    touch(tmp_path, "notes_16812294605993273.py")
    names = [f.name for f in discover(tmp_path)]
    assert names == ["older_seventeen", "later_sixteen"]


def test_same_point_in_time_is_an_error(tmp_path: Path) -> None:
    touch(tmp_path, "16812294605993270_a.py")
    touch(tmp_path, "1681229460599327_b.py")
    with pytest.raises(ConfigError, match="same timestamp"):
        discover(tmp_path)


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        discover(tmp_path / "nope")


def test_checksum_ignores_crlf_only() -> None:
    assert checksum_of(b"a\r\nb\n") == checksum_of(b"a\nb\n")
    assert checksum_of(b"a\nb\n") != checksum_of(b"a\nc\n")


@pytest.mark.parametrize("bad", ["", "Add", "add-bio", "add__bio", "_add", "1add", "add bio", "add_"])
def test_names_must_be_snake_case(bad: str) -> None:
    with pytest.raises(ConfigError, match="snake_case"):
        validate_name(bad)


def test_write_new_creates_a_loadable_file_that_sorts_last(tmp_path: Path) -> None:
    touch(tmp_path, "16844665640237772_reply_to_activity_uuid_to_uuid.py")
    touch(tmp_path, "1690000000123456_sixteen_digits.py")
    path = write_new(tmp_path, "add_handle_index", now_ns=1_700_000_000_000_000_000)
    assert path.name.startswith("17000000000000000_") and path.name.endswith("_add_handle_index.py")
    assert [f.name for f in discover(tmp_path)][-1] == "add_handle_index"
    text = path.read_text()
    assert "from lib.db import db" in text and "migration = AddHandleIndexMigration" in text
    loaded = load_migration(path)
    assert loaded.class_name == class_name_for("add_handle_index") == "AddHandleIndexMigration"
    assert loaded.migrate_sql.strip() == "" and loaded.rollback_sql.strip() == ""
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_write_new_refuses_a_duplicate_name(tmp_path: Path) -> None:
    write_new(tmp_path, "add_bio", now_ns=1_700_000_000_000_000_000)
    with pytest.raises(ConfigError, match="already exists"):
        write_new(tmp_path, "add_bio", now_ns=1_700_000_001_000_000_000)

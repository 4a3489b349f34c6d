"""`inv db.dump` and `inv db.drift` end to end (real pg_dump, real Postgres)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from tests.integration.test_db_migrations import (  # noqa: F401 - `inv` is a fixture
    EXAMPLE_MIGRATIONS,
    execute,
    inv_fixture,
    query,
    with_password,
)


def migrated(inv: Callable[..., Any]) -> None:
    """The example schema plus both example migrations (the journal's needs --allow-destructive
    only on prod; dev warns)."""
    assert inv("db.schema-load", check=True)
    assert inv("db.migrate", check=True)


def test_two_dumps_of_the_same_schema_are_byte_identical(inv: Callable[..., Any], tmp_path: Path) -> None:
    migrated(inv)
    first, second = tmp_path / "a" / "schema.sql", tmp_path / "b.sql"
    assert inv("db.dump", "--out", str(first), check=True)
    assert inv("db.dump", "--out", str(second), check=True)
    text = first.read_text()
    assert first.read_bytes() == second.read_bytes()
    assert "CREATE TABLE public.users (" in text and "    bio text" in text
    for noise in ("\\restrict", "\\unrestrict", "Dumped from", "Owner:", "\nSET ", "set_config", "GRANT "):
        assert noise not in text, noise
    assert "schema_migrations" not in text  # the migrator's bookkeeping is not the app's schema
    stdout = inv("db.dump", "--out", "-", check=True).stdout
    assert stdout == text


def test_a_dev_migrate_refreshes_the_dump_when_asked(inv: Callable[..., Any], tmp_path: Path) -> None:
    out = tmp_path / "db" / "schema.sql"
    env = {"DB_DUMP_AFTER_MIGRATE": "true", "DB_SCHEMA_DUMP": str(out)}
    assert inv("db.schema-load", check=True)
    result = inv("db.migrate", env=env)
    assert result.returncode == 0, result.output
    assert "    bio text" in out.read_text() and "reply_to_activity_uuid uuid" in out.read_text()
    assert "wrote the schema of" in result.stderr
    out.unlink()
    assert inv("db.migrate", check=True) and not out.exists()  # off unless asked


def test_missing_pg_dump_is_one_error_with_a_hint(inv: Callable[..., Any], tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = inv("db.dump", "--out", str(tmp_path / "x.sql"), env={"PATH": str(empty)})
    assert result.returncode == 1
    assert "error: pg_dump is not installed (needed for `inv db.dump` and `inv db.drift`)" in result.stderr
    assert "hint: install the PostgreSQL client" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "x.sql").exists()


def test_drift_reports_a_column_added_by_hand(inv: Callable[..., Any], database_url: str) -> None:
    migrated(inv)
    clean = inv("db.drift")
    assert clean.returncode == 0, clean.output
    assert "no drift" in clean.stderr and "schema.sql + 2 applied migration(s)" in clean.stderr
    execute(database_url, "ALTER TABLE users ADD COLUMN nickname text;")  # the console fix
    drifted = inv("db.drift")
    assert drifted.returncode == 1, drifted.output
    assert "+    nickname text" in drifted.stdout.splitlines()
    assert drifted.stdout.startswith("--- expected (schema.sql + 2 applied migration(s))\n+++ dev (")
    assert "schema drift" in drifted.stderr and "Traceback" not in drifted.output
    # Every scratch database was dropped.
    assert query(database_url, "SELECT count(*) FROM pg_database WHERE datname LIKE 'cruddur_drift_%'") == [(0,)]


def test_drift_replays_only_what_the_target_applied(inv: Callable[..., Any], tmp_path: Path) -> None:
    directory = tmp_path / "m"
    shutil.copytree(EXAMPLE_MIGRATIONS, directory)
    assert inv("db.schema-load", check=True)
    assert inv("db.migrate", "--migrations-dir", str(directory), check=True)
    (directory / "17000000000000001_not_yet.py").write_text(
        (directory / "16812294605993273_add_bio_column.py").read_text().replace("bio", "not_yet"))
    result = inv("db.drift", "--migrations-dir", str(directory))
    assert result.returncode == 0, result.output  # the pending file is not part of the expected schema


def test_drift_never_builds_its_scratch_database_on_the_prod_server(
        inv: Callable[..., Any], database_url: str) -> None:
    migrated(inv)
    prod = {"PROD_CONNECTION_URL": with_password(database_url)}
    refused = inv("db.drift", "--env", "prod", env=prod)
    assert refused.returncode == 1
    assert "error: the scratch database would be created on the production server" in refused.stderr
    assert "--scratch-url" in refused.stderr
    # The same through an explicit --scratch-url naming the prod server by another host name.
    other_name = with_password(database_url).replace("127.0.0.1", "localhost")
    refused = inv("db.drift", "--env", "prod", "--scratch-url", other_name, env=prod)
    assert refused.returncode == 1 and "production server" in refused.stderr
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'cruddur_drift_%'").fetchone() == (0,)

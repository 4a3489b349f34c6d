"""`inv db.lint` and the prod guard of `inv db.migrate`, end to end (real tasks, real Postgres)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_db_migrations import (  # noqa: F401 - `inv` is a fixture
    EXAMPLE_MIGRATIONS,
    inv_fixture,
    migration,
    query,
    with_password,
)

JOURNAL_MIGRATION = "16844665640237772_reply_to_activity_uuid_to_uuid.py"

# One fixture migration per rule: (name, migrate_sql, rollback_sql, the rule it must raise).
RULE_CASES = [
    ("drop_table", "DROP TABLE old_things;", "CREATE TABLE old_things (id integer);", "drop-table"),
    ("drop_column", "ALTER TABLE users DROP COLUMN bio;", "ALTER TABLE users ADD COLUMN bio text;", "drop-column"),
    ("drop_schema", "DROP SCHEMA legacy CASCADE;", "CREATE SCHEMA legacy;", "drop-schema"),
    ("truncate", "TRUNCATE activities;", "SELECT 1;", "truncate"),
    ("delete_all", "DELETE FROM activities;", "SELECT 1;", "delete-without-where"),
    ("update_all", "UPDATE users SET bio = '';", "SELECT 1;", "update-without-where"),
    ("alter_type", "ALTER TABLE activities ALTER COLUMN likes_count TYPE bigint;",
     "ALTER TABLE activities ALTER COLUMN likes_count TYPE integer;", "alter-column-type"),
    ("set_not_null", "ALTER TABLE users ALTER COLUMN bio SET NOT NULL;",
     "ALTER TABLE users ALTER COLUMN bio DROP NOT NULL;", "set-not-null"),
    ("add_not_null", "ALTER TABLE users ADD COLUMN karma integer NOT NULL;",
     "ALTER TABLE users DROP COLUMN karma;", "add-column-not-null-without-default"),
    ("rename_table", "ALTER TABLE activities RENAME TO posts;", "ALTER TABLE posts RENAME TO activities;",
     "rename-table"),
    ("rename_column", "ALTER TABLE users RENAME COLUMN handle TO username;",
     "ALTER TABLE users RENAME COLUMN username TO handle;", "rename-column"),
    ("create_index", "CREATE INDEX activities_user_idx ON activities (user_uuid);",
     "DROP INDEX activities_user_idx;", "create-index-not-concurrently"),
    ("drop_index", "DROP INDEX activities_user_idx;",
     "CREATE INDEX activities_user_idx ON activities (user_uuid);", "drop-index-not-concurrently"),
    ("add_fk", "ALTER TABLE activities ADD CONSTRAINT activities_user_fk FOREIGN KEY (user_uuid) REFERENCES users (uuid);",
     "ALTER TABLE activities DROP CONSTRAINT activities_user_fk;", "add-foreign-key-not-valid"),
    ("add_check", "ALTER TABLE activities ADD CONSTRAINT likes_positive CHECK (likes_count >= 0);",
     "ALTER TABLE activities DROP CONSTRAINT likes_positive;", "add-check-not-valid"),
    ("concurrently_in_transaction", "CREATE INDEX CONCURRENTLY users_handle_idx ON users (handle);",
     "DROP INDEX CONCURRENTLY users_handle_idx;", "concurrently-in-transaction"),
    ("rollback_empty", "ALTER TABLE users ADD COLUMN bio2 text;", "", "rollback-empty"),
    ("rollback_wrong", "ALTER TABLE users ADD COLUMN bio3 text;", "ALTER TABLE users ADD COLUMN bio4 text;",
     "rollback-not-inverse"),
]

# The safe forms: none of them is a finding.
CLEAN_CASES = [
    ("add_bio", "ALTER TABLE users ADD COLUMN bio text;", "ALTER TABLE users DROP COLUMN bio;", ""),
    ("add_counter", "ALTER TABLE users ADD COLUMN karma integer NOT NULL DEFAULT 0;",
     "ALTER TABLE users DROP COLUMN karma;", ""),
    ("index_concurrently", "CREATE INDEX CONCURRENTLY IF NOT EXISTS activities_user_idx ON activities (user_uuid);",
     "DROP INDEX CONCURRENTLY IF EXISTS activities_user_idx;", "transactional = False"),
    ("new_table", "CREATE TABLE likes (id serial PRIMARY KEY, activity_uuid uuid NOT NULL);\n"
     "CREATE INDEX likes_activity_idx ON likes (activity_uuid);\n"
     "ALTER TABLE likes ADD COLUMN weight integer NOT NULL;",
     "DROP TABLE likes;", ""),
    ("fk_not_valid", "ALTER TABLE activities ADD CONSTRAINT activities_user_fk FOREIGN KEY (user_uuid) "
     "REFERENCES users (uuid) NOT VALID;\nALTER TABLE activities VALIDATE CONSTRAINT activities_user_fk;",
     "ALTER TABLE activities DROP CONSTRAINT activities_user_fk;", ""),
    ("backfill", "UPDATE users SET bio = '' WHERE bio IS NULL;", "UPDATE users SET bio = NULL WHERE bio = '';", ""),
]


def write_cases(directory: Path, cases: list[tuple[str, str, str, str]], first: int = 17000000000000000) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [migration(directory, str(first + i), name, up, down, options)
            for i, (name, up, down, options) in enumerate(cases)]


def lint_json(inv: Callable[..., Any], directory: Path) -> tuple[Any, dict[str, Any]]:
    result = inv("db.lint", "--all", "--json", "--migrations-dir", str(directory))
    return result, json.loads(result.stdout)


def test_lint_finds_each_rule_with_file_line_why_and_safe_form(inv: Callable[..., Any], tmp_path: Path) -> None:
    files = write_cases(tmp_path / "m", [(n, up, down, "") for n, up, down, _ in RULE_CASES])
    result, report = lint_json(inv, tmp_path / "m")
    assert result.returncode == 1, result.output
    found = {(f["file"], f["rule"]) for f in report["findings"]}
    expected = {(path.name, rule) for path, (_, _, _, rule) in zip(files, RULE_CASES, strict=True)}
    assert found == expected
    for finding in report["findings"]:
        # The helper puts the first SQL line on line 6 of the file.
        assert finding["line"] == 6, finding
        assert finding["why"] and finding["safe"] and not finding["acknowledged"]
    assert report["clean"] is False
    text = inv("db.lint", "--all", "--migrations-dir", str(tmp_path / "m"))
    assert text.returncode == 1
    assert f"{files[0].name}:6  drop-table (destructive)" in text.stdout
    assert "safe: " in text.stdout and "why: " in text.stdout
    assert f"{len(files)} migration(s) linted: {len(files)} finding(s), 0 acknowledged" in text.stderr


def test_lint_passes_the_safe_forms(inv: Callable[..., Any], tmp_path: Path) -> None:
    write_cases(tmp_path / "m", CLEAN_CASES)
    result, report = lint_json(inv, tmp_path / "m")
    assert report["findings"] == [] and report["clean"] is True
    assert result.returncode == 0, result.output
    assert len(report["files"]) == len(CLEAN_CASES)


def test_an_acknowledged_statement_is_shown_but_does_not_fail(inv: Callable[..., Any], tmp_path: Path) -> None:
    write_cases(tmp_path / "m", [(
        "drop_legacy",
        "-- db.lint: allow drop-column (never read since 2023; copied to users_archive)\n"
        "ALTER TABLE users DROP COLUMN legacy;\n"
        "ALTER TABLE users DROP COLUMN other;",
        "ALTER TABLE users ADD COLUMN legacy text;\nALTER TABLE users ADD COLUMN other text;", "")])
    result, report = lint_json(inv, tmp_path / "m")
    assert [(f["line"], f["acknowledged"]) for f in report["findings"]] == [(7, True), (8, False)]
    assert result.returncode == 1
    # Acknowledge the second on its own line, after the statement.
    path = next((tmp_path / "m").iterdir())
    path.write_text(path.read_text().replace("DROP COLUMN other;", "DROP COLUMN other; -- db.lint: allow drop-column"))
    result, report = lint_json(inv, tmp_path / "m")
    assert [f["acknowledged"] for f in report["findings"]] == [True, True]
    assert result.returncode == 0, result.output
    assert "(acknowledged)" in inv("db.lint", "--all", "--migrations-dir", str(tmp_path / "m")).stdout


def test_sql_that_does_not_parse_is_an_error_naming_file_and_line(inv: Callable[..., Any], tmp_path: Path) -> None:
    [path] = write_cases(tmp_path / "m", [("broken", "ALTER TABLE users ADD COLUMN bio text;\nALTER TABLE users ADD COLUMN;",
                                           "SELECT 1;", "")])
    result = inv("db.lint", "--all", "--migrations-dir", str(tmp_path / "m"))
    assert result.returncode == 1
    assert f"error: {path.name} (migrate_sql), line 7: SQL does not parse" in result.stderr
    assert "hint: " in result.stderr and "Traceback" not in result.output


def test_the_journals_migration_is_flagged_destructive(inv: Callable[..., Any]) -> None:
    result, report = lint_json(inv, EXAMPLE_MIGRATIONS)
    assert result.returncode == 1
    assert [(f["file"], f["rule"], f["category"]) for f in report["findings"]] == [
        (JOURNAL_MIGRATION, "drop-column", "destructive")]


def test_lint_without_all_reads_only_pending_migrations(inv: Callable[..., Any], tmp_path: Path) -> None:
    directory = tmp_path / "m"
    directory.mkdir()
    shutil.copy(EXAMPLE_MIGRATIONS / JOURNAL_MIGRATION, directory)
    assert inv("db.schema-load", check=True)
    result = inv("db.lint", "--migrations-dir", str(directory))
    assert result.returncode == 1 and JOURNAL_MIGRATION in result.stdout
    assert inv("db.migrate", "--migrations-dir", str(directory)).returncode == 0
    clean = inv("db.lint", "--migrations-dir", str(directory))
    assert clean.returncode == 0 and "0 migration(s) linted: clean" in clean.stderr


@pytest.fixture(name="prod_env")
def prod_env_fixture(database_url: str) -> dict[str, str]:
    """Prod in tests: PROD_CONNECTION_URL pointing at this test's database."""
    return {"PROD_CONNECTION_URL": with_password(database_url)}


def column_type(url: str) -> str:
    return query(url, "SELECT data_type FROM information_schema.columns "
                      "WHERE table_name = 'activities' AND column_name = 'reply_to_activity_uuid'")[0][0]


def test_prod_refuses_the_journals_migration_without_allow_destructive(
        inv: Callable[..., Any], database_url: str, prod_env: dict[str, str]) -> None:
    assert inv("db.schema-load", check=True)  # dev URL = the same test database
    refused = inv("db.migrate", "--env", "prod", env=prod_env)
    assert refused.returncode == 1, refused.output
    assert f"error: prod: pending migrations have 1 unacknowledged lint finding(s): {JOURNAL_MIGRATION}:6 drop-column" \
        in refused.stderr
    assert "--allow-destructive" in refused.stderr and "Traceback" not in refused.output
    # Nothing was applied: not even the harmless migration planned before it.
    assert query(database_url, "SELECT count(*) FROM schema_migrations")[0][0] == 0
    assert column_type(database_url) == "integer"
    # A dry run on prod shows the findings and refuses nothing.
    assert inv("db.migrate", "--env", "prod", "--dry-run", env=prod_env).returncode == 0

    allowed = inv("db.migrate", "--env", "prod", "--allow-destructive", env=prod_env)
    assert allowed.returncode == 0, allowed.output
    assert "applying anyway (--allow-destructive)" in allowed.stderr
    assert column_type(database_url) == "uuid"


def test_prod_applies_an_acknowledged_finding_and_dev_only_warns(
        inv: Callable[..., Any], database_url: str, prod_env: dict[str, str], tmp_path: Path) -> None:
    directory = tmp_path / "m"
    directory.mkdir()
    journal = directory / JOURNAL_MIGRATION
    shutil.copy(EXAMPLE_MIGRATIONS / JOURNAL_MIGRATION, journal)
    assert inv("db.schema-load", check=True)
    warned = inv("db.migrate", "--dry-run", "--migrations-dir", str(directory))
    assert warned.returncode == 0 and "warning: 1 lint finding(s)" in warned.stderr
    journal.write_text(journal.read_text().replace(
        "    ALTER TABLE activities DROP COLUMN reply_to_activity_uuid;\n    ALTER TABLE activities ADD",
        "    -- db.lint: allow drop-column (the integer ids never matched a uuid)\n"
        "    ALTER TABLE activities DROP COLUMN reply_to_activity_uuid;\n    ALTER TABLE activities ADD", 1))
    applied = inv("db.migrate", "--env", "prod", "--migrations-dir", str(directory), env=prod_env)
    assert applied.returncode == 0, applied.output
    assert "drop-column (acknowledged)" in applied.stderr
    assert column_type(database_url) == "uuid"


def test_db_new_no_transaction_writes_the_attribute(inv: Callable[..., Any], tmp_path: Path) -> None:
    result = inv("db.new", "add_index", "--no-transaction", "--migrations-dir", str(tmp_path))
    assert result.returncode == 0, result.output
    [path] = tmp_path.glob("*_add_index.py")
    assert "  transactional = False\n" in path.read_text()

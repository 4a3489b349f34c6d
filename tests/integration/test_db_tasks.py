"""`inv db.setup/schema-load/seed/create/drop/sessions/kill-all/connect` and the prod guards,
end to end against the real Postgres and (for the prod secret) the AWS emulator."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from tests.integration.test_db_migrations import (  # noqa: F401  (inv_fixture provides `inv`)
    EXAMPLE_MIGRATIONS,
    PASSWORD,
    inv_fixture,
    query,
    with_password,
)

REPO = Path(__file__).resolve().parents[2]


def dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def exists(admin_url: str, name: str) -> bool:
    return bool(query(admin_url, "SELECT 1 FROM pg_database WHERE datname = %s", [name]))


def column_type(url: str, table: str, column: str) -> str | None:
    rows = query(url, "SELECT data_type FROM information_schema.columns WHERE table_name = %s "
                      "AND column_name = %s", [table, column])
    return rows[0][0] if rows else None


def test_setup_builds_the_cruddur_database_with_both_real_migrations(
    inv: Callable[..., Any], database_url: str
) -> None:
    result = inv("db.setup")
    assert result.returncode == 0, result.output
    for line in ("dropped database", "created database", "loaded schema.sql", "loaded seed.sql"):
        assert line in result.stdout
    assert column_type(database_url, "users", "bio") == "text"
    assert column_type(database_url, "activities", "reply_to_activity_uuid") == "uuid"
    assert query(database_url, "SELECT count(*) FROM users") == [(3,)]
    assert query(database_url, "SELECT last_successful_run FROM schema_information") == [("16844665640237772",)]
    status = inv("db.status", "--exit-code")
    assert status.returncode == 0 and "2 applied, 0 pending" in status.stderr


def test_schema_load_sql_error_fails_with_file_line_statement_and_message(
    inv: Callable[..., Any], database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "schema.sql"
    bad.write_text("CREATE TABLE first_table (id int);\n\n-- a comment\nCREATE TABLE second (\n"
                   "  id int REFERENCES missing_table (id)\n);\n")
    result = inv("db.schema-load", "--file", str(bad))
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    err = result.stderr
    # The server gives no position for this error: the statement is found by a rolled-back replay.
    assert "schema.sql failed at line 4" in err
    assert "CREATE TABLE second ( id int REFERENCES missing_table (id) );" in err
    assert 'relation "missing_table" does not exist' in err
    # One transaction: the statement before the error left nothing behind.
    assert query(database_url, "SELECT to_regclass('public.first_table')") == [(None,)]


def test_seed_error_without_position_still_names_file_and_server_detail(
    inv: Callable[..., Any], database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    (tmp_path / "seed.sql").write_text("INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\n")
    assert inv("db.schema-load", "--db-dir", str(tmp_path)).returncode == 0
    result = inv("db.seed", "--db-dir", str(tmp_path))
    assert result.returncode == 1
    assert "seed.sql failed at line 2 in `INSERT INTO t VALUES (1);`" in result.stderr
    assert "duplicate key" in result.stderr
    assert "Key (id)=(1) already exists" in result.stderr
    assert query(database_url, "SELECT count(*) FROM t") == [(0,)]


def test_create_drop_sessions_and_kill_all(inv: Callable[..., Any], database_url: str,
                                           postgres: Any) -> None:
    name = dbname(database_url)
    assert "already exists" in inv("db.create").stdout
    with psycopg.connect(database_url, application_name="someone-else"):
        listed = inv("db.sessions")
        assert listed.returncode == 0 and "someone-else" in listed.stdout
        busy = inv("db.drop")
        assert busy.returncode == 1 and "--force" in busy.stderr
        killed = inv("db.kill-all")
        assert killed.returncode == 0 and "terminated 1 session(s)" in killed.stdout
    assert inv("db.drop").returncode == 0
    assert not exists(postgres.admin_url, name)
    assert "does not exist" in inv("db.drop").stdout
    assert inv("db.create").returncode == 0 and exists(postgres.admin_url, name)


def test_prod_guards_refuse_without_confirmation(inv: Callable[..., Any], database_url: str,
                                                 postgres: Any) -> None:
    prod = {"PROD_CONNECTION_URL": with_password(database_url), "CONNECTION_URL": ""}
    for args in (["db.drop"], ["db.schema-load"], ["db.setup"], ["db.rollback"]):
        result = inv(*args, "--env", "prod", env=prod)
        assert result.returncode == 1, result.output
        assert "needs --yes" in result.stderr, result.output
    killed = inv("db.kill-all", "--env", "prod", env=prod)
    assert killed.returncode == 1 and "dev only" in killed.stderr
    assert exists(postgres.admin_url, dbname(database_url))
    # Non-destructive prod actions need no confirmation; --yes (no terminal) approves.
    assert inv("db.status", "--env", "prod", "--migrations-dir", str(EXAMPLE_MIGRATIONS), env=prod).returncode == 0
    assert inv("db.drop", "--env", "prod", "--yes", env=prod).returncode == 0
    assert not exists(postgres.admin_url, dbname(database_url))


def test_prod_from_a_secrets_manager_secret(inv: Callable[..., Any], database_url: str,
                                            aws_env: dict[str, str], boto_client: Callable[..., Any],
                                            unique: str) -> None:
    parts = urlsplit(database_url)
    secret_id = f"cruddur/db-{unique}"
    boto_client("secretsmanager").create_secret(Name=secret_id, SecretString=json.dumps({
        "username": parts.username, "password": PASSWORD, "engine": "postgres",
        "host": parts.hostname, "port": parts.port, "dbname": dbname(database_url)}))
    env = {"CONNECTION_URL": "", "PROD_CONNECTION_URL": "postgresql://wrong@127.0.0.1:1/nowhere"}
    loaded = inv("db.schema-load", "--env", "prod", "--yes", "--secret-id", secret_id, env=env)
    assert loaded.returncode == 0, loaded.output
    assert f"secret {secret_id}" in loaded.stderr
    # The journal's migration drops a column: prod applies it only with --allow-destructive.
    migrated = inv("db.migrate", "--env", "prod", "--allow-destructive",
                   env={**env, "PROD_DB_SECRET_ID": secret_id})
    assert migrated.returncode == 0, migrated.output
    assert column_type(database_url, "users", "bio") == "text"
    missing = inv("db.status", "--env", "prod", "--secret-id", f"nope-{unique}", env=env)
    assert missing.returncode == 1 and f"nope-{unique}" in missing.stderr
    assert "Traceback" not in missing.output


def test_connect_passes_the_password_only_through_the_environment(
    inv: Callable[..., Any], database_url: str
) -> None:
    # psql runs the shell command; $PPID is psql itself: print its argv and whether PGPASSWORD is set.
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()  # the probe itself must not hold it
    probe = (r'\! tr "\0" " " < /proc/$PPID/cmdline; echo; '
             f'test "$(printf %s "$PGPASSWORD" | sha256sum | cut -d" " -f1)" = "{digest}" && echo pgpassword-set')
    result = inv("db.connect", "--command", probe)
    assert result.returncode == 0, result.output
    assert dbname(database_url) in result.stdout  # the argv we printed is psql's
    assert "pgpassword-set" in result.stdout
    plain = inv("db.connect", "--command", "select current_database()")
    assert plain.returncode == 0 and dbname(database_url) in plain.stdout


def test_connect_without_psql_is_a_clear_error(inv: Callable[..., Any], tmp_path: Path) -> None:
    result = inv("db.connect", env={"PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "psql is not installed" in result.stderr and "Traceback" not in result.output


def test_missing_configuration_and_a_missing_database_are_one_line_errors(
    inv: Callable[..., Any], database_url: str, unique: str
) -> None:
    unset = inv("db.status", env={"CONNECTION_URL": ""})
    assert unset.returncode == 1 and "CONNECTION_URL is not set" in unset.stderr
    # The suite's own server (whichever the harness found), a database that does not exist on it.
    absent = urlsplit(with_password(database_url))._replace(path=f"/absent_{unique}").geturl()
    gone = inv("db.status", env={"CONNECTION_URL": absent})
    assert gone.returncode == 1 and "db.create" in gone.stderr
    for result in (unset, gone):
        assert "Traceback" not in result.output
        # after at most the line naming the target: exactly one error line and one hint line
        assert [line.split(":")[0] for line in result.stderr.strip().splitlines()][-2:] == ["error", "hint"]
        assert result.stderr.count("error:") == 1

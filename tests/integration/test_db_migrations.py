"""`inv db.migrate/rollback/status/new` end to end against the real Postgres (one database per test)."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_MIGRATIONS = REPO / "examples" / "backend-flask" / "db" / "migrations"
PASSWORD = "Pw-never-printed-7f3a9c"  # trust auth ignores it; it must never reach any output


def with_password(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{PASSWORD}@{parts.hostname}:{parts.port}"))


@pytest.fixture(name="inv")
def inv_fixture(run_task: Callable[..., Any], database_url: str) -> Callable[..., Any]:
    """`inv ARGS` with CONNECTION_URL (password included) pointing at this test's database."""

    def run(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> Any:
        full_env = {"CONNECTION_URL": with_password(database_url), "PROD_CONNECTION_URL": "",
                    "PROD_DB_SECRET_ID": "", "MIGRATIONS_DIR": "", "DB_DIR": "", **(env or {})}
        result = run_task(*args, env=full_env, **kwargs)
        assert PASSWORD not in result.output, f"password printed by inv {' '.join(args)}"
        return result

    return run


def query(url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def execute(url: str, sql: str) -> None:
    """Run a multi-statement script (test arrangement)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def migration(directory: Path, digits: str, name: str, up: str, down: str = "", options: str = "") -> Path:
    """An old-format migration file exactly as the bootcamp generator shaped it (``options``:
    class attribute lines such as ``transactional = False``, placed before the methods)."""
    klass = "".join(p.capitalize() for p in name.split("_")) + "Migration"
    path = directory / f"{digits}_{name}.py"
    lines = [
        "from lib.db import db", "", f"class {klass}:",
        *[f"  {line}" for line in options.splitlines()],
        "  def migrate_sql():", '    data = """', textwrap.indent(up, "    "), '    """', "    return data",
        "  def rollback_sql():", '    data = """', textwrap.indent(down, "    "), '    """', "    return data",
        "  def migrate():", f"    db.query_commit({klass}.migrate_sql(),{{}})",
        "  def rollback():", f"    db.query_commit({klass}.rollback_sql(),{{}})",
        "", f"migration = {klass}", "",
    ]
    path.write_text("\n".join(lines))
    return path


def log_migration(directory: Path, digits: str, name: str, extra: str = "") -> Path:
    return migration(directory, digits, name,
                     f"{extra}INSERT INTO run_log (name) VALUES ('{name}');",
                     f"DELETE FROM run_log WHERE name = '{name}';")


def run_log(url: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT name FROM run_log ORDER BY seq")]


def ledger(url: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT version FROM schema_migrations ORDER BY applied_at, version")]


@pytest.fixture
def log_table(database_url: str) -> None:
    execute(database_url, "CREATE TABLE run_log (seq serial PRIMARY KEY, name text NOT NULL)")


def test_time_order_new_files_and_rollback_of_the_newest(
    inv: Callable[..., Any], database_url: str, tmp_path: Path, log_table: None
) -> None:
    # Written newest first (directory order ≠ time order), and the latest in time has 16 digits:
    # compared as integers it would sort first.
    log_migration(tmp_path, "1690000000123456", "third")
    log_migration(tmp_path, "16844665640237772", "second")
    log_migration(tmp_path, "16812294605993273", "first")
    status = inv("db.status", "--exit-code", "--migrations-dir", str(tmp_path))
    assert status.returncode == 2, status.output
    assert status.stdout.count("pending") == 3

    result = inv("db.migrate", "--migrations-dir", str(tmp_path))
    assert result.returncode == 0, result.output
    assert run_log(database_url) == ["first", "second", "third"]

    made = inv("db.new", "fourth", "--migrations-dir", str(tmp_path))
    assert made.returncode == 0, made.output
    new_file = next(tmp_path.glob("*_fourth.py"))
    assert len(new_file.name.split("_", 1)[0]) == 17
    text = new_file.read_text()
    new_file.write_text(text.replace('data = """\n    """', 'data = """\n    INSERT INTO run_log (name) VALUES (\'fourth\');\n    """', 1)
                        .replace('data = """\n    """', 'data = """\n    DELETE FROM run_log WHERE name = \'fourth\';\n    """', 1))
    assert inv("db.migrate", "--migrations-dir", str(tmp_path)).returncode == 0
    assert run_log(database_url) == ["first", "second", "third", "fourth"]
    assert inv("db.status", "--exit-code", "--migrations-dir", str(tmp_path)).returncode == 0

    undo = inv("db.rollback", "--migrations-dir", str(tmp_path))
    assert undo.returncode == 0, undo.output
    assert "rolled back " + new_file.stem in undo.stdout
    assert run_log(database_url) == ["first", "second", "third"]
    assert new_file.name.split("_", 1)[0] not in ledger(database_url)

    two = inv("db.rollback", "--steps", "2", "--migrations-dir", str(tmp_path))
    assert two.returncode == 0, two.output
    assert run_log(database_url) == ["first"]
    assert ledger(database_url) == ["16812294605993273"]
    assert two.stdout.index("third") < two.stdout.index("second")


def test_failing_multi_statement_migration_leaves_nothing_and_stops(
    inv: Callable[..., Any], database_url: str, tmp_path: Path, log_table: None
) -> None:
    log_migration(tmp_path, "16812294605993273", "good")
    migration(tmp_path, "16844665640237772", "broken",
              "CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);\nSELECT * FROM no_such_table;")
    log_migration(tmp_path, "16900000000000000", "after")
    result = inv("db.migrate", "--migrations-dir", str(tmp_path))
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    assert "16844665640237772_broken.py" in result.stderr
    assert "SELECT * FROM no_such_table" in result.stderr
    assert 'relation "no_such_table" does not exist' in result.stderr
    assert "at line 8 " in result.stderr  # the line of the failing statement in the .py file
    assert query(database_url, "SELECT to_regclass('public.half_done')") == [(None,)]
    assert ledger(database_url) == ["16812294605993273"]
    assert run_log(database_url) == ["good"]  # the step before committed, the one after never ran


def test_four_concurrent_runs_apply_each_migration_exactly_once(
    inv: Callable[..., Any], database_url: str, tmp_path: Path, log_table: None
) -> None:
    for index, digits in enumerate(["16812294605993273", "16844665640237772", "1690000000123456"]):
        log_migration(tmp_path, digits, f"m{index}", extra="SELECT pg_sleep(0.4);\n")
    from cruddur_ops.db.migrations.lock import MIGRATION_LOCK_KEY

    # Hold the migration lock until all four runs have tried it and are waiting, so they really
    # race. Being connected is not enough: a run still reading its files when the lock is let go
    # would take it without ever waiting. A run's last statement names the advisory lock once it
    # has tried it (pg_try_advisory_lock, then the lookup of who holds it).
    with psycopg.connect(database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(inv, "db.migrate", "--migrations-dir", str(tmp_path)) for _ in range(4)]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                waiting = holder.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'cruddur-ops' AND query LIKE '%advisory%'").fetchone()
                if waiting and waiting[0] == 4:
                    break
                time.sleep(0.1)
            holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
            results = [f.result() for f in futures]
    assert all("waiting for the migration lock" in r.stderr for r in results)
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.output for r in results]
    assert sorted(run_log(database_url)) == ["m0", "m1", "m2"]
    assert len(ledger(database_url)) == 3
    assert sum(r.stdout.count("applied ") for r in results) == 3


def test_edited_and_missing_applied_files_are_reported(
    inv: Callable[..., Any], database_url: str, tmp_path: Path, log_table: None
) -> None:
    first = log_migration(tmp_path, "16812294605993273", "first")
    second = log_migration(tmp_path, "16844665640237772", "second")
    assert inv("db.migrate", "--migrations-dir", str(tmp_path)).returncode == 0
    first.write_text(first.read_text().replace("'first'", "'first-edited'"))
    second.unlink()
    status = inv("db.status", "--migrations-dir", str(tmp_path))
    assert status.returncode == 0
    rows = {line.split()[0]: line for line in status.stdout.splitlines() if line[:1].isdigit()}
    assert " changed " in rows["16812294605993273"]
    assert " missing " in rows["16844665640237772"]
    assert "1 changed, 1 missing" in status.stderr

    refused = inv("db.migrate", "--migrations-dir", str(tmp_path))
    assert refused.returncode == 1 and "edited since they ran" in refused.stderr
    accepted = inv("db.migrate", "--accept-changed", "--migrations-dir", str(tmp_path))
    assert accepted.returncode == 0, accepted.output
    assert " changed " not in inv("db.status", "--migrations-dir", str(tmp_path)).stdout


def test_schema_information_pointer_is_adopted_once_and_kept_current(
    inv: Callable[..., Any], database_url: str, tmp_path: Path
) -> None:
    # A database the old scripts migrated: both Cruddur migrations applied, pointer on the newest.
    for source in EXAMPLE_MIGRATIONS.glob("*.py"):
        (tmp_path / source.name).write_text(source.read_text())
    migration(tmp_path, "17000000000000000", "add_users_handle_index",
              "CREATE UNIQUE INDEX users_handle ON public.users (handle);", "DROP INDEX public.users_handle;")
    execute(database_url, """
        CREATE TABLE public.users (uuid uuid PRIMARY KEY, handle text, bio text);
        CREATE TABLE public.activities (uuid uuid PRIMARY KEY, reply_to_activity_uuid uuid);
        CREATE TABLE public.schema_information (id integer UNIQUE, last_successful_run text);
        INSERT INTO public.schema_information VALUES (1, '16844665640237772');""")
    status = inv("db.status", "--migrations-dir", str(tmp_path))
    assert "will be adopted" in status.stderr and "2 applied, 1 pending" in status.stderr

    result = inv("db.migrate", "--migrations-dir", str(tmp_path))
    assert result.returncode == 0, result.output
    assert "adopted schema_information: 2 migration(s)" in result.stderr
    assert result.stdout.count("applied ") == 1  # only the new one ran: bio was not re-added
    assert query(database_url, "SELECT version, adopted FROM schema_migrations ORDER BY version") == [
        ("16812294605993273", True), ("16844665640237772", True), ("17000000000000000", False)]
    assert query(database_url, "SELECT last_successful_run FROM schema_information") == [("17000000000000000",)]

    # Adoption happens once: a later pointer change by old tooling is not re-read.
    execute(database_url, "UPDATE schema_information SET last_successful_run = '0'")
    assert inv("db.rollback", "--migrations-dir", str(tmp_path)).returncode == 0
    assert query(database_url, "SELECT last_successful_run FROM schema_information") == [("16844665640237772",)]
    assert query(database_url, "SELECT to_regclass('public.users_handle')") == [(None,)]


def test_dry_run_changes_nothing(inv: Callable[..., Any], database_url: str, tmp_path: Path,
                                 log_table: None) -> None:
    log_migration(tmp_path, "16812294605993273", "first")
    result = inv("db.migrate", "--dry-run", "--migrations-dir", str(tmp_path))
    assert result.returncode == 0, result.output
    assert "would apply 16812294605993273_first" in result.stdout
    assert "INSERT INTO run_log (name) VALUES ('first');" in result.stdout
    assert query(database_url, "SELECT to_regclass('public.schema_migrations')") == [(None,)]
    assert run_log(database_url) == []


def test_blocked_table_lock_fails_fast_instead_of_hanging(
    inv: Callable[..., Any], database_url: str, tmp_path: Path, log_table: None
) -> None:
    migration(tmp_path, "16812294605993273", "alter_log", "ALTER TABLE run_log ADD COLUMN note text;")
    with psycopg.connect(database_url) as holder:
        holder.execute("LOCK TABLE run_log IN ACCESS EXCLUSIVE MODE")  # open transaction keeps it
        result = inv("db.migrate", "--lock-timeout", "1", "--migrations-dir", str(tmp_path), timeout=60)
        holder.rollback()
    assert result.returncode == 1, result.output
    assert "lock timeout" in result.stderr or "lock_timeout" in result.stderr
    assert ledger(database_url) == []


def test_migration_lock_wait_is_bounded(inv: Callable[..., Any], database_url: str, tmp_path: Path,
                                        log_table: None) -> None:
    from cruddur_ops.db.migrations.lock import MIGRATION_LOCK_KEY

    log_migration(tmp_path, "16812294605993273", "first")
    with psycopg.connect(database_url, autocommit=True, application_name="other-migrator") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        result = inv("db.migrate", "--lock-wait", "1", "--migrations-dir", str(tmp_path), timeout=60)
    assert result.returncode == 1, result.output
    assert "holds the migration lock" in result.stderr and "other-migrator" in result.stderr
    assert run_log(database_url) == []


def test_migration_that_commits_itself_is_refused_before_anything_runs(
    inv: Callable[..., Any], database_url: str, tmp_path: Path, log_table: None
) -> None:
    log_migration(tmp_path, "16812294605993273", "first")
    migration(tmp_path, "16844665640237772", "self_committing",
              "CREATE TABLE early (id int);\nCOMMIT;\nSELECT * FROM nope;")
    result = inv("db.migrate", "--migrations-dir", str(tmp_path))
    assert result.returncode == 1
    assert "contains `COMMIT;`" in result.stderr
    assert run_log(database_url) == []  # the plan is checked whole before the first step
    assert query(database_url, "SELECT to_regclass('public.early')") == [(None,)]

"""Non-transactional migrations (`transactional = False`) end to end: CREATE INDEX CONCURRENTLY
under the migration lock, a failure part-way and how it is resolved, statement_timeout."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

from tests.integration.test_db_migrations import (  # noqa: F401 - `inv` is a fixture
    execute,
    inv_fixture,
    ledger,
    migration,
    query,
)

NO_TRANSACTION = "transactional = False"
CONCURRENT_RUNS = 4
RUN_TIMEOUT_SECONDS = 120  # bounded: a deadlock or a wait on the long transaction would exceed it


def test_create_index_concurrently_beside_a_long_transaction_four_runs_apply_it_once(
        inv: Callable[..., Any], database_url: str, tmp_path: Path) -> None:
    execute(database_url, """
        CREATE TABLE items (id serial PRIMARY KEY, n integer NOT NULL);
        INSERT INTO items (n) SELECT g FROM generate_series(1, 20000) g;
        CREATE TABLE accounts (id integer PRIMARY KEY, balance integer);
        INSERT INTO accounts VALUES (1, 100);""")
    migration(tmp_path, "17000000000000001", "index_items_n",
              "CREATE INDEX CONCURRENTLY IF NOT EXISTS items_n_idx ON items (n);",
              "DROP INDEX CONCURRENTLY IF EXISTS items_n_idx;", options=NO_TRANSACTION)
    # A long transaction holding a row lock elsewhere (another table), open for the whole run.
    with psycopg.connect(database_url) as holder:
        holder.execute("SELECT * FROM accounts WHERE id = 1 FOR UPDATE")
        started = time.monotonic()
        with ThreadPoolExecutor(CONCURRENT_RUNS) as pool:
            runs = list(pool.map(
                lambda _: inv("db.migrate", "--migrations-dir", str(tmp_path), "--lock-wait", "90",
                              timeout=RUN_TIMEOUT_SECONDS),
                range(CONCURRENT_RUNS)))
        elapsed = time.monotonic() - started
        assert holder.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS  # still holding it
    for run in runs:
        assert run.returncode == 0, run.output
        assert "deadlock" not in run.output
    applied = [run for run in runs if "applied 17000000000000001_index_items_n" in run.stdout]
    assert len(applied) == 1, [run.output for run in runs]
    assert sum("nothing to migrate: up to date" in run.stderr for run in runs) == CONCURRENT_RUNS - 1
    assert ledger(database_url) == ["17000000000000001"]
    assert query(database_url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_n_idx'::regclass") == [(True,)]
    assert elapsed < RUN_TIMEOUT_SECONDS


def three_statements(directory: Path, middle: str) -> Path:
    return migration(directory, "17000000000000001", "split_profile", "\n".join([
        "CREATE TABLE IF NOT EXISTS part_a (id integer);",
        middle,
        "CREATE TABLE IF NOT EXISTS part_c (id integer);",
    ]), "DROP TABLE IF EXISTS part_c;\nDROP TABLE IF EXISTS part_a;", options=NO_TRANSACTION)


def tables(url: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'part_%' ORDER BY 1")]


def test_a_failure_at_statement_2_of_3_is_shown_and_blocks_until_retried(
        inv: Callable[..., Any], database_url: str, tmp_path: Path) -> None:
    three_statements(tmp_path, "INSERT INTO part_b (id) VALUES (1);")
    migration(tmp_path, "17000000000000002", "later", "CREATE TABLE later (id integer);", "DROP TABLE later;")
    failed = inv("db.migrate", "--migrations-dir", str(tmp_path))
    assert failed.returncode == 1
    assert "error: migration 17000000000000001_split_profile.py, statement 2 of 3, failed at line 8" in failed.stderr
    assert 'relation "part_b" does not exist' in failed.stderr
    assert "statements 1-1 are committed" in failed.stderr and "--retry-failed" in failed.stderr
    assert "Traceback" not in failed.output
    assert tables(database_url) == ["part_a"]  # statement 1 is committed; 3 never ran
    assert query(database_url, "SELECT count(*) FROM schema_migrations")[0][0] == 0

    status = inv("db.status", "--migrations-dir", str(tmp_path))
    assert status.returncode == 0
    [row] = [line for line in status.stdout.splitlines() if "split_profile" in line]
    assert "failed" in row and 'failed at statement 2 of 3: relation "part_b" does not exist' in row

    blocked = inv("db.migrate", "--migrations-dir", str(tmp_path))
    assert blocked.returncode == 1
    assert "17000000000000001_split_profile.py failed at statement 2 of 3" in blocked.stderr
    assert "--retry-failed" in blocked.stderr and "--mark-applied" in blocked.stderr
    assert "later" not in [r[0] for r in query(database_url, "SELECT tablename FROM pg_tables")]

    execute(database_url, "CREATE TABLE part_b (id integer);")  # the fix
    retried = inv("db.migrate", "--migrations-dir", str(tmp_path), "--retry-failed")
    assert retried.returncode == 0, retried.output
    assert tables(database_url) == ["part_a", "part_b", "part_c"]
    assert ledger(database_url) == ["17000000000000001", "17000000000000002"]
    assert query(database_url, "SELECT count(*) FROM schema_migration_failures")[0][0] == 0
    status = inv("db.status", "--migrations-dir", str(tmp_path))
    assert "failed" not in status.stdout


def test_mark_applied_records_a_failed_migration_without_running_it(
        inv: Callable[..., Any], database_url: str, tmp_path: Path) -> None:
    three_statements(tmp_path, "SELECT 1 / 0;")
    assert inv("db.migrate", "--migrations-dir", str(tmp_path)).returncode == 1
    assert tables(database_url) == ["part_a"]
    execute(database_url, "CREATE TABLE part_c (id integer);")  # finished by hand
    marked = inv("db.migrate", "--migrations-dir", str(tmp_path), "--mark-applied")
    assert marked.returncode == 0, marked.output
    assert "marked applied 17000000000000001_split_profile (not run)" in marked.stdout
    assert ledger(database_url) == ["17000000000000001"]
    assert inv("db.migrate", "--migrations-dir", str(tmp_path)).returncode == 0


def test_statement_timeout_from_the_environment_and_the_migration(
        inv: Callable[..., Any], database_url: str, tmp_path: Path) -> None:
    slow = migration(tmp_path, "17000000000000001", "slow_backfill", "SELECT pg_sleep(3);", "SELECT 1;")
    timed_out = inv("db.migrate", "--migrations-dir", str(tmp_path), env={"DB_STATEMENT_TIMEOUT": "1"})
    assert timed_out.returncode == 1
    assert "canceling statement due to statement timeout" in timed_out.stderr
    assert ledger(database_url) == []
    # The migration's own attribute wins over DB_STATEMENT_TIMEOUT.
    slow.unlink()
    migration(tmp_path, "17000000000000001", "slow_backfill", "SELECT pg_sleep(3);", "SELECT 1;",
              options='statement_timeout = "20s"')
    applied = inv("db.migrate", "--migrations-dir", str(tmp_path), env={"DB_STATEMENT_TIMEOUT": "1"})
    assert applied.returncode == 0, applied.output
    bad = inv("db.migrate", "--migrations-dir", str(tmp_path), env={"DB_STATEMENT_TIMEOUT": "soon"})
    assert bad.returncode == 1 and "DB_STATEMENT_TIMEOUT = 'soon' is not a duration" in bad.stderr
    # Outside a transaction the migration's timeout is a session setting for its statements only.
    migration(tmp_path, "17000000000000002", "slow_index", "SELECT 1;\nSELECT pg_sleep(3);", "SELECT 1;",
              options=f'{NO_TRANSACTION}\nstatement_timeout = "1s"')
    stopped = inv("db.migrate", "--migrations-dir", str(tmp_path))
    assert stopped.returncode == 1
    assert "statement 2 of 2" in stopped.stderr and "statement timeout" in stopped.stderr

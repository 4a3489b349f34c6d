"""The bookkeeping tables: ``public.schema_migrations`` (ours), ``public.schema_migration_failures``
(non-transactional migrations that stopped part-way; created on the first such failure) and
``public.schema_information`` (the old scripts' single ``last_successful_run`` pointer, kept
current for old tooling).

Reads are the *observe* side; the writes here are only ever called by the Postgres executor
inside the transaction of the migration they record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from ...errors import DatabaseError
from .files import MigrationFile
from .plan import AppliedRow, FailedRow, Ledger, adopted_rows
from .versions import parse_pointer

LEDGER = sql.Identifier("public", "schema_migrations")
POINTER = sql.Identifier("public", "schema_information")
FAILURES = sql.Identifier("public", "schema_migration_failures")
BOOKKEEPING_TABLES = ("public.schema_migrations", "public.schema_migration_failures")

CREATE_FAILURES = sql.SQL("""
CREATE TABLE IF NOT EXISTS {} (
  version text PRIMARY KEY,
  name text NOT NULL,
  checksum text,
  statement integer NOT NULL,
  statements integer NOT NULL,
  error text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
)""").format(FAILURES)

CREATE_LEDGER = sql.SQL("""
CREATE TABLE {} (
  version text PRIMARY KEY,
  name text NOT NULL,
  checksum text,
  applied_at timestamptz NOT NULL DEFAULT now(),
  duration_ms integer,
  adopted boolean NOT NULL DEFAULT false
)""").format(LEDGER)


def _table_exists(conn: psycopg.Connection[Any], qualified: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [qualified]).fetchone()
    return bool(row and row[0])


def read_pointer(conn: psycopg.Connection[Any]) -> tuple[bool, str | None]:
    if not _table_exists(conn, "public.schema_information"):
        return False, None
    row = conn.execute(sql.SQL(
        "SELECT last_successful_run FROM {} ORDER BY id NULLS LAST LIMIT 1").format(POINTER)).fetchone()
    return True, (None if row is None or row[0] is None else str(row[0]))


def read_ledger(conn: psycopg.Connection[Any]) -> Ledger:
    has_pointer_table, pointer_raw = read_pointer(conn)
    pointer = parse_pointer(pointer_raw)
    if not _table_exists(conn, "public.schema_migrations"):
        return Ledger(False, (), pointer, pointer_raw, has_pointer_table)
    try:
        rows = conn.execute(sql.SQL(
            "SELECT version, name, checksum, applied_at, duration_ms, adopted FROM {}").format(LEDGER)).fetchall()
    except psycopg.errors.UndefinedColumn as exc:
        raise DatabaseError(
            "public.schema_migrations exists but was not created by cruddur-ops",
            hint="rename that table (another tool owns it) and re-run",
        ) from exc
    applied = tuple(
        AppliedRow(str(v), str(n), c, _when(a), d, bool(ad))
        for v, n, c, a, d, ad in rows
    )
    return Ledger(True, applied, pointer, pointer_raw, has_pointer_table, read_failures(conn))


def _when(moment: Any) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if moment else None


def read_failures(conn: psycopg.Connection[Any]) -> tuple[FailedRow, ...]:
    if not _table_exists(conn, "public.schema_migration_failures"):
        return ()
    rows = conn.execute(sql.SQL(
        "SELECT version, name, statement, statements, error, failed_at FROM {} ORDER BY version")
        .format(FAILURES)).fetchall()
    return tuple(FailedRow(str(v), str(n), int(k), int(t), str(e), _when(at)) for v, n, k, t, e, at in rows)


def record_failure(conn: psycopg.Connection[Any], failure: FailedRow, checksum: str) -> None:
    """Remember where a non-transactional migration stopped (its own autocommit transaction)."""
    with conn.transaction():
        conn.execute(CREATE_FAILURES)
        conn.execute(
            sql.SQL("""INSERT INTO {} (version, name, checksum, statement, statements, error)
                       VALUES (%s, %s, %s, %s, %s, %s)
                       ON CONFLICT (version) DO UPDATE SET checksum = EXCLUDED.checksum,
                         statement = EXCLUDED.statement, statements = EXCLUDED.statements,
                         error = EXCLUDED.error, failed_at = now()""").format(FAILURES),
            [failure.version, failure.name, checksum, failure.statement, failure.statements, failure.error])


def clear_failure(conn: psycopg.Connection[Any], version: str) -> None:
    if _table_exists(conn, "public.schema_migration_failures"):
        conn.execute(sql.SQL("DELETE FROM {} WHERE version = %s").format(FAILURES), [version])


def applied_count(conn: psycopg.Connection[Any]) -> int:
    if not _table_exists(conn, "public.schema_migrations"):
        return 0
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(LEDGER)).fetchone()
    return int(row[0]) if row else 0


def ensure_ledger(conn: psycopg.Connection[Any], files: Sequence[MigrationFile]) -> int:
    """Create ``schema_migrations`` once, adopting the old pointer in the same transaction.

    Called under the migration lock, so exactly one run creates and adopts. Returns how many
    files were adopted (0 when the table already existed).
    """
    with conn.transaction():
        if _table_exists(conn, "public.schema_migrations"):
            return 0
        conn.execute(CREATE_LEDGER)
        _, pointer_raw = read_pointer(conn)
        rows = adopted_rows(files, parse_pointer(pointer_raw))
        for row in rows:
            conn.execute(
                sql.SQL("INSERT INTO {} (version, name, checksum, adopted) VALUES (%s, %s, %s, true)")
                .format(LEDGER), [row.version, row.name, row.checksum])
        return len(rows)


def record_applied(conn: psycopg.Connection[Any], version: str, name: str, checksum: str,
                   duration_ms: int) -> None:
    conn.execute(
        sql.SQL("INSERT INTO {} (version, name, checksum, duration_ms) VALUES (%s, %s, %s, %s)")
        .format(LEDGER), [version, name, checksum, duration_ms])


def record_checksum(conn: psycopg.Connection[Any], version: str, checksum: str) -> None:
    conn.execute(sql.SQL("UPDATE {} SET checksum = %s WHERE version = %s").format(LEDGER),
                 [checksum, version])


def remove_applied(conn: psycopg.Connection[Any], version: str) -> None:
    conn.execute(sql.SQL("DELETE FROM {} WHERE version = %s").format(LEDGER), [version])


def sync_pointer(conn: psycopg.Connection[Any]) -> str | None:
    """Point ``schema_information.last_successful_run`` at what is applied, for old tooling.

    The old migrate compared ``int(pointer) < int(file digits)`` to decide what to run, so the
    pointer holds the applied version with the largest *integer* value: old tooling then never
    re-runs an applied migration (it may still skip an out-of-order one — that is its bug).
    Only when the table exists: we do not create old tooling's state in a fresh database.
    """
    if not _table_exists(conn, "public.schema_information"):
        return None
    versions = [str(r[0]) for r in conn.execute(sql.SQL("SELECT version FROM {}").format(LEDGER))]
    value = max(versions, key=int) if versions else "0"
    updated = conn.execute(sql.SQL("UPDATE {} SET last_successful_run = %s").format(POINTER), [value])
    if updated.rowcount == 0:
        # The old schema seeded id=1 but an emptied table made the old migrate crash (None[0]).
        conn.execute(sql.SQL("INSERT INTO {} (id, last_successful_run) VALUES (1, %s)").format(POINTER),
                     [value])
    return value

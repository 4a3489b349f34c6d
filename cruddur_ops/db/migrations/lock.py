"""The migration lock: a *session* advisory lock, taken with a bounded wait.

Session (not transaction) scope, because a run spans many transactions — one per migration —
and the ledger must not change between planning and the last commit. ``pg_try_advisory_lock`` in
a loop (rather than a blocking ``pg_advisory_lock``) lets us give up after ``wait_seconds`` with
an error that names who holds the lock, instead of hanging a CI job. The lock dies with the
session, so a killed run never leaves it behind.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from ...errors import DatabaseError

# One key per purpose; advisory locks are already scoped to the current database.
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"cruddur-ops:schema_migrations").digest()[:8],
                                    "big", signed=True)
POLL_SECONDS = 0.2


def _holder(conn: psycopg.Connection[Any], key: int) -> str:
    row = conn.execute(
        """SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local')
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted
             AND ((l.classid::bigint << 32) | l.objid::bigint) = %s
           LIMIT 1""",
        [key],
    ).fetchone()
    if row is None:
        return "another session"
    return f"pid {row[0]} ({row[1] or 'unnamed'}, {row[2]})"


@contextmanager
def advisory_lock(
    conn: psycopg.Connection[Any],
    *,
    wait_seconds: float,
    key: int = MIGRATION_LOCK_KEY,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    deadline = clock() + wait_seconds
    announced = False
    while True:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
        if row and row[0]:
            break
        if not announced and on_wait is not None:
            on_wait(_holder(conn, key))
            announced = True
        if clock() >= deadline:
            raise DatabaseError(
                f"another migration run holds the migration lock ({_holder(conn, key)}); "
                f"gave up after {wait_seconds:g}s",
                hint="wait for it to finish (see `inv db.sessions`), or raise --lock-wait",
            )
        sleep(POLL_SECONDS)
    try:
        yield
    finally:
        try:
            conn.execute("SELECT pg_advisory_unlock(%s)", [key])
        except psycopg.Error:
            pass  # the connection is gone: the server released the lock with the session

"""Run a SQL file (``schema.sql``, ``seed.sql``) through psycopg, in one transaction.

The old scripts piped files into ``psql`` without ``ON_ERROR_STOP``: an error printed a line and
the script still exited 0 with half a schema. Here the whole file runs in one transaction (like
``psql -1 -v ON_ERROR_STOP=1``): any SQL error rolls everything back and fails the task with the
file, line, statement and the server's message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from ..errors import ConfigError
from .sqlerrors import sql_error, transaction_control


def read_sql_file(path: Path, *, setting: str) -> str:
    if not path.is_file():
        raise ConfigError(f"SQL file {path} does not exist",
                          hint=f"pass --db-dir DIR or set {setting}")
    return path.read_text(encoding="utf-8")


def run_sql_file(conn: psycopg.Connection[Any], path: Path, *, label: str | None = None,
                 text: str | None = None) -> None:
    sql_text = read_sql_file(path, setting="DB_DIR") if text is None else text
    if not sql_text.strip():
        return
    control = transaction_control(sql_text)
    if control:
        raise ConfigError(
            f"{label or path.name} contains `{control[0]}`",
            hint="remove BEGIN/COMMIT/ROLLBACK: the whole file already runs in one transaction",
        )
    try:
        with conn.transaction():
            conn.execute(sql_text)  # no params: the simple protocol runs every statement
    except psycopg.Error as exc:
        raise sql_error(exc, sql_text, what=label or path.name, conn=conn,
                        hint="nothing from this file was applied (one transaction, rolled back)") from exc

"""Database-level actions on the maintenance database: create, drop, sessions, terminate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..errors import DatabaseError, RefusedError
from .connection import first_line

OBJECT_IN_USE = "55006"
PROTECTED = frozenset({"postgres", "template0", "template1", "rdsadmin"})


def database_exists(conn: psycopg.Connection[Any], name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create_database(conn: psycopg.Connection[Any], name: str) -> bool:
    """Create ``name``; False when it already exists (that is success, not an error)."""
    if database_exists(conn, name):
        return False
    try:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.DuplicateDatabase:
        return False  # created concurrently
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot create database {name}: {first_line(exc)}") from exc
    return True


def drop_database(conn: psycopg.Connection[Any], name: str, *, force: bool = False) -> bool:
    """Drop ``name``; False when it did not exist. ``force`` ends other sessions first (PG 13+)."""
    if name in PROTECTED:
        raise RefusedError(f"refusing to drop the {name!r} database",
                           hint="the URL must name the application database, e.g. /cruddur")
    if not database_exists(conn, name):
        return False
    statement = "DROP DATABASE IF EXISTS {} WITH (FORCE)" if force else "DROP DATABASE IF EXISTS {}"
    try:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))
    except psycopg.Error as exc:
        hint = None
        if exc.sqlstate == OBJECT_IN_USE:
            hint = "other sessions are connected: `inv db.sessions` shows them; re-run with --force"
        raise DatabaseError(f"cannot drop database {name}: {first_line(exc)}", hint=hint) from exc
    return True


@dataclass(frozen=True)
class Session:
    pid: int
    user: str
    database: str
    client: str
    application: str
    state: str
    query: str


def list_sessions(conn: psycopg.Connection[Any], database: str | None) -> list[Session]:
    rows = conn.execute(
        """SELECT pid, coalesce(usename, ''), coalesce(datname, ''),
                  coalesce(client_addr::text, 'local'), coalesce(application_name, ''),
                  coalesce(state, ''), left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 80)
           FROM pg_stat_activity
           WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
             AND (%(db)s::text IS NULL OR datname = %(db)s::text)
           ORDER BY datname, pid""",
        {"db": database},
    ).fetchall()
    return [Session(*row) for row in rows]


def terminate_sessions(conn: psycopg.Connection[Any], database: str) -> int:
    rows = conn.execute(
        """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'""",
        [database],
    ).fetchall()
    return sum(1 for (ok,) in rows if ok)

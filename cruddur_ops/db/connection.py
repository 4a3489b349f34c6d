"""Opening connections: psycopg failures become one-line :class:`DatabaseError`s with a hint,
and the password never reaches a message."""

from __future__ import annotations

from typing import Any

import psycopg

from ..errors import DatabaseError
from ..redact import mask_text
from .target import DbTarget

APPLICATION_NAME = "cruddur-ops"
CONNECT_TIMEOUT_SECONDS = 10
INVALID_CATALOG_NAME = "3D000"  # database does not exist


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return mask_text(text.splitlines()[0] if text else type(exc).__name__)


def connect(target: DbTarget, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    """Connect to ``target``. Autocommit by default: callers open explicit transactions, so
    nothing (advisory locks, SETs) is tied to a transaction by accident."""
    try:
        return psycopg.connect(
            target.conninfo,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name=APPLICATION_NAME,
        )
    except psycopg.Error as exc:
        hint = ("check the URL's host/port, that the server runs, and (for RDS) that the security "
                "group admits you: `inv rds.update-sg-rule`")
        if exc.sqlstate == INVALID_CATALOG_NAME or "does not exist" in str(exc):
            hint = f"create it with `inv db.create --env {target.env}` (or `inv db.setup`)"
        elif "password authentication failed" in str(exc):
            hint = f"the password in {target.source or 'the URL'} is wrong"
        raise DatabaseError(
            f"cannot connect to {target.describe()} ({target.source}): {first_line(exc)}", hint=hint
        ) from exc

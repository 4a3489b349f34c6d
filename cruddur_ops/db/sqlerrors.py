"""Turn a psycopg error raised by a SQL script into "file, line, statement, server message".

Scripts are sent to the server whole (the server splits statements, so dollar quotes, ``BEGIN
ATOMIC`` bodies and comments behave exactly as in psql). When the server reports where the error
is (``statement_position``, a 1-based character offset into the text we sent), a small lexer
finds the statement around that offset — used only to *describe* the error, never to execute.
Errors without a position (a constraint violation, a missing table behind REFERENCES) name no
statement. Then, if the script has several statements, :func:`replay` runs them one by one in a
transaction that is always rolled back, to find the first one that fails the same way — a
diagnosis only, accepted only when the server reports the same error again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import psycopg

from ..errors import DatabaseError
from ..redact import mask_text

MAX_STATEMENT_CHARS = 200


def statement_bounds(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each ``;``-terminated statement, skipping quoted text and
    comments (single/double quotes, ``$tag$`` quotes, ``--`` and nested ``/* */``)."""
    bounds: list[tuple[int, int]] = []
    start, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if ch == "/" and text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            continue
        if ch in ("'", '"'):
            i += 1
            while i < n:
                if text[i] == ch:
                    if i + 1 < n and text[i + 1] == ch:  # doubled quote
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            continue
        if ch == "$":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            if j < n and text[j] == "$" and not text[i + 1:j][:1].isdigit():
                tag = text[i:j + 1]
                close = text.find(tag, j + 1)
                i = n if close < 0 else close + len(tag)
                continue
        if ch == ";":
            bounds.append((start, i + 1))
            start = i + 1
        i += 1
    if text[start:].strip():
        bounds.append((start, n))
    return bounds


def _strip_leading_comments(statement: str) -> str:
    lines = [ln for ln in statement.strip().splitlines() if not ln.strip().startswith("--")]
    return " ".join(" ".join(lines).split())


def _first_code_offset(text: str, start: int, end: int) -> int:
    """Offset of the first line of a statement that is not blank or a ``--`` comment."""
    offset = start
    for line in text[start:end].splitlines(keepends=True):
        if line.strip() and not line.strip().startswith("--"):
            return offset + len(line) - len(line.lstrip())
        offset += len(line)
    return start


def locate(text: str, position: int) -> tuple[int, str]:
    """The 1-based line of ``position`` (1-based char offset) and the statement containing it."""
    offset = max(0, min(position - 1, len(text)))
    line = text.count("\n", 0, offset) + 1
    for start, end in statement_bounds(text):
        if start <= offset < end:
            return line, _strip_leading_comments(text[start:end])
    return line, ""


_TRANSACTION_CONTROL = re.compile(
    r"^(COMMIT|ROLLBACK(?!\s+TO\b)|ABORT|START\s+TRANSACTION|BEGIN(?!\s+ATOMIC\b))\b", re.IGNORECASE)


def transaction_control(text: str) -> list[str]:
    """Statements that would end or nest our transaction (``BEGIN``, ``COMMIT``, ``ROLLBACK``).

    We run each file or migration in one transaction with its bookkeeping; a ``COMMIT`` inside
    would make the first half permanent even when the second half fails.
    """
    found = []
    for start, end in statement_bounds(text):
        statement = _strip_leading_comments(text[start:end])
        if _TRANSACTION_CONTROL.match(statement):
            found.append(statement)
    return found


def shorten(statement: str) -> str:
    return statement if len(statement) <= MAX_STATEMENT_CHARS else statement[: MAX_STATEMENT_CHARS - 1] + "…"


@dataclass(frozen=True)
class SqlFailure:
    sqlstate: str | None
    message: str  # the server's primary message
    line: int | None  # in the source file when known
    statement: str | None
    detail: str | None

    def describe(self, what: str) -> str:
        where = f" at line {self.line}" if self.line else ""
        parts = [f"{what} failed{where}"]
        if self.statement:
            parts.append(f"in `{shorten(self.statement)}`")
        text = " ".join(parts) + f": {self.message}"
        if self.detail:
            text += f" ({self.detail})"
        return mask_text(text)


def analyse(exc: psycopg.Error, sql_text: str, *, line_offset: int = 0) -> SqlFailure:
    """Describe ``exc`` raised while executing ``sql_text``; ``line_offset`` maps a line of
    ``sql_text`` into the file that contains it (SQL inside a migration's Python string)."""
    diag = exc.diag
    message = diag.message_primary or str(exc).strip().splitlines()[0]
    position = diag.statement_position
    line: int | None = None
    statement: str | None = None
    if position:
        try:
            relative_line, statement = locate(sql_text, int(position))
            line = relative_line + line_offset
        except ValueError:
            pass
    extra = [x for x in (diag.message_detail, diag.context and diag.context.splitlines()[0]) if x]
    return SqlFailure(exc.sqlstate, message, line, statement or None, "; ".join(extra) or None)


REPLAY_STATEMENT_TIMEOUT = "60s"


def replay(conn: psycopg.Connection[Any], exc: psycopg.Error, sql_text: str) -> tuple[int, str] | None:
    """Find the statement that raised ``exc`` by re-running the script statement by statement in
    a transaction that is always rolled back. ``None`` when it cannot be told for sure."""
    bounds = [(s, e) for s, e in statement_bounds(sql_text) if _strip_leading_comments(sql_text[s:e])]
    if len(bounds) == 1:
        start, end = bounds[0]
        code = _first_code_offset(sql_text, start, end)
        return sql_text.count("\n", 0, code) + 1, _strip_leading_comments(sql_text[start:end])
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(f"SET LOCAL statement_timeout = '{REPLAY_STATEMENT_TIMEOUT}'")
            for start, end in bounds:
                try:
                    with conn.transaction():  # a savepoint per statement
                        conn.execute(sql_text[start:end])
                except psycopg.Error as again:
                    if (again.sqlstate, again.diag.message_primary) != (exc.sqlstate, exc.diag.message_primary):
                        return None
                    code = _first_code_offset(sql_text, start, end)
                    return sql_text.count("\n", 0, code) + 1, _strip_leading_comments(sql_text[start:end])
    except psycopg.Error:
        return None
    return None


LOCK_NOT_AVAILABLE = "55P03"


def sql_error(exc: psycopg.Error, sql_text: str, *, what: str, hint: str,
              line_offset: int = 0, conn: psycopg.Connection[Any] | None = None) -> DatabaseError:
    """The error to raise for ``exc``. With ``conn`` (back outside the failed transaction), a
    statement the server did not point at is found by :func:`replay`."""
    failure = analyse(exc, sql_text, line_offset=line_offset)
    if failure.statement is None and conn is not None and not conn.closed:
        found = replay(conn, exc, sql_text)
        if found is not None:
            failure = replace(failure, line=found[0] + line_offset, statement=found[1])
    if failure.sqlstate == LOCK_NOT_AVAILABLE:
        hint = ("another session holds a lock on a table this needs (lock_timeout expired): "
                "see `inv db.sessions`, then retry; " + hint)
    return DatabaseError(failure.describe(what), hint=hint)

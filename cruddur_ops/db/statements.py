"""Split migration SQL into statements with PostgreSQL's own grammar (pglast = libpg_query).

Used to *execute* non-transactional migrations one statement at a time and to lint them, so it
must split exactly as the server would: dollar quotes, ``BEGIN ATOMIC`` bodies, ``E''`` strings
and nested comments included. pglast reports character offsets into the text (its own
translation of libpg_query's byte offsets), so slicing happens on the str.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pglast import parser as pg_parser

from ..errors import ConfigError

COMMENT_TOKENS = frozenset({"SQL_COMMENT", "C_COMMENT"})


@dataclass(frozen=True)
class Statement:
    """One statement: its parse tree, its text and where it sits."""

    index: int  # 1-based position in the script
    node: Any  # the pglast.ast node (AlterTableStmt, IndexStmt, …)
    text: str  # what the server runs (from the first token to the `;`)
    line: int  # 1-based line of its first token, in the file that holds the SQL
    comments: tuple[str, ...]  # comments that belong to it (before it, or after its `;` on its line)

    @property
    def code(self) -> str:
        """The statement on one line, for messages."""
        return " ".join(self.text.split())


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, max(0, offset)) + 1


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def parse_error(exc: Exception, sql: str, *, where: str, line_offset: int) -> ConfigError:
    """``ParseError(message, index)``: index is a 0-based character offset into ``sql``."""
    message = str(exc.args[0]) if exc.args else str(exc)
    location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
    at = f", line {_line_at(sql, location) + line_offset}" if location is not None else ""
    return ConfigError(
        f"{where}{at}: SQL does not parse: {message}",
        hint="fix the statement (PostgreSQL's own grammar rejected it, so the server would too)",
    )


def split(sql: str, *, where: str, line_offset: int = 0) -> list[Statement]:
    """Every statement of ``sql``; ``line_offset`` maps its lines into the containing file.

    SQL that does not parse is a :class:`ConfigError` naming ``where`` and the line.
    """
    try:
        raw = pg_parser.parse_sql(sql)
        tokens = pg_parser.scan(sql)
    except pg_parser.ParseError as exc:
        raise parse_error(exc, sql, where=where, line_offset=line_offset) from exc
    # Token ends are inclusive.
    comments = [(t.start, t.end + 1) for t in tokens if t.name in COMMENT_TOKENS]
    statements: list[Statement] = []
    previous_line_end = 0
    for index, item in enumerate(raw, start=1):
        start = item.stmt_location or 0
        end = start + item.stmt_len if item.stmt_len else len(sql)
        # The `;` belongs to the statement; the parser's length stops before it.
        rest = sql[end:]
        stop = end + (len(rest) - len(rest.lstrip()) + 1 if rest.lstrip().startswith(";") else 0)
        # Comments from the end of the previous statement's line to the end of this one's.
        region_end = _line_end(sql, max(stop - 1, start))
        own = tuple(sql[c_start:c_end] for c_start, c_end in comments
                    if previous_line_end <= c_start < region_end)
        statements.append(Statement(
            index=index,
            node=item.stmt,
            text=sql[start:stop],
            line=_line_at(sql, start) + line_offset,
            comments=own,
        ))
        previous_line_end = region_end
    return statements

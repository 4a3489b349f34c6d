"""Small, pure Markdown helpers for step summaries (GitHub-flavoured Markdown).

Text from the outside (error messages, paths, stack resource names) is escaped so it cannot
open a table, a link or an HTML tag; backtick spans in messages stay code, as the terminal's
hints use them for commands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_SPECIAL = re.compile(r"([\\*_\[\]<>|#~])")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")

SHOWN_PATHS = 20  # the first N changed paths a summary lists


def text(value: str) -> str:
    """``value`` as literal Markdown text on one line; its `code spans` are kept."""
    parts = _CODE_SPAN.split(value.replace("\r", " ").replace("\n", " "))
    return "".join(part if _CODE_SPAN.fullmatch(part) else _SPECIAL.sub(r"\\\1", part).replace("`", "\\`")
                   for part in parts)


def code(value: str) -> str:
    """``value`` in a code span (a longer fence when it holds backticks)."""
    value = value.replace("\n", " ")
    fence = "``" if "`" in value else "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(value: str) -> str:
    """A table cell: GFM ends a cell at any unescaped pipe, even inside a code span."""
    return value.replace("|", "\\|")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GFM table; cells are already Markdown (use :func:`text` / :func:`code`)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def first_paths(paths: Sequence[str], limit: int = SHOWN_PATHS) -> str:
    """The first ``limit`` paths as a list of code spans, and how many more there are."""
    shown = [code(p) for p in paths[:limit]]
    if len(paths) > limit:
        shown.append(f"… and {len(paths) - limit} more")
    return bullets(shown)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"

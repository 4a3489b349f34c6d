"""The one place that builds rich consoles.

Data goes to stdout, progress/prompts/messages to stderr. Colours and live displays follow the
terminal: ``NO_COLOR``, ``TERM=dumb`` or a non-TTY stream turn them off.

rich is imported when the first console is built, not when this module is: every `inv` start-up
imports the task namespace, and rich.console + rich.text are ~0.02 s of it. A sync builds its
consoles while the bucket listing is in flight, where that time is free.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, TextIO

from .config import process_environment

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text
    from rich.theme import Theme

STYLES = {
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "no_change": "dim",
    "ignore": "dim",
    "ok": "green",
    "skipped": "yellow",
    "failed": "bold red",
    "error": "bold red",
    "hint": "cyan",
    "muted": "dim",
}


@cache
def theme() -> Theme:
    from rich.theme import Theme

    return Theme(STYLES)


def plain(message: str, style: str = "") -> Text:
    """``message`` as it is (no markup parsing), for printing on a console."""
    from rich.text import Text

    return Text(message, style=style)


def _plain_requested(environ: Mapping[str, str]) -> bool:
    return "NO_COLOR" in environ or environ.get("TERM") == "dumb"


def stream_is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def make_console(stream: TextIO, environ: Mapping[str, str] | None = None) -> Console:
    """A console for ``stream`` that only uses colour and live output on a real terminal
    (``NO_COLOR`` / ``TERM`` from ``environ``, by default the process environment)."""
    from rich.console import Console

    env = process_environment() if environ is None else environ
    tty = stream_is_tty(stream) and env.get("TERM") != "dumb"
    colourless = _plain_requested(env) or not tty
    return Console(
        file=stream,
        theme=theme(),
        force_terminal=tty,
        no_color=colourless,
        color_system=None if colourless else "auto",
        highlight=False,
        soft_wrap=not tty,
        emoji=False,
    )


@dataclass(frozen=True)
class Consoles:
    """stdout for data, stderr for everything a human reads while waiting."""

    out: Console
    err: Console

    @property
    def interactive(self) -> bool:
        """True when we may prompt: stdin and stderr are terminals."""
        return stream_is_tty(sys.stdin) and self.err.is_terminal

    @property
    def live(self) -> bool:
        """True when progress bars may redraw (a terminal that is not dumb)."""
        return self.err.is_terminal and not self.err.is_dumb_terminal


@cache
def _process_consoles() -> Consoles:
    return Consoles(out=make_console(sys.stdout), err=make_console(sys.stderr))


# While a task runs with --json, its stdout belongs to the JSON document alone: every console
# write meant for stdout goes to stderr instead (see data_on_stderr).
_redirected: list[Consoles] = []


def consoles() -> Consoles:
    """The process-wide pair of consoles (built lazily so tests can swap streams first)."""
    return _redirected[-1] if _redirected else _process_consoles()


@contextmanager
def data_on_stderr() -> Iterator[None]:
    """Within this block ``consoles().out`` writes to stderr, so a task's tables and summaries
    stay readable while stdout carries only the JSON the task layer prints itself."""
    err = _process_consoles().err
    _redirected.append(Consoles(out=err, err=err))
    try:
        yield
    finally:
        _redirected.pop()


def reset_consoles() -> None:
    """Forget the cached consoles (tests capture stdout/stderr after import)."""
    _process_consoles.cache_clear()

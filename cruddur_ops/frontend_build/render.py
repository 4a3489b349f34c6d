"""What ``inv frontend.build`` shows: steps and npm's output on stderr, the result on stdout."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.text import Text

from ..console import consoles, plain
from .build import BuildResult
from .npm import NpmError


def shown(path: os.PathLike[str] | str) -> str:
    """A path relative to the current directory when it is below it (short output)."""
    text = os.fspath(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return text if relative.startswith("..") else relative


def step(message: str) -> None:
    consoles().err.print(plain("==> ", style="muted") + plain(message))


def npm_line(line: str) -> None:
    consoles().err.print(Text.from_ansi(line))


def npm_output(quiet: bool) -> Callable[[str], None]:
    return (lambda _line: None) if quiet else npm_line


@contextmanager
def failure_tail(quiet: bool) -> Iterator[None]:
    """With npm's output hidden, a failing npm still shows the lines that explain it."""
    try:
        yield
    except NpmError as exc:
        if quiet:
            for line in exc.tail:
                npm_line(line)
        raise


def show_result(result: BuildResult) -> None:
    out = consoles().out
    out.print(plain(f"build: {shown(result.build_dir)} ({result.file_count} files, {result.total_bytes:,} bytes)"))
    if result.zip is not None:
        z = result.zip
        out.print(plain(f"zip: {shown(z.path)} ({z.entries} entries, {z.size:,} bytes, sha256 {z.sha256})"))

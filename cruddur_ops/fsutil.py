"""Atomic file writes: every file the toolkit writes goes through here.

A temp file in the destination folder, fsync, chmod, then ``os.replace``: a reader (or a crash)
sees the old file or the new one, never half of either.

Files that can be made again and whose reader refuses a damaged copy (``durable=False``: the
botocore model cache, the MD5 cache, changesets) skip the fsync, as Python's own ``__pycache__``
does: after a machine crash such a file may be lost or cut short, which its reader takes for a
miss (or, for a changeset, refuses as invalid JSON), and the fsync's wait (several ms per file,
tens of ms on a busy or network disk) would land on every run, as on every CI deploy. What cannot
be made again (env files, migrations) is fsynced before the writer goes on; the invalidation
journal is fsynced with :func:`sync_to_disk` while the deploy goes on (sync/journal.py).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

SECRET_FILE_MODE = 0o600
DEFAULT_FILE_MODE = 0o644


@contextmanager
def atomic_writer(path: Path, *, mode: int = DEFAULT_FILE_MODE, durable: bool = True) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` when the block ends without an error (and is
    removed otherwise): for large files written piece by piece. ``durable=False``: no fsync
    (only for entries a reader verifies, see the module's docstring)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; set the final mode before the data lands so a secret file is
        # never readable by others, not even for an instant.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = DEFAULT_FILE_MODE, durable: bool = True) -> Path:
    with atomic_writer(path, mode=mode, durable=durable) as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: Path, text: str, *, mode: int = DEFAULT_FILE_MODE, durable: bool = True) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), mode=mode, durable=durable)


def sync_to_disk(path: Path) -> None:
    """fsync a file written with ``durable=False``, later and on another thread if need be. A
    file already removed has nothing left to keep."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

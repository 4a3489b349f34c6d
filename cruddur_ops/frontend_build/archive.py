"""A deterministic zip of a build folder: the same files give the same bytes, every time.

Entries are sorted by POSIX path and carry a fixed timestamp (1980-01-01, the earliest a zip can
record), fixed Unix permissions (0644) and a fixed "made by Unix" host; no directory entries
(their timestamps are what usually varies, and unzip recreates folders from the file paths).
The archive is written to a temp file beside the target and renamed into place, so a reader
or a crash sees the old zip or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..fsutil import DEFAULT_FILE_MODE
from .tree import BuildFile

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
UNIX_HOST = 3
COMPRESS_LEVEL = 9


@dataclass(frozen=True)
class ZipResult:
    path: Path
    entries: int
    size: int
    sha256: str


def entry_info(key: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(key, date_time=FIXED_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = UNIX_HOST
    info.external_attr = FILE_MODE << 16
    return info


def write_entries(handle: BinaryIO, files: list[BuildFile]) -> None:
    """Write ``files`` as a deterministic zip into an open binary stream."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        for item in sorted(files, key=lambda f: f.key):
            with item.path.open("rb") as source, archive.open(
                entry_info(item.key), "w", force_zip64=item.size >= zipfile.ZIP64_LIMIT
            ) as target:
                # Streamed in chunks: a build can hold large media files.
                while chunk := source.read(1 << 20):
                    target.write(chunk)


@contextlib.contextmanager
def atomic_binary_output(path: Path, mode: int = DEFAULT_FILE_MODE) -> Iterator[BinaryIO]:
    """fsutil's temp-file-and-rename pattern for output too large to hold in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def write_zip(files: list[BuildFile], path: Path) -> ZipResult:
    with atomic_binary_output(path) as handle:
        write_entries(handle, files)
        handle.seek(0)
        digest = hashlib.sha256()
        size = 0
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return ZipResult(path=path, entries=len(files), size=size, sha256=digest.hexdigest())

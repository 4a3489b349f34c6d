"""The files of a build folder, in one stable order (shared by the summary and the zip)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BuildFile:
    key: str  # POSIX path relative to the build folder: the zip entry name
    path: Path
    size: int


def list_files(root: Path) -> list[BuildFile]:
    """Every regular file under ``root`` sorted by relative POSIX path.

    Symlinked directories are not descended (no loops, nothing outside the build folder);
    a symlinked file counts as the file it points to. Sorting by the POSIX key, not by
    ``os.walk`` order, makes the result independent of the filesystem.
    """
    files: list[BuildFile] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(directory, d))]
        for name in filenames:
            path = Path(directory, name)
            if not path.is_file():  # dangling symlink, socket, fifo
                continue
            key = path.relative_to(root).as_posix()
            files.append(BuildFile(key=key, path=path, size=path.stat().st_size))
    files.sort(key=lambda f: f.key)
    return files


@dataclass(frozen=True)
class BuildStats:
    file_count: int
    total_bytes: int


def stats(files: list[BuildFile]) -> BuildStats:
    return BuildStats(file_count=len(files), total_bytes=sum(f.size for f in files))

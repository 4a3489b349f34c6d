"""Remember each build file's MD5 by its stat signature, so an unchanged file is not read again.

A file's signature is (device, inode, size, mtime_ns, ctime_ns). Rewriting a file changes its
mtime and ctime, and ctime cannot be set back from user space (``touch -d`` and ``os.utime``
only set atime/mtime), so an edited file never matches its old entry — which is also why a
same-size edit with a forged old mtime is still caught, unlike with size+mtime tools.

One hole remains, the one git calls "racily clean": two writes within one timestamp tick leave
the same signature. So a file whose ctime is within ``RACY_SECONDS`` of the moment it was
hashed is not remembered; it is hashed again next time.

The cache is an optimisation only: a missing, unreadable or corrupt file means "hash
everything", and a cache that cannot be written is skipped. It lives outside the build (never
synced) at ``$XDG_CACHE_HOME/cruddur-ops/md5/<hash of the build dir>``; ``SYNC_HASH_CACHE``
names another file, or ``off`` disables it. Format: a header line, then ``<signature> <md5>``
per line — written and read as a stream (a JSON document of 100,000 entries cost ~20 MB more
at the peak of a 100,000-file plan).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from ..cache_home import cache_location
from ..fsutil import atomic_writer

RACY_SECONDS = 2.0
FORMAT_VERSION = 1
HEADER = f"cruddur-ops md5 cache v{FORMAT_VERSION}\n"
_MD5_HEX = re.compile(r"[0-9a-f]{32}")

log = logging.getLogger(__name__)


def signature(stat: os.stat_result) -> str:
    return f"{stat.st_dev:x}:{stat.st_ino:x}:{stat.st_size:x}:{stat.st_mtime_ns:x}:{stat.st_ctime_ns:x}"


def cache_path(setting: str | None, build_dir: Path, cache_home: str | None) -> Path | None:
    """Where the cache of ``build_dir`` lives (``cache_home``: ``$XDG_CACHE_HOME``); None when
    the setting turns it off or there is no home directory (see cruddur_ops.cache_home)."""

    def per_build(home: Path) -> Path:
        return home / "md5" / hashlib.sha256(str(build_dir.resolve()).encode("utf-8")).hexdigest()[:24]

    return cache_location(setting, cache_home, per_build)


def load(path: Path | None) -> dict[str, str]:
    """``{signature: md5}``; empty when there is no usable cache."""
    if path is None:
        return {}
    try:
        with path.open("r", encoding="ascii") as handle:
            if handle.readline() != HEADER:
                return {}
            entries: dict[str, str] = {}
            for line in handle:
                sig, _, digest = line.rstrip("\n").partition(" ")
                if sig and _MD5_HEX.fullmatch(digest):  # a damaged line is skipped, never trusted
                    entries[sig] = digest
            return entries
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:  # unreadable, or not ASCII (UnicodeDecodeError)
        log.debug("ignoring hash cache %s: %s", path, exc)
        return {}


def save(path: Path | None, entries: Mapping[str, str], previous: Mapping[str, str]) -> None:
    """Write ``entries`` when they differ from what was loaded; failures are only logged."""
    if path is None or entries == previous:
        return
    try:
        with atomic_writer(path, mode=0o600, durable=False) as handle:  # damaged lines are skipped on load
            handle.write(HEADER.encode("ascii"))
            for sig, digest in entries.items():
                handle.write(f"{sig} {digest}\n".encode("ascii"))
    except OSError as exc:
        log.debug("hash cache %s not written: %s", path, exc)

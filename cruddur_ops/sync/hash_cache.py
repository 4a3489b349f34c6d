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
synced) at ``$XDG_CACHE_HOME/cruddur-ops/md5/<hash of the build dir>.json``; ``SYNC_HASH_CACHE``
names another file, or ``off`` disables it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from ..fsutil import atomic_write_bytes

RACY_SECONDS = 2.0
FORMAT_VERSION = 1
OFF_VALUES = frozenset({"off", "false", "0", "no", "none"})

log = logging.getLogger(__name__)


def signature(stat: os.stat_result) -> str:
    return f"{stat.st_dev:x}:{stat.st_ino:x}:{stat.st_size:x}:{stat.st_mtime_ns:x}:{stat.st_ctime_ns:x}"


def default_path(build_dir: Path, environ: Mapping[str, str]) -> Path:
    base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(str(build_dir.resolve()).encode("utf-8")).hexdigest()[:24]
    return base / "cruddur-ops" / "md5" / f"{digest}.json"


def cache_path(setting: str | None, build_dir: Path, environ: Mapping[str, str]) -> Path | None:
    """Where the cache of ``build_dir`` lives; None when the setting turns it off."""
    if setting is None or setting.strip() == "":
        return default_path(build_dir, environ)
    if setting.strip().lower() in OFF_VALUES:
        return None
    return Path(setting).expanduser()


def load(path: Path | None) -> dict[str, str]:
    """``{signature: md5}``; empty when there is no usable cache."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.debug("ignoring hash cache %s: %s", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        return {}
    entries = data.get("md5")
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str) and len(v) == 32}


def save(path: Path | None, entries: Mapping[str, str], previous: Mapping[str, str]) -> None:
    """Write ``entries`` when they differ from what was loaded; failures are only logged."""
    if path is None or entries == previous:
        return
    body = json.dumps({"version": FORMAT_VERSION, "md5": entries}, separators=(",", ":"))
    try:
        atomic_write_bytes(path, body.encode("utf-8"), mode=0o600)
    except OSError as exc:
        log.debug("hash cache %s not written: %s", path, exc)



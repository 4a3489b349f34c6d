"""Observe the build directory: walk it (sorted, skipping hidden entries) and hash in parallel.

Hashing streams each file in 1 MiB chunks (memory stays flat for large files) on a thread pool:
hashlib releases the GIL while digesting buffers, so threads use every core for big files, and
for small files they overlap the open/read syscalls.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..errors import ConfigError
from .hash_cache import RACY_SECONDS, signature
from .keys import key_for
from .model import LocalFile

CHUNK = 1024 * 1024
# Below this many bytes in total, one thread hashes faster than a pool (small files are
# dominated by open/read syscalls and thread hand-offs, not by digesting).
PARALLEL_HASH_BYTES = 16 * 1024 * 1024
KEEP_HIDDEN = frozenset({".well-known"})  # RFC 8615: must be deployed (ACME, app links)


class WalkEntry(NamedTuple):
    rel: str  # relative posix path
    size: int
    signature: str  # see hash_cache.signature
    ctime_ns: int


def walk(build_dir: Path) -> list[WalkEntry]:
    """Every regular file, depth-first in sorted order.

    Hidden files and directories (``.DS_Store``, ``.git``) are skipped, except ``.well-known``.
    Symlinks to files are followed (their target's bytes are deployed); directory symlinks are
    not (no cycles). Only what the plan and the hash cache need is kept of each stat (whole
    ``stat_result`` objects cost ~30 MB at 100,000 files).
    """
    found: list[WalkEntry] = []

    def visit(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            ordered = sorted(entries, key=lambda e: e.name)
        for entry in ordered:
            if entry.name.startswith(".") and entry.name not in KEEP_HIDDEN:
                continue
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                visit(entry.path, rel + "/")
            elif entry.is_file(follow_symlinks=True):
                st = entry.stat(follow_symlinks=True)
                found.append(WalkEntry(rel, st.st_size, signature(st), st.st_ctime_ns))

    visit(str(build_dir), "")
    return found


_buffers = threading.local()


def _read_buffer() -> memoryview:
    """One reusable 1 MiB buffer per thread: no fresh allocation for every read of every file."""
    view: memoryview | None = getattr(_buffers, "view", None)
    if view is None:
        view = _buffers.view = memoryview(bytearray(CHUNK))
    return view


def md5_file(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    view = _read_buffer()
    with open(path, "rb", buffering=0) as handle:
        while size := handle.readinto(view):
            digest.update(view[:size])
    return digest.hexdigest()


# Files per pool task: one Future per file cost ~180 MB and seconds of overhead at 100,000 files
# (measured in benchmarks/); a few hundred per task keeps the pool busy with flat memory.
HASH_BATCH = 256


def hash_files(
    build_dir: Path,
    rels: Sequence[str],
    *,
    workers: int = 8,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """MD5 hex of each file, in the order given."""
    root = str(build_dir)

    def batch(start: int) -> list[str]:
        return [md5_file(os.path.join(root, rel)) for rel in rels[start:start + HASH_BATCH]]

    results: list[str] = []
    starts = range(0, len(rels), HASH_BATCH)
    if workers <= 1 or len(rels) < 64:
        for start in starts:
            results.extend(batch(start))
            if progress:
                progress(min(HASH_BATCH, len(rels) - start))
        return results
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="md5") as pool:
        for start, digests in zip(starts, pool.map(batch, starts), strict=True):
            results.extend(digests)
            if progress:
                progress(min(HASH_BATCH, len(rels) - start))
    return results


def check_build_dir(build_dir: Path) -> None:
    """A missing or empty build dir would plan "delete everything": refuse before listing."""
    if not build_dir.exists():
        raise ConfigError(
            f"build directory {build_dir} does not exist (nothing was deleted)",
            hint="run `inv frontend.build` first, or set SYNC_BUILD_DIR / --build-dir",
        )
    if not build_dir.is_dir():
        raise ConfigError(f"build directory {build_dir} is not a directory (nothing was deleted)",
                          hint="set SYNC_BUILD_DIR to the folder `npm run build` writes")


@dataclass
class WalkedBuild:
    """The build's files with keys and sizes, not yet hashed (``md5`` empty), and what the hash
    cache needs to know about each (parallel lists)."""

    files: list[LocalFile]
    signatures: list[str]
    ctimes_ns: list[int]


def walk_build(build_dir: Path, *, key_mode: str, prefix: str = "") -> WalkedBuild:
    """Enough to start listing the bucket while the hashing runs. Raises when the build dir is
    missing or empty, or two files map to one key."""
    check_build_dir(build_dir)
    entries = walk(build_dir)
    if not entries:
        raise ConfigError(
            f"build directory {build_dir} is empty (nothing was deleted)",
            hint="run `inv frontend.build` first; syncing an empty build would delete the site",
        )
    files = [LocalFile(key=key_for(e.rel, key_mode, prefix), rel=e.rel, size=e.size) for e in entries]
    _check_collisions(files)
    return WalkedBuild(files, [e.signature for e in entries], [e.ctime_ns for e in entries])


def hash_build(
    build_dir: Path,
    walked: WalkedBuild,
    *,
    known: Mapping[str, str] | None = None,
    workers: int = 8,
    progress: Callable[[int], None] | None = None,
) -> list[LocalFile]:
    """The walked files with their MD5s: from ``known`` (signature → MD5, the hash cache) where
    the signature matches, else read and hashed (one thread when that is little data, see
    PARALLEL_HASH_BYTES)."""
    known = known or {}
    cached = [known.get(sig) for sig in walked.signatures]
    todo = [i for i, digest in enumerate(cached) if digest is None]
    if progress and len(todo) < len(cached):
        progress(len(cached) - len(todo))
    todo_bytes = sum(walked.files[i].size for i in todo)
    digests = hash_files(build_dir, [walked.files[i].rel for i in todo],
                         workers=workers if todo_bytes >= PARALLEL_HASH_BYTES else 1, progress=progress)
    for i, digest in zip(todo, digests, strict=True):
        cached[i] = digest
    return [LocalFile(key=item.key, rel=item.rel, size=item.size, md5=digest or "")
            for item, digest in zip(walked.files, cached, strict=True)]


def cache_entries(walked: WalkedBuild, files: Sequence[LocalFile], hashed_at_ns: int) -> dict[str, str]:
    """What the hash cache should hold after this run: every file whose last change (ctime) is
    more than RACY_SECONDS older than ``hashed_at_ns``, taken before any file was read. A file
    changed later could be changed again within the same timestamp tick and keep its signature
    (git's "racily clean" entries), so it is hashed again next time instead."""
    fresh = hashed_at_ns - int(RACY_SECONDS * 1e9)
    return {sig: item.md5 for sig, ctime, item in zip(walked.signatures, walked.ctimes_ns, files, strict=True)
            if ctime < fresh}


def _check_collisions(files: Iterable[LocalFile]) -> None:
    seen: dict[str, str] = {}
    for item in files:
        other = seen.setdefault(item.key, item.rel)
        if other != item.rel:
            raise ConfigError(
                f"{other!r} and {item.rel!r} both map to the key {item.key!r}",
                hint="rename one of them, or use the default key mode (--key-mode relative)",
            )

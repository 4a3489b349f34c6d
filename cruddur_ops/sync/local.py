"""Observe the build directory: walk it (sorted, skipping hidden entries and OS metadata) and
hash in parallel.

Hashing streams each file in 1 MiB chunks (memory stays flat for large files) on a thread pool:
hashlib releases the GIL while digesting buffers, so threads use every core for big files, and
for small files they overlap the open/read syscalls.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from ..errors import ConfigError
from .hash_cache import RACY_SECONDS, signature
from .keys import key_for
from .model import LocalFile

CHUNK = 1024 * 1024
# Below this many bytes in total, one thread hashes faster than a pool (small files are
# dominated by open/read syscalls and thread hand-offs, not by digesting).
PARALLEL_HASH_BYTES = 16 * 1024 * 1024
KEEP_HIDDEN = frozenset({".well-known"})  # RFC 8615: must be deployed (ACME, app links)
# What file managers leave in folders: never part of a site. (.DS_Store is hidden anyway.)
OS_METADATA = frozenset({"Thumbs.db", "ehthumbs.db", "desktop.ini", "Desktop.ini"})


def _skipped(name: str, keep_hidden: Sequence[str]) -> bool:
    if name in OS_METADATA:
        return True
    return _hidden_name(name, keep_hidden)


def _hidden_name(name: str, keep_hidden: Sequence[str]) -> bool:
    if not name.startswith(".") or name in KEEP_HIDDEN:
        return False
    return not any(fnmatchcase(name, pattern) for pattern in keep_hidden)


@dataclass
class BuildScan:
    """What walking the build found: files to deploy, links that leave the build, hidden build
    metadata left out, and special or unusable entries that are skipped (each with why)."""

    files: list[str]
    escaping: list[tuple[str, str]]  # (link, where it points) for links whose target is outside
    skipped: list[str]  # "rel: why", for the preview's notes
    hidden: list[str] = field(default_factory=list)  # metadata and OS files (folders end in "/")


_SPECIAL = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def scan(build_dir: Path, *, keep_hidden: Sequence[str] = ()) -> BuildScan:
    """Every regular file's path relative to ``build_dir`` (posix), depth-first in sorted order.

    Hidden files and folders are build metadata, not site content (``.vite/manifest.json``,
    ``.DS_Store``, ``.git``): they are left out (listed in ``hidden``, folders with a trailing
    ``/``), except ``.well-known`` and names matching a ``keep_hidden`` glob (``"*"``: all); so
    are OS metadata files (``Thumbs.db``).
    A symlink is deployed as its target (a file's bytes, a folder's files) when the target lies
    inside the build; one that points outside (or at a hidden file the walk skips) is reported in
    ``escaping`` (a stray link to a credentials file must never be published), whether or not
    its target exists. FIFOs, sockets
    and devices are skipped (reading a FIFO would block), as are dangling links and links to a
    folder that contains them. Names only for ordinary entries: the directory entries' types
    tell files from folders without a ``stat`` per file, so the sync can start listing the
    bucket before it stats anything (the stats are ~0.5 s of a 100,000-file walk).
    """
    root = os.path.realpath(build_dir)
    result = BuildScan([], [], [])

    def visit(folder: str, prefix: str, ancestors: frozenset[str]) -> None:
        with os.scandir(folder) as entries:
            ordered = sorted(entries, key=lambda e: e.name)
        for entry in ordered:
            if _skipped(entry.name, keep_hidden):
                result.hidden.append(prefix + entry.name + ("/" if entry.is_dir(follow_symlinks=False) else ""))
                continue
            rel = prefix + entry.name
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not _inside(target, root) or _hidden(os.path.relpath(target, root), keep_hidden):
                    result.escaping.append((rel, os.readlink(entry.path)))
                elif entry.is_dir(follow_symlinks=True):
                    if target in ancestors:
                        result.skipped.append(f"{rel}: a link to a folder that contains it (not followed)")
                    else:
                        visit(entry.path, rel + "/", ancestors | {target})
                elif entry.is_file(follow_symlinks=True):
                    result.files.append(rel)
                elif not os.path.exists(entry.path):
                    result.skipped.append(f"{rel}: a link to a missing file")
                else:
                    result.skipped.append(f"{rel}: a link to {_kind(entry.path)}")
            elif entry.is_dir(follow_symlinks=False):
                visit(entry.path, rel + "/", ancestors | {os.path.realpath(entry.path)})
            elif entry.is_file(follow_symlinks=False):
                result.files.append(rel)
            else:
                result.skipped.append(f"{rel}: {_kind(entry.path)}")

    visit(str(build_dir), "", frozenset({root}))
    return result


def _hidden(rel: str, keep_hidden: Sequence[str]) -> bool:
    """A path the walk would never deploy itself (``.env``, ``.git/config``): a link to it
    must not publish it under another name."""
    return any(_hidden_name(part, keep_hidden) for part in rel.split(os.sep) if part != ".")


def _kind(path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "an unreadable entry"
    return next((name for test, name in _SPECIAL if test(mode)), "not a regular file")


def refuse_escaping_links(build_dir: Path, escaping: Sequence[tuple[str, str]]) -> None:
    if not escaping:
        return
    shown = ", ".join(f"{rel} -> {target}" for rel, target in escaping[:10])
    more = f" and {len(escaping) - 10} more" if len(escaping) > 10 else ""
    raise ConfigError(
        f"refusing to deploy {build_dir}: {len(escaping)} symlink(s) point outside the build folder: "
        f"{shown}{more} (nothing was sent)",
        hint="remove those links or copy what they point to into the build; a link outside the "
             "build could publish any file of this machine")


def walk(build_dir: Path, *, keep_hidden: Sequence[str] = (),
         skipped: list[str] | None = None) -> list[str]:
    """The files :func:`scan` finds; a link pointing outside the build is an error. The hidden
    entries left out are appended to ``skipped`` when given."""
    found = scan(build_dir, keep_hidden=keep_hidden)
    refuse_escaping_links(build_dir, found.escaping)
    if skipped is not None:
        skipped.extend(found.hidden)
    return found.files


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
class BuildNames:
    """The build's files by name and key (parallel lists, in walk order), not yet stat-ed, and
    the hidden and OS metadata entries the walk skipped."""

    rels: list[str]
    keys: list[str]
    skipped: list[str] = field(default_factory=list)  # special entries left out, "rel: why"
    hidden: list[str] = field(default_factory=list)  # build metadata and OS files left out


@dataclass
class WalkedBuild:
    """The build's files with keys and sizes, not yet hashed (``md5`` empty), and what the hash
    cache needs to know about each (parallel lists)."""

    files: list[LocalFile]
    signatures: list[str]
    ctimes_ns: list[int]


CHANGED_HINT = "is a build still writing to it? run the sync again once the build has finished"


def _unreadable(rel: str, build_dir: Path, exc: OSError) -> ConfigError:
    """A build file that could not be stat-ed or read after the walk listed it."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return ConfigError(f"{rel} in {build_dir} changed while planning (it is gone)", hint=CHANGED_HINT)
    return ConfigError(f"cannot read {rel} in {build_dir}: {exc.strerror}",
                       hint="check its permissions: the sync reads every file of the build")


def list_build(build_dir: Path, *, key_mode: str, prefix: str = "",
               keep_hidden: Sequence[str] = ()) -> BuildNames:
    """The build's file names and bucket keys: enough to start listing the bucket. Raises when
    the build dir is missing or empty, or two files map to one key."""
    check_build_dir(build_dir)
    found = scan(build_dir, keep_hidden=keep_hidden)
    refuse_escaping_links(build_dir, found.escaping)
    rels = found.files
    if not rels:
        raise ConfigError(
            f"build directory {build_dir} is empty (nothing was deleted)",
            hint="run `inv frontend.build` first; syncing an empty build would delete the site",
        )
    keys = [key_for(rel, key_mode, prefix) for rel in rels]
    _check_collisions(keys, rels)
    return BuildNames(rels, keys, found.skipped, found.hidden)


def stat_build(build_dir: Path, names: BuildNames) -> WalkedBuild:
    """Sizes and hash-cache signatures of the listed files. A file that is gone or is no longer
    a regular file is an error: the build changed while it was being planned."""
    root = str(build_dir)
    files: list[LocalFile] = []
    signatures: list[str] = []
    ctimes: list[int] = []
    for rel, key in zip(names.rels, names.keys, strict=True):
        try:
            st = os.stat(os.path.join(root, rel))
        except OSError as exc:
            raise _unreadable(rel, build_dir, exc) from exc
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{rel} in {build_dir} changed while planning (no longer a file)",
                              hint=CHANGED_HINT)
        files.append(LocalFile(key=key, rel=rel, size=st.st_size))
        signatures.append(signature(st))
        ctimes.append(st.st_ctime_ns)
    return WalkedBuild(files, signatures, ctimes)


def walk_build(build_dir: Path, *, key_mode: str, prefix: str = "") -> WalkedBuild:
    """list_build then stat_build, for callers that need no listing in between."""
    return stat_build(build_dir, list_build(build_dir, key_mode=key_mode, prefix=prefix))


def hash_build(
    build_dir: Path,
    walked: WalkedBuild,
    *,
    known: Mapping[str, str] | None = None,
    deferred: Collection[int] = (),
    workers: int = 8,
    progress: Callable[[int], None] | None = None,
) -> list[LocalFile]:
    """The walked files with their MD5s: from ``known`` (signature → MD5, the hash cache) where
    the signature matches, else read and hashed (one thread when that is little data, see
    PARALLEL_HASH_BYTES). ``deferred`` files the cache does not know are left unhashed (MD5 "")
    for :func:`hash_deferred`."""
    known = known or {}
    cached = [known.get(sig) for sig in walked.signatures]
    todo = [i for i, digest in enumerate(cached) if digest is None and i not in deferred]
    if progress and len(todo) < len(cached):
        progress(len(cached) - len(todo) - sum(1 for i in deferred if cached[i] is None))
    for i, digest in zip(todo, _read_md5s(build_dir, [walked.files[i] for i in todo], workers, progress),
                         strict=True):
        cached[i] = digest
    return [LocalFile(key=item.key, rel=item.rel, size=item.size, md5=digest or "")
            for item, digest in zip(walked.files, cached, strict=True)]


def hash_deferred(build_dir: Path, files: list[LocalFile], deferred: Sequence[int], given: Mapping[int, str], *,
                  workers: int = 8, progress: Callable[[int], None] | None = None) -> None:
    """Fill in, in place, the MD5s :func:`hash_build` deferred: from ``given`` (index → MD5),
    else read and hashed."""
    if progress and given:
        progress(len(given))
    todo = [i for i in deferred if i not in given]
    for i, digest in (*given.items(), *zip(todo, _read_md5s(build_dir, [files[i] for i in todo], workers, progress),
                                             strict=True)):
        f = files[i]
        files[i] = LocalFile(key=f.key, rel=f.rel, size=f.size, md5=digest)


def _read_md5s(build_dir: Path, files: Sequence[LocalFile], workers: int,
               progress: Callable[[int], None] | None) -> list[str]:
    todo_bytes = sum(f.size for f in files)
    try:
        return hash_files(build_dir, [f.rel for f in files],
                          workers=workers if todo_bytes >= PARALLEL_HASH_BYTES else 1, progress=progress)
    except OSError as exc:
        rel = os.path.relpath(exc.filename, build_dir) if isinstance(exc.filename, str) else "a file"
        raise _unreadable(rel, build_dir, exc) from exc


def cache_entries(walked: WalkedBuild, files: Sequence[LocalFile], hashed_at_ns: int,
                  unread: Collection[int] = ()) -> dict[str, str]:
    """What the hash cache should hold after this run: every file whose last change (ctime) is
    more than RACY_SECONDS older than ``hashed_at_ns``, taken before any file was read. A file
    changed later could be changed again within the same timestamp tick and keep its signature
    (git's "racily clean" entries), so it is hashed again next time instead. ``unread`` files
    (their MD5 came from the bucket, see vouch.py) are left out: the cache holds only what was
    read."""
    fresh = hashed_at_ns - int(RACY_SECONDS * 1e9)
    return {sig: item.md5 for i, (sig, ctime, item) in enumerate(zip(walked.signatures, walked.ctimes_ns, files, strict=True))
            if ctime < fresh and i not in unread}


def _check_collisions(keys: Sequence[str], rels: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    for key, rel in zip(keys, rels, strict=True):
        other = seen.setdefault(key, rel)
        if other != rel:
            raise ConfigError(
                f"{other!r} and {rel!r} both map to the key {key!r}",
                hint="rename one of them, or use the default key mode (--key-mode relative)",
            )

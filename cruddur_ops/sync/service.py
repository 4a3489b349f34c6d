"""Observe both sides and plan: what the tasks call before rendering (start_observation, then
Observation.finish).

The build's names are walked first (no stat per file: milliseconds), its keys tell where to cut
the bucket's key space into ranges that are listed in parallel, and everything else (the
caller's own set-up, the stats, the hashing) runs while those listings wait on the network.
Then only the keys the listing cannot decide get a HEAD.

With a release prefix, the live release's pointer is read alongside the listing (one GET, in
parallel). A listing in ranges leaves the prefix out (a run that records a release lists it
afterwards, or while its plan is built when the listing already shows an upload); a one-range
listing holds it, set aside before planning (see release_store.py):
nothing there is ever planned, previewed as extraneous or counted in caps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import hash_cache as hash_cache_file
from .bundlers import ContentHashes, Reader, recognise
from .local import cache_entries, hash_build, hash_deferred, list_build, stat_build
from .model import Plan, RemoteObject
from .plan import PlanRules, build_plan, metadata_candidates, uploads_foreseen
from .release_store import (
    ReleaseState,
    check_build_keys,
    list_reserved,
    read_pointer,
    split_reserved,
    state_from,
)
from .remote import list_objects, metadata_md5s, prefix_range, range_bounds
from .vouch import awaiting_listing, vouched


@dataclass(frozen=True)
class Hooks:
    """Progress callbacks (the task layer wires them to progress bars)."""

    hash_total: Callable[[int], None] | None = None
    hashed: Callable[[int], None] | None = None


class Observation:
    """A sync's observation in flight: the build's names walked, the bucket listing running.

    ``start_observation`` returns it as early as possible, so the caller can do work the listing
    does not need (resolve the CloudFormation stack's outputs, build its consoles) while the
    listing waits on the network; ``finish`` stats and hashes the files, collects the listing
    and plans. Used as a context manager, leaving the block ends the listing thread whatever
    happened.
    """

    def __init__(self, s3: Any, *, bucket: str, build_dir: Path, key_mode: str, prefix: str,
                 workers: int, keep_hidden: Sequence[str] = (), release_prefix: str | None = None) -> None:
        self.s3, self.bucket, self.build_dir, self.prefix, self.workers = s3, bucket, build_dir, prefix, workers
        self.release_prefix = release_prefix
        self.releases: ReleaseState | None = None  # filled by finish() when release_prefix is set
        self.hashed_at_ns = time.time_ns()  # before any file is read: see hash_cache (racy entries)
        self.names = list_build(build_dir, key_mode=key_mode, prefix=prefix,  # a bad path fails before any request
                                keep_hidden=keep_hidden)
        if release_prefix:
            check_build_keys(self.names.keys, release_prefix)
        self._lister = ThreadPoolExecutor(max_workers=2, thread_name_prefix="list")
        expected = sorted(self.names.keys)
        bounds = range_bounds(expected)
        covered = bool(release_prefix and release_prefix.startswith(prefix))  # the site listing reaches it
        # A build listed in ranges leaves the release prefix out: a no-change sync needs only the
        # pointer, and a run that records a release lists it then (reserved_listing). A build
        # small enough for one range lists it along, in the same page.
        skip = prefix_range(release_prefix) if covered and bounds and release_prefix else None
        self._reserved_listed = covered and skip is None
        self._listing = self._lister.submit(list_objects, s3, bucket, prefix, workers=workers, bounds=bounds,
                                            expected=expected, skip=skip)
        self._pointer = self._lister.submit(read_pointer, s3, bucket, release_prefix) if release_prefix else None
        self._reserved: Future[dict[str, RemoteObject]] | None = None  # started by finish() when it foresees uploads

    def finish(self, rules: PlanRules, *, hooks: Hooks | None = None, hash_cache: Path | None = None,
               trust_hashed_names: bool = False) -> Plan:
        """``hash_cache``: the file that remembers MD5s by stat signature (None: hash every file).
        ``trust_hashed_names``: content-hashed files the bucket holds at their size are not read
        (see vouch.py)."""
        hooks = hooks or Hooks()
        walked = stat_build(self.build_dir, self.names)
        if hooks.hash_total:
            hooks.hash_total(len(walked.files))
        known = hash_cache_file.load(hash_cache)
        content_hashes = recognise(self.names.rels, manifest_reader(self.build_dir))
        rules = replace(rules, content_hashes=content_hashes)
        deferred = (awaiting_listing(walked.files, walked.signatures, known, content_hashes.is_hashed)
                    if trust_hashed_names and not rules.force else [])
        # everything the listing cannot vouch for is hashed while it runs
        files = hash_build(self.build_dir, walked, known=known, deferred=set(deferred),
                           workers=min(self.workers, 8), progress=hooks.hashed)
        remote = self._listing.result()
        unread = vouched(files, deferred, remote) if deferred else {}
        if deferred:
            hash_deferred(self.build_dir, files, deferred, unread, workers=min(self.workers, 8), progress=hooks.hashed)
        hash_cache_file.save(hash_cache, cache_entries(walked, files, self.hashed_at_ns, unread.keys()), known)
        # the stats, signatures and the loaded cache are done with: free them before the plan is
        # built next to the files and the listing (at 100,000 files they are ~40 MB)
        del walked, known, unread
        if self.release_prefix is not None and self._pointer is not None:
            # (with the prefix skipped: the few keys under it that sort past its range, see prefix_range)
            remote, reserved = split_reserved(remote, self.release_prefix)
            self.releases = state_from(reserved if self._reserved_listed else {}, self.release_prefix,
                                       self._pointer.result())
            if not self._reserved_listed and uploads_foreseen(files, remote, rules):
                # this run will record a release: its listing of the prefix runs while the plan is built
                self._reserved = self._lister.submit(list_reserved, self.s3, self.bucket, self.release_prefix)
        candidates = metadata_candidates(files, remote, rules)
        metadata = metadata_md5s(self.s3, self.bucket, candidates, workers=self.workers)
        return build_plan(files, remote, bucket=self.bucket, prefix=self.prefix, rules=rules, metadata=metadata,
                          notes=build_notes(content_hashes, self.names.hidden, self.names.skipped))

    def reserved_listing(self) -> ReleaseState:
        """The release state with the prefix's own listing: the releases' ids and content copies
        (called only by a run that records a release)."""
        assert self.releases is not None and self.release_prefix is not None
        if self._reserved_listed:
            return self.releases
        reserved = (self._reserved.result() if self._reserved is not None
                    else list_reserved(self.s3, self.bucket, self.release_prefix))
        self.releases = state_from(reserved, self.release_prefix, self.releases.pointer)
        return self.releases

    def close(self, *, failed: bool = True) -> None:
        """End the listing threads. After a plan (``failed=False``) the release prefix's listing
        started by finish() runs on: reserved_listing() collects it."""
        for future in (self._listing, self._pointer, self._reserved if failed else None):
            if future is not None:
                future.cancel()
        self._lister.shutdown(wait=failed or self._reserved is None)

    def __enter__(self) -> Observation:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(failed=exc_type is not None)


def start_observation(s3: Any, *, bucket: str, build_dir: Path, key_mode: str, prefix: str,
                      workers: int = 16, keep_hidden: Sequence[str] = (),
                      release_prefix: str | None = None) -> Observation:
    """Walk the build's names and start listing ``bucket``; see Observation."""
    return Observation(s3, bucket=bucket, build_dir=build_dir, key_mode=key_mode, prefix=prefix,
                       workers=workers, keep_hidden=keep_hidden, release_prefix=release_prefix)


def manifest_reader(build_dir: Path) -> Reader:
    """Reads a bundler manifest from the build (None when the build has none at that path)."""

    def read(rel: str) -> bytes | None:
        try:
            return (build_dir / rel).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    return read


SKIPPED_SHOWN = 5


def build_notes(content_hashes: ContentHashes, hidden: Sequence[str], skipped: Sequence[str] = ()) -> list[str]:
    """What the preview says about the build beyond its files: the bundler recognised (so an
    operator sees why files are, or are not, cached as immutable) and what was not published:
    hidden metadata and OS files, and special entries (each with why)."""
    notes = [f"Bundler: {found}" for found in content_hashes.recognised]
    notes += [f"could not read {problem}; file names decide what is hashed"
              for problem in content_hashes.problems]
    if hidden:
        shown = ", ".join(hidden[:SKIPPED_SHOWN])
        more = f" and {len(hidden) - SKIPPED_SHOWN} more" if len(hidden) > SKIPPED_SHOWN else ""
        notes.append(f"Not published: {shown}{more} (hidden build metadata and OS files; "
                     "cruddur.sync.keep_hidden publishes hidden names)")
    notes += [f"skipped {why}" for why in skipped]
    return notes

"""Observe both sides and plan: what the tasks call before rendering (start_observation, then
Observation.finish).

The build's names are walked first (no stat per file: milliseconds), its keys tell where to cut
the bucket's key space into ranges that are listed in parallel, and everything else (the
caller's own set-up, the stats, the hashing) runs while those listings wait on the network.
Then only the keys the listing cannot decide get a HEAD.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import hash_cache as hash_cache_file
from .local import cache_entries, hash_build, list_build, stat_build
from .model import Plan
from .plan import PlanRules, build_plan, metadata_candidates
from .remote import list_objects, metadata_md5s, range_bounds


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
                 workers: int) -> None:
        self.s3, self.bucket, self.build_dir, self.prefix, self.workers = s3, bucket, build_dir, prefix, workers
        self.hashed_at_ns = time.time_ns()  # before any file is read: see hash_cache (racy entries)
        self.names = list_build(build_dir, key_mode=key_mode, prefix=prefix)  # a bad path fails before any request
        self._lister = ThreadPoolExecutor(max_workers=1, thread_name_prefix="list")
        self._listing = self._lister.submit(list_objects, s3, bucket, prefix, workers=workers,
                                            bounds=range_bounds(self.names.keys))

    def finish(self, rules: PlanRules, *, hooks: Hooks | None = None, hash_cache: Path | None = None) -> Plan:
        """``hash_cache``: the file that remembers MD5s by stat signature (None: hash every file)."""
        hooks = hooks or Hooks()
        walked = stat_build(self.build_dir, self.names)
        if hooks.hash_total:
            hooks.hash_total(len(walked.files))
        known = hash_cache_file.load(hash_cache)
        files = hash_build(self.build_dir, walked, known=known, workers=min(self.workers, 8),
                           progress=hooks.hashed)
        hash_cache_file.save(hash_cache, cache_entries(walked, files, self.hashed_at_ns), known)
        # the stats, signatures and the loaded cache are done with: free them before the plan is
        # built next to the files and the listing (at 100,000 files they are ~40 MB)
        del walked, known
        remote = self._listing.result()
        candidates = metadata_candidates(files, remote, rules)
        metadata = metadata_md5s(self.s3, self.bucket, candidates, workers=self.workers)
        return build_plan(files, remote, bucket=self.bucket, prefix=self.prefix, rules=rules, metadata=metadata)

    def close(self) -> None:
        self._listing.cancel()
        self._lister.shutdown(wait=True)

    def __enter__(self) -> Observation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_observation(s3: Any, *, bucket: str, build_dir: Path, key_mode: str, prefix: str,
                      workers: int = 16) -> Observation:
    """Walk the build's names and start listing ``bucket``; see Observation."""
    return Observation(s3, bucket=bucket, build_dir=build_dir, key_mode=key_mode, prefix=prefix,
                       workers=workers)

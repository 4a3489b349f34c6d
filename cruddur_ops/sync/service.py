"""Observe both sides and plan: the one call the tasks make before rendering.

The build is walked first (names and sizes only: milliseconds), its keys tell where to cut the
bucket's key space into ranges that are listed in parallel, and the hashing runs while those
listings wait on the network. Then only the keys the listing cannot decide get a HEAD.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import hash_cache as hash_cache_file
from .local import cache_entries, hash_build, walk_build
from .model import Plan
from .plan import PlanRules, build_plan, metadata_candidates
from .remote import list_objects, metadata_md5s, range_bounds


@dataclass(frozen=True)
class Hooks:
    """Progress callbacks (the task layer wires them to progress bars)."""

    hash_total: Callable[[int], None] | None = None
    hashed: Callable[[int], None] | None = None
    listed: Callable[[int], None] | None = None


def observe_and_plan(
    s3: Any,
    *,
    bucket: str,
    build_dir: Path,
    key_mode: str,
    prefix: str,
    rules: PlanRules,
    workers: int = 16,
    hooks: Hooks | None = None,
    hash_cache: Path | None = None,
) -> Plan:
    """``hash_cache``: the file that remembers MD5s by stat signature (None: hash every file)."""
    hooks = hooks or Hooks()
    hashed_at_ns = time.time_ns()  # before any file is read: see hash_cache (racy entries)
    walked = walk_build(build_dir, key_mode=key_mode, prefix=prefix)  # before any request: a bad path fails fast
    if hooks.hash_total:
        hooks.hash_total(len(walked.files))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="list") as lister:
        listing = lister.submit(list_objects, s3, bucket, prefix, workers=workers,
                                bounds=range_bounds(item.key for item in walked.files), progress=hooks.listed)
        try:
            known = hash_cache_file.load(hash_cache)
            files = hash_build(build_dir, walked, known=known, workers=min(workers, 8), progress=hooks.hashed)
            hash_cache_file.save(hash_cache, cache_entries(walked, files, hashed_at_ns), known)
        except BaseException:
            listing.cancel()
            raise
        remote = listing.result()
    candidates = metadata_candidates(files, remote, rules)
    metadata = metadata_md5s(s3, bucket, candidates, workers=workers)
    return build_plan(files, remote, bucket=bucket, prefix=prefix, rules=rules, metadata=metadata)

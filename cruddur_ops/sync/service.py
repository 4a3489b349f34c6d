"""Observe both sides and plan: the one call the tasks make before rendering.

Local hashing and the bucket listing run at the same time (one is disk/CPU, the other network),
then only the keys the listing cannot decide get a HEAD.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .local import check_build_dir, scan
from .model import Plan
from .plan import PlanRules, build_plan, metadata_candidates
from .remote import list_objects, metadata_md5s


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
) -> Plan:
    hooks = hooks or Hooks()
    check_build_dir(build_dir)  # before any request: a wrong path fails fast
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="list") as lister:
        listing = lister.submit(list_objects, s3, bucket, prefix, progress=hooks.listed)
        try:
            files = scan(build_dir, key_mode=key_mode, prefix=prefix, workers=min(workers, 8),
                         on_total=hooks.hash_total, progress=hooks.hashed)
        except BaseException:
            listing.cancel()
            raise
        remote = listing.result()
    candidates = metadata_candidates(files, remote, rules)
    metadata = metadata_md5s(s3, bucket, candidates, workers=workers)
    return build_plan(files, remote, bucket=bucket, prefix=prefix, rules=rules, metadata=metadata)

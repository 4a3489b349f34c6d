"""Invalidation paths owed from an apply that did not finish.

An apply killed after some uploads leaves objects that CloudFront may still serve stale: the next
plan sees them as ``no_change`` and would never invalidate them. So the paths of a plan are
recorded before its first write and cleared only after the invalidation was created; the next
run adds whatever is still owed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from ..fsutil import atomic_write_text


def journal_path(folder: Path, bucket: str, distribution_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{bucket}-{distribution_id}")
    return folder / f".pending-invalidation-{safe}.json"


def owed(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [p for p in data if isinstance(p, str)] if isinstance(data, list) else []


def record(path: Path, paths: Iterable[str]) -> None:
    atomic_write_text(path, json.dumps(sorted(set(paths)), ensure_ascii=False))


def clear(path: Path) -> None:
    path.unlink(missing_ok=True)

"""Which CloudFront paths to invalidate: a pure planner.

From the created, updated and deleted keys (created too: CloudFront caches the SPA's error
response for a route that did not exist yet; but not a created content-hashed asset, whose name
is new with its bytes and which no page referenced before this upload, since assets go up
before HTML): ``/key``; a ``dir/index.html`` also as ``/dir/``
(and the root ``index.html`` as ``/``). Past ``max_paths`` the deepest levels are collapsed into
``/parent/*`` wildcards (s3deploy's scheme), and past that into ``/*`` — a wildcard is billed as
one path, and the first 1,000 paths a month are free. Paths are URL-encoded (non-ASCII, spaces)
after collapsing, and split into requests under CloudFront's limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from .model import PlanItem


def is_immutable(cache_control: str | None) -> bool:
    return cache_control is not None and "immutable" in cache_control.lower()

MAX_PATHS_PER_REQUEST = 3000  # file paths in progress per distribution
MAX_WILDCARDS_PER_REQUEST = 15  # wildcard paths in progress per distribution
DEFAULT_MAX_PATHS = 15
# RFC 3986 unreserved + sub-delims CloudFront passes through; everything else is %-encoded.
_SAFE = "/-._~!$&'()+,;=:@"


@dataclass(frozen=True)
class InvalidationPlan:
    paths: tuple[str, ...]  # encoded, ready for the API
    raw_count: int  # paths before collapsing
    collapsed: bool

    @property
    def empty(self) -> bool:
        return not self.paths


def raw_paths(items: Iterable[PlanItem], prefix: str = "") -> list[str]:
    """Unencoded paths for every change, relative to the distribution (the prefix is kept: the
    origin is assumed to be the bucket root)."""
    paths: set[str] = set()
    for item in items:
        if not item.is_change or (item.action == "create" and is_immutable(item.cache_control)):
            continue
        paths.add("/" + item.path)
        source = item.file or item.path
        if source == "index.html" or source.endswith("/index.html"):
            directory = item.path.rsplit("/", 1)[0] + "/" if "/" in item.path else ""
            paths.add("/" + directory)
    return sorted(paths)


def _covered(path: str, wildcards: Iterable[str]) -> bool:
    return any(path != w and path.startswith(w[:-1]) for w in wildcards)


def _covered_by_folder(path: str, folders: set[str]) -> bool:
    """``_covered`` for wildcards that all end in ``/*`` (``folders``: them without the ``*``):
    one set lookup per level of ``path`` instead of a comparison with every wildcard, which
    was most of the time of planning a 100,000-file first deploy."""
    end = path.find("/")
    while end != -1:
        folder = path[:end + 1]
        if folder in folders and path != folder + "*":
            return True
        end = path.find("/", end + 1)
    return False


def _dedupe(paths: Iterable[str]) -> list[str]:
    unique = set(paths)
    wildcards = [p for p in unique if p.endswith("*")]
    if all(w.endswith("/*") for w in wildcards):
        folders = {w[:-1] for w in wildcards}
        return sorted(p for p in unique if not _covered_by_folder(p, folders))
    return sorted(p for p in unique if not _covered(p, wildcards))


def collapse(paths: Sequence[str], max_paths: int) -> list[str]:
    """At most ``max_paths`` paths (and at most 15 wildcards) covering ``paths``."""
    current = _dedupe(paths)
    if max_paths <= 0 or len(current) <= max_paths:
        return current
    if "/*" in current:
        return ["/*"]
    depth = max(p.count("/") for p in current)
    for level in range(depth - 1, 0, -1):
        collapsed = []
        for path in current:
            parts = path[1:].split("/")
            if len(parts) > level:
                collapsed.append("/" + "/".join(parts[:level]) + "/*")
            else:
                collapsed.append(path)
        current = _dedupe(collapsed)
        wildcards = sum(1 for p in current if p.endswith("*"))
        if len(current) <= max_paths and wildcards <= MAX_WILDCARDS_PER_REQUEST:
            return current
    return ["/*"]


def encode(path: str) -> str:
    if path.endswith("*"):
        return quote(path[:-1], safe=_SAFE) + "*"
    return quote(path, safe=_SAFE)


def plan_invalidation(items: Iterable[PlanItem], *, prefix: str = "", max_paths: int = DEFAULT_MAX_PATHS,
                      extra: Iterable[str] = ()) -> InvalidationPlan:
    """``extra``: raw paths still owed by an earlier, interrupted run (see journal.py)."""
    raw = sorted(set(raw_paths(items, prefix)) | set(extra))
    final = collapse(raw, max_paths)
    return InvalidationPlan(paths=tuple(encode(p) for p in final), raw_count=len(raw),
                            collapsed=len(final) < len(raw) or any(p.endswith("*") for p in final))


def batches(paths: Sequence[str]) -> list[list[str]]:
    """Split into requests of ≤ 3000 paths and ≤ 15 wildcards each."""
    out: list[list[str]] = []
    current: list[str] = []
    wildcards = 0
    for path in paths:
        is_wild = path.endswith("*")
        if current and (len(current) >= MAX_PATHS_PER_REQUEST or (is_wild and wildcards >= MAX_WILDCARDS_PER_REQUEST)):
            out.append(current)
            current, wildcards = [], 0
        current.append(path)
        wildcards += is_wild
    if current:
        out.append(current)
    return out

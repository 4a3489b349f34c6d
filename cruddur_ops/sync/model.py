"""The data every layer passes around: small, frozen, slotted (100,000 files must plan in well
under 300 MB), and serialisable (a plan is written to, and read back from, a changeset file)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Action = Literal["create", "update", "delete", "no_change", "ignore"]
ACTIONS: tuple[Action, ...] = ("create", "update", "delete", "no_change", "ignore")
CHANGES: frozenset[str] = frozenset({"create", "update", "delete"})


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file of the build: its bucket key, its path relative to the build dir, size and MD5."""

    key: str
    rel: str
    size: int
    md5: str = ""  # lowercase hex; filled in by hashing


@dataclass(frozen=True, slots=True)
class RemoteObject:
    """One object from ListObjectsV2: what the listing gives for free."""

    key: str
    size: int
    etag: str  # without quotes

    @property
    def etag_is_md5(self) -> bool:
        """Plain single-part objects (no SSE-KMS/SSE-C) have ETag = MD5 hex. Multipart ETags end
        in ``-N``; SSE-KMS ETags look like MD5s but are not: only a mismatch reveals those."""
        return len(self.etag) == 32 and "-" not in self.etag


@dataclass(frozen=True, slots=True)
class PlanItem:
    path: str  # the S3 key (the gem's "path")
    action: Action
    reason: str
    md5: str | None = None  # local MD5 hex; None on deletes (as in the gem's format)
    size: int | None = None  # local size
    content_type: str | None = None
    cache_control: str | None = None
    remote_etag: str | None = None  # the ETag seen at plan time (None: no object)
    remote_size: int | None = None
    file: str | None = None  # local path relative to the build dir (differs from path in strip-html mode)

    @property
    def is_change(self) -> bool:
        return self.action in CHANGES


@dataclass(frozen=True, slots=True)
class PlanTally:
    """What the preview, the caps and the exit code ask of a plan, counted in one pass."""

    counts: dict[str, int]
    upload_bytes: int  # local sizes of creates and updates

    @property
    def changes(self) -> int:
        return sum(self.counts.get(action, 0) for action in CHANGES)


def tally(items: Iterable[PlanItem]) -> PlanTally:
    counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
    upload = 0
    for item in items:
        counts[item.action] += 1
        if item.action == "create" or item.action == "update":
            upload += item.size or 0
    return PlanTally(counts, upload)


@dataclass(frozen=True)
class Plan:
    """Every key's item, sorted by key. Counts, changes and bytes are derived once, on first use
    (a 100,000-item plan is asked for them by the preview, the caps, the invalidation and the
    exit code: recounting each time walked the items a dozen times)."""

    bucket: str
    prefix: str
    items: tuple[PlanItem, ...]
    remote_count: int = 0  # objects under the prefix at plan time (for the percentage delete cap)
    heads: int = 0  # HEAD requests the plan needed (multipart / non-MD5 ETags only)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def tally(self) -> PlanTally:
        return tally(self.items)

    def count(self, action: str) -> int:
        return self.tally.counts.get(action, 0)

    @cached_property
    def changes(self) -> tuple[PlanItem, ...]:
        return tuple(item for item in self.items if item.is_change)

    @property
    def has_changes(self) -> bool:
        return self.tally.changes > 0

    @property
    def upload_bytes(self) -> int:
        return self.tally.upload_bytes

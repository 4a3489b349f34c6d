"""Roll a big plan's changes up by folder, for a preview a person can read.

A 100,000-file first deploy listed line by line is 100,000 lines nobody reads. Past
``ROLLUP_THRESHOLD`` changes the preview shows one line per folder and action (files, bytes),
with the first few files of each folder (by key) and its largest, then the totals. Folders are
cut to a shallower depth until at most ``MAX_GROUPS`` lines remain (``docs/api/v1/`` and
``docs/api/v2/`` become ``docs/api/``); if the top-level folders alone are more than that, the
biggest are shown and the rest summed on one line, so the lines always add up to the totals.

Pure and streaming: one pass over the items, memory in proportion to the number of folders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import ACTIONS, Action, PlanItem

ROLLUP_THRESHOLD = 200  # more changed files than this are rolled up (``--show-all`` lists all)
MAX_GROUPS = 20  # folder lines at most
SAMPLE_FILES = 3  # the first files of each folder shown under it


def item_bytes(item: PlanItem) -> int:
    """What the change moves: the local size of an upload, the bucket object's size of a delete."""
    size = item.remote_size if item.action == "delete" else item.size
    return size or 0


def folder_of(path: str) -> str:
    """``static/media/a.png`` → ``static/media/``; a top-level key → ``""``."""
    head, slash, _ = path.rpartition("/")
    return head + slash


def cut(folder: str, depth: int) -> str:
    """``folder`` cut to its first ``depth`` levels (``a/b/c/``, 2 → ``a/b/``)."""
    if folder.count("/") <= depth:
        return folder
    return "/".join(folder.split("/", depth)[:depth]) + "/"


@dataclass(frozen=True, slots=True)
class FolderChanges:
    """One action's changes in one folder (and the folders below it)."""

    folder: str  # with a trailing "/"; "" is the top level
    action: Action
    files: int
    bytes: int
    first: tuple[PlanItem, ...]  # the first SAMPLE_FILES items by key
    largest: PlanItem  # the earliest by key among the biggest

    @property
    def samples(self) -> tuple[PlanItem, ...]:
        """The files shown under the folder line: the first few, then the largest."""
        return self.first if self.largest in self.first else (*self.first, self.largest)


@dataclass(frozen=True, slots=True)
class Remainder:
    """Folders beyond MAX_GROUPS, summed (only when the top-level folders alone are too many)."""

    groups: int
    folders: int
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Rollup:
    groups: tuple[FolderChanges, ...]  # by folder, then in ACTIONS order
    files: int  # every rolled-up item
    bytes: int
    folders: int  # distinct folders among the groups and the remainder
    rest: Remainder | None = None


@dataclass(slots=True)
class _Tally:
    files: int = 0
    bytes: int = 0
    first: list[PlanItem] = field(default_factory=list)
    largest: PlanItem | None = None
    largest_bytes: int = -1

    def add(self, item: PlanItem, size: int, samples: int) -> None:
        self.files += 1
        self.bytes += size
        if len(self.first) < samples:
            self.first.append(item)
        if size > self.largest_bytes:
            self.largest, self.largest_bytes = item, size

    def merge(self, other: _Tally, samples: int) -> None:
        self.files += other.files
        self.bytes += other.bytes
        self.first = sorted([*self.first, *other.first], key=lambda i: i.path)[:samples]
        if other.largest_bytes > self.largest_bytes or (
                other.largest_bytes == self.largest_bytes and other.largest is not None
                and self.largest is not None and other.largest.path < self.largest.path):
            self.largest, self.largest_bytes = other.largest, other.largest_bytes


def _depth_that_fits(tallies: dict[tuple[str, str], _Tally], max_groups: int) -> int:
    deepest = max((folder.count("/") for folder, _ in tallies), default=0)
    for depth in range(deepest, 1, -1):
        if len({(cut(folder, depth), action) for folder, action in tallies}) <= max_groups:
            return depth
    return min(deepest, 1)


def rollup(items: Iterable[PlanItem], *, max_groups: int = MAX_GROUPS,
           samples: int = SAMPLE_FILES) -> Rollup:
    """Group ``items`` (sorted by key, as a plan's are) by folder and action."""
    by_folder: dict[tuple[str, str], _Tally] = {}
    for item in items:
        where = (folder_of(item.path), item.action)
        tally = by_folder.get(where)
        if tally is None:
            tally = by_folder[where] = _Tally()
        tally.add(item, item_bytes(item), samples)
    depth = _depth_that_fits(by_folder, max_groups)
    merged: dict[tuple[str, str], _Tally] = {}
    for (folder, action), tally in sorted(by_folder.items()):
        key = (cut(folder, depth), action)
        if key in merged:
            merged[key].merge(tally, samples)
        else:
            merged[key] = tally
    order: dict[str, int] = {action: index for index, action in enumerate(ACTIONS)}
    keys = sorted(merged, key=lambda k: (k[0], order.get(k[1], len(order))))
    folders = len({folder for folder, _ in keys})
    rest = None
    if len(keys) > max_groups:  # top-level folders alone are too many: the biggest, then the rest
        kept = set(sorted(keys, key=lambda k: (-merged[k].files, k))[:max(max_groups - 1, 0)])
        dropped = [k for k in keys if k not in kept]
        rest = Remainder(groups=len(dropped), folders=len({folder for folder, _ in dropped}),
                         files=sum(merged[k].files for k in dropped),
                         bytes=sum(merged[k].bytes for k in dropped))
        keys = [k for k in keys if k in kept]
    groups = []
    for folder, action in keys:
        tally = merged[(folder, action)]
        assert tally.largest is not None  # every tally holds at least one item
        groups.append(FolderChanges(folder=folder, action=action, files=tally.files,  # type: ignore[arg-type]
                                    bytes=tally.bytes, first=tuple(tally.first), largest=tally.largest))
    return Rollup(groups=tuple(groups), files=sum(g.files for g in groups) + (rest.files if rest else 0),
                  bytes=sum(g.bytes for g in groups) + (rest.bytes if rest else 0), folders=folders,
                  rest=rest)

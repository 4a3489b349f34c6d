"""The changeset file: the gem's JSON format, extended.

A top-level array; each item starts with the gem's ``path``, ``md5`` (absent on deletes) and
``action``, then adds ``reason``, ``size``, ``content_type``, ``cache_control``, ``remote_etag``,
``remote_size`` and ``file`` (absent when unknown). A gem-written file reads back fine (extra
keys default to unknown). Written atomically, 2-space indent, non-ASCII kept, like the gem.

:func:`drift` compares a saved plan with a fresh one, so ``frontend.sync --plan FILE`` can refuse
a plan whose world has changed — while accepting items that were already applied (a rerun after
an interrupted apply of the same plan converges instead of being refused).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from ..errors import ConfigError, RefusedError
from ..fsutil import atomic_writer
from .model import ACTIONS, Plan, PlanItem

EXTRA_KEYS = ("reason", "size", "content_type", "cache_control", "remote_etag", "remote_size", "file")
_MD5 = re.compile(r"^[0-9a-f]{32}$")


def epoch_path(path: Path, epoch: int | None = None) -> Path:
    """``tmp/changeset.json`` → ``tmp/changeset-<epoch>.json`` (what the old Rakefile did)."""
    stamp = int(time.time()) if epoch is None else epoch
    name = path.name
    if name.endswith(".json"):
        return path.with_name(f"{name[: -len('.json')]}-{stamp}.json")
    return path.with_name(f"{name}-{stamp}.json")


def item_to_dict(item: PlanItem) -> dict[str, Any]:
    data: dict[str, Any] = {"path": item.path}
    if item.action != "delete" and item.md5 is not None:
        data["md5"] = item.md5
    data["action"] = item.action
    for key in EXTRA_KEYS:
        value = getattr(item, key)
        if value is not None:
            data[key] = value
    return data


# Items are flat (strings and integers, no nesting), so one C-encoder call per item with the
# field separator set to ",\n    " yields exactly the lines of an ``indent=2`` dump; with
# indent=2 itself json.dumps falls back to its pure-Python encoder (5x slower, 250 MB at 100,000).
_ITEM_SEPARATORS = (",\n    ", ": ")


def _item_json(data: dict[str, Any]) -> str:
    body = json.dumps(data, ensure_ascii=False, separators=_ITEM_SEPARATORS)
    return "  {\n    " + body[1:-1] + "\n  }"


def chunks(items: Iterable[PlanItem]) -> Iterator[str]:
    """The changeset's text piece by piece (one piece per item), so a 100,000-item plan is
    never one 33 MB string. Joined: byte-identical to
    ``json.dumps(list_of_items, indent=2, ensure_ascii=False)``."""
    separator = "[\n"
    for item in items:
        yield separator + _item_json(item_to_dict(item))
        separator = ",\n"
    yield "[]" if separator == "[\n" else "\n]"


def dumps(items: Iterable[PlanItem]) -> str:
    return "".join(chunks(items))


def write_items(stream: IO[str], items: Iterable[PlanItem]) -> None:
    """Stream the changeset to ``stream`` (e.g. stdout for ``--json``)."""
    for piece in chunks(items):
        stream.write(piece)


def write_changeset(path: Path, plan: Plan) -> Path:
    """Written item by item into a temporary file that replaces ``path`` when complete. Not
    fsynced (see fsutil): a changeset cut short by a crash is no JSON array, which
    read_changeset refuses, and a plan is made again in a second; every run writes one."""
    with atomic_writer(path, durable=False) as handle:
        for piece in chunks(plan.items):
            handle.write(piece.encode("utf-8"))
    return Path(path)


def _item_from_dict(data: Any, index: int, source: str, shared: dict[str, str] | None = None) -> PlanItem:
    """``shared``: one copy of each repeated string (content types, cache-control values,
    reasons) across the items read, instead of one per item."""
    if not isinstance(data, dict) or not isinstance(data.get("path"), str):
        raise ConfigError(f"{source}: item {index} has no 'path'",
                          hint="pass a changeset written by `inv frontend.plan`")
    action = data.get("action")
    if action not in ACTIONS:
        raise ConfigError(f"{source}: item {index} ({data['path']!r}) has unknown action {action!r}",
                          hint=f"actions are {', '.join(ACTIONS)}")
    md5 = data.get("md5")
    if action != "delete" and not (isinstance(md5, str) and _MD5.match(md5)):
        raise ConfigError(f"{source}: item {index} ({data['path']!r}) has no valid md5")

    def opt_int(name: str) -> int | None:
        value = data.get(name)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def opt_str(name: str) -> str | None:
        value = data.get(name)
        return value if isinstance(value, str) else None

    def repeated(name: str) -> str | None:
        value = opt_str(name)
        return value if value is None or shared is None else shared.setdefault(value, value)

    path = data["path"]
    file = opt_str("file")
    return PlanItem(
        path=path, action=action, reason=repeated("reason") or "",
        md5=md5 if action != "delete" else None, size=opt_int("size"),
        content_type=repeated("content_type"), cache_control=repeated("cache_control"),
        remote_etag=opt_str("remote_etag"), remote_size=opt_int("remote_size"),
        file=path if file == path else file,
    )


def read_changeset(path: Path) -> list[PlanItem]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"plan file {path} does not exist",
                          hint="write one with `inv frontend.plan --out FILE`") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"plan file {path} is not valid JSON: {exc}",
                          hint="pass a changeset written by `inv frontend.plan`") from exc
    if not isinstance(raw, list):
        raise ConfigError(f"plan file {path} is not a changeset (expected a JSON array)",
                          hint="pass a changeset written by `inv frontend.plan`")
    shared: dict[str, str] = {}
    items = []
    for i in range(len(raw)):  # each entry's dict is dropped as soon as its item is made
        entry, raw[i] = raw[i], None
        items.append(_item_from_dict(entry, i, str(path), shared))
    return items


def _already_applied(saved: PlanItem, fresh: PlanItem | None) -> bool:
    """The world now looks like the saved item's intended outcome."""
    if saved.action == "delete":
        return fresh is None or fresh.remote_etag is None
    if saved.action in ("create", "update"):
        return fresh is not None and fresh.md5 == saved.md5 and fresh.action == "no_change"
    return False


def _describe(saved: PlanItem | None, fresh: PlanItem | None) -> str | None:
    """What changed for one key since the plan, or None when nothing relevant did."""
    if saved is None and fresh is not None:
        if fresh.action in ("ignore", "no_change"):
            return None
        what = "new local file" if fresh.md5 is not None and fresh.remote_etag is None else (
            "new object in bucket" if fresh.md5 is None else "new local file")
        return f"{fresh.path}: {what} (not in the plan)"
    assert saved is not None
    if saved.action == "ignore":
        return None
    if _already_applied(saved, fresh):
        return None
    if fresh is None:
        if saved.md5 is not None:
            return f"{saved.path}: local file is gone"
        return None
    if saved.md5 is not None and fresh.md5 is None:
        return f"{saved.path}: local file is gone"
    if saved.md5 is None and fresh.md5 is not None:
        return f"{saved.path}: local file appeared"
    if saved.md5 is not None and fresh.md5 != saved.md5:
        return f"{saved.path}: local file changed (md5 {saved.md5[:8]}… → {(fresh.md5 or '')[:8]}…)"
    saw = saved.remote_etag
    now = fresh.remote_etag
    if saved.action == "create" and now is not None:
        return f"{saved.path}: object appeared in the bucket"
    if saved.action in ("update", "delete", "no_change") and saw is not None and now != saw:
        return f"{saved.path}: bucket object changed (ETag {saw[:8]}… → {(now or 'gone')[:8]}…)"
    if saved.action == "update" and saw is None and now is None:
        return f"{saved.path}: object is gone from the bucket"
    return None


def _by_key(fresh: Plan) -> dict[str, PlanItem]:
    return {item.path: item for item in fresh.items}


def drift(saved: Sequence[PlanItem], fresh: Plan, by_key: dict[str, PlanItem] | None = None) -> list[str]:
    """Reasons the saved plan no longer describes the world (empty: safe to apply).
    ``by_key``: the fresh items by key, when the caller has them already."""
    by_key = _by_key(fresh) if by_key is None else by_key
    saved_keys = set()
    problems: list[str] = []
    for item in saved:
        saved_keys.add(item.path)
        note = _describe(item, by_key.get(item.path))
        if note:
            problems.append(note)
    for item in fresh.items:
        if item.path not in saved_keys:
            note = _describe(None, item)
            if note:
                problems.append(note)
    return problems


def pending(saved: Sequence[PlanItem], fresh: Plan, by_key: dict[str, PlanItem] | None = None) -> list[PlanItem]:
    """The saved plan's changes that are not yet applied (for resuming an interrupted apply)."""
    by_key = _by_key(fresh) if by_key is None else by_key
    return [i for i in saved if i.is_change and not _already_applied(i, by_key.get(i.path))]


def resume_saved_plan(saved: Sequence[PlanItem], fresh: Plan, *, source: str) -> tuple[Plan, list[PlanItem], int]:
    """Check a saved plan against a fresh observation and return what is left to apply.

    Returns the plan to display (the saved items), the items still to apply (already-applied ones
    dropped, so a resumed apply converges) and how many were already done. A stale plan — local
    files or bucket objects changed since it was written — is refused, naming what changed.
    """
    by_key = _by_key(fresh)  # one index of the fresh plan for the three passes below
    problems = drift(saved, fresh, by_key)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise RefusedError(
            f"the saved plan {source} is stale, {len(problems)} change(s) since it was written: {shown}",
            hint="run `inv frontend.plan` again, review it, and apply the new changeset",
        )
    todo: list[PlanItem] = []
    for item in pending(saved, fresh, by_key):
        now = by_key.get(item.path)
        if now is not None:  # fill what a gem-written changeset lacks; the saved values win
            item = replace(item, file=item.file or now.file,
                           size=item.size if item.size is not None else now.size,
                           content_type=item.content_type or now.content_type,
                           cache_control=item.cache_control or now.cache_control,
                           remote_etag=item.remote_etag or now.remote_etag)
        todo.append(item)
    display = Plan(bucket=fresh.bucket, prefix=fresh.prefix, items=tuple(saved),
                   remote_count=fresh.remote_count, heads=fresh.heads)
    return display, todo, sum(1 for i in saved if i.is_change) - len(todo)

"""The planner: a pure function from (local files, remote objects, rules) to a :class:`Plan`.

Equality is size first, then content: the local MD5 against the ETag when the ETag is a plain
MD5, else against the MD5 recorded in object metadata (fetched by the caller for exactly the
keys :func:`needs_metadata` names). A rebuild with identical bytes therefore plans nothing, and a
same-size edit is caught whatever its mtime (mtimes are never consulted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from .bundlers import NAME_RULES_ONLY, ContentHashes
from .cache_control import CacheRule, cache_control_for
from .content_types import content_type_for, is_html
from .model import LocalFile, Plan, PlanItem, RemoteObject


@dataclass(frozen=True)
class PlanRules:
    ignore: tuple[str, ...] = ()  # globs on the key or the local path: neither uploaded nor deleted
    cache_rules: tuple[CacheRule, ...] = ()
    content_types: Mapping[str, str] = field(default_factory=dict)
    force: bool = False  # re-upload every file (e.g. after changing Cache-Control rules)
    # Which files are content-hashed (Cache-Control immutable): the build's bundler manifests
    # plus the name rules; the observation fills it in from the build (sync/bundlers.py).
    content_hashes: ContentHashes = NAME_RULES_ONLY


def ignored_by(path: str, patterns: Sequence[str]) -> str | None:
    for pattern in patterns:
        if fnmatchcase(path, pattern) or path == pattern:
            return pattern
    return None


def ignoring(f: LocalFile, rules: PlanRules) -> str | None:
    """The ignore pattern ``f`` matches, by its key or by its path in the build (None: none)."""
    return ignored_by(f.key, rules.ignore) or ignored_by(f.rel, rules.ignore)


def needs_metadata(local: LocalFile, remote: RemoteObject | None) -> bool:
    """True when the listing cannot decide: same size, but the ETag is not this file's MD5
    (a multipart ETag, or an SSE-KMS ETag that looks like an MD5 and is not one)."""
    return remote is not None and remote.size == local.size and remote.etag != local.md5


def metadata_candidates(
    files: Sequence[LocalFile], remote: Mapping[str, RemoteObject], rules: PlanRules
) -> list[str]:
    if rules.force:
        return []
    return [
        f.key for f in files
        if ignoring(f, rules) is None and needs_metadata(f, remote.get(f.key))
    ]


def uploads_foreseen(files: Sequence[LocalFile], remote: Mapping[str, RemoteObject], rules: PlanRules) -> bool:
    """Whether the plan will upload something, as far as the listing alone tells (--force; a file
    the bucket lacks, or holds at another size or with another MD5 ETag): known before the
    plan is built, so what only a changing run needs can start early. An SSE-KMS ETag, no MD5,
    may say yes where the object's metadata later says no: only a request is wasted."""
    if rules.force:
        return True
    for f in files:
        obj = remote.get(f.key)
        if (obj is None or obj.size != f.size or (obj.etag_is_md5 and obj.etag != f.md5)) \
                and ignoring(f, rules) is None:
            return True
    return False


def _compare(local: LocalFile, remote: RemoteObject | None, meta_md5: str | None,
             force: bool) -> tuple[str, str]:
    if remote is None:
        return "create", "not in bucket"
    if force:
        return "update", "forced"
    if remote.size != local.size:
        return "update", f"size differs ({remote.size} → {local.size} bytes)"
    if remote.etag == local.md5:
        return "no_change", "same size and md5"
    if meta_md5 is not None:
        if meta_md5 == local.md5:
            return "no_change", "same size and md5 (object metadata)"
        return "update", "md5 differs (object metadata)"
    if remote.etag_is_md5:
        return "update", "md5 differs"
    return "update", "multipart ETag without md5 metadata"


def build_plan(
    files: Sequence[LocalFile],
    remote: Mapping[str, RemoteObject],
    *,
    bucket: str,
    prefix: str = "",
    rules: PlanRules | None = None,
    metadata: Mapping[str, str | None] | None = None,
    notes: Sequence[str] = (),
) -> Plan:
    """Every local file and every remote object gets exactly one item, sorted by key. ``notes``
    are what the preview should say about the build (skipped metadata, the bundler found).

    Strings that repeat across items (content types, cache-control values, ignore reasons) are
    shared, one object each, whatever produced them (mimetypes and f-strings make a new one per
    call); an item whose local path is its key holds one string for both."""
    rules = rules or PlanRules()
    metadata = metadata or {}
    hashed = rules.content_hashes.is_hashed
    shared: dict[str, str] = {}
    items: list[PlanItem] = []
    local_keys = set()
    for f in files:
        local_keys.add(f.key)
        found = remote.get(f.key)
        pattern = ignoring(f, rules)
        content_type = content_type_for(f.rel, rules.content_types)
        content_type = shared.setdefault(content_type, content_type)
        cache = cache_control_for(f.key, f.rel, is_html(content_type), rules.cache_rules, hashed)
        if pattern is not None:
            action, reason = "ignore", f"matches ignore pattern {pattern!r}"
            reason = shared.setdefault(reason, reason)
        else:
            action, reason = _compare(f, found, metadata.get(f.key), rules.force)
        items.append(PlanItem(
            path=f.key, action=action, reason=reason,  # type: ignore[arg-type]
            md5=f.md5, size=f.size, content_type=content_type, cache_control=cache,
            remote_etag=found.etag if found else None, remote_size=found.size if found else None,
            file=f.key if f.rel == f.key else f.rel,
        ))
    for key, obj in remote.items():
        if key in local_keys:
            continue
        rel = key[len(prefix):] if prefix and key.startswith(prefix) else key
        pattern = ignored_by(key, rules.ignore) or ignored_by(rel, rules.ignore)
        if pattern is not None:
            action, reason = "ignore", f"matches ignore pattern {pattern!r} (kept in bucket)"
            reason = shared.setdefault(reason, reason)
        else:
            action, reason = "delete", "not in build"
        items.append(PlanItem(path=key, action=action, reason=reason,  # type: ignore[arg-type]
                              remote_etag=obj.etag, remote_size=obj.size))
    items.sort(key=lambda item: item.path)
    return Plan(bucket=bucket, prefix=prefix, items=tuple(items), remote_count=len(remote),
                heads=sum(1 for _ in metadata), notes=tuple(notes))

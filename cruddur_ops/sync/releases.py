"""Releases: what every applied sync or rollback deployed, and the pure rules built on them.

A release is recorded in the bucket itself (see release_store.py), so CI and a laptop see the
same history. It names every deployed key with its MD5, size, Content-Type and Cache-Control;
whether a key is content-hashed is read from its Cache-Control (the plan's classification: an
``immutable`` object never changes under its name), not guessed again here.

- :func:`retain` (skew protection): a content-hashed object the new build no longer has stays
  while one of the last N releases references it, so a browser holding an older ``index.html``
  still gets its lazily loaded chunks; once none does, it is deleted (pruned) under the caps.
- :func:`rollback_plan`: what makes an earlier release live again, as an ordinary plan whose
  uploads are server-side copies (hashed keys must still be in place; replaced-in-place files
  come from content-addressed copies under the release prefix).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import OpsError, RefusedError
from .model import Plan, PlanItem, RemoteObject

RELEASE_FORMAT = "cruddur-ops/release/1"
POINTER_FORMAT = "cruddur-ops/live/1"
DEFAULT_RELEASE_PREFIX = "_cruddur-ops/"
DEFAULT_KEEP_RELEASES = 3
ID_TIME = "%Y%m%d-%H%M%S"


def is_immutable(cache_control: str | None) -> bool:
    """The plan marks content-hashed objects with an ``immutable`` Cache-Control."""
    return bool(cache_control) and any(
        part.strip().lower() == "immutable" for part in (cache_control or "").split(","))


@dataclass(frozen=True, slots=True)
class ReleaseFile:
    md5: str
    size: int
    content_type: str | None
    cache_control: str | None

    @property
    def hashed(self) -> bool:
        return is_immutable(self.cache_control)


@dataclass(frozen=True)
class Release:
    id: str
    created: str  # ISO 8601, UTC
    files: Mapping[str, ReleaseFile]
    kind: str = "sync"  # or "rollback"
    commit: str | None = None
    where: str | None = None
    rollback_of: str | None = None  # the release a rollback made live again

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files.values())

    @property
    def digest(self) -> str:
        return files_digest(self.files)


def files_digest(files: Mapping[str, ReleaseFile]) -> str:
    """One hash of what a release deploys: equal digests, nothing to record."""
    digest = hashlib.sha256()
    for key in sorted(files):
        f = files[key]
        digest.update(f"{key}\0{f.md5}\0{f.size}\0{f.content_type}\0{f.cache_control}\n".encode())
    return digest.hexdigest()


def files_of(items: Iterable[PlanItem]) -> dict[str, ReleaseFile]:
    """The deployed keys of a plan: every local file that is not ignored."""
    return {i.path: ReleaseFile(i.md5 or "", i.size or 0, i.content_type, i.cache_control)
            for i in items if i.md5 is not None and i.action != "ignore"}


def new_release_id(now: datetime, after: str | None = None) -> str:
    """``YYYYMMDD-HHMMSS-mmm-xxxx`` (UTC): sorts by time. Later than ``after`` (the newest id
    seen) even when this machine's clock is behind the one that wrote it."""
    if after:
        try:
            newest = datetime.strptime(after[:19], f"{ID_TIME}-%f").replace(tzinfo=UTC)
        except ValueError:
            newest = None
        if newest is not None and now <= newest:
            now = newest + timedelta(milliseconds=1)
    import secrets

    return f"{now.strftime(ID_TIME)}-{now.microsecond // 1000:03d}-{secrets.token_hex(2)}"


def release_to_json(release: Release) -> bytes:
    data = {
        "format": RELEASE_FORMAT, "id": release.id, "created": release.created, "kind": release.kind,
        "commit": release.commit, "where": release.where, "rollback_of": release.rollback_of,
        "files": {k: [f.md5, f.size, f.content_type, f.cache_control]
                  for k, f in sorted(release.files.items())},
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def foreign(key: str, why: str) -> OpsError:
    return OpsError(f"s3 object {key} is not a cruddur-ops release record ({why})",
                    hint="something else wrote under the release prefix: move it away, or set "
                         "SYNC_RELEASE_PREFIX to a prefix only cruddur-ops writes to")


def release_from_json(raw: bytes, key: str) -> Release:
    """Parse and check a release record; a corrupt or foreign object is an error naming it."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise foreign(key, "not JSON") from None
    if not isinstance(data, dict) or data.get("format") != RELEASE_FORMAT:
        raise foreign(key, f"format is not {RELEASE_FORMAT!r}")
    files: dict[str, ReleaseFile] = {}
    raw_files = data.get("files")
    if not isinstance(data.get("id"), str) or not isinstance(raw_files, dict):
        raise foreign(key, "no id or no files")
    for name, entry in raw_files.items():
        if not (isinstance(entry, list) and len(entry) == 4 and isinstance(entry[0], str)
                and isinstance(entry[1], int)):
            raise foreign(key, f"bad entry for {name!r}")
        files[name] = ReleaseFile(entry[0], entry[1], _opt(entry[2]), _opt(entry[3]))

    def text(name: str) -> str | None:
        return _opt(data.get(name))

    return Release(id=data["id"], created=str(data.get("created", "")), files=files,
                   kind=text("kind") or "sync", commit=text("commit"), where=text("where"),
                   rollback_of=text("rollback_of"))


def _opt(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Pointer:
    """``live.json``: which release is live, the digest of its files, and the digest of what
    skew protection kept when it went live (a no-change sync compares the build and the
    bucket's extra keys with them and needs no other request)."""

    id: str
    digest: str
    kept: str | None = None  # kept_digest(); None in pointers written before it existed


def kept_digest(keep: int, keys: Iterable[str]) -> str:
    """One hash of the keys kept for older releases, and of N (a new --keep-releases decides
    anew)."""
    digest = hashlib.sha256(f"{keep}\n".encode())
    for key in sorted(keys):
        digest.update(f"{key}\n".encode())
    return digest.hexdigest()


def pointer_to_json(release: Release, updated: str, *, kept: str) -> bytes:
    return json.dumps({"format": POINTER_FORMAT, "id": release.id, "digest": release.digest,
                       "kept": kept, "updated": updated}).encode("utf-8")


def pointer_from_json(raw: bytes, key: str) -> Pointer:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise foreign(key, "not JSON") from None
    if (not isinstance(data, dict) or data.get("format") != POINTER_FORMAT
            or not isinstance(data.get("id"), str) or not isinstance(data.get("digest"), str)):
        raise foreign(key, f"format is not {POINTER_FORMAT!r}")
    return Pointer(data["id"], data["digest"], _opt(data.get("kept")))


@dataclass(frozen=True)
class Retention:
    """What skew protection decided, for the preview."""

    keep: int
    kept: int = 0
    kept_bytes: int = 0
    pruned: int = 0
    pruned_bytes: int = 0
    kept_for: Mapping[str, str] = field(default_factory=dict)  # key → the newest release needing it


def retain(plan: Plan, recent: Sequence[Release], *, live: Release | None, keep: int) -> tuple[Plan, Retention]:
    """Keep the deletes that one of ``recent`` (the releases before this one that still count
    among the last ``keep``, newest first) references as content-hashed; the others go ahead.

    A delete of a key the live release does not hold is a prune: the object was only still
    there for an older release. Kept items become ``ignore`` so they are never deleted, shown
    as extraneous or counted in the delete caps.
    """
    needed: dict[str, str] = {}
    for release in reversed(recent):  # newest last, so it wins
        for key, f in release.files.items():
            if f.hashed:
                needed[key] = release.id
    items: list[PlanItem] = []
    kept = kept_bytes = pruned = pruned_bytes = 0
    kept_for: dict[str, str] = {}
    for item in plan.items:
        if item.action == "delete" and item.path in needed:
            holder = needed[item.path]
            kept_for[item.path] = holder
            kept += 1
            kept_bytes += item.remote_size or 0
            item = replace(item, action="ignore", reason=f"kept for release {holder} (skew protection)")
        elif item.action == "delete" and live is not None and item.path not in live.files:
            pruned += 1
            pruned_bytes += item.remote_size or 0
            item = replace(item, reason=f"no release of the last {keep} references it (pruned)")
        items.append(item)
    return (replace(plan, items=tuple(items)),
            Retention(keep, kept, kept_bytes, pruned, pruned_bytes, kept_for))


def unchanged_since_live(pointer: Pointer | None, digest: str, changes: Sequence[PlanItem], keep: int) -> bool:
    """Nothing to record or delete, decided from the pointer alone: the build (``digest``, its
    files_digest) is the live release, and the bucket's extra keys are exactly those kept when it
    went live (any deploy since would have moved the pointer, so the releases that keep them are
    the same)."""
    if pointer is None or pointer.digest != digest or any(i.action != "delete" for i in changes):
        return False
    return pointer.kept == kept_digest(keep, (i.path for i in changes if i.action == "delete"))


def still_kept(plan: Plan, keep: int) -> tuple[Plan, Retention]:
    """The plan with its deletes kept (see unchanged_since_live), as retain() shows them."""
    items: list[PlanItem] = []
    kept_for: dict[str, str] = {}
    kept_bytes = 0
    for item in plan.items:
        if item.action == "delete":
            kept_for[item.path] = ""
            kept_bytes += item.remote_size or 0
            item = replace(item, action="ignore", reason="kept for an earlier release (skew protection)")
        items.append(item)
    return replace(plan, items=tuple(items)), Retention(keep, len(kept_for), kept_bytes, kept_for=kept_for)


def store_key(release_prefix: str, md5: str) -> str:
    """Where a replaced-in-place file's bytes are kept for rollbacks: named by content."""
    return f"{release_prefix}objects/{md5}"


def rollback_plan(target: Release, remote: Mapping[str, RemoteObject], stored: set[str], *,
                  bucket: str, prefix: str) -> Plan:
    """Items that turn the bucket into ``target``: copies for what differs (from the content
    copy of each replaced-in-place file), deletes for keys ``target`` does not have.

    Refuses, naming the keys, when a file ``target`` needs is neither in place nor copyable
    (a content-hashed asset pruned since, or a content copy that is gone).
    """
    items: list[PlanItem] = []
    missing: list[str] = []
    for key, f in sorted(target.files.items()):
        found = remote.get(key)
        common = dict(path=key, md5=f.md5, size=f.size, content_type=f.content_type,
                      cache_control=f.cache_control, remote_etag=found.etag if found else None,
                      remote_size=found.size if found else None)
        if found is not None and found.size == f.size and (found.etag == f.md5 or (f.hashed and not found.etag_is_md5)):
            items.append(PlanItem(action="no_change", reason=f"as in release {target.id}", **common))  # type: ignore[arg-type]
        elif f.md5 in stored:
            action = "create" if found is None else "update"
            items.append(PlanItem(action=action, reason=f"restore from release {target.id}", **common))  # type: ignore[arg-type]
        else:
            missing.append(key)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise RefusedError(
            f"release {target.id} cannot be restored: {len(missing)} file(s) are no longer in the bucket: "
            f"{shown} (nothing was changed)",
            hint="its assets were pruned (only the last SYNC_KEEP_RELEASES releases keep theirs): "
                 "check out that commit, build and run `inv frontend.sync`")
    for key, obj in sorted(remote.items()):
        if key not in target.files:
            items.append(PlanItem(path=key, action="delete", reason=f"not in release {target.id}",
                                  remote_etag=obj.etag, remote_size=obj.size))
    items.sort(key=lambda i: i.path)
    return Plan(bucket=bucket, prefix=prefix, items=tuple(items), remote_count=len(remote))


def choose_target(ids: Sequence[str], live: str | None, wanted: str | None) -> str:
    """The release to roll back to: ``wanted``, else the one before the live one."""
    if wanted:
        if wanted not in ids:
            near = ", ".join(sorted(ids, reverse=True)[:5]) or "none"
            raise OpsError(f"no release {wanted!r} in the bucket (nothing was changed)",
                           hint=f"`inv frontend.releases` lists them; newest: {near}")
        if wanted == live:
            raise OpsError(f"release {wanted} is already live (nothing was changed)",
                           hint="pass --to with another id from `inv frontend.releases`")
        return wanted
    ordered = sorted(ids)
    older = ordered[:ordered.index(live)] if live in ordered else ordered[:-1]
    if not older:
        raise OpsError("there is no earlier release to roll back to (nothing was changed)",
                       hint="`inv frontend.releases` lists the releases this bucket has")
    return older[-1]


def now_iso(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

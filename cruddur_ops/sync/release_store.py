"""The releases' home in the bucket, under the release prefix (default ``_cruddur-ops/``):

- ``live.json``: the live release's id, the digest of its files and of the keys kept for older
  releases (a no-change sync reads it and nothing else under the prefix);
- ``releases/<id>.json``: one record per applied sync or rollback (ids sort by time);
- ``objects/<md5>``: the bytes of every replaced-in-place (not content-hashed) file a release
  deployed, named by content, so a rollback copies them back server-side without the old build;
- ``lock.json``: the deploy lock (see lock.py).

The bucket listing a sync makes anyway holds these keys when the site sits at the bucket root;
:func:`split_reserved` sets them aside so nothing under the prefix is ever planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..aws import aws_errors, error_code
from ..errors import AwsError, ConfigError
from .model import RemoteObject
from .releases import (
    Pointer,
    Release,
    pointer_from_json,
    pointer_to_json,
    release_from_json,
    release_to_json,
    store_key,
)
from .remote import list_objects

POINTER = "live.json"
RELEASES = "releases/"
OBJECTS = "objects/"
RECORD_TYPE = "application/json"


@dataclass(frozen=True)
class ReleaseState:
    """What the bucket says about releases, from one listing and one GET."""

    prefix: str
    pointer: Pointer | None
    ids: tuple[str, ...] = ()  # sorted, oldest first
    stored: frozenset[str] = field(default_factory=frozenset)  # MD5s with a content copy

    @property
    def newest(self) -> str | None:
        return self.ids[-1] if self.ids else None


def split_reserved(remote: Mapping[str, RemoteObject], release_prefix: str) -> tuple[dict[str, RemoteObject], dict[str, RemoteObject]]:
    """(site objects, objects under the release prefix)."""
    site: dict[str, RemoteObject] = {}
    reserved: dict[str, RemoteObject] = {}
    for key, obj in remote.items():
        (reserved if key.startswith(release_prefix) else site)[key] = obj
    return site, reserved


def check_build_keys(keys: Iterable[str], release_prefix: str) -> None:
    clash = [k for k in keys if k.startswith(release_prefix)]
    if clash:
        raise ConfigError(f"the build holds {clash[0]!r} under the reserved release prefix {release_prefix!r}",
                          hint="rename that folder in the build, or set SYNC_RELEASE_PREFIX to another prefix")


def state_from(reserved: Mapping[str, RemoteObject], release_prefix: str, pointer: Pointer | None) -> ReleaseState:
    releases, objects = release_prefix + RELEASES, release_prefix + OBJECTS
    ids = sorted(k[len(releases):-len(".json")] for k in reserved
                 if k.startswith(releases) and k.endswith(".json"))
    stored = frozenset(k[len(objects):] for k in reserved if k.startswith(objects))
    return ReleaseState(release_prefix, pointer, tuple(ids), stored)


def list_reserved(s3: Any, bucket: str, release_prefix: str) -> dict[str, RemoteObject]:
    """The release prefix's objects, for runs whose listing did not cover it (SYNC_PREFIX set)."""
    return list_objects(s3, bucket, release_prefix)


MISSING = ("NoSuchKey", "404", "NotFound")


def cause_code(exc: AwsError) -> str:
    """The S3 error code behind a translated error ("" when it was not an S3 answer)."""
    from botocore.exceptions import ClientError

    return error_code(exc.__cause__) if isinstance(exc.__cause__, ClientError) else ""


def _get(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        with aws_errors(f"read s3://{bucket}/{key}"):
            return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except AwsError as exc:
        if cause_code(exc) in MISSING:
            return None
        raise


def read_pointer(s3: Any, bucket: str, release_prefix: str) -> Pointer | None:
    """The live release's id and digest; None when no release was ever recorded."""
    key = release_prefix + POINTER
    raw = _get(s3, bucket, key)
    return None if raw is None else pointer_from_json(raw, key)


def release_key(release_prefix: str, release_id: str) -> str:
    return f"{release_prefix}{RELEASES}{release_id}.json"


def read_releases(s3: Any, bucket: str, release_prefix: str, ids: Sequence[str], *, workers: int = 8) -> list[Release]:
    """The records of ``ids`` (in that order), read in parallel."""
    def one(release_id: str) -> Release:
        key = release_key(release_prefix, release_id)
        raw = _get(s3, bucket, key)
        if raw is None:
            raise AwsError(f"release record s3://{bucket}/{key} disappeared while reading it",
                           hint="another deploy may have removed it: run the command again")
        release = release_from_json(raw, key)
        if release.id != release_id:
            from .releases import foreign

            raise foreign(key, f"it names release {release.id!r}")
        return release

    if not ids:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(ids)))) as pool:
        return list(pool.map(one, ids))


def store_copies(s3: Any, bucket: str, release_prefix: str, copies: Sequence[tuple[str, Path]], *,
                 workers: int = 8) -> None:
    """Content copies of replaced-in-place files (MD5, local path); one that exists already
    (412) holds the same bytes, by its name."""
    def one(copy: tuple[str, Path]) -> None:
        md5, path = copy
        key = store_key(release_prefix, md5)
        try:
            with aws_errors(f"keep a copy of {path.name} at s3://{bucket}/{key}"):
                s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), IfNoneMatch="*",
                              ContentType="application/octet-stream")
        except AwsError as exc:
            code = cause_code(exc)
            if code in ("PreconditionFailed", "ConditionalRequestConflict"):
                return
            if code in ("NotImplemented", "501"):  # endpoint without conditional writes
                with aws_errors(f"keep a copy of {path.name} at s3://{bucket}/{key}"):
                    s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(),
                                  ContentType="application/octet-stream")
                return
            raise

    if not copies:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(copies)))) as pool:
        list(pool.map(one, copies))


def record_release(s3: Any, bucket: str, release_prefix: str, release: Release, *, updated: str,
                   kept: str) -> None:
    """The record first, then the pointer: a run killed between the two leaves the previous
    release live and its record listed (the next sync records the bucket again). ``kept``: the
    pointer's digest of the keys skew protection kept (releases.kept_digest)."""
    key = release_key(release_prefix, release.id)
    with aws_errors(f"record release {release.id} at s3://{bucket}/{key}"):
        s3.put_object(Bucket=bucket, Key=key, Body=release_to_json(release), ContentType=RECORD_TYPE)
    key = release_prefix + POINTER
    with aws_errors(f"mark release {release.id} live at s3://{bucket}/{key}"):
        s3.put_object(Bucket=bucket, Key=key, Body=pointer_to_json(release, updated, kept=kept), ContentType=RECORD_TYPE,
                      CacheControl="no-store")

"""Observe the bucket through a narrow adapter: ListObjectsV2 pages and, only where the listing
cannot prove equality, one HEAD for the MD5 we record in object metadata.

Metadata: every upload carries ``x-amz-meta-md5chksum`` = the MD5 as 32 lowercase hex digits
(hugo deploy writes hex under the same name; rclone writes base64 — both are read).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..aws import aws_errors, error_code
from ..errors import AwsError
from .model import RemoteObject

MD5_METADATA = "md5chksum"


def skip_timestamp_parsing(sess: Any) -> None:
    """Leave response timestamps as strings for clients built from ``sess`` afterwards.

    botocore parses every ``LastModified`` of a listing with dateutil, which costs more than the
    request itself (~0.3 s per 1,000 keys); the sync never reads a timestamp. The AWS CLI's s3
    commands make the same trade. ``sess`` is a boto3 Session (its botocore session is private API,
    hence the guard).
    """
    core = getattr(sess, "_session", None)
    factory = core.get_component("response_parser_factory") if core is not None else None
    if factory is not None and hasattr(factory, "set_parser_defaults"):
        factory.set_parser_defaults(timestamp_parser=lambda value: value)


def list_objects(
    s3: Any, bucket: str, prefix: str = "", *, progress: Callable[[int], None] | None = None
) -> dict[str, RemoteObject]:
    """Every object under ``prefix`` (all pages), keyed by key."""
    from botocore.exceptions import ClientError

    objects: dict[str, RemoteObject] = {}
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if prefix:
        kwargs["Prefix"] = prefix
    try:
        with aws_errors(f"list s3://{bucket}/{prefix}"):
            for page in s3.get_paginator("list_objects_v2").paginate(**kwargs):
                contents = page.get("Contents", ())
                for entry in contents:
                    key = entry["Key"]
                    objects[key] = RemoteObject(key, int(entry["Size"]), entry["ETag"].strip('"'))
                if progress:
                    progress(len(contents))
    except AwsError as exc:
        cause = exc.__cause__
        if isinstance(cause, ClientError) and error_code(cause) == "NoSuchBucket":
            raise AwsError(
                f"bucket {bucket!r} does not exist",
                hint="check SYNC_S3_BUCKET (or deploy the frontend stack: `inv cfn.deploy frontend`)",
            ) from cause
        raise
    return objects


def parse_md5(value: str | None) -> str | None:
    """An MD5 from metadata: 32 hex digits, or base64 of the 16 raw bytes (rclone)."""
    if not value:
        return None
    value = value.strip()
    if len(value) == 32:
        try:
            bytes.fromhex(value)
        except ValueError:
            return None
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 16 else None


def metadata_md5(s3: Any, bucket: str, key: str) -> str | None:
    """The MD5 recorded in the object's metadata, or None (no metadata, or the object is gone)."""
    from botocore.exceptions import ClientError

    try:
        with aws_errors(f"head s3://{bucket}/{key}"):
            response = s3.head_object(Bucket=bucket, Key=key)
    except AwsError as exc:
        cause = exc.__cause__
        if isinstance(cause, ClientError) and error_code(cause) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    metadata = {k.lower(): v for k, v in (response.get("Metadata") or {}).items()}
    return parse_md5(metadata.get(MD5_METADATA))


def metadata_md5s(s3: Any, bucket: str, keys: Iterable[str], *, workers: int = 8) -> dict[str, str | None]:
    """HEAD several keys in parallel (only the few whose ETag is not a plain MD5)."""
    keys = list(keys)
    if not keys:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(keys)))) as pool:
        return dict(zip(keys, pool.map(lambda k: metadata_md5(s3, bucket, k), keys), strict=True))

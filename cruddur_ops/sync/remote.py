"""Observe the bucket through a narrow adapter: ListObjectsV2 pages and, only where the listing
cannot prove equality, one HEAD for the MD5 we record in object metadata.

Metadata: every upload carries ``x-amz-meta-md5chksum`` = the MD5 as 32 lowercase hex digits
(hugo deploy writes hex under the same name; rclone writes base64 — both are read).
"""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..aws import aws_errors, error_code
from ..errors import AwsError
from .model import RemoteObject

MD5_METADATA = "md5chksum"


MAX_PAGE_KEYS = 1000  # S3 answers at most 1,000 keys per ListObjectsV2 page

# Keys per listing range. ListObjectsV2 pages are sequential (each needs the previous page's
# continuation token), so one paginator over a big bucket is one round trip per 1,000 keys in a
# row. Ranges of the key space (StartAfter = the last key of the previous range) list in
# parallel; the local build's own keys are the best guess at where the bucket's keys fall.
LIST_RANGE_KEYS = 500
# A range's first page asks for about as many keys as the range should hold (plus a little for
# keys the build does not have), so it does not read far into the next range's keys, which that
# range's lister reads anyway.
FIRST_PAGE_KEYS = min(MAX_PAGE_KEYS, LIST_RANGE_KEYS + LIST_RANGE_KEYS // 50 + 2)
# Past its first page a bounded range holds more keys than the build has there (files deleted
# locally, an older build's assets). ListObjectsV2 has no upper bound, so whatever a page reads
# past the range is rendered by the server for nothing: the next range's lister reads those keys
# too. The range's further pages start small and double up to S3's 1,000, so a range a few dozen
# keys over its guess costs one small request instead of up to 1,000 wasted keys, and one far
# over it pages at 1,000 after four steps.
CONTINUATION_PAGE_KEYS = 64
LIST_WORKERS = 8


def range_bounds(keys: Iterable[str], per_range: int = LIST_RANGE_KEYS) -> list[str]:
    """Upper bounds that cut the sorted ``keys`` into ranges of about ``per_range`` keys.

    Python orders ``str`` by code point, which is the UTF-8 byte order S3 lists in.
    """
    ordered = sorted(set(keys))
    return ordered[per_range - 1:-1:per_range] if per_range > 0 else []


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds (low, high] of a listing range that holds keys under ``prefix`` and nothing else.

    ``high`` is the prefix followed by ``~``, the last printable ASCII character: a key above
    ``low`` (the prefix itself) and at most ``high`` shares the prefix, and every key
    cruddur-ops writes there (lower-case ASCII names) falls in between. A key under the prefix
    that sorts above ``high`` lands in the next range, like any other key. (Not U+10FFFF:
    LocalStack drops that noncharacter from StartAfter and lists the whole prefix.)
    """
    return prefix, prefix + "~"


def first_page_keys(expected: Sequence[str], after: str | None, until: str | None) -> int:
    """A range's first page: the expected keys in (after, until], plus a little for keys the
    build does not have (2 % and 2), at most S3's 1,000."""
    low = 0 if after is None else bisect.bisect_right(expected, after)
    high = len(expected) if until is None else bisect.bisect_right(expected, until)
    held = max(0, high - low)
    return min(MAX_PAGE_KEYS, held + held // 50 + 2)


def list_objects(
    s3: Any,
    bucket: str,
    prefix: str = "",
    *,
    bounds: Sequence[str] = (),
    skip: tuple[str, str] | None = None,
    expected: Sequence[str] = (),
    workers: int = LIST_WORKERS,
    progress: Callable[[int], None] | None = None,
) -> dict[str, RemoteObject]:
    """Every object under ``prefix``, keyed by key.

    ``bounds`` (sorted, e.g. from :func:`range_bounds`) split the key space into ranges
    (-inf, b1], (b1, b2], …, (bn, +inf) that are listed at the same time; every key falls in
    exactly one range whatever the bucket holds, so the result is the same as one listing.
    ``skip``: one range (two adjacent bounds, e.g. from :func:`prefix_range`) left unlisted.
    ``expected``: the keys the caller expects, sorted (the build's); a range's first page asks
    for about as many keys as it holds of them (else FIRST_PAGE_KEYS each).
    """
    from botocore.exceptions import ClientError

    if skip is not None:
        bounds = sorted({*bounds, *skip})
    lower: list[str | None] = [None, *bounds]
    upper: list[str | None] = [*bounds, None]

    def one_range(index: int) -> dict[str, RemoteObject]:
        if skip is not None and (lower[index], upper[index]) == skip:
            return {}
        page_size = (MAX_PAGE_KEYS if not bounds else
                     first_page_keys(expected, lower[index], upper[index]) if expected else FIRST_PAGE_KEYS)
        return _list_range(s3, bucket, prefix, after=lower[index], until=upper[index],
                           page_size=page_size, progress=progress)

    try:
        with aws_errors(f"list s3://{bucket}/{prefix}"):
            if not bounds:
                return one_range(0)
            objects: dict[str, RemoteObject] = {}
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(lower))),
                                    thread_name_prefix="list") as pool:
                for part in pool.map(one_range, range(len(lower))):
                    objects.update(part)
            return objects
    except AwsError as exc:
        cause = exc.__cause__
        if isinstance(cause, ClientError) and error_code(cause) == "NoSuchBucket":
            raise AwsError(
                f"bucket {bucket!r} does not exist",
                hint="check SYNC_S3_BUCKET (or deploy the frontend stack: `inv cfn.deploy frontend`)",
            ) from cause
        raise


def _list_range(
    s3: Any, bucket: str, prefix: str, *, after: str | None, until: str | None, page_size: int,
    progress: Callable[[int], None] | None,
) -> dict[str, RemoteObject]:
    """Keys in (after, until] under ``prefix``, page by page; stops at ``until`` or the first key
    past it (``until`` None: at the end of the listing)."""
    objects: dict[str, RemoteObject] = {}
    kwargs: dict[str, Any] = {"Bucket": bucket, "MaxKeys": page_size}
    if prefix:
        kwargs["Prefix"] = prefix
    if after is not None:
        kwargs["StartAfter"] = after
    next_page_size = CONTINUATION_PAGE_KEYS if until is not None else MAX_PAGE_KEYS
    while True:
        page = s3.list_objects_v2(**kwargs)
        contents = page.get("Contents", ())
        taken = 0
        past_range = False
        for entry in contents:
            key = entry["Key"]
            if until is not None and key > until:
                past_range = True
                break
            objects[key] = RemoteObject(key, int(entry["Size"]), entry["ETag"].strip('"'))
            taken += 1
        if progress:
            progress(taken)
        # ``until`` itself is the range's last possible key: seeing it ends the range as surely
        # as a key past it, without asking for another page.
        if past_range or (until is not None and until in objects):
            return objects
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return objects
        kwargs.pop("StartAfter", None)  # the token carries the position from here on
        kwargs["ContinuationToken"] = token
        kwargs["MaxKeys"] = next_page_size
        next_page_size = min(MAX_PAGE_KEYS, next_page_size * 2)


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

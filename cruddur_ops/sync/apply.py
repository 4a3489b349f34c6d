"""Execute a plan through an injected executor; never prints (progress goes to a callback).

Order is what keeps a live site whole during a deploy (and after a kill at any point):
1. every non-HTML upload (new hashed assets exist before any page references them);
2. then HTML (pages switch to the new assets);
3. then deletes (old assets go only after no new page needs them).
A failure in one phase stops the later phases, so a failed asset never leaves HTML pointing at
it and nothing is deleted while the new version is incomplete. Re-running converges: the next
plan sees what already landed as ``no_change``.

A dry run is another executor (:class:`DryRunExecutor`): same sequencing, no request sent.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ..aws import error_code, error_message
from .content_types import is_html
from .model import PlanItem
from .remote import MD5_METADATA, metadata_md5

DELETE_BATCH = 1000  # DeleteObjects limit
MULTIPART_THRESHOLD = 256 * 1024 * 1024  # single PUTs up to here (limit 5 GiB): one request, ETag = MD5
# Bodies below this size are read into memory and sent as bytes: botocore then knows the length
# without probing the file (seek/tell) and urllib3 sends it in one piece instead of reading the
# file in chunks. -8 % client CPU per PUT (1.85 vs 2.00 ms, 600 PUTs of JS chunks to moto), and
# the upload workers hold at most workers x 2 MiB.
IN_MEMORY_BODY_BYTES = 2 * 1024 * 1024


# Uploads handed to the pool ahead of the workers: enough that none waits for work, not a Future
# per file (a 100,000-file first deploy queued them all: 160 MB of its 287 MB peak in a dry run).
UPLOADS_QUEUED_PER_WORKER = 4
Progress = Callable[[str, PlanItem | None, int], None]  # (event, item, bytes)


class UploadFailed(Exception):
    """One object failed; the message is for the operator."""


class Executor(Protocol):
    def upload(self, item: PlanItem, path: Path) -> None: ...
    def delete(self, keys: Sequence[str]) -> list[tuple[str, str]]: ...


@dataclass
class ApplyResult:
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, why)
    skipped: list[str] = field(default_factory=list)  # not attempted because an earlier phase failed
    bytes_uploaded: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


def phases(items: Sequence[PlanItem]) -> tuple[list[PlanItem], list[PlanItem], list[PlanItem]]:
    """Assets, then HTML, then deletes. Within an upload phase the largest files go first: a
    big file started last would run alone at the end while the other workers sit idle."""
    uploads = sorted((i for i in items if i.action in ("create", "update")),
                     key=lambda i: i.size or 0, reverse=True)
    html = [i for i in uploads if is_html(i.content_type or "")]
    assets = [i for i in uploads if not is_html(i.content_type or "")]
    deletes = [i for i in items if i.action == "delete"]
    return assets, html, deletes


def apply_plan(
    items: Sequence[PlanItem],
    *,
    executor: Executor,
    build_dir: Path,
    workers: int = 16,
    progress: Progress | None = None,
) -> ApplyResult:
    result = ApplyResult()
    notify = progress or (lambda event, item, size: None)
    assets, html, deletes = phases(items)
    for phase in (assets, html):
        if not phase:
            continue
        if result.failed:
            result.skipped.extend(i.path for i in phase)
            continue
        _upload_all(phase, executor, build_dir, workers, notify, result)
    if deletes:
        if result.failed:
            result.skipped.extend(i.path for i in deletes)
        else:
            for start in range(0, len(deletes), DELETE_BATCH):
                batch = [i.path for i in deletes[start : start + DELETE_BATCH]]
                errors = executor.delete(batch)
                failed = {key for key, _ in errors}
                result.failed.extend(errors)
                for key in batch:
                    if key not in failed:
                        result.deleted.append(key)
                notify("deleted", None, len(batch))
    return result


def _upload_all(phase: Sequence[PlanItem], executor: Executor, build_dir: Path, workers: int,
                notify: Progress, result: ApplyResult) -> None:
    def one(item: PlanItem) -> PlanItem:
        executor.upload(item, build_dir / (item.file or item.path))
        return item

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="put")
    queue = iter(phase)
    in_flight: dict[Future[PlanItem], PlanItem] = {}

    def refill() -> None:
        for item in islice(queue, UPLOADS_QUEUED_PER_WORKER * max(1, workers) - len(in_flight)):
            in_flight[pool.submit(one, item)] = item

    try:
        refill()
        while in_flight:  # in completion order: progress moves as PUTs land
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                item = in_flight.pop(future)
                error = future.exception()
                if error is None:
                    result.uploaded.append(item.path)
                    result.bytes_uploaded += item.size or 0
                    notify("uploaded", item, item.size or 0)
                elif isinstance(error, UploadFailed):
                    result.failed.append((item.path, str(error)))
                    notify("failed", item, 0)
                else:
                    raise error
            refill()
    except BaseException:
        # Ctrl-C or a bug: stop queueing, let in-flight requests finish on their own.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


class S3Executor:
    """Uploads and deletes through a shared, thread-safe botocore S3 client.

    ``conditional``: updates carry ``If-Match: <ETag seen at plan time>`` and creates
    ``If-None-Match: *``, so an object changed by someone else since the plan fails with 412
    instead of being overwritten. Endpoints that answer NotImplemented get unconditional writes
    (the caller has already re-listed the bucket when applying a saved plan).
    """

    def __init__(self, s3: Any, bucket: str, *, conditional: bool = True,
                 multipart_threshold: int = MULTIPART_THRESHOLD) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.conditional = conditional
        self.multipart_threshold = multipart_threshold

    def _extra(self, item: PlanItem) -> dict[str, Any]:
        extra: dict[str, Any] = {"Metadata": {MD5_METADATA: item.md5 or ""}}
        if item.content_type:
            extra["ContentType"] = item.content_type
        if item.cache_control:
            extra["CacheControl"] = item.cache_control
        return extra

    def upload(self, item: PlanItem, path: Path) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            size = os.path.getsize(path)
        except OSError as exc:
            raise UploadFailed(f"cannot read {path}: {exc.strerror}") from exc
        try:
            if size >= self.multipart_threshold:
                self._multipart(item, path)
            else:
                self._put(item, path, size)
        except ClientError as exc:
            raise UploadFailed(self._explain(item, exc)) from exc
        except BotoCoreError as exc:
            raise UploadFailed(str(exc)) from exc

    def _put(self, item: PlanItem, path: Path, size: int) -> None:
        from botocore.exceptions import ClientError

        kwargs = self._extra(item)
        if item.md5:
            # S3 verifies it: a file that changed after hashing is refused (BadDigest).
            kwargs["ContentMD5"] = base64.b64encode(bytes.fromhex(item.md5)).decode()
        condition: dict[str, str] = {}
        if self.conditional:
            if item.action == "create":
                condition = {"IfNoneMatch": "*"}
            elif item.remote_etag:
                condition = {"IfMatch": f'"{item.remote_etag}"'}
        with open(path, "rb") as handle:
            body: bytes | BinaryIO = handle.read() if size < IN_MEMORY_BODY_BYTES else handle
            try:
                self.s3.put_object(Bucket=self.bucket, Key=item.path, Body=body, **kwargs, **condition)
            except ClientError as exc:
                code = error_code(exc)
                if code == "PreconditionFailed" and metadata_md5(self.s3, self.bucket, item.path) == item.md5:
                    return  # a retried request had already landed: the object is what we wanted
                if code in ("NotImplemented", "501") and condition:
                    self.conditional = False  # endpoint without conditional writes
                    handle.seek(0)  # rewinds a file body; a bytes body needs nothing
                    self.s3.put_object(Bucket=self.bucket, Key=item.path, Body=body, **kwargs)
                    return
                raise

    def _multipart(self, item: PlanItem, path: Path) -> None:
        # Large files: s3transfer's multipart upload (parallel parts, per-part retries). The MD5
        # metadata keeps the object comparable although its ETag is not an MD5.
        # A transfer manager, not ``client.upload_file``: that method exists only on clients
        # built by a boto3 session, and cruddur_ops.aws builds them from botocore's.
        from boto3.s3.transfer import TransferConfig, create_transfer_manager

        config = TransferConfig(multipart_threshold=self.multipart_threshold)
        with create_transfer_manager(self.s3, config) as manager:
            # CRC32 per part: S3 checks every part though the client sends no default checksums.
            manager.upload(str(path), self.bucket, item.path,
                           extra_args={**self._extra(item), "ChecksumAlgorithm": "CRC32"}).result()

    @staticmethod
    def _explain(item: PlanItem, exc: Any) -> str:
        code = error_code(exc)
        if code == "PreconditionFailed":
            return ("object already exists in the bucket (created since the plan)" if item.action == "create"
                    else "object changed in the bucket since the plan")
        if code == "BadDigest":
            return "local file changed while uploading (MD5 mismatch)"
        if code == "AccessControlListNotSupported":
            return "bucket rejects ACLs (none were sent): check bucket policy"
        return f"{code}: {error_message(exc)}"

    def delete(self, keys: Sequence[str]) -> list[tuple[str, str]]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.s3.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
            )
        except (ClientError, BotoCoreError) as exc:
            why = f"{error_code(exc)}: {error_message(exc)}" if isinstance(exc, ClientError) else str(exc)
            return [(k, why) for k in keys]
        return [(e.get("Key", "?"), f"{e.get('Code', 'error')}: {e.get('Message', '')}".rstrip(": "))
                for e in response.get("Errors", ())]


class DryRunExecutor:
    """Records what would be sent; sends nothing. ``local=False``: the uploads are server-side
    copies (a rollback), so there is no local file to check."""

    def __init__(self, *, local: bool = True) -> None:
        self.uploads: list[str] = []
        self.deletes: list[str] = []
        self.local = local

    def upload(self, item: PlanItem, path: Path) -> None:
        if self.local and not path.is_file():
            raise UploadFailed(f"cannot read {path}")
        self.uploads.append(item.path)

    def delete(self, keys: Sequence[str]) -> list[tuple[str, str]]:
        self.deletes.extend(keys)
        return []

"""One deploy at a time per bucket: a lock object written with ``If-None-Match: *``.

S3 (and moto, and LocalStack) create the object only when no object has the key, so exactly one
of two concurrent runs gets it; the other reads who holds it and refuses at once, or waits
(``--lock-wait``). The lock states its expiry: a run killed mid-way leaves it behind, and once it
has expired ``--break-lock`` removes it (conditionally on its ETag, so a lock taken again in the
meantime is not broken). The holder renews the expiry while it works (:meth:`BucketLock.kept`),
so a long deploy keeps its lock and a killed one loses it soon. A live lock can never be broken, and an expired one is never broken
silently. Endpoints without conditional writes get a check-then-write lock, said in a notice.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..aws import aws_errors
from ..errors import AwsError, RefusedError
from .release_store import MISSING, cause_code

LOCK = "lock.json"
LOCK_FORMAT = "cruddur-ops/lock/1"
# A lock states how long it lasts (SYNC_LOCK_TTL, default settings.DEFAULT_LOCK_TTL = 120 s). The
# holder renews it every third of that while it runs, so only a killed run's lock expires: it
# blocks the next deploy for two minutes at most.
CONFLICT_CODES = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class LockInfo:
    operation: str  # sync | rollback
    release: str  # the release the holder is making
    started: str
    expires: str
    where: str | None
    token: str = ""

    def describe(self) -> str:
        return (f"{self.operation} of release {self.release}, started {self.started}"
                f"{f' by {self.where}' if self.where else ''}, expires {self.expires}")

    def expired(self, now: datetime) -> bool:
        try:
            return datetime.strptime(self.expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) <= now
        except ValueError:
            return True  # a lock whose expiry cannot be read cannot be trusted to end


def new_lock(operation: str, release: str, where: str | None, now: datetime, ttl: int) -> LockInfo:
    def iso(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    return LockInfo(operation, release, iso(now), iso(now + timedelta(seconds=ttl)), where, secrets.token_hex(8))


def _parse(raw: bytes | None) -> LockInfo | None:
    try:
        data = json.loads(raw or b"")
        if not isinstance(data, dict) or data.get("format") != LOCK_FORMAT:
            return None
        return LockInfo(str(data["operation"]), str(data["release"]), str(data["started"]),
                        str(data["expires"]), data.get("where"), str(data.get("token", "")))
    except (ValueError, KeyError, UnicodeDecodeError):
        return None


def _body(info: LockInfo) -> bytes:
    return json.dumps({"format": LOCK_FORMAT, "operation": info.operation, "release": info.release,
                       "started": info.started, "expires": info.expires, "where": info.where,
                       "token": info.token}).encode()


@dataclass
class HeldLock:
    key: str
    etag: str
    info: LockInfo
    conditional: bool = True


class BucketLock:
    """``acquire`` then ``release`` (or use as a context manager via :meth:`held`)."""

    def __init__(self, s3: Any, bucket: str, release_prefix: str, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.s3, self.bucket, self.key = s3, bucket, release_prefix + LOCK
        self.clock, self.sleep = clock, sleep
        self.notice: str | None = None

    def _current(self) -> tuple[LockInfo | None, str | None]:
        """The lock object now (parsed; None when unreadable) and its ETag (None: no lock)."""
        try:
            with aws_errors(f"read the deploy lock s3://{self.bucket}/{self.key}"):
                response = self.s3.get_object(Bucket=self.bucket, Key=self.key)
                return _parse(response["Body"].read()), str(response.get("ETag", ""))
        except AwsError as exc:
            if cause_code(exc) in MISSING:
                return None, None
            raise

    def _put(self, info: LockInfo, conditional: bool) -> str:
        extra = {"IfNoneMatch": "*"} if conditional else {}
        response = self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=_body(info),
                                      ContentType="application/json", CacheControl="no-store", **extra)
        return str(response.get("ETag", ""))

    def _try(self, info: LockInfo) -> HeldLock | None:
        try:
            with aws_errors(f"take the deploy lock s3://{self.bucket}/{self.key}"):
                return HeldLock(self.key, self._put(info, True), info)
        except AwsError as exc:
            code = cause_code(exc)
            if code in CONFLICT_CODES:
                return None
            if code not in ("NotImplemented", "501"):
                raise
        # No conditional writes here: check, write, read back. Two runs within the same
        # moment can both pass the check; the read-back catches most of those.
        self.notice = "this endpoint has no conditional writes: the deploy lock is best effort"
        if self._current()[1] is not None:  # somebody holds it (readable or not)
            return None
        with aws_errors(f"take the deploy lock s3://{self.bucket}/{self.key}"):
            etag = self._put(info, False)
        now, _etag = self._current()
        return HeldLock(self.key, etag, info, conditional=False) if now and now.token == info.token else None

    def acquire(self, info: LockInfo, *, wait: float = 0.0, break_stale: bool = False) -> HeldLock:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            held = self._try(info)
            if held is not None:
                return held
            current, etag = self._current()
            if etag is None:
                continue  # released between our write and our read: try again
            now = self.clock()
            stale = current is None or current.expired(now)
            who = current.describe() if current else "an unreadable lock object"
            if break_stale and stale:
                self._break(etag)
                continue
            if time.monotonic() < deadline:  # with --break-lock too: it may expire while we wait
                self.sleep(min(POLL_SECONDS, max(0.1, deadline - time.monotonic())))
                continue
            if break_stale:
                raise RefusedError(
                    f"the deploy lock s3://{self.bucket}/{self.key} is held ({who}) and has not "
                    "expired; --break-lock only breaks expired locks (nothing was changed)",
                    hint="wait for that deploy to finish, or pass --lock-wait SECONDS (with "
                         "--break-lock: take it over if its holder stops renewing it)")
            if stale:
                raise RefusedError(
                    f"the deploy lock s3://{self.bucket}/{self.key} is stale ({who}) (nothing was changed)",
                    hint="its run was killed or lost: make sure it is not running, then re-run with --break-lock")
            raise RefusedError(
                f"another deploy holds the lock s3://{self.bucket}/{self.key}: {who} (nothing was changed)",
                hint="wait for it to finish and run again, or pass --lock-wait SECONDS to wait")

    def _break(self, etag: str) -> None:
        try:
            with aws_errors(f"break the deploy lock s3://{self.bucket}/{self.key}"):
                self.s3.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=etag)
        except AwsError as exc:
            code = cause_code(exc)
            if code in CONFLICT_CODES:
                return  # taken again since we read it: the next round reads the new holder
            if code not in ("NotImplemented", "501"):
                raise
            with aws_errors(f"break the deploy lock s3://{self.bucket}/{self.key}"):
                self.s3.delete_object(Bucket=self.bucket, Key=self.key)

    @contextmanager
    def kept(self, held: HeldLock, ttl: int) -> Iterator[HeldLock]:
        """Renew ``held``'s expiry every ttl/3 seconds while the block runs (conditional on the
        ETag we last wrote: a lock lost to --break-lock is not taken back), then release it."""
        from botocore.exceptions import BotoCoreError, ClientError

        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(max(0.2, ttl / 3)):
                now = self.clock()
                info = replace(held.info, expires=(now + timedelta(seconds=ttl)).strftime("%Y-%m-%dT%H:%M:%SZ"))
                extra = {"IfMatch": held.etag} if held.conditional and held.etag else {}
                try:
                    response = self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=_body(info),
                                                  ContentType="application/json", CacheControl="no-store", **extra)
                except (ClientError, BotoCoreError):
                    continue  # a failed renewal only shortens our lock; the deploy goes on
                held.etag, held.info = str(response.get("ETag", "")), info

        thread = threading.Thread(target=renew, name="lock-renew", daemon=True)
        thread.start()
        try:
            yield held
        finally:
            stop.set()
            thread.join()
            self.release(held)

    def release(self, held: HeldLock) -> None:
        """Remove our own lock (only ours: conditional on the ETag we wrote)."""
        try:
            with aws_errors(f"release the deploy lock s3://{self.bucket}/{self.key}"):
                if held.conditional and held.etag:
                    self.s3.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=held.etag)
                else:
                    self.s3.delete_object(Bucket=self.bucket, Key=self.key)
        except AwsError as exc:
            code = cause_code(exc)
            if code in CONFLICT_CODES:
                return  # expired and broken by another run: that lock is theirs now
            if code not in ("NotImplemented", "501"):
                raise
            with aws_errors(f"release the deploy lock s3://{self.bucket}/{self.key}"):
                self.s3.delete_object(Bucket=self.bucket, Key=self.key)

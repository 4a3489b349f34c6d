"""The apply executor: ordering, failure handling, batching, and real S3 calls (moto mock)."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

import pytest
from moto import mock_aws

from cruddur_ops import aws
from cruddur_ops.sync.apply import (
    DELETE_BATCH,
    IN_MEMORY_BODY_BYTES,
    DryRunExecutor,
    S3Executor,
    UploadFailed,
    apply_plan,
)
from cruddur_ops.sync.model import PlanItem
from cruddur_ops.sync.remote import list_objects, metadata_md5, parse_md5
from cruddur_ops.sync.s3client import sync_client


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def item(path: str, action: str = "create", data: bytes = b"x", ctype: str = "text/javascript; charset=utf-8",
         remote_etag: str | None = None) -> PlanItem:
    return PlanItem(path=path, action=action, reason="", md5=None if action == "delete" else md5(data),  # type: ignore[arg-type]
                    size=len(data), content_type=ctype, cache_control="no-cache", remote_etag=remote_etag, file=path)


class Recorder:
    def __init__(self, fail: set[str] | None = None, delete_errors: bool = False) -> None:
        self.events: list[tuple[str, object]] = []
        self.fail = fail or set()
        self.delete_errors = delete_errors

    def upload(self, item: PlanItem, path: Path) -> None:
        if item.path in self.fail:
            raise UploadFailed("boom")
        self.events.append(("put", item.path))

    def delete(self, keys):
        self.events.append(("delete", len(keys)))
        return [(keys[0], "AccessDenied: no")] if self.delete_errors else []


HTML = "text/html; charset=utf-8"


def test_assets_then_html_then_deletes(tmp_path: Path) -> None:
    items = [item("index.html", ctype=HTML), item("old.js", "delete"), item("a.js"), item("b.css"),
             item("about/index.html", ctype=HTML)]
    rec = Recorder()
    result = apply_plan(items, executor=rec, build_dir=tmp_path, workers=4)
    kinds = [name for _, name in rec.events]
    assert set(kinds[:2]) == {"a.js", "b.css"} and set(kinds[2:4]) == {"index.html", "about/index.html"}
    assert rec.events[-1] == ("delete", 1) and result.ok and result.deleted == ["old.js"]


def test_largest_files_start_first_within_each_phase(tmp_path: Path) -> None:
    items = [item("a.js", data=b"1"), item("big.mp4", data=b"1" * 900), item("b.css", data=b"1" * 30),
             item("index.html", ctype=HTML, data=b"1"), item("about/index.html", ctype=HTML, data=b"1" * 50),
             item("same-size-1.js", data=b"2" * 30)]
    rec = Recorder()
    apply_plan(items, executor=rec, build_dir=tmp_path, workers=1)  # one worker: runs in submit order
    # biggest first; equal sizes keep the plan's (key) order; HTML still after every asset
    assert [name for _, name in rec.events] == ["big.mp4", "b.css", "same-size-1.js", "a.js",
                                                "about/index.html", "index.html"]


def test_uploads_are_queued_a_few_per_worker_not_a_future_per_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A 100,000-file first deploy must not hold 100,000 Futures: at most a few per worker wait
    in the pool, and every file is still uploaded once, largest first."""
    import concurrent.futures
    import threading

    from cruddur_ops.sync import apply as apply_module

    outstanding, most = 0, 0
    lock = threading.Lock()

    class CountingPool(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
            nonlocal outstanding, most
            with lock:
                outstanding += 1
                most = max(most, outstanding)
            future = super().submit(fn, *args, **kwargs)

            def finished(_: object) -> None:
                nonlocal outstanding
                with lock:
                    outstanding -= 1
            future.add_done_callback(finished)
            return future

    monkeypatch.setattr(apply_module, "ThreadPoolExecutor", CountingPool)
    items = [item(f"static/{i:04d}.js", data=b"x" * (i % 97)) for i in range(2_000)]
    rec = Recorder()
    result = apply_plan(items, executor=rec, build_dir=tmp_path, workers=3)
    assert result.ok and sorted(result.uploaded) == sorted(i.path for i in items)
    assert sorted(name for _, name in rec.events) == sorted(i.path for i in items)  # each once
    assert 3 <= most <= apply_module.UPLOADS_QUEUED_PER_WORKER * 3


def test_a_failed_asset_stops_html_and_deletes(tmp_path: Path) -> None:
    items = [item("index.html", ctype=HTML), item("old.js", "delete"), item("a.js"), item("b.js")]
    rec = Recorder(fail={"a.js"})
    result = apply_plan(items, executor=rec, build_dir=tmp_path, workers=2)
    assert result.failed == [("a.js", "boom")]
    assert sorted(result.skipped) == ["index.html", "old.js"]
    assert ("put", "index.html") not in rec.events and not any(e[0] == "delete" for e in rec.events)


def test_deletes_go_in_batches_of_1000_with_per_key_errors(tmp_path: Path) -> None:
    items = [item(f"k{i}", "delete") for i in range(DELETE_BATCH + 5)]
    rec = Recorder(delete_errors=True)
    result = apply_plan(items, executor=rec, build_dir=tmp_path)
    assert rec.events == [("delete", 1000), ("delete", 5)]
    assert result.failed == [("k0", "AccessDenied: no"), ("k1000", "AccessDenied: no")]
    assert len(result.deleted) == DELETE_BATCH + 5 - 2


def test_dry_run_executor_sends_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_bytes(b"x")
    dry = DryRunExecutor()
    result = apply_plan([item("a.js"), item("gone", "delete")], executor=dry, build_dir=tmp_path)
    assert dry.uploads == ["a.js"] and dry.deletes == ["gone"] and result.ok


@pytest.fixture
def s3():
    # Built the way the tasks build it (a botocore session, no boto3 injections such as
    # client.upload_file), so a call that only exists on boto3-made clients fails here.
    with mock_aws():
        target = aws.AwsTarget(region="us-east-1")
        client = sync_client(target, aws.session(target), workers=4)
        client.create_bucket(Bucket="bkt")
        yield client


def test_put_sets_type_cache_md5_metadata_and_no_acl(s3, tmp_path: Path) -> None:
    data = b"console.log(1)"
    (tmp_path / "a.js").write_bytes(data)
    S3Executor(s3, "bkt").upload(item("a.js", data=data), tmp_path / "a.js")
    head = s3.head_object(Bucket="bkt", Key="a.js")
    assert head["ContentType"] == "text/javascript; charset=utf-8" and head["CacheControl"] == "no-cache"
    assert head["Metadata"] == {"md5chksum": md5(data)} and head["ETag"] == f'"{md5(data)}"'
    grants = s3.get_object_acl(Bucket="bkt", Key="a.js")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # owner only: no ACL sent


def test_small_files_skip_the_expect_handshake_and_large_ones_keep_it(s3, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from cruddur_ops.patches import botocore_expect_continue

    sent: dict[str, bytes | None] = {}

    def record(request, **_: object) -> None:
        sent[request.url.rsplit("/", 1)[1]] = request.headers.get("Expect")

    s3.meta.events.register("before-send.s3.PutObject", record)
    monkeypatch.setattr(botocore_expect_continue, "EXPECT_CONTINUE_MIN_BYTES", 1000)
    small, large = b"s" * 999, b"L" * 1000
    for name, data in (("small.js", small), ("large.js", large)):
        (tmp_path / name).write_bytes(data)
        S3Executor(s3, "bkt").upload(item(name, data=data), tmp_path / name)
        assert s3.get_object(Bucket="bkt", Key=name)["Body"].read() == data
    assert sent == {"small.js": None, "large.js": b"100-continue"}


def test_conditional_writes_refuse_concurrent_changes(s3, tmp_path: Path) -> None:
    (tmp_path / "a.js").write_bytes(b"new")
    s3.put_object(Bucket="bkt", Key="a.js", Body=b"someone else")
    with pytest.raises(UploadFailed, match="already exists"):
        S3Executor(s3, "bkt").upload(item("a.js", data=b"new"), tmp_path / "a.js")
    with pytest.raises(UploadFailed, match="changed in the bucket"):
        S3Executor(s3, "bkt").upload(item("a.js", "update", data=b"new", remote_etag=md5(b"old")), tmp_path / "a.js")
    S3Executor(s3, "bkt").upload(item("a.js", "update", data=b"new", remote_etag=md5(b"someone else")),
                                 tmp_path / "a.js")
    assert s3.get_object(Bucket="bkt", Key="a.js")["Body"].read() == b"new"
    # a create that "fails" because our own earlier attempt landed is a success
    S3Executor(s3, "bkt").upload(item("a.js", data=b"new"), tmp_path / "a.js")


def test_content_md5_of_the_planned_bytes_is_sent(tmp_path: Path) -> None:
    # S3 (not moto) refuses a body whose MD5 differs: a file edited after planning fails with
    # BadDigest instead of landing unplanned bytes.
    class Capture:
        def put_object(self, **kwargs):
            self.kwargs = kwargs

    (tmp_path / "a.js").write_bytes(b"planned")
    fake = Capture()
    S3Executor(fake, "bkt").upload(item("a.js", data=b"planned"), tmp_path / "a.js")
    assert fake.kwargs["ContentMD5"] == base64.b64encode(hashlib.md5(b"planned").digest()).decode()
    assert fake.kwargs["IfNoneMatch"] == "*" and "ACL" not in fake.kwargs
    assert S3Executor._explain(item("a.js"), _client_error("BadDigest")) == "local file changed while uploading (MD5 mismatch)"


def _client_error(code: str):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code}}, "PutObject")


def test_endpoint_without_conditional_writes_falls_back(tmp_path: Path) -> None:
    class NoConditions:
        calls = 0

        def put_object(self, **kwargs):
            self.calls += 1
            if "IfNoneMatch" in kwargs or "IfMatch" in kwargs:
                raise _client_error("NotImplemented")
            self.kwargs = kwargs

    (tmp_path / "a.js").write_bytes(b"x")
    fake = NoConditions()
    executor = S3Executor(fake, "bkt")
    executor.upload(item("a.js"), tmp_path / "a.js")
    assert fake.calls == 2 and not executor.conditional and "IfNoneMatch" not in fake.kwargs


@pytest.mark.parametrize("size", [3, 2 * 1024 * 1024])
def test_small_bodies_go_as_bytes_large_ones_as_the_open_file_and_both_survive_a_fallback(
        tmp_path: Path, size: int) -> None:
    class NoConditions:
        def __init__(self) -> None:
            self.bodies: list[bytes] = []
            self.types: list[type] = []

        def put_object(self, **kwargs):
            body = kwargs["Body"]
            self.types.append(type(body))
            self.bodies.append(body if isinstance(body, bytes) else body.read())
            if "IfNoneMatch" in kwargs:
                raise _client_error("NotImplemented")

    data = bytes(range(256)) * (size // 256) + b"abc"[: size % 256]
    (tmp_path / "a.bin").write_bytes(data)
    fake = NoConditions()
    S3Executor(fake, "bkt").upload(item("a.bin", data=data), tmp_path / "a.bin")
    assert fake.bodies == [data, data]  # the retry sent the whole file again
    expected = bytes if size < IN_MEMORY_BODY_BYTES else io.BufferedReader
    assert fake.types == [expected, expected]


def test_large_files_go_multipart_with_md5_metadata(s3, tmp_path: Path) -> None:
    data = b"z" * (6 * 1024 * 1024)
    (tmp_path / "big.bin").write_bytes(data)
    S3Executor(s3, "bkt", multipart_threshold=5 * 1024 * 1024).upload(item("big.bin", data=data), tmp_path / "big.bin")
    listed = list_objects(s3, "bkt")["big.bin"]
    assert not listed.etag_is_md5 and listed.size == len(data)
    assert metadata_md5(s3, "bkt", "big.bin") == md5(data)
    # parts carry a CRC32 that S3 checks, though the sync's client sends no default checksums
    assert "ChecksumCRC32" in s3.head_object(Bucket="bkt", Key="big.bin", ChecksumMode="ENABLED")


def test_delete_reports_per_key_errors_from_the_response(s3) -> None:
    class Partial:
        def delete_objects(self, **kwargs):
            return {"Deleted": [{"Key": "a"}], "Errors": [{"Key": "b", "Code": "AccessDenied", "Message": "no"}]}

    assert S3Executor(Partial(), "bkt").delete(["a", "b"]) == [("b", "AccessDenied: no")]
    s3.put_object(Bucket="bkt", Key="x", Body=b"1")
    assert S3Executor(s3, "bkt").delete(["x", "never-existed"]) == []
    assert list_objects(s3, "bkt") == {}


def test_md5_metadata_formats() -> None:
    digest = md5(b"abc")
    assert parse_md5(digest) == digest
    assert parse_md5(base64.b64encode(bytes.fromhex(digest)).decode()) == digest  # rclone style
    assert parse_md5("nope") is None and parse_md5(None) is None


def test_missing_bucket_is_a_clear_error(s3) -> None:
    from cruddur_ops.errors import AwsError

    with pytest.raises(AwsError, match="bucket 'nope' does not exist"):
        list_objects(s3, "nope")

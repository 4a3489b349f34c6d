"""The moto server subprocess and an admin client that talks to it directly (not through the
counting proxy), used to arrange and verify bucket state outside timed runs."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MotoServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_moto_server(log_path: Path, timeout: float = 60.0) -> MotoServer:
    """moto server in its own process group (so it never competes for our GIL)."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **FAKE_CREDENTIALS},
        )
    server = MotoServer(process, port, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited early: {log_path.read_text()[-1500:]}")
        try:
            urllib.request.urlopen(f"{server.endpoint_url}/moto-api/", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"moto server did not answer within {timeout:.0f}s (log: {log_path})")


def admin_client(endpoint_url: str, service: str = "s3") -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service, endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(max_pool_connections=20, retries={"max_attempts": 5}),
    )


def create_bucket(s3: Any, bucket: str) -> None:
    s3.create_bucket(Bucket=bucket)


def list_objects(s3: Any, bucket: str) -> dict[str, dict[str, Any]]:
    objects: dict[str, dict[str, Any]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            objects[item["Key"]] = item
    return objects


def empty_bucket(s3: Any, bucket: str) -> None:
    keys = list(list_objects(s3, bucket))
    for start in range(0, len(keys), 1000):
        batch = [{"Key": k} for k in keys[start:start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})


def create_distribution(cloudfront: Any, bucket: str) -> str:
    """A CloudFront distribution in moto so cruddur-ops sends a real invalidation to count."""
    origin_id = f"s3-{bucket}"
    response = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": f"bench-{bucket}-{time.time_ns()}",
        "Comment": "sync benchmark",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": origin_id, "DomainName": f"{bucket}.s3.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }]},
        "DefaultCacheBehavior": {
            "TargetOriginId": origin_id, "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
        "DefaultRootObject": "index.html",
    })
    return str(response["Distribution"]["Id"])


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify_converged(s3: Any, bucket: str, build_dir: Path) -> str:
    """"ok" when the bucket holds exactly the build (keys, sizes, and MD5 where the ETag is one),
    else a short description of the first differences."""
    remote = list_objects(s3, bucket)
    local = {p.relative_to(build_dir).as_posix(): p for p in build_dir.rglob("*") if p.is_file()}
    missing = sorted(set(local) - set(remote))
    extra = sorted(set(remote) - set(local))
    stale = []
    for key in sorted(set(local) & set(remote)):
        path, item = local[key], remote[key]
        etag = item["ETag"].strip('"')
        if item["Size"] != path.stat().st_size or ("-" not in etag and etag != file_md5(path)):
            stale.append(key)
    if not (missing or extra or stale):
        return "ok"
    problems = []
    for label, keys in (("missing", missing), ("extra", extra), ("stale", stale)):
        if keys:
            problems.append(f"{len(keys)} {label} (e.g. {keys[0]})")
    return "; ".join(problems)

"""The moto server subprocess and an admin client that talks to it directly (not through the
counting proxy), used to arrange and verify bucket state outside timed runs."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from tests.support.moto_server import MotoServer
from tests.support.moto_server import start_moto_server as start_test_moto_server

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def start_moto_server(log_path: Path, timeout: float = 60.0) -> MotoServer:
    """The test harness's moto server (its own process group), with benchmark credentials."""
    return start_test_moto_server(log_path, timeout=timeout, extra_env=FAKE_CREDENTIALS)


def admin_client(endpoint_url: str, service: str = "s3") -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service, endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(max_pool_connections=20, retries={"max_attempts": 5}),
    )


def create_bucket(s3: Any, bucket: str, exist_ok: bool = False) -> None:
    if exist_ok and bucket in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        return
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
    # cruddur-ops keeps its release records and deploy lock under this prefix: not site objects
    remote = {k: v for k, v in list_objects(s3, bucket).items() if not k.startswith("_cruddur-ops/")}
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

"""Fixtures and helpers shared by the frontend.plan / frontend.sync integration tests.

Every test gets its own bucket, build copy, changeset folder and an empty ``--env-file`` (so a
rendered ``sync.env`` in the checkout never leaks in), and a frontend stack name that does not
exist (so no other test's stack is consulted).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_FRONTEND = REPO_ROOT / "examples" / "frontend"
RELEASE_PREFIX = "_cruddur-ops/"


@dataclass
class SyncSite:
    bucket: str
    build: Path
    env_file: Path
    changesets: Path
    env: dict[str, str]
    s3: Any
    run_task: Callable[..., Any]
    extra: list[str] = field(default_factory=list)

    def inv(self, task: str, *args: str, env: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.run_task(task, "--env-file", str(self.env_file), *args,
                             env={**self.env, **(env or {})}, **kwargs)

    def objects(self, *, releases: bool = False) -> dict[str, tuple[int, str]]:
        """The bucket's objects; those under the release prefix only with ``releases``."""
        found: dict[str, tuple[int, str]] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for obj in page.get("Contents", []):
                if releases or not obj["Key"].startswith(RELEASE_PREFIX):
                    found[obj["Key"]] = (obj["Size"], obj["ETag"].strip('"'))
        return found

    def local_keys(self) -> set[str]:
        return {str(p.relative_to(self.build)) for p in self.build.rglob("*") if p.is_file()}


@functools.cache
def example_build() -> Path:
    """The example frontend built once per test process, by its real `npm run build`, into a
    temporary folder: a fresh clone has no examples/frontend/build, and tests must not write
    into the working tree."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is required to build examples/frontend for the sync tests")
    out = Path(tempfile.mkdtemp(prefix="cruddur-example-build-")) / "build"
    completed = subprocess.run([npm, "run", "build"], cwd=EXAMPLE_FRONTEND,
                               env={**os.environ, "BUILD_PATH": str(out)},
                               capture_output=True, text=True, timeout=300)
    if completed.returncode != 0 or not (out / "index.html").is_file():
        pytest.fail(f"npm run build failed in examples/frontend:\n{completed.stdout}{completed.stderr}")
    atexit.register(shutil.rmtree, out.parent, True)
    return out


@functools.cache
def example_files() -> tuple[str, ...]:
    """Relative paths of every file the example build holds."""
    build = example_build()
    return tuple(sorted(str(p.relative_to(build)) for p in build.rglob("*") if p.is_file()))


def copy_example(dest: Path) -> Path:
    shutil.copytree(example_build(), dest)
    return dest


@pytest.fixture(name="site")
def site_fixture(aws_env: dict[str, str], boto_client: Callable[..., Any], unique: str, tmp_path: Path,
         run_task: Callable[..., Any]) -> SyncSite:
    s3 = boto_client("s3")
    bucket = f"sync-{unique}"
    s3.create_bucket(Bucket=bucket)
    env_file = tmp_path / "sync.env"
    env_file.write_text("# empty on purpose\n")
    changesets = tmp_path / "changesets"
    env = {
        "SYNC_S3_BUCKET": bucket,
        "SYNC_BUILD_DIR": str(copy_example(tmp_path / "build")),
        "SYNC_OUTPUT_CHANGESET_PATH": str(changesets / "changeset.json"),
        "SYNC_FRONTEND_STACK": f"absent-{unique}",
        "SYNC_CLOUDFRONT_DISTRIBUTION_ID": "",
        "SYNC_CLOUDFRONT_DISTRUBTION_ID": "",
        "SYNC_AUTO_APPROVE": "",
    }
    return SyncSite(bucket, tmp_path / "build", env_file, changesets, env, s3, run_task)


def create_distribution(cloudfront: Any, bucket: str, unique: str) -> str:
    response = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": f"test-{unique}",
        "Comment": "cruddur-ops sync test",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "s3", "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    })
    return str(response["Distribution"]["Id"])


def invalidation_paths(cloudfront: Any, distribution_id: str) -> list[list[str]]:
    """Paths of every invalidation on the distribution, oldest first."""
    summaries = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", [])
    out = []
    for summary in reversed(summaries):
        batch = cloudfront.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
        out.append(batch["Invalidation"]["InvalidationBatch"]["Paths"].get("Items", []))
    return out

"""The README's first command (`nox -s demo`): the main job on an embedded default.

Starts a moto server, creates a bucket and a CloudFront distribution, renders ``sync.env``,
builds ``examples/frontend``, shows the plan, syncs with invalidation, syncs again (no changes),
and prints where the files landed. No AWS account and no Docker needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.moto_server import start_moto_server  # noqa: E402  (the harness's emulator)

DEMO_DIR = ROOT / ".demo"


def step(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m" if sys.stdout.isatty() else f"\n== {title}", flush=True)


def inv(*args: str, env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "invoke", *args]
    print("$ inv " + " ".join(args), flush=True)
    completed = subprocess.run(command, cwd=ROOT, env=env)
    if completed.returncode != 0:
        raise SystemExit(f"demo: `inv {' '.join(args)}` failed with exit code {completed.returncode}")


def create_site(endpoint: str, bucket: str) -> str:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    cloudfront = boto3.client("cloudfront", endpoint_url=endpoint, region_name="us-east-1")
    origin_domain = f"{bucket}.s3.us-east-1.amazonaws.com"
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": f"demo-{time.time_ns()}",
        "Comment": "cruddur-ops demo",
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "root-bucket", "DomainName": origin_domain,
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "root-bucket", "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    })
    return str(distribution["Distribution"]["Id"])


def show_bucket(endpoint: str, bucket: str) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    paginator = s3.get_paginator("list_objects_v2")
    listed = [obj for page in paginator.paginate(Bucket=bucket) for obj in page.get("Contents", [])]
    keys = [obj for obj in listed if not obj["Key"].startswith("_cruddur-ops/")]
    print(f"s3://{bucket} now holds {len(keys)} objects of the site "
          f"(and {len(listed) - len(keys)} under _cruddur-ops/: the release record, content copies):")
    for obj in keys:
        head = s3.head_object(Bucket=bucket, Key=obj["Key"])
        print(f"  {obj['Key']:<58} {obj['Size']:>7} B  {head.get('ContentType', ''):<32} "
              f"{head.get('CacheControl', '')}")


def main() -> None:
    DEMO_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as logs:
        step("starting a moto server (the AWS emulator)")
        server = start_moto_server(Path(logs) / "moto.log")
        try:
            endpoint = server.endpoint_url
            print(f"moto server on {endpoint}")
            # Emulator credentials for this process (bucket setup) and every task it runs.
            for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
                os.environ.pop(name, None)
            os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "AKIADEMO0000000000",
                               "AWS_SECRET_ACCESS_KEY": "demo-secret", "AWS_DEFAULT_REGION": "us-east-1",
                               "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
            env = dict(os.environ)
            bucket = f"cruddur-demo-{int(time.time())}"
            distribution_id = create_site(endpoint, bucket)
            print(f"created bucket s3://{bucket} and CloudFront distribution {distribution_id}")

            step("rendering sync.env from erb_templates/sync.env.erb")
            render_env = {**env, "SYNC_S3_BUCKET": bucket, "SYNC_CLOUDFRONT_DISTRIBUTION_ID": distribution_id,
                          "SYNC_BUILD_DIR": "examples/frontend/build",
                          "SYNC_OUTPUT_CHANGESET_PATH": ".demo/changeset.json"}
            inv("env.render", "sync", "--out-dir", str(DEMO_DIR), env=render_env)
            print((DEMO_DIR / "sync.env").read_text(), end="")
            env_file = str(DEMO_DIR / "sync.env")

            step("building examples/frontend (npm run build)")
            inv("frontend.build", "--frontend-dir", "examples/frontend", env=env)

            step("plan")
            inv("frontend.plan", "--env-file", env_file, env=env)

            step("sync: upload, then invalidate CloudFront and wait for it")
            inv("frontend.sync", "--yes", "--wait", "--env-file", env_file, env=env)

            step("sync again: nothing changed, nothing to do")
            inv("frontend.sync", "--yes", "--env-file", env_file, env=env)

            step("the release that sync recorded (frontend.rollback can make an earlier one live)")
            inv("frontend.releases", "--env-file", env_file, env=env)

            step("where the files landed")
            show_bucket(endpoint, bucket)
            changesets = sorted(DEMO_DIR.glob("changeset-*.json"))
            if changesets:
                print(f"changesets written: {', '.join(str(p.relative_to(ROOT)) for p in changesets)}")
        finally:
            server.stop()
    print("\ndemo complete: the same commands work against real AWS without AWS_ENDPOINT_URL.")


if __name__ == "__main__":
    main()

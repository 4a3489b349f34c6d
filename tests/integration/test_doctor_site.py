"""`inv frontend.doctor` end to end on moto server: broken setups are each named with their fix.

moto keeps no OriginAccessControlId / OAI on a distribution's origins and no FunctionAssociations
on its cache behaviours (emulators.md), so on moto the "origin access" link reads as missing and
"SPA routing" never sees a function. The healthy-site test puts a proxy in front of moto that adds
both back into GetDistribution's answer, as AWS returns them, so the whole task is seen passing;
their parsing is covered with real-shaped responses in tests/unit/test_doctor_observe.py.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.support.recording_proxy import RecordingProxy

pytestmark = pytest.mark.needs_cloudfront

BLOCK_ALL = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)


class Site:
    """Arrange a bucket + distribution the way an operator might have left them."""

    def __init__(self, boto_client: Callable[..., Any], unique: str) -> None:
        self.s3 = boto_client("s3")
        self.cloudfront = boto_client("cloudfront")
        self.bucket = f"cruddur-doctor-{unique}"
        self.unique = unique
        self.distribution_id = ""
        self.arn = ""

    def make_bucket(self, *, block: bool = True, index: bool = True, content_type: str = "text/html; charset=utf-8") -> None:
        self.s3.create_bucket(Bucket=self.bucket)
        if block:
            self.s3.put_public_access_block(Bucket=self.bucket, PublicAccessBlockConfiguration=BLOCK_ALL)
        if index:
            self.s3.put_object(Bucket=self.bucket, Key="index.html", Body=b"<!doctype html>", ContentType=content_type)

    def make_distribution(self, *, website: bool = False, root: str = "index.html", errors: bool = True) -> None:
        domain = (f"{self.bucket}.s3-website-us-east-1.amazonaws.com" if website
                  else f"{self.bucket}.s3.us-east-1.amazonaws.com")
        origin: dict[str, Any] = {"Id": "RootBucketOrigin", "DomainName": domain}
        if website:
            origin["CustomOriginConfig"] = {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}
        else:
            origin["S3OriginConfig"] = {"OriginAccessIdentity": ""}
        error_items = [{"ErrorCode": code, "ResponsePagePath": "/index.html", "ResponseCode": "200",
                        "ErrorCachingMinTTL": 10} for code in (403, 404)] if errors else []
        created = self.cloudfront.create_distribution(DistributionConfig={
            "CallerReference": f"doctor-{self.unique}", "Comment": "doctor test", "Enabled": True,
            "DefaultRootObject": root,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "RootBucketOrigin", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
            "CustomErrorResponses": {"Quantity": len(error_items), "Items": error_items},
        })["Distribution"]
        self.distribution_id = created["Id"]
        account = created["ARN"].split(":")[-2]
        self.arn = f"arn:aws:cloudfront::{account}:distribution/{self.distribution_id}"

    def grant_distribution(self, *, keep_releases_private: bool = True) -> None:
        statements: list[dict[str, Any]] = [{
            "Sid": "AllowCloudFrontOACReadOnly", "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{self.bucket}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": self.arn}}}]
        if keep_releases_private:  # what aws/cfn/frontend adds for frontend.sync's release prefix
            statements.append({"Sid": "DenyReleasePrefixToCloudFront", "Effect": "Deny",
                               "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                               "Resource": f"arn:aws:s3:::{self.bucket}/_cruddur-ops/*"})
        self.s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps({"Version": "2012-10-17",
                                                                          "Statement": statements}))

    def args(self) -> list[str]:
        return ["--bucket", self.bucket, "--distribution-id", self.distribution_id]


def links(result: Any) -> dict[str, dict[str, str]]:
    return {item["link"]: item for item in json.loads(result.stdout)}


@pytest.fixture
def site(aws_env: dict[str, str], boto_client: Callable[..., Any], unique: str) -> Site:
    return Site(boto_client, unique)


def test_the_journals_case_private_bucket_with_no_grant(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket()
    site.make_distribution()
    result = run_task("frontend.doctor", *site.args())
    assert result.returncode == 1
    out = result.stdout
    assert "WRONG  bucket policy: CloudFront distribution" in out and "the bucket has no policy" in out
    assert f'"AWS:SourceArn":"{site.arn}"' in out  # the fix is the exact statement to add
    assert "WRONG  origin access:" in out and "403 Access Denied" in out
    assert "ok  public access block" in out and "ok  index.html" in out
    assert "broken link(s) between CloudFront and the bucket: origin access, bucket policy" in result.stderr
    assert "Traceback" not in result.output


def _fill(block: bytes, name: bytes, element: bytes, before: bytes) -> bytes:
    """Put ``element`` in place of ``<name>`` in ``block`` (moto writes it empty, or with a
    Quantity of 0), or add it before ``before``."""
    existing = rb"<%s\s*/>|<%s>.*?</%s>" % (name, name, name)
    text, count = re.subn(existing, element, block, count=1, flags=re.S)
    return text if count else text.replace(before, element + before, 1)


def as_aws_returns_it(oac_id: str, function_arn: str) -> Callable[[str, str, bytes], bytes]:
    """GetDistribution's answer with what moto drops and AWS returns: the origin's
    ``OriginAccessControlId`` and the default cache behaviour's viewer-request function."""
    association = (b"<FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation>"
                   b"<FunctionARN>" + function_arn.encode() + b"</FunctionARN><EventType>viewer-request"
                   b"</EventType></FunctionAssociation></Items></FunctionAssociations>")
    oac = f"<OriginAccessControlId>{oac_id}</OriginAccessControlId>".encode()

    def rewrite(method: str, path: str, body: bytes) -> bytes:
        if method != "GET" or not re.search(r"/distribution/[A-Z0-9]+$", path.split("?")[0]):
            return body
        body = re.sub(rb"<Origin>.*?</Origin>",
                      lambda m: _fill(m.group(0), b"OriginAccessControlId", oac, b"</Origin>"), body, flags=re.S)
        return re.sub(rb"<DefaultCacheBehavior>.*?</DefaultCacheBehavior>",
                      lambda m: _fill(m.group(0), b"FunctionAssociations", association, b"</DefaultCacheBehavior>"),
                      body, flags=re.S)

    return rewrite


def test_a_healthy_private_site_passes_every_link(
    site: Site, run_task: Callable[..., Any], aws_env: dict[str, str], emulator: Any
) -> None:
    site.make_bucket()
    site.make_distribution(errors=False)  # SPA routing by the viewer-request function instead
    site.grant_distribution()
    oac = site.cloudfront.create_origin_access_control(OriginAccessControlConfig={
        "Name": f"oac-{site.unique}", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
    proxy = RecordingProxy(emulator.endpoint_url, rewrite=as_aws_returns_it(oac, "arn:aws:cloudfront::123456789012:function/spa-routing")).start()
    try:
        result = run_task("frontend.doctor", "--json", *site.args(),
                          env={"AWS_ENDPOINT_URL": proxy.endpoint_url})
    finally:
        proxy.stop()
    checks = links(result)
    assert {link: c["status"] for link, c in checks.items() if c["status"] != "ok"} == {}
    assert oac in checks["origin access"]["detail"] and "spa-routing" in checks["SPA routing"]["detail"]
    assert result.returncode == 0, result.output


def test_legacy_error_responses_hide_missing_assets(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket()
    site.make_distribution()
    site.grant_distribution()
    check = links(run_task("frontend.doctor", "--json", *site.args()))["SPA routing"]
    assert check["status"] == "wrong" and "older release" in check["detail"]


def test_a_distribution_that_may_read_the_release_prefix(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket()
    site.make_distribution()
    site.grant_distribution(keep_releases_private=False)
    check = links(run_task("frontend.doctor", "--json", *site.args()))["release prefix"]
    assert check["status"] == "wrong" and f"s3://{site.bucket}/_cruddur-ops/" in check["detail"]
    assert '"Effect":"Deny"' in check["fix"]
    moved = links(run_task("frontend.doctor", "--json", *site.args(), env={"SYNC_RELEASE_PREFIX": "deploys"}))
    assert f"s3://{site.bucket}/deploys/" in moved["release prefix"]["detail"]


def test_public_bucket(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket(block=False)
    site.make_distribution()
    site.grant_distribution()
    check = links(run_task("frontend.doctor", "--json", *site.args()))["public access block"]
    assert check["status"] == "wrong" and "no public access block at all" in check["detail"]
    assert f"put-public-access-block --bucket {site.bucket}" in check["fix"]


def test_website_endpoint_origin(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket()
    site.make_distribution(website=True)
    check = links(run_task("frontend.doctor", "--json", *site.args()))["origin endpoint"]
    assert check["status"] == "wrong" and "website" in check["detail"]
    assert f"{site.bucket}.s3.us-east-1.amazonaws.com" in check["fix"]


def test_missing_index_html(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket(index=False)
    site.make_distribution()
    check = links(run_task("frontend.doctor", "--json", *site.args()))["index.html"]
    assert check["status"] == "wrong" and "does not exist" in check["detail"]
    assert "inv frontend.sync" in check["fix"]


def test_index_with_the_wrong_content_type(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket(content_type="binary/octet-stream")
    site.make_distribution()
    check = links(run_task("frontend.doctor", "--json", *site.args()))["index.html"]
    assert check["status"] == "wrong" and "binary/octet-stream" in check["detail"]


def test_no_error_responses_and_no_root_object(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket()
    site.make_distribution(errors=False, root="")
    checks = links(run_task("frontend.doctor", "--json", *site.args()))
    assert checks["SPA routing"]["status"] == "wrong"
    assert "/users/profile" in checks["SPA routing"]["detail"]
    assert "inv cfn.deploy frontend" in checks["SPA routing"]["fix"]
    assert checks["default root object"]["status"] == "wrong"


def test_unknown_distribution(site: Site, run_task: Callable[..., Any]) -> None:
    site.make_bucket()
    result = run_task("frontend.doctor", "--json", "--bucket", site.bucket, "--distribution-id", "ENOSUCHDIST1")
    assert result.returncode == 1
    check = links(result)["distribution"]
    assert check["status"] == "wrong" and "ENOSUCHDIST1 not found" in check["detail"]


def test_settings_come_from_the_env_file_with_the_old_misspelling(
    site: Site, run_task: Callable[..., Any], tmp_path: Path,
) -> None:
    site.make_bucket()
    site.make_distribution()
    env_file = tmp_path / "sync.env"
    env_file.write_text(f"SYNC_S3_BUCKET={site.bucket}\nSYNC_CLOUDFRONT_DISTRUBTION_ID={site.distribution_id}\n")
    result = run_task("frontend.doctor", "--env-file", str(env_file))
    assert f"CloudFront {site.distribution_id} → s3://{site.bucket}" in result.stdout
    missing = run_task("frontend.doctor", "--env-file", str(tmp_path / "nope.env"))
    assert missing.returncode == 1 and "env file" in missing.stderr and "not found" in missing.stderr


def test_without_settings_the_frontend_stack_outputs_are_used(
    site: Site, run_task: Callable[..., Any], tmp_path: Path, boto_client: Callable[..., Any],
) -> None:
    """The bucket comes from the deployed frontend stack's outputs; moto's stack has no
    distribution, so the distribution is found by its origin on that bucket."""
    stacks_dir = tmp_path / "cfn"
    shutil.copytree(REPO_ROOT / "aws" / "cfn" / "frontend", stacks_dir / "frontend")
    config = stacks_dir / "frontend" / "config.toml"
    config.write_text(config.read_text().replace('stack_name = "CrdFrontend"', f'stack_name = "CrdFrontend-{site.unique}"'))
    env = {"CFN_STACKS_DIR": str(stacks_dir), "SYNC_S3_BUCKET": "", "SYNC_CLOUDFRONT_DISTRIBUTION_ID": "",
           "SYNC_CLOUDFRONT_DISTRUBTION_ID": ""}
    deployed = run_task("cfn.deploy", "frontend", "--yes", "--param", f"RootBucketName={site.bucket}", env=env)
    assert deployed.returncode == 0, deployed.output
    site.make_distribution()
    result = run_task("frontend.doctor", "--env-file", "", env=env)
    assert "using the frontend stack's outputs" in result.stderr, result.output
    assert f"CloudFront {site.distribution_id} → s3://{site.bucket}" in result.stdout
    boto_client("cloudformation").delete_stack(StackName=f"CrdFrontend-{site.unique}")

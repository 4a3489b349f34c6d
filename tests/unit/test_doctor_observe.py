"""Observing the chain. CloudFront through botocore's Stubber with real-shaped responses (moto
drops OriginAccessControlId / S3OriginConfig from origins, so "origin uses OAC/OAI" can only be
tested this way); S3 (policy, public access block, index.html) on moto's in-process mock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from cruddur_ops.doctor.checks import run_checks
from cruddur_ops.doctor.observe import distribution_facts, observe_site

BUCKET = "cruddur-site-test"
DIST = "E2ABCDEF123456"
ACCOUNT = "123456789012"
SOURCE_ARN = f"arn:aws:cloudfront::{ACCOUNT}:distribution/{DIST}"


def real_distribution(*, oac: str = "", oai: str = "", domain: str = f"{BUCKET}.s3.us-east-1.amazonaws.com",
                      s3_origin: bool = True) -> dict[str, Any]:
    """A GetDistribution response as real CloudFront returns it for an S3 origin."""
    origin: dict[str, Any] = {
        "Id": "RootBucketOrigin", "DomainName": domain, "OriginPath": "",
        "CustomHeaders": {"Quantity": 0}, "ConnectionAttempts": 3, "ConnectionTimeout": 10,
        "OriginShield": {"Enabled": False}, "OriginAccessControlId": oac,
    }
    if s3_origin:
        origin["S3OriginConfig"] = {"OriginAccessIdentity": oai}
    else:
        origin["CustomOriginConfig"] = {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}
    return {"Distribution": {
        "Id": DIST, "ARN": SOURCE_ARN, "Status": "Deployed",
        "LastModifiedTime": datetime(2026, 1, 1, tzinfo=UTC), "InProgressInvalidationBatches": 0,
        "DomainName": "d111111abcdef8.cloudfront.net",
        "DistributionConfig": {
            "CallerReference": "ref", "Comment": "", "Enabled": True, "DefaultRootObject": "index.html",
            "Aliases": {"Quantity": 0},
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "RootBucketOrigin", "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                # moto drops FunctionAssociations (reference/emulators.md): the stack's shape, stubbed
                "FunctionAssociations": {"Quantity": 1, "Items": [{
                    "EventType": "viewer-request",
                    "FunctionARN": "arn:aws:cloudfront::123456789012:function/CrdFrontend-spa-routing"}]}},
            "CustomErrorResponses": {"Quantity": 0},
            "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
        },
    }, "ETag": "E1"}


def private_bucket(s3: Any, *, policy: dict[str, Any] | None, index: bool = True) -> None:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True))
    if policy is not None:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    if index:
        s3.put_object(Bucket=BUCKET, Key="index.html", Body=b"<html></html>", ContentType="text/html; charset=utf-8")


OAC_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*", "Condition": {"StringEquals": {"AWS:SourceArn": SOURCE_ARN}}}, {
    "Effect": "Deny", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/_cruddur-ops/*"}]}


def observe_with(response: dict[str, Any], s3: Any) -> dict[str, Any]:
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    with Stubber(cloudfront) as stub:
        stub.add_response("get_distribution", response, {"Id": DIST})
        snapshot = observe_site(s3=s3, cloudfront=cloudfront, acm=None, bucket=BUCKET, distribution_id=DIST)
        stub.assert_no_pending_responses()
    return {r.link: r for r in run_checks(snapshot)}


def test_a_site_built_like_the_frontend_stack_is_healthy() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        private_bucket(s3, policy=OAC_POLICY)
        results = observe_with(real_distribution(oac="E3OACEXAMPLE"), s3)
    assert {link: r.status for link, r in results.items()} == {
        "distribution": "ok", "origin endpoint": "ok", "origin access": "ok", "bucket policy": "ok",
        "public access block": "ok", "index.html": "ok", "default root object": "ok",
        "SPA routing": "ok", "release prefix": "ok", "aliases / certificate": "ok"}


def test_the_journals_403_private_bucket_without_oac_or_grant() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        private_bucket(s3, policy=None)
        results = observe_with(real_distribution(), s3)
    assert results["origin access"].status == "wrong"
    assert "Origin Access Control" in results["origin access"].fix
    assert results["bucket policy"].status == "wrong"
    assert SOURCE_ARN in results["bucket policy"].fix
    assert results["public access block"].status == "ok"


def test_legacy_oai_is_recognised() -> None:
    oai_policy = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
                                 "Principal": {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1OAI"}}]}
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        private_bucket(s3, policy=oai_policy)
        results = observe_with(real_distribution(oai="origin-access-identity/cloudfront/E1OAI"), s3)
    assert results["origin access"].status == "ok" and "E1OAI" in results["origin access"].detail
    assert results["bucket policy"].status == "ok"


def test_website_endpoint_origin_is_named() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        private_bucket(s3, policy=OAC_POLICY)
        results = observe_with(real_distribution(domain=f"{BUCKET}.s3-website-us-east-1.amazonaws.com",
                                                  s3_origin=False), s3)
    assert results["origin endpoint"].status == "wrong"
    assert f"{BUCKET}.s3.us-east-1.amazonaws.com" in results["origin endpoint"].fix


def test_missing_distribution_and_bucket_inference() -> None:
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        private_bucket(s3, policy=OAC_POLICY, index=False)
        with Stubber(cloudfront) as stub:
            stub.add_client_error("get_distribution", "NoSuchDistribution", "The specified distribution does not exist.",
                                  404, expected_params={"Id": "ENOPE"})
            snapshot = observe_site(s3=s3, cloudfront=cloudfront, acm=None, bucket=BUCKET, distribution_id="ENOPE")
        assert snapshot.distribution is None
        results = {r.link: r for r in run_checks(snapshot)}
        assert results["distribution"].status == "wrong"
        assert results["index.html"].status == "wrong"
        # Only a distribution given: the bucket comes from its S3 origin.
        with Stubber(cloudfront) as stub:
            stub.add_response("get_distribution", real_distribution(oac="E3"), {"Id": DIST})
            inferred = observe_site(s3=s3, cloudfront=cloudfront, acm=None, bucket=None, distribution_id=DIST)
        assert inferred.bucket_name == BUCKET


def test_facts_from_an_emulator_shaped_response_do_not_invent_oac() -> None:
    """moto's origin has neither OriginAccessControlId nor S3OriginConfig: no OAC is claimed."""
    raw = real_distribution(oac="E3")["Distribution"]
    origin = raw["DistributionConfig"]["Origins"]["Items"][0]
    del origin["OriginAccessControlId"], origin["S3OriginConfig"]
    facts = distribution_facts(raw)
    assert facts.origins[0].origin_access_control_id == "" and not facts.origins[0].is_s3_origin


@pytest.mark.parametrize("names", [("example.com", "*.example.com")])
def test_certificate_is_read_for_aliases(names: tuple[str, ...]) -> None:
    response = real_distribution(oac="E3")
    config = response["Distribution"]["DistributionConfig"]
    config["Aliases"] = {"Quantity": 2, "Items": ["example.com", "www.example.com"]}
    cert_arn = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
    config["ViewerCertificate"] = {"ACMCertificateArn": cert_arn, "SSLSupportMethod": "sni-only",
                                   "MinimumProtocolVersion": "TLSv1.2_2021"}
    acm = boto3.client("acm", region_name="us-east-1")
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        private_bucket(s3, policy=OAC_POLICY)
        with Stubber(cloudfront) as cf_stub, Stubber(acm) as acm_stub:
            cf_stub.add_response("get_distribution", response, {"Id": DIST})
            acm_stub.add_response("describe_certificate", {"Certificate": {
                "CertificateArn": cert_arn, "DomainName": names[0], "SubjectAlternativeNames": list(names),
                "Status": "ISSUED"}}, {"CertificateArn": cert_arn})
            snapshot = observe_site(s3=s3, cloudfront=cloudfront, acm=acm, bucket=BUCKET, distribution_id=DIST)
    results = {r.link: r for r in run_checks(snapshot)}
    assert results["aliases / certificate"].status == "ok", results["aliases / certificate"]

"""Read the serving chain into a SiteSnapshot through injected clients (no printing, no env).

A link that cannot be read (access denied) is recorded in ``BucketFacts.errors`` so the check
for that link says so, instead of the whole doctor stopping at the first failure.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import aws_errors, error_code, error_message
from ..errors import AwsError
from .checks import parse_s3_host
from .snapshot import (
    BucketFacts,
    CertificateFacts,
    DistributionFacts,
    ErrorResponse,
    OriginFacts,
    SiteSnapshot,
)

MISSING_BUCKET = {"NoSuchBucket", "404", "NotFound"}


def _items(block: Any) -> list[Any]:
    return list((block or {}).get("Items") or [])


def distribution_facts(raw: dict[str, Any]) -> DistributionFacts:
    """GetDistribution's ``Distribution`` → facts (works on real and emulated shapes)."""
    config = raw.get("DistributionConfig") or {}
    origins = []
    for origin in _items(config.get("Origins")):
        s3_config = origin.get("S3OriginConfig")
        origins.append(OriginFacts(
            origin_id=str(origin.get("Id", "")),
            domain_name=str(origin.get("DomainName", "")),
            origin_access_control_id=str(origin.get("OriginAccessControlId", "") or ""),
            origin_access_identity=str((s3_config or {}).get("OriginAccessIdentity", "") or ""),
            is_s3_origin=s3_config is not None,
        ))
    viewer = config.get("ViewerCertificate") or {}
    behaviour = config.get("DefaultCacheBehavior") or {}
    return DistributionFacts(
        distribution_id=str(raw.get("Id", "")),
        arn=str(raw.get("ARN", "")),
        status=str(raw.get("Status", "")),
        enabled=bool(config.get("Enabled", False)),
        domain_name=str(raw.get("DomainName", "")),
        default_root_object=str(config.get("DefaultRootObject", "") or ""),
        origins=tuple(origins),
        default_origin_id=str(behaviour.get("TargetOriginId", "")),
        error_responses=tuple(
            ErrorResponse(int(e.get("ErrorCode", 0)), str(e.get("ResponseCode", "") or ""),
                          str(e.get("ResponsePagePath", "") or ""))
            for e in _items(config.get("CustomErrorResponses"))
        ),
        aliases=tuple(str(a) for a in _items(config.get("Aliases"))),
        acm_certificate_arn=str(viewer.get("ACMCertificateArn", "") or ""),
        iam_certificate_id=str(viewer.get("IAMCertificateId", "") or ""),
        viewer_protocol_policy=str(behaviour.get("ViewerProtocolPolicy", "")),
        viewer_request_functions=tuple(
            str(f.get("FunctionARN", "")) for f in _items(behaviour.get("FunctionAssociations"))
            if f.get("EventType") == "viewer-request"
        ),
    )


def observe_distribution(cloudfront: Any, distribution_id: str) -> tuple[DistributionFacts | None, str]:
    try:
        raw = cloudfront.get_distribution(Id=distribution_id)["Distribution"]
    except ClientError as exc:
        if error_code(exc) in {"NoSuchDistribution", "404"}:
            return None, "no such distribution in this account"
        with aws_errors(f"read CloudFront distribution {distribution_id}"):
            raise
    return distribution_facts(raw), ""


def _read(action: str, call: Any, errors: dict[str, str], link: str, *, absent: set[str]) -> Any:
    """One S3 read: the value, None when the thing is absent, or the error recorded for the link."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in absent:
            return None
        errors[link] = f"{error_code(exc)}: {error_message(exc)}"
    except BotoCoreError as exc:
        errors[link] = f"{action}: {exc}"
    return None


def observe_bucket(s3: Any, bucket: str, index_key: str = "index.html") -> BucketFacts:
    errors: dict[str, str] = {}
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in MISSING_BUCKET:
            return BucketFacts(name=bucket, exists=False)
        if error_code(exc) not in {"403", "AccessDenied"}:
            with aws_errors(f"read bucket {bucket}"):
                raise
    region = _read("get bucket location", lambda: s3.get_bucket_location(Bucket=bucket), errors,
                   "location", absent=set())
    policy_raw = _read("get bucket policy", lambda: s3.get_bucket_policy(Bucket=bucket), errors, "policy",
                       absent={"NoSuchBucketPolicy"})
    policy = None
    if policy_raw is not None:
        try:
            policy = json.loads(policy_raw["Policy"])
        except (ValueError, KeyError):
            errors["policy"] = "the bucket policy is not valid JSON"
    block_raw = _read("get public access block", lambda: s3.get_public_access_block(Bucket=bucket), errors,
                      "public_access_block", absent={"NoSuchPublicAccessBlockConfiguration"})
    head = _read("head index object", lambda: s3.head_object(Bucket=bucket, Key=index_key), errors, "index",
                 absent={"404", "NoSuchKey", "NotFound"})
    return BucketFacts(
        name=bucket,
        exists=True,
        region=str((region or {}).get("LocationConstraint") or "us-east-1"),
        policy=policy,
        public_access_block=(
            {k: bool(v) for k, v in block_raw["PublicAccessBlockConfiguration"].items()} if block_raw else None
        ),
        index_present=head is not None,
        index_content_type=str((head or {}).get("ContentType", "") or ""),
        errors=errors,
    )


def observe_certificate(acm: Any, arn: str) -> CertificateFacts:
    try:
        cert = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    except (ClientError, BotoCoreError) as exc:
        detail = f"{error_code(exc)}: {error_message(exc)}" if isinstance(exc, ClientError) else str(exc)
        return CertificateFacts(arn=arn, status="", domain_names=(), error=detail)
    names = [str(cert.get("DomainName", ""))] + [str(n) for n in cert.get("SubjectAlternativeNames") or []]
    return CertificateFacts(arn=arn, status=str(cert.get("Status", "")),
                            domain_names=tuple(dict.fromkeys(n for n in names if n)))


def bucket_from_distribution(distribution: DistributionFacts) -> str | None:
    """The bucket behind the default behaviour's origin (when only a distribution is given)."""
    ordered = sorted(distribution.origins, key=lambda o: o.origin_id != distribution.default_origin_id)
    for origin in ordered:
        parsed = parse_s3_host(origin.domain_name)
        if parsed:
            return parsed[0]
    return None


def distribution_for_bucket(cloudfront: Any, bucket: str) -> str | None:
    """The distribution with an origin on ``bucket`` (when only a bucket is given)."""
    with aws_errors("list CloudFront distributions"):
        for page in cloudfront.get_paginator("list_distributions").paginate():
            for summary in _items(page.get("DistributionList")):
                origins = summary.get("Origins")
                if origins is None:  # emulators omit Origins from summaries: read the config
                    config = cloudfront.get_distribution(Id=summary["Id"])["Distribution"]
                    origins = config.get("DistributionConfig", {}).get("Origins")
                for origin in _items(origins):
                    parsed = parse_s3_host(str(origin.get("DomainName", "")))
                    if parsed and parsed[0] == bucket:
                        return str(summary["Id"])
    return None


def observe_site(*, s3: Any, cloudfront: Any, acm: Any, bucket: str | None, distribution_id: str | None,
                 index_key: str = "index.html", release_prefix: str = "_cruddur-ops/") -> SiteSnapshot:
    """Everything the checks need. Either name may be missing: it is inferred from the other."""
    if not distribution_id and bucket:
        distribution_id = distribution_for_bucket(cloudfront, bucket)
    distribution, why = observe_distribution(cloudfront, distribution_id) if distribution_id else (
        None, f"no distribution has an origin on bucket {bucket}")
    if not bucket and distribution is not None:
        bucket = bucket_from_distribution(distribution)
    if not bucket:
        raise AwsError(
            f"distribution {distribution_id} has no S3 origin, and no bucket was given",
            hint="pass --bucket or set SYNC_S3_BUCKET",
        )
    certificate = None
    if distribution is not None and distribution.aliases and distribution.acm_certificate_arn:
        certificate = observe_certificate(acm, distribution.acm_certificate_arn)
    return SiteSnapshot(
        bucket_name=bucket,
        distribution_id=distribution_id or "",
        distribution=distribution,
        bucket=observe_bucket(s3, bucket, index_key),
        certificate=certificate,
        distribution_error=why,
        index_key=index_key,
        release_prefix=release_prefix,
    )

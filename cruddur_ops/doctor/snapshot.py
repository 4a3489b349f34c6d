"""What the doctor observed, as plain frozen data (so each check is a pure function of it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OriginFacts:
    origin_id: str
    domain_name: str
    origin_access_control_id: str = ""
    origin_access_identity: str = ""  # "origin-access-identity/cloudfront/E…" (legacy OAI)
    is_s3_origin: bool = False  # S3OriginConfig present (vs CustomOriginConfig)


@dataclass(frozen=True)
class ErrorResponse:
    error_code: int
    response_code: str
    page_path: str


@dataclass(frozen=True)
class DistributionFacts:
    distribution_id: str
    arn: str
    status: str
    enabled: bool
    domain_name: str
    default_root_object: str
    origins: tuple[OriginFacts, ...]
    default_origin_id: str
    error_responses: tuple[ErrorResponse, ...]
    aliases: tuple[str, ...]
    acm_certificate_arn: str = ""
    iam_certificate_id: str = ""
    viewer_protocol_policy: str = ""
    viewer_request_functions: tuple[str, ...] = ()  # CloudFront Function ARNs on the default behaviour


@dataclass(frozen=True)
class CertificateFacts:
    arn: str
    status: str
    domain_names: tuple[str, ...]  # DomainName + SubjectAlternativeNames
    error: str = ""


@dataclass(frozen=True)
class BucketFacts:
    name: str
    exists: bool
    region: str = ""
    policy: dict[str, Any] | None = None  # None: the bucket has no policy
    public_access_block: dict[str, bool] | None = None  # None: no configuration at all
    index_present: bool = False
    index_content_type: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # what could not be read, by link


@dataclass(frozen=True)
class SiteSnapshot:
    bucket_name: str
    distribution_id: str
    distribution: DistributionFacts | None
    bucket: BucketFacts
    certificate: CertificateFacts | None = None
    distribution_error: str = ""  # why distribution is None
    index_key: str = "index.html"
    release_prefix: str = "_cruddur-ops/"  # frontend.sync's releases and lock: not for the distribution

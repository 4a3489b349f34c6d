"""Each link of the serving chain judged from a snapshot (pure): ok, or wrong with its fix."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cruddur_ops.doctor.checks import (
    check_bucket_policy,
    check_certificate,
    check_default_root_object,
    check_distribution,
    check_index_object,
    check_origin_access,
    check_origin_endpoint,
    check_public_access,
    check_release_prefix,
    check_spa_routing,
    distribution_source_arn,
    healthy,
    parse_s3_host,
    run_checks,
)
from cruddur_ops.doctor.snapshot import (
    BucketFacts,
    CertificateFacts,
    DistributionFacts,
    ErrorResponse,
    OriginFacts,
    SiteSnapshot,
)

BUCKET = "cruddur.example.com"
DIST = "E2ABCDEF123456"
ARN = f"arn:aws:cloudfront::123456789012:distribution/{DIST}"
SPA_FUNCTION = "arn:aws:cloudfront::123456789012:function/CrdFrontend-spa-routing"
ALL_BLOCKED = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)


def oac_policy(source_arn: str = ARN) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowCloudFrontOACReadOnly", "Effect": "Allow",
         "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{BUCKET}/*",
         "Condition": {"StringEquals": {"AWS:SourceArn": source_arn}}},
        {"Sid": "DenyReleasePrefixToCloudFront", "Effect": "Deny",
         "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{BUCKET}/_cruddur-ops/*"},
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]}


def healthy_site() -> SiteSnapshot:
    """What aws/cfn/frontend builds: everything ok."""
    return SiteSnapshot(
        bucket_name=BUCKET,
        distribution_id=DIST,
        distribution=DistributionFacts(
            distribution_id=DIST, arn=ARN, status="Deployed", enabled=True,
            domain_name="d111111abcdef8.cloudfront.net", default_root_object="index.html",
            origins=(OriginFacts("RootBucketOrigin", f"{BUCKET}.s3.us-east-1.amazonaws.com",
                                 origin_access_control_id="E3OACEXAMPLE", is_s3_origin=True),),
            default_origin_id="RootBucketOrigin",
            error_responses=(),
            viewer_request_functions=(SPA_FUNCTION,),
            aliases=("cruddur.example.com", "www.cruddur.example.com"),
            acm_certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
        ),
        bucket=BucketFacts(name=BUCKET, exists=True, region="us-east-1", policy=oac_policy(),
                           public_access_block=ALL_BLOCKED, index_present=True,
                           index_content_type="text/html; charset=utf-8"),
        certificate=CertificateFacts("arn:aws:acm:us-east-1:123456789012:certificate/abc", "ISSUED",
                                     ("cruddur.example.com", "*.cruddur.example.com")),
    )


def with_distribution(site: SiteSnapshot, **changes: object) -> SiteSnapshot:
    assert site.distribution is not None
    return replace(site, distribution=replace(site.distribution, **changes))  # type: ignore[arg-type]


def with_bucket(site: SiteSnapshot, **changes: object) -> SiteSnapshot:
    return replace(site, bucket=replace(site.bucket, **changes))  # type: ignore[arg-type]


def test_the_stack_built_site_is_healthy() -> None:
    results = run_checks(healthy_site())
    assert [r.status for r in results] == ["ok"] * 10, results
    assert healthy(results)


def test_the_journals_case_private_bucket_without_oac_or_grant() -> None:
    """Bucket made private by hand (public access block on, policy removed) while CloudFront
    kept reading anonymously: two broken links, each with its fix."""
    site = healthy_site()
    assert site.distribution is not None
    plain_origin = replace(site.distribution.origins[0], origin_access_control_id="")
    site = with_distribution(site, origins=(plain_origin,))
    site = with_bucket(site, policy=None)
    results = {r.link: r for r in run_checks(site)}
    assert not healthy(results.values())
    access = results["origin access"]
    assert access.status == "wrong" and "403" in access.detail
    assert "Origin Access Control" in access.fix
    policy = results["bucket policy"]
    assert policy.status == "wrong" and "no policy" in policy.detail
    statement = json.loads(policy.fix.split(": ", 1)[1])
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["AWS:SourceArn"] == ARN
    assert results["public access block"].status == "ok"


def test_grant_for_another_distribution_is_named() -> None:
    other = "arn:aws:cloudfront::123456789012:distribution/EOTHER"
    result = check_bucket_policy(with_bucket(healthy_site(), policy=oac_policy(other)))
    assert result.status == "wrong" and other in result.detail


def test_grant_without_source_arn_condition_is_not_enough() -> None:
    policy = oac_policy()
    del policy["Statement"][0]["Condition"]
    result = check_bucket_policy(with_bucket(healthy_site(), policy=policy))
    assert result.status == "wrong" and "no AWS:SourceArn" in result.detail


def test_arn_like_wildcards_are_understood() -> None:
    policy = oac_policy()
    policy["Statement"][0]["Condition"] = {"ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"}}
    assert check_bucket_policy(with_bucket(healthy_site(), policy=policy)).status == "ok"


def test_legacy_oai_origin_and_grant() -> None:
    site = healthy_site()
    assert site.distribution is not None
    oai_origin = replace(site.distribution.origins[0], origin_access_control_id="",
                         origin_access_identity="origin-access-identity/cloudfront/E1OAI")
    site = with_distribution(site, origins=(oai_origin,))
    assert check_origin_access(site).status == "ok"
    assert "E1OAI" in check_origin_access(site).detail
    assert check_bucket_policy(site).status == "wrong"  # the OAC grant does not cover an OAI
    oai_policy = {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                                 "Principal": {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1OAI"},
                                 "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}
    assert check_bucket_policy(with_bucket(site, policy=oai_policy)).status == "ok"


def test_website_endpoint_origin() -> None:
    site = healthy_site()
    assert site.distribution is not None
    website = replace(site.distribution.origins[0], domain_name=f"{BUCKET}.s3-website-us-east-1.amazonaws.com",
                      origin_access_control_id="", is_s3_origin=False)
    site = with_distribution(site, origins=(website,))
    result = check_origin_endpoint(site)
    assert result.status == "wrong" and "website" in result.detail
    assert f"{BUCKET}.s3.us-east-1.amazonaws.com" in result.fix
    assert check_origin_access(site).status == "skipped"


def test_origin_on_another_bucket_or_behaviour_elsewhere() -> None:
    site = healthy_site()
    assert site.distribution is not None
    elsewhere = replace(site.distribution.origins[0], domain_name="other-bucket.s3.amazonaws.com")
    result = check_origin_endpoint(with_distribution(site, origins=(elsewhere,)))
    assert result.status == "wrong" and "no origin points at bucket" in result.detail
    api = OriginFacts("Api", "api.example.com")
    result = check_origin_endpoint(with_distribution(site, origins=(*site.distribution.origins, api),
                                                     default_origin_id="Api"))
    assert result.status == "wrong" and "default cache behaviour" in result.detail


@pytest.mark.parametrize(
    ("block", "fragment"),
    [(None, "no public access block at all"),
     ({**ALL_BLOCKED, "RestrictPublicBuckets": False, "BlockPublicPolicy": False},
      "off: BlockPublicPolicy, RestrictPublicBuckets")],
)
def test_public_access_block_off(block: dict | None, fragment: str) -> None:
    result = check_public_access(with_bucket(healthy_site(), public_access_block=block))
    assert result.status == "wrong" and fragment in result.detail
    assert "put-public-access-block" in result.fix


def test_public_policy_is_named_even_with_blocks_on() -> None:
    policy = {"Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                             "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}
    result = check_public_access(with_bucket(healthy_site(), policy=policy))
    assert result.status == "wrong" and "PublicRead" in result.detail


def test_index_object_missing_or_wrong_type() -> None:
    missing = check_index_object(with_bucket(healthy_site(), index_present=False, index_content_type=""))
    assert missing.status == "wrong" and "inv frontend.sync" in missing.fix
    binary = check_index_object(with_bucket(healthy_site(), index_content_type="binary/octet-stream"))
    assert binary.status == "wrong" and "binary/octet-stream" in binary.detail
    gone = check_index_object(with_bucket(healthy_site(), exists=False))
    assert gone.status == "wrong" and "does not exist" in gone.detail


def test_default_root_object() -> None:
    unset = check_default_root_object(with_distribution(healthy_site(), default_root_object=""))
    assert unset.status == "wrong" and "403" in unset.detail and "index.html" in unset.fix
    other = check_default_root_object(with_distribution(healthy_site(), default_root_object="home.html"))
    assert other.status == "wrong"


def test_spa_routing_by_a_function_and_no_error_responses_that_hide_missing_assets() -> None:
    assert check_spa_routing(healthy_site()).status == "ok"
    hiding = (ErrorResponse(403, "200", "/index.html"), ErrorResponse(404, "200", "/index.html"))
    legacy = check_spa_routing(with_distribution(healthy_site(), viewer_request_functions=(), error_responses=hiding))
    assert legacy.status == "wrong" and "403 / 404" in legacy.detail and "older release" in legacy.detail
    assert "spa-routing.js" in legacy.fix
    both = check_spa_routing(with_distribution(healthy_site(), error_responses=hiding[1:]))
    assert both.status == "wrong" and "remove those custom error responses" in both.fix
    none = check_spa_routing(with_distribution(healthy_site(), viewer_request_functions=()))
    assert none.status == "wrong" and "/users/profile" in none.detail
    # an error page that is not index.html with 200 does not hide anything
    custom = (ErrorResponse(404, "404", "/404.html"),)
    assert check_spa_routing(with_distribution(healthy_site(), error_responses=custom)).status == "ok"


def test_the_release_prefix_is_kept_from_the_distribution() -> None:
    assert check_release_prefix(healthy_site()).status == "ok"
    policy = oac_policy()
    policy["Statement"] = [st for st in policy["Statement"] if st["Sid"] != "DenyReleasePrefixToCloudFront"]
    exposed = check_release_prefix(with_bucket(healthy_site(), policy=policy))
    assert exposed.status == "wrong" and f"s3://{BUCKET}/_cruddur-ops/" in exposed.detail
    assert '"Resource":"arn:aws:s3:::cruddur.example.com/_cruddur-ops/*"' in exposed.fix
    elsewhere = replace(healthy_site(), release_prefix="releases/")  # SYNC_RELEASE_PREFIX moved
    assert check_release_prefix(elsewhere).status == "wrong"
    conditional = oac_policy()
    conditional["Statement"][1]["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    assert check_release_prefix(with_bucket(healthy_site(), policy=conditional)).status == "wrong"


def test_distribution_missing_disabled_or_deploying() -> None:
    gone = replace(healthy_site(), distribution=None, distribution_error="no such distribution")
    results = {r.link: r for r in run_checks(gone)}
    assert results["distribution"].status == "wrong"
    assert "SYNC_CLOUDFRONT_DISTRIBUTION_ID" in results["distribution"].fix
    assert results["origin endpoint"].status == "skipped"
    assert results["index.html"].status == "ok"  # the bucket side is still checked
    assert check_distribution(with_distribution(healthy_site(), status="InProgress")).status == "wrong"
    assert check_distribution(with_distribution(healthy_site(), enabled=False)).status == "wrong"


def test_aliases_against_the_certificate() -> None:
    site = healthy_site()
    assert check_certificate(site).status == "ok"
    uncovered = with_distribution(site, aliases=("cruddur.example.com", "a.b.cruddur.example.com", "other.org"))
    result = check_certificate(uncovered)
    assert result.status == "wrong" and "a.b.cruddur.example.com, other.org" in result.detail
    no_cert = check_certificate(with_distribution(site, acm_certificate_arn=""))
    assert no_cert.status == "wrong" and "cloudfront.net certificate" in no_cert.detail
    assert site.certificate is not None
    pending = replace(site, certificate=replace(site.certificate, status="PENDING_VALIDATION"))
    assert check_certificate(pending).status == "wrong"
    no_aliases = check_certificate(with_distribution(site, aliases=()))
    assert no_aliases.status == "ok" and "cloudfront.net" in no_aliases.detail


def test_unreadable_links_are_reported_not_guessed() -> None:
    site = with_bucket(healthy_site(), errors={"policy": "AccessDenied: no", "index": "AccessDenied: no"})
    assert check_bucket_policy(site).status == "wrong" and "cannot read" in check_bucket_policy(site).detail
    assert check_index_object(site).status == "wrong"


def test_s3_host_parsing_and_source_arn() -> None:
    assert parse_s3_host("b.s3.amazonaws.com") == ("b", False)
    assert parse_s3_host("my.bucket.s3.eu-west-1.amazonaws.com") == ("my.bucket", False)
    assert parse_s3_host("b.s3-website-us-east-1.amazonaws.com") == ("b", True)
    assert parse_s3_host("b.s3-website.eu-west-1.amazonaws.com") == ("b", True)
    assert parse_s3_host("api.example.com") is None
    site = healthy_site()
    assert site.distribution is not None
    moto_arn = with_distribution(site, arn=f"arn:aws:cloudfront:123456789012:distribution/{DIST}").distribution
    assert moto_arn is not None and distribution_source_arn(moto_arn) == ARN

"""One pure check per link of the serving chain. Each returns a CheckResult saying ok / wrong
(+ the fix) / skipped (a link it depends on is missing), judged only from a SiteSnapshot.

The journal's 403: the bucket was made private by hand while CloudFront kept reading it
anonymously — no Origin Access Control on the origin and no bucket-policy grant. That shows up
here as two broken links, "origin access" and "bucket policy", each with its fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal

from ..iam.policy import as_list as _as_list
from ..iam.policy import statements as _statements
from .snapshot import DistributionFacts, OriginFacts, SiteSnapshot

Status = Literal["ok", "wrong", "skipped", "note"]  # note: works, but worth changing

S3_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.(?P<service>s3(?:[.-][a-z0-9.-]+)?)\.amazonaws\.com(?:\.cn)?$")
BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com"
OAI_USER = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "
READ_ACTIONS = ("s3:getobject",)


@dataclass(frozen=True)
class CheckResult:
    link: str
    status: Status
    detail: str
    fix: str = ""

    @property
    def broken(self) -> bool:
        return self.status == "wrong"


def ok(link: str, detail: str) -> CheckResult:
    return CheckResult(link, "ok", detail)


def wrong(link: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(link, "wrong", detail, fix)


def skipped(link: str, detail: str) -> CheckResult:
    return CheckResult(link, "skipped", detail)


def note(link: str, detail: str, fix: str = "") -> CheckResult:
    return CheckResult(link, "note", detail, fix)


# ------------------------------------------------------------------------------------------
# helpers


def parse_s3_host(domain: str) -> tuple[str, bool] | None:
    """(bucket, is_website_endpoint) for an S3 host name, None for anything else."""
    match = S3_HOST.match(domain.lower().rstrip("."))
    if not match:
        return None
    return match.group("bucket"), "website" in match.group("service")


def rest_endpoint(bucket: str, region: str) -> str:
    return f"{bucket}.s3.{region or 'us-east-1'}.amazonaws.com"


def distribution_source_arn(distribution: DistributionFacts) -> str:
    """``arn:aws:cloudfront::ACCOUNT:distribution/ID`` — the value AWS:SourceArn must hold
    (built from the account in the reported ARN; emulators spell the ARN slightly differently)."""
    partition = distribution.arn.split(":")[1] if distribution.arn.count(":") >= 2 else "aws"
    account = re.search(r":(\d{12}):", distribution.arn)
    return f"arn:{partition}:cloudfront::{account.group(1) if account else '*'}:distribution/{distribution.distribution_id}"


def bucket_origin(snapshot: SiteSnapshot) -> OriginFacts | None:
    """The origin that serves the bucket: the default behaviour's origin when it is this
    bucket's, else any origin of this bucket."""
    d = snapshot.distribution
    if d is None:
        return None
    mine = [o for o in d.origins if (parse_s3_host(o.domain_name) or ("", False))[0] == snapshot.bucket_name]
    for origin in mine:
        if origin.origin_id == d.default_origin_id:
            return origin
    return mine[0] if mine else None


def _covers_read(statement: dict[str, Any], bucket: str, key: str) -> bool:
    """The statement's actions include s3:GetObject and its resources include ``key``."""
    actions = [str(a).lower() for a in _as_list(statement.get("Action"))]
    if not any(fnmatchcase(needed, action) for action in actions for needed in READ_ACTIONS):
        return False
    object_arn = f"arn:aws:s3:::{bucket}/{key}"
    return any(fnmatchcase(object_arn, str(r)) for r in _as_list(statement.get("Resource")))


def _allows_read(statement: dict[str, Any], bucket: str, key: str) -> bool:
    return statement.get("Effect") == "Allow" and _covers_read(statement, bucket, key)


def _principals(statement: dict[str, Any], kind: str) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [str(p) for p in _as_list(principal.get(kind))]
    return []


def _source_arns(statement: dict[str, Any]) -> list[tuple[str, str]]:
    """(operator, value) of every AWS:SourceArn condition in a statement."""
    found = []
    for operator, block in (statement.get("Condition") or {}).items():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            if key.lower() == "aws:sourcearn":
                found += [(operator, str(v)) for v in _as_list(values)]
    return found


def _arn_matches(operator: str, pattern: str, arn: str) -> bool:
    if operator.lower().endswith("like"):
        return fnmatchcase(arn, pattern)
    return operator.lower() in {"stringequals", "arnequals"} and pattern == arn


def _is_public_grant(statement: dict[str, Any]) -> bool:
    public = "*" in _principals(statement, "AWS") or statement.get("Principal") == "*"
    return statement.get("Effect") == "Allow" and public and not statement.get("Condition")


def oac_statement(bucket: str, source_arn: str) -> str:
    return json.dumps({
        "Sid": "AllowCloudFrontOACReadOnly", "Effect": "Allow",
        "Principal": {"Service": CLOUDFRONT_SERVICE}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": source_arn}},
    }, separators=(",", ":"))


FRONTEND_STACK_FIX = "or deploy the frontend stack, which builds this link correctly: inv cfn.deploy frontend"


# ------------------------------------------------------------------------------------------
# the links, in the order a request travels


def check_distribution(s: SiteSnapshot) -> CheckResult:
    link = "distribution"
    d = s.distribution
    if d is None:
        return wrong(link, f"distribution {s.distribution_id or '(none)'} not found"
                     + (f": {s.distribution_error}" if s.distribution_error else ""),
                     "set SYNC_CLOUDFRONT_DISTRIBUTION_ID (or --distribution-id) to the id shown by "
                     "`aws cloudfront list-distributions`, " + FRONTEND_STACK_FIX)
    if not d.enabled:
        return wrong(link, f"{d.distribution_id} is disabled", "enable it in the CloudFront console "
                     "(Distribution → Settings → Enable)")
    if d.status != "Deployed":
        return wrong(link, f"{d.distribution_id} is {d.status}: the last change has not reached the edges",
                     "wait until it shows Deployed (usually 5–15 minutes), then run the doctor again")
    return ok(link, f"{d.distribution_id} ({d.domain_name}) is Deployed")


def check_origin_endpoint(s: SiteSnapshot) -> CheckResult:
    link = "origin endpoint"
    d = s.distribution
    if d is None:
        return skipped(link, "no distribution")
    expected = rest_endpoint(s.bucket_name, s.bucket.region)
    origin = bucket_origin(s)
    if origin is None:
        shown = ", ".join(f"{o.origin_id}={o.domain_name}" for o in d.origins) or "none"
        return wrong(link, f"no origin points at bucket {s.bucket_name} (origins: {shown})",
                     f"set the origin domain to {expected}, " + FRONTEND_STACK_FIX)
    parsed = parse_s3_host(origin.domain_name)
    assert parsed is not None
    if parsed[1]:
        return wrong(link, f"origin {origin.origin_id} uses the S3 *website* endpoint {origin.domain_name}: "
                     "CloudFront then reads it as an anonymous HTTP client, which a private bucket "
                     "answers with 403",
                     f"change the origin domain to the REST endpoint {expected} and attach an Origin "
                     "Access Control, " + FRONTEND_STACK_FIX)
    if origin.origin_id != d.default_origin_id:
        return wrong(link, f"the default cache behaviour goes to origin {d.default_origin_id}, not to "
                     f"the bucket's origin {origin.origin_id}",
                     f"set the default behaviour's origin to {origin.origin_id}")
    return ok(link, f"origin {origin.origin_id} → {origin.domain_name} (REST endpoint)")


def check_origin_access(s: SiteSnapshot) -> CheckResult:
    link = "origin access"
    origin = bucket_origin(s)
    if s.distribution is None or origin is None:
        return skipped(link, "no origin for the bucket")
    if (parse_s3_host(origin.domain_name) or ("", False))[1]:
        return skipped(link, "website endpoints cannot use OAC/OAI (fix the origin endpoint first)")
    if origin.origin_access_control_id:
        return ok(link, f"Origin Access Control {origin.origin_access_control_id} signs requests")
    if origin.origin_access_identity:
        return ok(link, f"legacy Origin Access Identity {origin.origin_access_identity.rsplit('/', 1)[-1]} "
                  "(OAC is its successor)")
    return wrong(link, f"origin {origin.origin_id} sends unsigned requests (no Origin Access Control, no "
                 "OAI): a private bucket answers them with 403 Access Denied",
                 "create an Origin Access Control (S3, sign always, SigV4) and select it on the origin "
                 "(CloudFront → Origins → Edit → Origin access), then grant it in the bucket policy; "
                 + FRONTEND_STACK_FIX)


def _policy_unreadable(s: SiteSnapshot, link: str) -> CheckResult | None:
    """The verdict of a policy check when there is no policy to judge (no bucket, no access)."""
    if not s.bucket.exists:
        return skipped(link, f"bucket {s.bucket_name} does not exist")
    if "policy" in s.bucket.errors:
        return wrong(link, f"cannot read the policy: {s.bucket.errors['policy']}",
                     "run the doctor with credentials allowed s3:GetBucketPolicy")
    return None


def check_bucket_policy(s: SiteSnapshot) -> CheckResult:
    link = "bucket policy"
    d = s.distribution
    unreadable = _policy_unreadable(s, link)
    if unreadable is not None:
        return unreadable
    if d is None:
        return skipped(link, "no distribution to grant")
    origin = bucket_origin(s)
    source_arn = distribution_source_arn(d)
    statements = _statements(s.bucket.policy)
    readers = [st for st in statements if _allows_read(st, s.bucket_name, s.index_key)]
    if origin is not None and origin.origin_access_identity:
        oai_id = origin.origin_access_identity.rsplit("/", 1)[-1]
        if any(OAI_USER + oai_id in _principals(st, "AWS") or _principals(st, "CanonicalUser") for st in readers):
            return ok(link, f"grants s3:GetObject to Origin Access Identity {oai_id}")
        return wrong(link, f"no statement grants s3:GetObject to Origin Access Identity {oai_id}",
                     f'add: {{"Effect":"Allow","Principal":{{"AWS":"{OAI_USER}{oai_id}"}},'
                     f'"Action":"s3:GetObject","Resource":"arn:aws:s3:::{s.bucket_name}/*"}}')
    granted_to: list[str] = []
    for st in readers:
        if CLOUDFRONT_SERVICE not in _principals(st, "Service"):
            continue
        arns = _source_arns(st)
        if any(_arn_matches(op, value, source_arn) for op, value in arns):
            return ok(link, f"grants s3:GetObject to cloudfront.amazonaws.com for {source_arn}")
        granted_to += [value for _, value in arns] or ["any distribution (no AWS:SourceArn condition)"]
    policy_state = "the bucket has no policy" if s.bucket.policy is None else "no statement grants it"
    if granted_to:
        policy_state = f"it grants {', '.join(granted_to)} instead"
    return wrong(link, f"CloudFront distribution {d.distribution_id} may not read objects: {policy_state}",
                 f"add this statement to the bucket policy of {s.bucket_name}: "
                 f"{oac_statement(s.bucket_name, source_arn)}")


def check_public_access(s: SiteSnapshot) -> CheckResult:
    link = "public access block"
    if not s.bucket.exists:
        return skipped(link, f"bucket {s.bucket_name} does not exist")
    if "public_access_block" in s.bucket.errors:
        return wrong(link, f"cannot read it: {s.bucket.errors['public_access_block']}",
                     "run the doctor with credentials allowed s3:GetBucketPublicAccessBlock")
    block = s.bucket.public_access_block or {}
    off = [flag for flag in BLOCK_FLAGS if not block.get(flag)]
    public = [st.get("Sid", "(no Sid)") for st in _statements(s.bucket.policy) if _is_public_grant(st)]
    fix = (f"aws s3api put-public-access-block --bucket {s.bucket_name} --public-access-block-configuration "
           "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
    if public:
        return wrong(link, f"the bucket policy makes objects public (statement {', '.join(map(str, public))}): "
                     "the site is reachable around CloudFront",
                     "remove the Principal \"*\" statement, then " + fix)
    if off:
        what = "no public access block at all" if s.bucket.public_access_block is None else f"off: {', '.join(off)}"
        return wrong(link, f"bucket {s.bucket_name} is not locked down ({what})", fix)
    return ok(link, "all four public access blocks are on")


def check_index_object(s: SiteSnapshot) -> CheckResult:
    link = s.index_key
    if not s.bucket.exists:
        return wrong(link, f"bucket {s.bucket_name} does not exist",
                     "create it (inv cfn.deploy frontend) or fix SYNC_S3_BUCKET / --bucket")
    if "index" in s.bucket.errors:
        return wrong(link, f"cannot read it: {s.bucket.errors['index']}",
                     "run the doctor with credentials allowed s3:GetObject on the bucket")
    if not s.bucket.index_present:
        return wrong(link, f"s3://{s.bucket_name}/{s.index_key} does not exist: every route serves an error",
                     "build and upload the site: inv frontend.build && inv frontend.sync")
    content_type = s.bucket.index_content_type
    if not content_type.lower().startswith("text/html"):
        return wrong(link, f"{s.index_key} is served as {content_type or '(no Content-Type)'}: browsers "
                     "download it instead of rendering it",
                     "re-upload it with Content-Type text/html; charset=utf-8 (inv frontend.sync does)")
    return ok(link, f"present, {content_type}")


def check_default_root_object(s: SiteSnapshot) -> CheckResult:
    link = "default root object"
    d = s.distribution
    if d is None:
        return skipped(link, "no distribution")
    if d.default_root_object == s.index_key:
        return ok(link, d.default_root_object)
    fix = f"set the distribution's default root object to {s.index_key}"
    if not d.default_root_object:
        return wrong(link, "not set: a request for / asks the bucket for an empty key and gets 403", fix)
    return wrong(link, f"is {d.default_root_object!r}, not {s.index_key!r}", fix)


def check_spa_routing(s: SiteSnapshot) -> CheckResult:
    """Client-side routes need index.html; missing files must stay 404. A viewer-request
    function does both; 403/404 → 200 /index.html error responses answer a missing asset (an
    older release's chunk) with HTML, which the browser fails to parse as JavaScript."""
    link = "SPA routing"
    d = s.distribution
    if d is None:
        return skipped(link, "no distribution")
    page = f"/{s.index_key}"
    hiding = sorted(e.error_code for e in d.error_responses
                    if e.error_code in (403, 404) and e.page_path == page and str(e.response_code) == "200")
    codes = " / ".join(map(str, hiding))
    if d.viewer_request_functions and not hiding:
        name = d.viewer_request_functions[0].rsplit("/", 1)[-1]
        return ok(link, f"viewer-request function {name}; a missing file is a real 404")
    fix = ("deploy the frontend stack (inv cfn.deploy frontend): its CloudFront Function "
           f"(aws/cfn/frontend/spa-routing.js) routes extensionless paths to {page}")
    if d.viewer_request_functions:
        return wrong(link, f"error responses {codes} → {page} (200) answer missing assets with HTML as well",
                     "remove those custom error responses (CloudFront → Error pages): the function routes the SPA")
    if hiding:
        return wrong(link, f"{codes} → {page} (200) error responses answer a missing asset with HTML: a "
                     "browser still on an older release gets HTML for its old chunks", fix)
    return wrong(link, "no SPA routing: client-side routes such as /users/profile fail when loaded directly", fix)


def _denies_read(statement: dict[str, Any], bucket: str, key: str) -> bool:
    """An unconditional Deny of s3:GetObject on ``key`` that applies to CloudFront."""
    if statement.get("Effect") != "Deny" or statement.get("Condition"):
        return False
    if not ("*" in _principals(statement, "AWS") or statement.get("Principal") == "*"
            or CLOUDFRONT_SERVICE in _principals(statement, "Service")):
        return False
    return _covers_read(statement, bucket, key)


def release_prefix_statement(bucket: str, prefix: str) -> str:
    return json.dumps({
        "Sid": "DenyReleasePrefixToCloudFront", "Effect": "Deny",
        "Principal": {"Service": CLOUDFRONT_SERVICE}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/{prefix}*",
    }, separators=(",", ":"))


def check_release_prefix(s: SiteSnapshot) -> CheckResult:
    """frontend.sync's release records (commits, who deployed from where) and its lock live in
    the bucket under the release prefix: the distribution must not serve them."""
    link = "release prefix"
    unreadable = _policy_unreadable(s, link)
    if unreadable is not None:
        return unreadable
    probe = f"{s.release_prefix}live.json"
    if any(_denies_read(st, s.bucket_name, probe) for st in _statements(s.bucket.policy)):
        return ok(link, f"CloudFront may not read s3://{s.bucket_name}/{s.release_prefix}")
    return wrong(link, f"the distribution can serve s3://{s.bucket_name}/{s.release_prefix} (release records "
                 "name commits and where each deploy ran)",
                 f"add this statement to the bucket policy of {s.bucket_name}: "
                 f"{release_prefix_statement(s.bucket_name, s.release_prefix)}, " + FRONTEND_STACK_FIX)


def _covered(alias: str, names: Iterable[str]) -> bool:
    alias = alias.lower().rstrip(".")
    for name in names:
        name = name.lower().rstrip(".")
        if name == alias:
            return True
        if name.startswith("*.") and alias.count(".") == name.count(".") and alias.endswith(name[1:]):
            return True
    return False


def check_certificate(s: SiteSnapshot) -> CheckResult:
    link = "aliases / certificate"
    d = s.distribution
    if d is None:
        return skipped(link, "no distribution")
    if not d.aliases:
        return ok(link, f"no aliases: served on {d.domain_name} with CloudFront's certificate")
    aliases = ", ".join(d.aliases)
    if d.iam_certificate_id and not d.acm_certificate_arn:
        return skipped(link, f"aliases {aliases} use IAM certificate {d.iam_certificate_id} (not checked)")
    if not d.acm_certificate_arn:
        return wrong(link, f"aliases {aliases} but only the *.cloudfront.net certificate",
                     "request an ACM certificate in us-east-1 covering the aliases and attach it")
    cert = s.certificate
    if cert is None or cert.error:
        return wrong(link, f"cannot read certificate {d.acm_certificate_arn}: {cert.error if cert else 'not observed'}",
                     "check the ARN (certificates for CloudFront live in us-east-1) and acm:DescribeCertificate")
    uncovered = [a for a in d.aliases if not _covered(a, cert.domain_names)]
    if uncovered:
        return wrong(link, f"certificate covers {', '.join(cert.domain_names)} but not {', '.join(uncovered)}",
                     "request a certificate whose names (or a *.domain wildcard) include every alias, "
                     "or remove the alias")
    if cert.status != "ISSUED":
        return wrong(link, f"certificate {cert.arn} is {cert.status}",
                     "finish DNS validation (add the CNAME records ACM lists) so it becomes ISSUED")
    return ok(link, f"{aliases} covered by {', '.join(cert.domain_names)}")


CHECKS: tuple[Callable[[SiteSnapshot], CheckResult], ...] = (
    check_distribution,
    check_origin_endpoint,
    check_origin_access,
    check_bucket_policy,
    check_public_access,
    check_index_object,
    check_default_root_object,
    check_spa_routing,
    check_release_prefix,
    check_certificate,
)


def run_checks(snapshot: SiteSnapshot) -> tuple[CheckResult, ...]:
    return tuple(check(snapshot) for check in CHECKS)


def healthy(results: Iterable[CheckResult]) -> bool:
    return not any(r.broken for r in results)

"""Static checks of the CloudFormation stacks under aws/cfn/ (offline, no AWS calls).

The templates are linted with cfn-lint and their security-relevant parts are *rendered*:
a small evaluator resolves Ref / Fn::Sub / Fn::If / Fn::Join / Fn::Select / Fn::Split
against given parameters, so the assertions look at the policy a stack would really get
(both sides of every condition), not at the YAML spelling.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.decode import cfn_yaml

CFN_DIR = Path(__file__).resolve().parents[2] / "aws" / "cfn"
SYNC = CFN_DIR / "sync"
FRONTEND = CFN_DIR / "frontend"

ACCOUNT = "123456789012"
OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_HOST}"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"


# ---------------------------------------------------------------------------------------
# Loading and rendering
# ---------------------------------------------------------------------------------------


def load(stack: Path) -> dict[str, Any]:
    """Template as plain data; short tags (!Ref, !Sub, ...) become their long forms."""
    template: dict[str, Any] = cfn_yaml.load(str(stack / "template.yaml"))
    return template


def config(stack: Path) -> dict[str, Any]:
    return tomllib.loads((stack / "config.toml").read_text())


class _NoValue:
    """AWS::NoValue: the property (or list item) disappears."""


NO_VALUE = _NoValue()


class Renderer:
    """Resolve the intrinsic functions of one template for one set of parameter values.

    Resources are opaque: ``Ref X`` gives ``<X>`` and ``GetAtt X.Y`` gives ``<X.Y>``.
    """

    def __init__(self, template: dict[str, Any], params: dict[str, Any]) -> None:
        self.template = template
        self.params: dict[str, Any] = {}
        for name, spec in template.get("Parameters", {}).items():
            if name in params:
                value = params[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise KeyError(f"parameter {name} has no value and no default")
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",")
            self.params[name] = value
        unknown = set(params) - set(self.params)
        assert not unknown, f"values given for parameters the template lacks: {unknown}"
        self.pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::Region": "us-east-1",
            "AWS::StackName": "TestStack",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self.value(self.template["Conditions"][name]))
        return self._conditions[name]

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        assert name in self.template["Resources"], f"Ref to unknown {name}"
        return f"<{name}>"

    def sub(self, arg: Any) -> str:
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local = {k: self.value(v) for k, v in local.items()}

        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            if key.startswith("!"):
                return "${" + key[1:] + "}"
            if key in local:
                return str(local[key])
            if "." in key:
                return "<" + key + ">"
            return str(self.ref(key))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((fn, arg),) = node.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else arg.split(".", 1)
                return f"<{parts[0]}.{parts[1]}>"
            if fn == "Fn::Sub":
                return self.sub(arg)
            if fn == "Fn::If":
                name, yes, no = arg
                return self.value(yes if self.condition(name) else no)
            if fn == "Fn::Join":
                return arg[0].join(str(x) for x in self.value(arg[1]))
            if fn == "Fn::Select":
                return self.value(arg[1])[int(self.value(arg[0]))]
            if fn == "Fn::Split":
                return self.value(arg[1]).split(arg[0])
            if fn == "Fn::Equals":
                return self.value(arg[0]) == self.value(arg[1])
            if fn == "Fn::Not":
                return not self.value(arg[0])
            if fn == "Fn::And":
                return all(self.value(a) for a in arg)
            if fn == "Fn::Or":
                return any(self.value(a) for a in arg)
            if fn == "Condition":
                return self.condition(arg)
            assert not fn.startswith("Fn::"), f"renderer does not know {fn}"
        out = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}

    def resource(self, name: str) -> dict[str, Any] | None:
        """A resource's rendered Properties, or None when its condition is false."""
        res = self.template["Resources"][name]
        if "Condition" in res and not self.condition(res["Condition"]):
            return None
        properties: dict[str, Any] = self.value(res.get("Properties", {}))
        return properties


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def strings(node: Any) -> list[str]:
    """Every string inside a (rendered or raw) structure, keys included."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in [str(k), *strings(v)]]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


def refs(node: Any) -> set[str]:
    """Names used by Ref / GetAtt / ${...} anywhere in a raw structure."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, val in node.items():
            if key == "Ref":
                found.add(val)
            elif key == "Fn::GetAtt":
                found.add(val[0] if isinstance(val, list) else val.split(".")[0])
            elif key == "Fn::Sub":
                text = val if isinstance(val, str) else val[0]
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
            found |= refs(val)
    elif isinstance(node, list):
        for item in node:
            found |= refs(item)
    return found


# ---------------------------------------------------------------------------------------
# Both stacks
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", [SYNC, FRONTEND], ids=lambda p: p.name)
def test_cfn_lint_reports_no_errors_or_warnings(stack: Path) -> None:
    matches = lint_file(stack / "template.yaml")
    problems = [m for m in matches if m.rule.id[0] in "EW"]
    assert problems == [], "\n".join(
        f"{m.rule.id} line {m.linenumber}: {m.message}" for m in problems
    )


@pytest.mark.parametrize("stack", [SYNC, FRONTEND], ids=lambda p: p.name)
def test_config_matches_template_parameters(stack: Path) -> None:
    cfg = config(stack)
    template = load(stack)
    assert cfg["deploy"]["stack_name"] in {"CrdSync", "CrdFrontend"}
    assert cfg["deploy"]["region"] == "us-east-1"
    declared = template["Parameters"]
    assert set(cfg["parameters"]) <= set(declared)
    required = {name for name, spec in declared.items() if "Default" not in spec}
    assert required <= set(cfg["parameters"]), "config.toml misses required parameters"
    for name, value in cfg["parameters"].items():
        pattern = declared[name].get("AllowedPattern")
        if pattern:
            assert re.fullmatch(pattern, str(value)), f"{name}={value!r} breaks {pattern}"
        assert value in declared[name].get("AllowedValues", [value])
        assert not re.search(r"\b\d{12}\b", str(value)), "no account ids in config.toml"
    Renderer(template, cfg["parameters"])  # every value names a real parameter


# ---------------------------------------------------------------------------------------
# Sync stack: GitHub OIDC trust + least-privilege inline policy
# ---------------------------------------------------------------------------------------

SYNC_PARAMS = {
    "GitHubOrg": "example-org",
    "RepositoryName": "aws-bootcamp-cruddur-2023",
    "Branch": "prod",
    "BucketName": "cruddur.example.com",
    "DistributionId": "E1EXAMPLE",
}
EXISTING = {"ExistingOIDCProviderArn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_HOST}"}


def trust_statement(params: dict[str, Any]) -> dict[str, Any]:
    role = Renderer(load(SYNC), params).resource("CrdSyncRole")
    assert role is not None
    statements = as_list(role["AssumeRolePolicyDocument"]["Statement"])
    assert len(statements) == 1, "exactly one trust statement"
    statement: dict[str, Any] = statements[0]
    return statement


@pytest.mark.parametrize("extra", [{}, EXISTING], ids=["provider-created", "provider-existing"])
def test_trust_is_web_identity_from_github_provider_only(extra: dict[str, str]) -> None:
    stmt = trust_statement({**SYNC_PARAMS, **extra})
    assert stmt["Effect"] == "Allow"
    assert as_list(stmt["Action"]) == ["sts:AssumeRoleWithWebIdentity"]
    assert stmt["Principal"] == {"Federated": GITHUB_PROVIDER_ARN}
    assert "NotPrincipal" not in stmt and "NotAction" not in stmt


@pytest.mark.parametrize(
    ("extra", "expected_sub"),
    [
        ({}, "repo:example-org/aws-bootcamp-cruddur-2023:ref:refs/heads/prod"),
        ({"Branch": "main"}, "repo:example-org/aws-bootcamp-cruddur-2023:ref:refs/heads/main"),
        (
            {"GitHubEnvironment": "production"},
            "repo:example-org/aws-bootcamp-cruddur-2023:environment:production",
        ),
    ],
    ids=["branch-prod", "branch-main", "environment"],
)
def test_trust_is_bound_to_repository_and_branch(extra: dict[str, str], expected_sub: str) -> None:
    condition = trust_statement({**SYNC_PARAMS, **extra})["Condition"]
    assert list(condition) == ["StringEquals"], "only exact matching, no StringLike"
    assert condition["StringEquals"] == {
        f"{OIDC_HOST}:aud": "sts.amazonaws.com",
        f"{OIDC_HOST}:sub": expected_sub,
    }


def test_trust_sub_is_built_from_repository_and_branch_parameters_without_wildcards() -> None:
    raw = load(SYNC)["Resources"]["CrdSyncRole"]["Properties"]["AssumeRolePolicyDocument"]
    (stmt,) = raw["Statement"]
    raw_sub = stmt["Condition"]["StringEquals"][f"{OIDC_HOST}:sub"]
    assert {"GitHubOrg", "RepositoryName", "Branch"} <= refs(raw_sub)
    assert not any(c in s for s in strings(raw) for c in "*?"), "wildcard in trust policy"


@pytest.mark.parametrize(
    ("param", "bad", "good"),
    [
        ("GitHubOrg", "*", "example-org"),
        ("RepositoryName", "*", "aws-bootcamp-cruddur-2023"),
        ("Branch", "*", "feature/sync-v2"),
        ("Branch", "", "main"),
        ("GitHubEnvironment", "prod*", "production"),
        ("ExistingOIDCProviderArn", "arn:aws:iam::123456789012:oidc-provider/example.com", ""),
        ("DistributionId", "*", "E1EXAMPLE"),
    ],
)
def test_sync_parameters_reject_wildcards(param: str, bad: str, good: str) -> None:
    pattern = load(SYNC)["Parameters"][param]["AllowedPattern"]
    assert re.fullmatch(pattern, good)
    assert not re.fullmatch(pattern, bad)


def test_oidc_provider_is_created_only_without_an_existing_one() -> None:
    template = load(SYNC)
    created = Renderer(template, SYNC_PARAMS).resource("GitHubOIDCProvider")
    assert created == {
        "Url": f"https://{OIDC_HOST}",
        "ClientIdList": ["sts.amazonaws.com"],
        "ThumbprintList": [
            "6938fd4d98bab03faadb97b34396831e3780aea1",
            "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
        ],
    }
    assert Renderer(template, {**SYNC_PARAMS, **EXISTING}).resource("GitHubOIDCProvider") is None


def test_role_waits_for_created_provider_without_depending_on_it_unconditionally() -> None:
    # IAM refuses a Federated principal that does not exist yet, so the role needs a
    # dependency on the provider; a DependsOn on a conditional resource breaks the stack
    # when the condition is false, so it must come from a Ref under the same condition.
    template = load(SYNC)
    role = template["Resources"]["CrdSyncRole"]
    assert "GitHubOIDCProvider" not in as_list(role.get("DependsOn", []))
    assert "GitHubOIDCProvider" in refs(role)
    created = Renderer(template, SYNC_PARAMS)
    assert created.value(role["Metadata"]) == {"OIDCProviderDependency": "<GitHubOIDCProvider>"}
    existing = Renderer(template, {**SYNC_PARAMS, **EXISTING})
    assert "GitHubOIDCProvider" not in strings(existing.value(role))
    assert "<GitHubOIDCProvider>" not in strings(existing.value(template["Outputs"]))


def sync_policy_statements(params: dict[str, Any]) -> list[dict[str, Any]]:
    role = Renderer(load(SYNC), params).resource("CrdSyncRole")
    assert role is not None
    (policy,) = role["Policies"]
    assert "ManagedPolicyArns" not in role
    return as_list(policy["PolicyDocument"]["Statement"])


def test_sync_policy_has_no_wildcard_actions_or_resources() -> None:
    bucket_objects = "arn:aws:s3:::cruddur.example.com/*"
    for stmt in sync_policy_statements(SYNC_PARAMS):
        assert stmt["Effect"] == "Allow"
        assert "NotAction" not in stmt and "NotResource" not in stmt
        for action in as_list(stmt["Action"]):
            assert "*" not in action and "?" not in action, action
        for resource in as_list(stmt["Resource"]):
            if resource == bucket_objects:
                continue
            assert "*" not in resource and "?" not in resource, resource
            assert resource.startswith("arn:aws:"), resource


def test_sync_policy_grants_exactly_the_sync_permissions_on_named_arns() -> None:
    grants: dict[str, set[str]] = {}
    for stmt in sync_policy_statements(SYNC_PARAMS):
        for action in as_list(stmt["Action"]):
            grants.setdefault(action, set()).update(as_list(stmt["Resource"]))
    bucket = "arn:aws:s3:::cruddur.example.com"
    distribution = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1EXAMPLE"
    assert grants == {
        "s3:ListBucket": {bucket},
        "s3:GetObject": {f"{bucket}/*"},
        "s3:PutObject": {f"{bucket}/*"},
        "s3:DeleteObject": {f"{bucket}/*"},
        "cloudfront:GetDistribution": {distribution},
        "cloudfront:CreateInvalidation": {distribution},
        "cloudfront:GetInvalidation": {distribution},
        "cloudfront:ListInvalidations": {distribution},
    }


def test_sync_outputs_role_arn_export_and_provider_arn() -> None:
    outputs = load(SYNC)["Outputs"]
    assert outputs["RoleArn"]["Value"] == {"Fn::GetAtt": ["CrdSyncRole", "Arn"]}
    assert "Export" in outputs["RoleArn"]
    for extra in ({}, EXISTING):
        rendered = Renderer(load(SYNC), {**SYNC_PARAMS, **extra}).value(outputs)
        assert rendered["OIDCProviderArn"]["Value"] == GITHUB_PROVIDER_ARN


# ---------------------------------------------------------------------------------------
# Sync stack: the read-only plan role for pull requests (deploy preview)
# ---------------------------------------------------------------------------------------

PULL_REQUEST_SUB = "repo:example-org/aws-bootcamp-cruddur-2023:pull_request"


def plan_role(params: dict[str, Any]) -> dict[str, Any]:
    role = Renderer(load(SYNC), params).resource("CrdSyncPlanRole")
    assert role is not None, "the plan role is always created"
    return role


@pytest.mark.parametrize(
    "extra",
    [{}, EXISTING, {"GitHubEnvironment": "production"}, {"Branch": "main"}],
    ids=["provider-created", "provider-existing", "environment", "branch-main"],
)
def test_plan_role_trusts_only_pull_requests_of_this_repository(extra: dict[str, str]) -> None:
    (stmt,) = as_list(plan_role({**SYNC_PARAMS, **extra})["AssumeRolePolicyDocument"]["Statement"])
    assert stmt["Effect"] == "Allow"
    assert as_list(stmt["Action"]) == ["sts:AssumeRoleWithWebIdentity"]
    assert stmt["Principal"] == {"Federated": GITHUB_PROVIDER_ARN}
    assert "NotPrincipal" not in stmt and "NotAction" not in stmt
    # Exact match on the pull_request sub, whatever the deploy role is bound to: never the
    # deploy branch or environment, never StringLike.
    assert stmt["Condition"] == {
        "StringEquals": {f"{OIDC_HOST}:aud": "sts.amazonaws.com", f"{OIDC_HOST}:sub": PULL_REQUEST_SUB}
    }


def test_plan_role_sub_is_built_from_the_repository_without_wildcards() -> None:
    raw = load(SYNC)["Resources"]["CrdSyncPlanRole"]["Properties"]["AssumeRolePolicyDocument"]
    (stmt,) = raw["Statement"]
    raw_sub = stmt["Condition"]["StringEquals"][f"{OIDC_HOST}:sub"]
    assert refs(raw_sub) == {"GitHubOrg", "RepositoryName"}
    assert not any(c in s for s in strings(raw) for c in "*?"), "wildcard in trust policy"


def test_plan_role_can_only_list_and_read_the_bucket() -> None:
    role = plan_role(SYNC_PARAMS)
    assert "ManagedPolicyArns" not in role and "PermissionsBoundary" not in role
    (policy,) = role["Policies"]
    grants: dict[str, set[str]] = {}
    for stmt in as_list(policy["PolicyDocument"]["Statement"]):
        assert stmt["Effect"] == "Allow"
        assert set(stmt) <= {"Sid", "Effect", "Action", "Resource"}, "no NotAction/NotResource/Condition games"
        for action in as_list(stmt["Action"]):
            grants.setdefault(action, set()).update(as_list(stmt["Resource"]))
    bucket = "arn:aws:s3:::cruddur.example.com"
    assert grants == {"s3:ListBucket": {bucket}, "s3:GetObject": {f"{bucket}/*"}}


def test_plan_role_waits_for_a_created_provider_like_the_deploy_role() -> None:
    template = load(SYNC)
    role = template["Resources"]["CrdSyncPlanRole"]
    assert "GitHubOIDCProvider" not in as_list(role.get("DependsOn", []))
    assert Renderer(template, SYNC_PARAMS).value(role["Metadata"]) == {
        "OIDCProviderDependency": "<GitHubOIDCProvider>"
    }
    assert "GitHubOIDCProvider" not in strings(Renderer(template, {**SYNC_PARAMS, **EXISTING}).value(role))


def test_sync_outputs_plan_role_arn_with_export() -> None:
    outputs = load(SYNC)["Outputs"]
    assert outputs["PlanRoleArn"]["Value"] == {"Fn::GetAtt": ["CrdSyncPlanRole", "Arn"]}
    rendered = Renderer(load(SYNC), SYNC_PARAMS).value(outputs)
    assert rendered["PlanRoleArn"]["Export"] == {"Name": "TestStack-PlanRoleArn"}
    assert rendered["RoleArn"]["Export"] != rendered["PlanRoleArn"]["Export"]


def test_sync_stack_holds_exactly_the_provider_and_two_roles() -> None:
    resources = load(SYNC)["Resources"]
    assert {name: res["Type"] for name, res in resources.items()} == {
        "GitHubOIDCProvider": "AWS::IAM::OIDCProvider",
        "CrdSyncRole": "AWS::IAM::Role",
        "CrdSyncPlanRole": "AWS::IAM::Role",
    }


# ---------------------------------------------------------------------------------------
# Frontend stack: private bucket, OAC-only access, SPA distribution
# ---------------------------------------------------------------------------------------

CUSTOM_DOMAIN = {
    "DomainAliases": "cruddur.example.com,www.cruddur.example.com",
    "AcmCertificateArn": (
        f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0123abcd-0123-4567-89ab-0123456789ab"
    ),
    "HostedZoneId": "Z0123456789EXAMPLE",
}


def frontend(params: dict[str, Any] | None = None) -> Renderer:
    return Renderer(load(FRONTEND), params or {})


def test_root_bucket_is_private_with_acls_disabled() -> None:
    bucket = frontend().resource("RootBucket")
    assert bucket is not None
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert "WebsiteConfiguration" not in bucket
    assert "AccessControl" not in bucket
    assert "BucketName" not in bucket  # empty RootBucketName: CloudFormation names it
    named = frontend({"RootBucketName": "cruddur.example.com"}).resource("RootBucket")
    assert named is not None and named["BucketName"] == "cruddur.example.com"


def test_bucket_policy_allows_only_getobject_from_this_distribution() -> None:
    policy = frontend().resource("RootBucketPolicy")
    assert policy is not None
    assert policy["Bucket"] == "<RootBucket>"
    statements = as_list(policy["PolicyDocument"]["Statement"])
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": allows[0].get("Sid"),
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "<RootBucket.Arn>/*",
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/<Distribution>"
                }
            },
        }
    ]
    denies = {s["Sid"]: s for s in statements if s["Effect"] == "Deny"}
    assert set(denies) == {"DenyInsecureTransport", "DenyReleasePrefixToCloudFront"}
    insecure = denies["DenyInsecureTransport"]
    assert insecure["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(as_list(insecure["Resource"])) == {"<RootBucket.Arn>", "<RootBucket.Arn>/*"}
    releases = denies["DenyReleasePrefixToCloudFront"]  # frontend.sync's records and lock
    assert releases["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert releases["Action"] == "s3:GetObject" and "Condition" not in releases
    assert releases["Resource"] == "<RootBucket.Arn>/_cruddur-ops/*"
    assert len(statements) == 3


def test_origin_access_control_signs_every_s3_request() -> None:
    oac = frontend().resource("OriginAccessControl")
    assert oac is not None
    cfg = oac["OriginAccessControlConfig"]
    assert cfg["OriginAccessControlOriginType"] == "s3"
    assert cfg["SigningBehavior"] == "always"
    assert cfg["SigningProtocol"] == "sigv4"


def distribution_config(params: dict[str, Any] | None = None) -> dict[str, Any]:
    dist = frontend(params).resource("Distribution")
    assert dist is not None
    cfg: dict[str, Any] = dist["DistributionConfig"]
    return cfg


def test_distribution_reads_the_bucket_rest_endpoint_through_oac() -> None:
    cfg = distribution_config()
    (origin,) = cfg["Origins"]
    assert origin["DomainName"] == "<RootBucket.RegionalDomainName>"
    assert origin["OriginAccessControlId"] == "<OriginAccessControl.Id>"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert "CustomOriginConfig" not in origin  # a website endpoint cannot use OAC
    behavior = cfg["DefaultCacheBehavior"]
    assert behavior["TargetOriginId"] == origin["Id"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["CachePolicyId"] == CACHING_OPTIMIZED
    assert behavior["Compress"] is True
    assert "CacheBehaviors" not in cfg


def test_distribution_serves_the_spa() -> None:
    cfg = distribution_config()
    assert cfg["Enabled"] is True
    assert cfg["DefaultRootObject"] == "index.html"
    assert cfg["HttpVersion"] == "http2and3"
    # Routing by a viewer-request function; no error response may turn a missing asset into HTML.
    assert "CustomErrorResponses" not in cfg
    assert cfg["DefaultCacheBehavior"]["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": "<SpaRoutingFunction.FunctionMetadata.FunctionARN>"}]
    function = frontend().resource("SpaRoutingFunction")
    assert function is not None and function["AutoPublish"] is True
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"


def test_default_domain_uses_cloudfront_certificate_and_no_dns() -> None:
    cfg = distribution_config()
    assert "Aliases" not in cfg
    assert cfg["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    renderer = frontend()
    assert renderer.resource("DnsRecords") is None
    assert renderer.resource("SecondDnsRecords") is None
    # Aliases without a certificate would be refused by CloudFront: they are ignored.
    only_aliases = distribution_config({"DomainAliases": CUSTOM_DOMAIN["DomainAliases"]})
    assert "Aliases" not in only_aliases


def test_custom_domain_uses_acm_certificate_and_alias_records() -> None:
    cfg = distribution_config(CUSTOM_DOMAIN)
    assert cfg["Aliases"] == ["cruddur.example.com", "www.cruddur.example.com"]
    assert cfg["ViewerCertificate"] == {
        "AcmCertificateArn": CUSTOM_DOMAIN["AcmCertificateArn"],
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    renderer = frontend(CUSTOM_DOMAIN)
    records = [
        record
        for name in ("DnsRecords", "SecondDnsRecords")
        for record in (renderer.resource(name) or {"RecordSets": []})["RecordSets"]
    ]
    assert {(r["Name"], r["Type"]) for r in records} == {
        (name, kind)
        for name in ("cruddur.example.com", "www.cruddur.example.com")
        for kind in ("A", "AAAA")
    }
    for record in records:
        assert record["AliasTarget"] == {
            "DNSName": "<Distribution.DomainName>",
            "HostedZoneId": CLOUDFRONT_ZONE,
        }
    one_alias = frontend({**CUSTOM_DOMAIN, "DomainAliases": "cruddur.example.com"})
    assert one_alias.resource("DnsRecords") is not None
    assert one_alias.resource("SecondDnsRecords") is None
    no_zone = frontend({**CUSTOM_DOMAIN, "HostedZoneId": ""})
    assert no_zone.resource("DnsRecords") is None


def test_frontend_outputs_feed_the_sync_tool() -> None:
    outputs = frontend().value(load(FRONTEND)["Outputs"])
    assert outputs["BucketName"]["Value"] == "<RootBucket>"
    assert outputs["DistributionId"]["Value"] == "<Distribution>"
    assert outputs["DistributionDomainName"]["Value"] == "<Distribution.DomainName>"
    assert outputs["OriginAccessControlId"]["Value"] == "<OriginAccessControl.Id>"

"""One pure check per link a VPC Lambda needs to fetch its database secret and reach RDS.

The journal's case: the post-confirmation Lambda, moved into the VPC for RDS, timed out on
GetSecretValue — a function in private subnets has no route to Secrets Manager's public endpoint.
It needed an interface endpoint in its subnets, an endpoint security group admitting 443 from the
function's group, RDS admitting 5432 from it, and GetSecretValue on the secret. Each of those is
one link below; a timeout names none of them, this does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from ..doctor.checks import CheckResult, note, ok, skipped, wrong
from ..iam.policy import Decision, PolicySource, account_of, evaluate, resources_for
from ..network.reach import GroupFacts, Peer, find_rule, port_sources
from .snapshot import (
    DB_SG,
    ENDPOINT_SG,
    FUNCTION,
    KMS,
    PERMISSION,
    ROLE,
    ROUTE,
    SECRET_POLICY,
    TIMEOUT,
    VPC,
    EndpointFacts,
    LambdaSnapshot,
)

GET_SECRET = "secretsmanager:GetSecretValue"
DECRYPT = "kms:Decrypt"
HTTPS = 443
POSTGRES = 5432
ENI_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface")
VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
MIN_VPC_TIMEOUT = 10  # seconds: an ENI cold start plus a TLS handshake to an endpoint fits comfortably
SECRET_SUFFIX = 7  # "-" + six random characters Secrets Manager appends to every secret ARN


def _cannot_read(link: str, s: LambdaSnapshot, permission: str) -> CheckResult | None:
    if link in s.errors:
        return wrong(link, f"cannot check: {s.errors[link]}",
                     f"run the doctor with credentials allowed {permission} (read-only)")
    return None


def _function_peer(s: LambdaSnapshot) -> Peer:
    assert s.function is not None
    return Peer(frozenset(s.function.group_ids), tuple(sub.cidr for sub in s.subnets))


def _groups(s: LambdaSnapshot, ids: Iterable[str]) -> list[GroupFacts]:
    return [s.groups[g] for g in ids if g in s.groups]


def _function_groups(s: LambdaSnapshot) -> list[GroupFacts]:
    return _groups(s, s.function.group_ids if s.function else ())


def usable_endpoints(s: LambdaSnapshot) -> list[EndpointFacts]:
    return [e for e in s.endpoints if e.state.lower() == "available"]


def dns_endpoint(s: LambdaSnapshot) -> EndpointFacts | None:
    """The endpoint the SDK's default host name resolves to: one with private DNS on."""
    return next((e for e in usable_endpoints(s) if e.private_dns), None)


def _zones_of(s: LambdaSnapshot, endpoint: EndpointFacts) -> set[str]:
    return {sub.zone for sub in s.endpoint_subnets if sub.subnet_id in endpoint.subnet_ids}


def _subnet_in(s: LambdaSnapshot, zone: str) -> str:
    return next((sub.subnet_id for sub in s.subnets if sub.zone == zone), "SUBNET_ID")


# ------------------------------------------------------------------------------------------
# the links


def check_function(s: LambdaSnapshot) -> CheckResult:
    if (problem := _cannot_read(FUNCTION, s, "lambda:GetFunctionConfiguration")) is not None:
        return problem
    f = s.function
    if f is None:
        return wrong(FUNCTION, f"no function {s.function_name} in {s.region}",
                     "check the name and the region (AWS_REGION), e.g. aws lambda list-functions "
                     "--query 'Functions[].FunctionName'")
    show = f"aws lambda get-function-configuration --function-name {f.name} --query '[State,StateReason,LastUpdateStatusReason]'"
    if f.state == "Failed":
        return wrong(FUNCTION, f"{f.arn} is Failed: {f.state_reason or 'no reason given'}",
                     f"fix the cause (for a VPC function often the role's EC2 network-interface permissions, "
                     f"or a subnet out of addresses), then update the function; {show}")
    if f.last_update_status == "Failed":
        return wrong(FUNCTION, f"its last configuration update failed: {f.last_update_reason or 'no reason given'}",
                     f"fix the cause and apply the update again; {show}")
    if f.state in {"Pending", "Inactive"}:
        why = ("still being set up (a VPC function's network interfaces take a minute): calls fail until Active"
               if f.state == "Pending" else
               "idle long enough that Lambda released its network interfaces: the next call waits for new ones")
        return note(FUNCTION, f"{f.arn} is {f.state}: {why}", f"wait, then run the doctor again; {show}")
    return ok(FUNCTION, f"{f.arn}")


def check_role(s: LambdaSnapshot) -> CheckResult:
    if s.function is None:
        return skipped(ROLE, "no function")
    if (problem := _cannot_read(ROLE, s, "iam:GetRole, iam:ListRolePolicies, iam:GetRolePolicy, "
                                "iam:ListAttachedRolePolicies, iam:GetPolicy, iam:GetPolicyVersion")):
        return problem
    if s.role is None:
        return wrong(ROLE, f"the function's role {s.function.role_arn} does not exist",
                     f"create it (trusting lambda.amazonaws.com) or point the function at an existing one: "
                     f"aws lambda update-function-configuration --function-name {s.function.name} --role ROLE_ARN")
    count = len(s.role.policies)
    boundary = f", permissions boundary {s.role.boundary.label}" if s.role.boundary else ""
    summary = f"{s.role.name} ({count} polic{'y' if count == 1 else 'ies'}{boundary})"
    if s.in_vpc:
        lacking = [a for a in ENI_ACTIONS if not evaluate(s.role.policies, a, "*").allowed
                   or (s.role.boundary is not None and not evaluate([s.role.boundary], a, "*").allowed)]
        if lacking:
            return wrong(ROLE, f"{summary} may not call {', '.join(lacking)}: Lambda cannot create or replace the "
                         "network interfaces a VPC function runs through",
                         f"aws iam attach-role-policy --role-name {s.role.name} --policy-arn {VPC_ACCESS_POLICY}")
        return ok(ROLE, f"{summary}; may manage the VPC network interfaces")
    return ok(ROLE, summary)


def check_vpc(s: LambdaSnapshot) -> CheckResult:
    f = s.function
    if f is None:
        return skipped(VPC, "no function")
    if not s.in_vpc:
        return note(VPC, "not attached to a VPC: Secrets Manager is reached over the internet, but RDS "
                    "must then be publicly accessible with its security group open to Lambda's "
                    "changing public addresses",
                    f"to reach a private RDS, attach it to the database's VPC: aws lambda "
                    f"update-function-configuration --function-name {f.name} --vpc-config "
                    "SubnetIds=SUBNET_A,SUBNET_B,SecurityGroupIds=SG_ID (then every link below applies)")
    if (problem := _cannot_read(VPC, s, "ec2:DescribeSubnets, ec2:DescribeSecurityGroups")) is not None:
        return problem
    missing = [g for g in f.group_ids if g not in s.groups]
    if not f.group_ids or missing:
        return wrong(VPC, f"security group(s) {', '.join(missing) or '(none)'} of the function do not exist",
                     f"aws lambda update-function-configuration --function-name {f.name} --vpc-config "
                     f"SubnetIds={','.join(f.subnet_ids)},SecurityGroupIds=SG_ID")
    found = {sub.subnet_id for sub in s.subnets}
    gone = [sub for sub in f.subnet_ids if sub not in found]
    if gone:
        return wrong(VPC, f"subnet(s) {', '.join(gone)} of the function do not exist",
                     "pick existing subnets of the database's VPC in the function's VPC settings")
    zones = ", ".join(f"{sub.subnet_id} ({sub.zone}, {sub.cidr})" for sub in s.subnets)
    groups = ", ".join(f"{g.group_id} ({g.name})" for g in _function_groups(s))
    return ok(VPC, f"{s.vpc_id}: subnets {zones}; security groups {groups}")


def _nat_missing(s: LambdaSnapshot) -> list[str]:
    routed = {r.subnet_id for r in s.routes if r.default_target.startswith("nat-")}
    return [sub.subnet_id for sub in s.subnets if sub.subnet_id not in routed]


def _create_endpoint_fix(s: LambdaSnapshot) -> str:
    subnets = " ".join(sorted({_subnet_in(s, z) for z in s.zones}))
    return (f"aws ec2 create-vpc-endpoint --vpc-id {s.vpc_id} --vpc-endpoint-type Interface "
            f"--service-name {s.service_name} --subnet-ids {subnets} --security-group-ids ENDPOINT_SG_ID "
            "--private-dns-enabled  (ENDPOINT_SG_ID admits tcp/443 from the function's group)")


def check_route(s: LambdaSnapshot) -> CheckResult:
    if not s.in_vpc:
        return skipped(ROUTE, "not in a VPC: the public endpoint is used")
    if (problem := _cannot_read(ROUTE, s, "ec2:DescribeVpcEndpoints, ec2:DescribeRouteTables, "
                                "ec2:DescribeVpcAttribute")) is not None:
        return problem
    if not s.subnets:
        return skipped(ROUTE, "the function's subnets could not be read")
    endpoint = dns_endpoint(s)
    if endpoint is not None:
        zones = _zones_of(s, endpoint)
        uncovered = [z for z in s.zones if z not in zones]
        if uncovered:
            adds = " ".join(_subnet_in(s, z) for z in uncovered)
            return wrong(ROUTE, f"endpoint {endpoint.endpoint_id} has subnets in {', '.join(sorted(zones)) or 'no zone'} "
                         f"but the function also runs in {', '.join(uncovered)}: calls from there wait for a "
                         "network interface that is not in their zone (the journal's timeout)",
                         f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {endpoint.endpoint_id} --add-subnet-ids {adds}")
        off = [flag for flag, value in (("--enable-dns-support", s.dns_support),
                                        ("--enable-dns-hostnames", s.dns_hostnames)) if value is False]
        if off:
            return wrong(ROUTE, f"endpoint {endpoint.endpoint_id} has private DNS on, but {s.vpc_id} has "
                         f"{' and '.join(f[2:] for f in off)} off: the name still resolves to the public endpoint",
                         " && ".join(f"aws ec2 modify-vpc-attribute --vpc-id {s.vpc_id} {f}" for f in off))
        return ok(ROUTE, f"interface endpoint {endpoint.endpoint_id} ({s.service_name}, private DNS on) "
                  f"in {', '.join(sorted(zones))}")
    missing = _nat_missing(s)
    if not missing:
        nats = ", ".join(sorted({r.default_target for r in s.routes}))
        return ok(ROUTE, f"no endpoint; every subnet's 0.0.0.0/0 goes to a NAT gateway ({nats})")
    without_dns = [e for e in usable_endpoints(s) if not e.private_dns]
    if without_dns:
        e = without_dns[0]
        return wrong(ROUTE, f"endpoint {e.endpoint_id} has private DNS off, so the SDK still resolves "
                     f"secretsmanager.{s.region}.amazonaws.com to the public endpoint, and subnet(s) "
                     f"{', '.join(missing)} have no NAT route to reach it",
                     f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {e.endpoint_id} --private-dns-enabled")
    routes = "; ".join(f"{r.subnet_id} → {r.route_table_id}: 0.0.0.0/0 → {r.default_target or 'none'}"
                       for r in s.routes if r.subnet_id in missing)
    stale = [e.endpoint_id + f" ({e.state})" for e in s.endpoints if e not in usable_endpoints(s)]
    extra = f"; endpoint(s) not available: {', '.join(stale)}" if stale else ""
    return wrong(ROUTE, f"no {s.service_name} endpoint in {s.vpc_id} and no NAT route from {', '.join(missing)} "
                 f"({routes}){extra}: GetSecretValue waits until the function times out",
                 _create_endpoint_fix(s) + "; or add a 0.0.0.0/0 route to a NAT gateway in those subnets' "
                 "route tables")


def _egress_fix(s: LambdaSnapshot, endpoint: EndpointFacts | None) -> str:
    assert s.function is not None
    fix = f"aws ec2 authorize-security-group-egress --group-id {s.function.group_ids[0]} "
    if endpoint is not None and endpoint.group_ids:
        return fix + ("--ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,"
                      f"UserIdGroupPairs=[{{GroupId={endpoint.group_ids[0]}}}]")
    return fix + "--protocol tcp --port 443 --cidr 0.0.0.0/0"


def check_endpoint_sg(s: LambdaSnapshot) -> CheckResult:
    if not s.in_vpc or not s.subnets:
        return skipped(ENDPOINT_SG, "not in a VPC" if not s.in_vpc else "the function's subnets could not be read")
    assert s.function is not None
    endpoint = dns_endpoint(s)
    if endpoint is None:
        if _nat_missing(s):
            return skipped(ENDPOINT_SG, "no endpoint and no NAT route to check (see route to Secrets Manager)")
        out = find_rule(_function_groups(s), HTTPS, Peer(frozenset(), ("0.0.0.0/0",)), egress=True)
        if out is None:
            return wrong(ENDPOINT_SG, f"the function's group(s) {', '.join(s.function.group_ids)} allow no tcp/443 "
                         "egress to the internet, which the NAT path needs", _egress_fix(s, None))
        return ok(ENDPOINT_SG, f"no endpoint (NAT path); {out}")
    if (problem := _cannot_read(ENDPOINT_SG, s, "ec2:DescribeSecurityGroups")) is not None:
        return problem
    groups = _groups(s, endpoint.group_ids)
    admitted = find_rule(groups, HTTPS, _function_peer(s))
    if admitted is None:
        shown = ", ".join(port_sources(groups, HTTPS)) or "nothing"
        target = endpoint.group_ids[0] if endpoint.group_ids else "ENDPOINT_SG_ID"
        return wrong(ENDPOINT_SG, f"endpoint {endpoint.endpoint_id}'s group(s) {', '.join(endpoint.group_ids) or '(none)'} "
                     f"admit tcp/443 from {shown}, not from the function's group "
                     f"{', '.join(s.function.group_ids)}: the TLS handshake never starts",
                     f"aws ec2 authorize-security-group-ingress --group-id {target} --protocol tcp --port 443 "
                     f"--source-group {s.function.group_ids[0]}")
    endpoint_cidrs = tuple(sub.cidr for sub in s.endpoint_subnets if sub.subnet_id in endpoint.subnet_ids)
    out = find_rule(_function_groups(s), HTTPS, Peer(frozenset(endpoint.group_ids), endpoint_cidrs), egress=True)
    if out is None:
        return wrong(ENDPOINT_SG, f"{admitted}, but the function's group(s) {', '.join(s.function.group_ids)} allow "
                     f"no tcp/443 egress to endpoint {endpoint.endpoint_id}", _egress_fix(s, endpoint))
    return ok(ENDPOINT_SG, f"{admitted}; {out}")


def check_db_sg(s: LambdaSnapshot) -> CheckResult:
    if not s.in_vpc or not s.subnets:
        return skipped(DB_SG, "not in a VPC" if not s.in_vpc else "the function's subnets could not be read")
    assert s.function is not None
    if (problem := _cannot_read(DB_SG, s, "ec2:DescribeSecurityGroups (and cloudformation:DescribeStacks "
                                "to find the db stack)")) is not None:
        return problem
    if not s.db.group_id:
        return skipped(DB_SG, f"no database security group: {s.db.missing} (pass --db-sg or set DB_SG_ID)")
    group = s.groups.get(s.db.group_id)
    if group is None:
        return wrong(DB_SG, f"security group {s.db.group_id} (from {s.db.source}) does not exist",
                     "pass --db-sg with the group attached to the RDS instance, or fix DB_SG_ID")
    if group.vpc_id and s.vpc_id and group.vpc_id != s.vpc_id:
        return wrong(DB_SG, f"{group.group_id} is in {group.vpc_id}, the function in {s.vpc_id}: a group "
                     "reference cannot cross VPCs",
                     "attach the function to the database's VPC (subnets and a group there)")
    admitted = find_rule([group], POSTGRES, _function_peer(s))
    if admitted is None:
        shown = ", ".join(port_sources([group], POSTGRES)) or "nothing"
        return wrong(DB_SG, f"{group.group_id} ({group.name}, from {s.db.source}) admits tcp/5432 from {shown}, "
                     f"not from the function's group {', '.join(s.function.group_ids)}",
                     f"aws ec2 authorize-security-group-ingress --group-id {group.group_id} --protocol tcp "
                     f"--port 5432 --source-group {s.function.group_ids[0]}")
    # The database's address is somewhere in the VPC; unknown VPC ranges: only "anywhere" proves it.
    destination = Peer(frozenset({group.group_id}), s.vpc_cidrs or ("0.0.0.0/0",))
    out = find_rule(_function_groups(s), POSTGRES, destination, egress=True)
    if out is None:
        return wrong(DB_SG, f"{admitted}, but the function's group(s) allow no tcp/5432 egress to it",
                     f"aws ec2 authorize-security-group-egress --group-id {s.function.group_ids[0]} "
                     f"--ip-permissions IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{{GroupId={group.group_id}}}]")
    return ok(DB_SG, f"{admitted}; {out} (database group from {s.db.source})")


def _secret_statement(s: LambdaSnapshot) -> str:
    assert s.secret is not None
    return json.dumps({"Effect": "Allow", "Action": GET_SECRET, "Resource": s.secret.arn}, separators=(",", ":"))


def _near_misses(s: LambdaSnapshot, sources: Iterable[PolicySource]) -> list[str]:
    """Grants that look meant for this secret but do not match it: the ARN without its random
    suffix (IAM compares the whole ARN), or another region/account."""
    assert s.secret is not None
    unsuffixed = s.secret.arn[:-SECRET_SUFFIX] if len(s.secret.arn) > SECRET_SUFFIX else s.secret.arn
    found = []
    for ref, pattern in resources_for(sources, GET_SECRET):
        if pattern == unsuffixed:
            found.append(f"{ref} names {pattern} without the secret's random suffix: use {s.secret.arn} "
                         f"or {unsuffixed}-??????")
        elif pattern.endswith(f":secret:{s.secret.name}") or pattern.endswith(f":secret:{s.secret.name}-*"):
            found.append(f"{ref} names {pattern} (another region or account than {s.secret.arn})")
    return found


def _granted(decision: Decision) -> str:
    text = ", ".join(str(a) for a in decision.allows)
    if decision.conditional_deny:
        text += "; a Deny applies when its condition holds: " + ", ".join(map(str, decision.conditional_deny))
    return text


def check_permission(s: LambdaSnapshot) -> CheckResult:
    if s.function is None:
        return skipped(PERMISSION, "no function")
    if (problem := _cannot_read(PERMISSION, s, "secretsmanager:DescribeSecret")) is not None:
        return problem
    if s.secret is None:
        return skipped(PERMISSION, "no secret to check: pass --secret-id, or set SECRET_NAME / DB_SECRET_ARN / "
                       "SECRET_ID in the function's environment")
    if not s.secret.exists:
        return wrong(PERMISSION, f"secret {s.secret.secret_id} (from {s.secret.source}) does not exist in {s.region}",
                     "fix the variable/--secret-id, or create the secret in this region")
    if s.role is None:
        return skipped(PERMISSION, "the role could not be read (see role)")
    role = s.role
    identity = evaluate(role.policies, GET_SECRET, s.secret.arn)
    resource_sources = ([PolicySource(f"resource policy of {s.secret.name}", s.secret.resource_policy)]
                        if s.secret.resource_policy else [])
    resource = evaluate(resource_sources, GET_SECRET, s.secret.arn, principal_arn=role.arn)
    denies = identity.explicit_deny + resource.explicit_deny
    if denies:
        return wrong(PERMISSION, f"explicitly denied by {', '.join(map(str, denies))}: a Deny beats every Allow",
                     "remove or narrow that Deny statement (its Resource or Action) so it no longer "
                     f"matches {s.secret.arn}")
    boundary_ok = True
    if role.boundary is not None:
        boundary_ok = evaluate([role.boundary], GET_SECRET, s.secret.arn).allowed
    if identity.allowed and boundary_ok:
        return ok(PERMISSION, f"allowed on {s.secret.arn} by {_granted(identity)}")
    if resource.allowed:
        return ok(PERMISSION, f"allowed on {s.secret.arn} by {_granted(resource)} (same account: the "
                  "secret's resource policy alone grants it)")
    if identity.allowed and not boundary_ok:
        return wrong(PERMISSION, f"{_granted(identity)} allows it, but permissions boundary {role.boundary.label if role.boundary else ''} "
                     "does not", f"add {GET_SECRET} on {s.secret.arn} to the boundary policy")
    misses = _near_misses(s, [*role.policies, *resource_sources])
    why = "; ".join(misses) if misses else "no statement of its policies allows it"
    return wrong(PERMISSION, f"role {role.name} may not call {GET_SECRET} on {s.secret.arn}: {why}",
                 f"aws iam put-role-policy --role-name {role.name} --policy-name cruddur-db-secret "
                 f"--policy-document '{{\"Version\":\"2012-10-17\",\"Statement\":[{_secret_statement(s)}]}}'")


def check_secret_policy(s: LambdaSnapshot) -> CheckResult:
    if s.secret is None or not s.secret.exists or s.role is None:
        return skipped(SECRET_POLICY, "no secret or role to check")
    if (problem := _cannot_read(SECRET_POLICY, s, "secretsmanager:GetResourcePolicy")) is not None:
        return problem
    if not s.secret.resource_policy:
        return ok(SECRET_POLICY, "none (the role's own policies decide)")
    source = PolicySource(f"resource policy of {s.secret.name}", s.secret.resource_policy)
    denies = evaluate([source], GET_SECRET, s.secret.arn, principal_arn=s.role.arn).explicit_deny
    if denies:
        return wrong(SECRET_POLICY, f"denies the role: {', '.join(map(str, denies))}",
                     f"edit it: aws secretsmanager get-resource-policy --secret-id {s.secret.name}, then "
                     "put-resource-policy without that Deny")
    return ok(SECRET_POLICY, "present, denies nothing to the role")


def check_kms(s: LambdaSnapshot) -> CheckResult:
    if s.secret is None or not s.secret.exists:
        return skipped(KMS, "no secret")
    if not s.secret.kms_key_id:
        return ok(KMS, "aws/secretsmanager (AWS managed): no kms:Decrypt needed in the role")
    if (problem := _cannot_read(KMS, s, "kms:DescribeKey, kms:GetKeyPolicy")) is not None:
        return problem
    key = s.key
    if key is None:
        return wrong(KMS, f"the secret's key {s.secret.kms_key_id} does not exist: the secret cannot be decrypted",
                     "restore the key (aws kms cancel-key-deletion) or re-encrypt the secret with another key")
    if key.manager != "CUSTOMER":
        return ok(KMS, f"{key.alias or key.arn} is AWS managed: no kms:Decrypt needed in the role")
    if s.role is None:
        return skipped(KMS, "the role could not be read (see role)")
    role = s.role
    identity = evaluate(role.policies, DECRYPT, key.arn)
    key_source = [PolicySource(f"key policy of {key.arn}", key.policy)] if key.policy else []
    direct = evaluate(key_source, DECRYPT, key.arn, principal_arn=role.arn)
    denies = identity.explicit_deny + direct.explicit_deny
    if denies:
        return wrong(KMS, f"{DECRYPT} on {key.arn} explicitly denied by {', '.join(map(str, denies))}",
                     "remove or narrow that Deny")
    # A key policy naming the role grants on its own; naming the account root delegates to IAM.
    account_root = f"arn:aws:iam::{account_of(role.arn)}:root"
    via_root = evaluate(key_source, DECRYPT, key.arn, principal_arn=account_root)
    if [a for a in direct.allows if a not in via_root.allows]:
        return ok(KMS, f"customer-managed {key.arn}: the key policy grants the role {DECRYPT}")
    delegates = via_root.allowed or key.policy is None
    if identity.allowed and delegates:
        return ok(KMS, f"customer-managed {key.arn}: {DECRYPT} allowed by {_granted(identity)}")
    fix = (f"aws iam put-role-policy --role-name {role.name} --policy-name cruddur-db-secret-key "
           f"--policy-document '{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\","
           f"\"Action\":\"{DECRYPT}\",\"Resource\":\"{key.arn}\"}}]}}'")
    if identity.allowed:
        return wrong(KMS, f"the role's policies allow {DECRYPT}, but the key policy of {key.arn} neither names "
                     "the role nor delegates to the account's IAM policies",
                     "add the role (or the account root) as a principal for kms:Decrypt in the key policy")
    return wrong(KMS, f"the secret is encrypted with customer-managed key {key.arn}; role {role.name} may not "
                 f"call {DECRYPT} on it, so GetSecretValue fails with AccessDenied", fix)


def check_timeout(s: LambdaSnapshot) -> CheckResult:
    f = s.function
    if f is None:
        return skipped(TIMEOUT, "no function")
    if s.in_vpc and f.timeout < MIN_VPC_TIMEOUT:
        return note(TIMEOUT, f"{f.timeout} s: a VPC function's first call (network interface, TLS to the "
                    "endpoint, connecting to RDS) can take several seconds; the journal's was 3 s",
                    f"aws lambda update-function-configuration --function-name {f.name} --timeout 15")
    return ok(TIMEOUT, f"{f.timeout} s")


CHECKS: tuple[Callable[[LambdaSnapshot], CheckResult], ...] = (
    check_function,
    check_role,
    check_vpc,
    check_route,
    check_endpoint_sg,
    check_db_sg,
    check_permission,
    check_secret_policy,
    check_kms,
    check_timeout,
)


def run_checks(snapshot: LambdaSnapshot) -> tuple[CheckResult, ...]:
    return tuple(check(snapshot) for check in CHECKS)

"""The Lambda doctor's pure checks, from hand-built snapshots: the cases the emulator cannot show
(an endpoint still pending, a blackholed NAT route, private DNS off, a refused read, a permissions
boundary, a secret resource policy, key policies) and each check's fix."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cruddur_ops.doctor.checks import CheckResult
from cruddur_ops.iam.policy import PolicySource
from cruddur_ops.lambda_doctor.checks import run_checks
from cruddur_ops.lambda_doctor.render import as_json
from cruddur_ops.lambda_doctor.snapshot import (
    DbGroup,
    EndpointFacts,
    FunctionFacts,
    KeyFacts,
    LambdaSnapshot,
    RoleFacts,
    RouteFacts,
    SecretFacts,
    SubnetFacts,
)
from cruddur_ops.network.reach import GroupFacts

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/post-confirmation"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:cruddur/db-AbCdEf"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234"
ANY_EGRESS = ({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},)


def sg(group_id: str, *ingress: dict[str, Any], egress: tuple[dict[str, Any], ...] = ANY_EGRESS) -> GroupFacts:
    return GroupFacts.from_api({"GroupId": group_id, "GroupName": group_id, "VpcId": "vpc-1",
                                "IpPermissions": list(ingress), "IpPermissionsEgress": list(egress)})


def from_fn(port: int) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": "sg-fn"}]}


def allow(action: str, resource: str, sid: str) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}


ENI = {"Sid": "Eni", "Effect": "Allow", "Resource": "*", "Action": [
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]}


def role_with(*statements: dict[str, Any]) -> RoleFacts:
    """The function's role with the VPC network-interface grant and ``statements``."""
    return RoleFacts("post-confirmation", ROLE_ARN, (PolicySource("inline policy db", {"Statement": [ENI, *statements]}),))


def healthy() -> LambdaSnapshot:
    return LambdaSnapshot(
        function_name="post-confirmation",
        region="us-east-1",
        function=FunctionFacts("post-confirmation", "arn:aws:lambda:us-east-1:1:function:post-confirmation",
                               ROLE_ARN, 15, ("subnet-a", "subnet-b"), ("sg-fn",), ("SECRET_NAME", "cruddur/db")),
        role=role_with(allow("secretsmanager:GetSecretValue", SECRET_ARN, "Read"), allow("kms:Decrypt", KEY_ARN, "Dec")),
        vpc_id="vpc-1",
        vpc_cidrs=("10.0.0.0/16",),
        dns_support=True,
        dns_hostnames=True,
        subnets=(SubnetFacts("subnet-a", "vpc-1", "us-east-1a", "10.0.1.0/24"),
                 SubnetFacts("subnet-b", "vpc-1", "us-east-1b", "10.0.2.0/24")),
        groups={"sg-fn": sg("sg-fn"), "sg-ep": sg("sg-ep", from_fn(443)), "sg-db": sg("sg-db", from_fn(5432))},
        routes=(RouteFacts("subnet-a", "rtb-main", "", True), RouteFacts("subnet-b", "rtb-main", "", True)),
        endpoints=(EndpointFacts("vpce-1", "available", True, ("subnet-a", "subnet-b"), ("sg-ep",)),),
        endpoint_subnets=(SubnetFacts("subnet-a", "vpc-1", "us-east-1a", "10.0.1.0/24"),
                          SubnetFacts("subnet-b", "vpc-1", "us-east-1b", "10.0.2.0/24")),
        secret=SecretFacts("cruddur/db", "the function's SECRET_NAME", SECRET_ARN, "cruddur/db", KEY_ARN),
        key=KeyFacts(KEY_ARN, "CUSTOMER", policy={"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]}),
        db=DbGroup("sg-db", "DB_SG_ID"),
    )


def results(snapshot: LambdaSnapshot) -> dict[str, CheckResult]:
    return {r.link: r for r in run_checks(snapshot)}


def broken(snapshot: LambdaSnapshot) -> list[str]:
    return [r.link for r in run_checks(snapshot) if r.broken]


def test_healthy_snapshot_has_no_broken_link() -> None:
    checks = results(healthy())
    assert broken(healthy()) == []
    assert {r.status for r in checks.values()} == {"ok"}
    assert "inline policy db, statement Read" in checks["GetSecretValue"].detail


def test_outside_a_vpc_is_a_note_and_the_network_links_skip() -> None:
    snapshot = replace(healthy(), function=replace(healthy().function, subnet_ids=(), group_ids=(), timeout=3))
    checks = results(snapshot)
    assert checks["VPC attachment"].status == "note"
    assert "RDS must then be publicly accessible" in checks["VPC attachment"].detail
    assert [checks[n].status for n in ("route to Secrets Manager", "endpoint SG 443", "DB SG 5432")] == ["skipped"] * 3
    assert checks["timeout"].status == "ok"  # 3 s is fine without a VPC's cold start
    assert broken(snapshot) == []


def test_short_timeout_in_a_vpc_is_a_note_with_the_fix() -> None:
    snapshot = replace(healthy(), function=replace(healthy().function, timeout=3))
    timeout = results(snapshot)["timeout"]
    assert timeout.status == "note" and not timeout.broken
    assert "--timeout 15" in timeout.fix


def test_pending_endpoint_does_not_count() -> None:
    snapshot = replace(healthy(), endpoints=(replace(healthy().endpoints[0], state="pending"),))
    route = results(snapshot)["route to Secrets Manager"]
    assert route.broken and "endpoint(s) not available: vpce-1 (pending)" in route.detail
    assert "aws ec2 create-vpc-endpoint --vpc-id vpc-1" in route.fix


def test_nat_route_must_be_active_in_every_subnet() -> None:
    # a blackholed route is observed as no target (see observe._default_target)
    routes = (RouteFacts("subnet-a", "rtb-1", "nat-1"), RouteFacts("subnet-b", "rtb-main", "", True))
    snapshot = replace(healthy(), endpoints=(), routes=routes)
    assert "no NAT route from subnet-b" in results(snapshot)["route to Secrets Manager"].detail
    assert results(snapshot)["endpoint SG 443"].status == "skipped"  # nothing to send 443 to yet
    fixed = replace(snapshot, routes=(routes[0], RouteFacts("subnet-b", "rtb-1", "nat-1")))
    assert not results(fixed)["route to Secrets Manager"].broken
    assert results(fixed)["endpoint SG 443"].detail == "no endpoint (NAT path); sg-fn allows egress tcp/443 to 0.0.0.0/0"
    closed = replace(fixed, groups={**fixed.groups, "sg-fn": sg("sg-fn", egress=())})
    assert "egress to the internet, which the NAT path needs" in results(closed)["endpoint SG 443"].detail


def test_private_dns_off_needs_a_nat_or_private_dns() -> None:
    snapshot = replace(healthy(), endpoints=(replace(healthy().endpoints[0], private_dns=False),))
    route = results(snapshot)["route to Secrets Manager"]
    assert route.broken and route.fix == "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-1 --private-dns-enabled"


def test_a_refused_read_is_reported_on_its_link_only() -> None:
    message = "ec2:DescribeVpcEndpoints: UnauthorizedOperation: You are not authorized to perform this operation."
    snapshot = replace(healthy(), errors={"route to Secrets Manager": message})
    checks = results(snapshot)
    assert checks["route to Secrets Manager"].detail == f"cannot check: {message}"
    assert "ec2:DescribeVpcEndpoints" in checks["route to Secrets Manager"].fix
    assert broken(snapshot) == ["route to Secrets Manager"]


def test_endpoint_sg_admitting_only_one_subnet_is_wrong() -> None:
    half = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}
    snapshot = replace(healthy(), groups={**healthy().groups, "sg-ep": sg("sg-ep", half)})
    check = results(snapshot)["endpoint SG 443"]
    assert check.broken and "admit tcp/443 from 10.0.1.0/24, not from the function's group sg-fn" in check.detail
    assert check.fix == "aws ec2 authorize-security-group-ingress --group-id sg-ep --protocol tcp --port 443 --source-group sg-fn"


def test_function_egress_must_allow_443_and_5432() -> None:
    db_only = ({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-db"}]},)
    snapshot = replace(healthy(), groups={**healthy().groups, "sg-fn": sg("sg-fn", egress=db_only)})
    checks = results(snapshot)
    assert checks["endpoint SG 443"].broken and "allow no tcp/443 egress" in checks["endpoint SG 443"].detail
    assert not checks["DB SG 5432"].broken


def test_db_group_in_another_vpc_and_missing_db_group() -> None:
    other = replace(sg("sg-db", from_fn(5432)), vpc_id="vpc-2")
    assert "cannot cross VPCs" in results(replace(healthy(), groups={**healthy().groups, "sg-db": other}))["DB SG 5432"].detail
    none = replace(healthy(), db=DbGroup(missing="DB_SG_ID is not set and there is no stack CrdDb"))
    check = results(none)["DB SG 5432"]
    assert check.status == "skipped" and "pass --db-sg" in check.detail


def test_unsuffixed_secret_arn_is_named_as_the_near_miss() -> None:
    unsuffixed = SECRET_ARN[:-7]
    role = role_with(allow("secretsmanager:GetSecretValue", unsuffixed, "Read"), allow("kms:Decrypt", KEY_ARN, "Dec"))
    check = results(replace(healthy(), role=role))["GetSecretValue"]
    assert check.broken
    assert f"inline policy db, statement Read names {unsuffixed} without the secret's random suffix" in check.detail
    assert f"{unsuffixed}-??????" in check.detail
    assert "aws iam put-role-policy --role-name post-confirmation" in check.fix and SECRET_ARN in check.fix


def test_secret_resource_policy_can_grant_or_deny() -> None:
    no_identity = role_with(allow("kms:Decrypt", KEY_ARN, "Dec"))
    grant = {"Statement": [{"Sid": "LambdaReads", "Effect": "Allow", "Principal": {"AWS": ROLE_ARN},
                            "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    granted = replace(healthy(), role=no_identity, secret=replace(healthy().secret, resource_policy=grant))
    assert "resource policy of cruddur/db, statement LambdaReads" in results(granted)["GetSecretValue"].detail
    assert broken(granted) == []
    deny = {"Statement": [{"Sid": "OnlyAdmins", "Effect": "Deny", "Principal": "*",
                           "Action": "secretsmanager:*", "Resource": "*"}]}
    denied = replace(healthy(), secret=replace(healthy().secret, resource_policy=deny))
    assert broken(denied) == ["GetSecretValue", "secret resource policy"]
    assert "statement OnlyAdmins" in results(denied)["secret resource policy"].detail


def test_permissions_boundary_must_allow_too() -> None:
    boundary = PolicySource("attached policy boundary", {"Statement": [allow("s3:*", "*", "S3Only")]})
    snapshot = replace(healthy(), role=replace(healthy().role, boundary=boundary))
    check = results(snapshot)["GetSecretValue"]
    assert check.broken and "permissions boundary attached policy boundary" in check.detail


def test_kms_customer_key_needs_decrypt_and_a_key_policy_that_delegates() -> None:
    no_decrypt = role_with(allow("secretsmanager:GetSecretValue", SECRET_ARN, "Read"))
    check = results(replace(healthy(), role=no_decrypt))["KMS key"]
    assert check.broken and f"customer-managed key {KEY_ARN}" in check.detail and "kms:Decrypt" in check.fix
    closed_key = replace(healthy().key, policy={"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}, "Action": "kms:*", "Resource": "*"}]})
    assert "neither names the role nor delegates" in results(replace(healthy(), key=closed_key))["KMS key"].detail
    names_role = replace(healthy().key, policy={"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "kms:Decrypt", "Resource": "*"}]})
    assert "the key policy grants the role" in results(replace(healthy(), role=no_decrypt, key=names_role))["KMS key"].detail
    aws_managed = replace(healthy(), secret=replace(healthy().secret, kms_key_id=""), key=None)
    assert "no kms:Decrypt needed" in results(aws_managed)["KMS key"].detail


def test_missing_function_skips_everything_else() -> None:
    checks = results(LambdaSnapshot("nope", "us-east-1"))
    assert checks["function"].broken and "no function nope in us-east-1" in checks["function"].detail
    assert broken(LambdaSnapshot("nope", "us-east-1")) == ["function"]


def test_json_shape() -> None:
    snapshot = replace(healthy(), db=DbGroup(missing="none"))
    rows = as_json(run_checks(snapshot))
    assert rows[0] == {"name": "function", "ok": True, "status": "ok",
                       "detail": "arn:aws:lambda:us-east-1:1:function:post-confirmation", "fix": ""}
    assert next(r for r in rows if r["name"] == "DB SG 5432")["ok"] is None


def test_endpoint_in_one_zone_names_the_missing_zone_and_subnet() -> None:
    one_zone = replace(healthy(), endpoints=(replace(healthy().endpoints[0], subnet_ids=("subnet-a",)),))
    route = results(one_zone)["route to Secrets Manager"]
    assert route.broken and "the function also runs in us-east-1b" in route.detail
    assert route.fix == "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-1 --add-subnet-ids subnet-b"


def test_db_egress_by_cidr_must_cover_the_vpc() -> None:
    def egress(cidr: str) -> tuple[dict[str, Any], ...]:
        return ({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": cidr}]},)

    vpc_wide = replace(healthy(), groups={**healthy().groups, "sg-fn": sg("sg-fn", egress=egress("10.0.0.0/16"))})
    assert "allows egress tcp/5432 to 10.0.0.0/16" in results(vpc_wide)["DB SG 5432"].detail
    one_subnet = replace(healthy(), groups={**healthy().groups, "sg-fn": sg("sg-fn", egress=egress("10.0.3.0/24"))})
    assert results(one_subnet)["DB SG 5432"].broken
    unknown_vpc = replace(vpc_wide, vpc_cidrs=())
    assert results(unknown_vpc)["DB SG 5432"].broken  # the VPC's ranges unread: only 0.0.0.0/0 would prove it


def test_vpc_role_needs_the_network_interface_permissions() -> None:
    bare = replace(healthy(), role=replace(healthy().role, policies=(PolicySource("inline policy db", {"Statement": [
        allow("secretsmanager:GetSecretValue", SECRET_ARN, "Read"), allow("kms:Decrypt", KEY_ARN, "Dec")]}),)))
    role = results(bare)["role"]
    assert role.broken and "may not call ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces" in role.detail
    assert role.fix.endswith("--policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    outside = replace(bare, function=replace(bare.function, subnet_ids=(), group_ids=()))
    assert not results(outside)["role"].broken


def test_function_state() -> None:
    f = healthy().function
    failed = results(replace(healthy(), function=replace(f, state="Failed", state_reason="EniLimitExceeded x")))
    assert failed["function"].broken and "is Failed: EniLimitExceeded x" in failed["function"].detail
    update = results(replace(healthy(), function=replace(f, last_update_status="Failed",
                                                           last_update_reason="SubnetOutOfIPAddresses y")))
    assert update["function"].broken and "SubnetOutOfIPAddresses y" in update["function"].detail
    pending = results(replace(healthy(), function=replace(f, state="Pending")))["function"]
    assert pending.status == "note" and not pending.broken

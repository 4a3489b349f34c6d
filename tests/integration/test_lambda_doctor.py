"""`inv lambda.doctor` end to end: the journal's VPC Lambda built on the emulator with boto3, then
broken one link at a time. Each broken link exits 1 with a WRONG line naming it; healthy exits 0.

The setup: a VPC with two subnets in two zones, the function's group (CognitoLambdaSG), the
database's group (CrdDbRDSSG) admitting 5432 from it, a Secrets Manager interface endpoint in both
subnets with private DNS and its own group admitting 443 from the function's group, a secret
encrypted with a customer-managed KMS key, a role allowed GetSecretValue on it and kms:Decrypt,
and the function (VpcConfig, SECRET_NAME, 15 s timeout). moto creates the function without running
it (no Docker needed) and reports VpcConfig.VpcId as a placeholder, which the doctor does not use.
LocalStack without Docker creates it too, then marks it Failed (no runtime): skipped there. Refused reads (AccessDenied per link) are covered with recorded error
responses in tests/unit/test_lambda_observe.py: neither emulator enforces IAM on these reads here.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.docker import docker_engine_available

REGION = "us-east-1"
CLEAN = {"DB_SG_ID": "", "DB_STACK_NAME": "", "AWS_REGION": REGION}
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


class JournalSetup:
    """The week-11 post-confirmation Lambda and everything around it, healthy until broken."""

    def __init__(self, boto_client: Callable[[str], Any], unique: str) -> None:
        self.ec2, self.iam, self.lam = boto_client("ec2"), boto_client("iam"), boto_client("lambda")
        self.sm, self.kms = boto_client("secretsmanager"), boto_client("kms")
        self.unique = unique
        self.function = f"cruddur-post-confirmation-{unique}"
        self.role = f"cruddur-post-confirmation-role-{unique}"
        self.secret_name = f"cruddur/db-{unique}"
        self.endpoint_id = ""

    def build(self, *, endpoint: bool = True, endpoint_subnets: int = 2, endpoint_443: bool = True,
              db_5432: bool = True, grant: bool = True, deny: bool = False, dns_hostnames: bool = True,
              in_vpc: bool = True, secret_in_env: bool = True) -> None:
        ec2 = self.ec2
        self.vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        if dns_hostnames:  # off by default on a new (non-default) VPC; private DNS needs it
            ec2.modify_vpc_attribute(VpcId=self.vpc, EnableDnsHostnames={"Value": True})
        self.subnets = [
            ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")
            ["Subnet"]["SubnetId"] for n, zone in ((1, "a"), (2, "b"))
        ]
        self.function_sg = ec2.create_security_group(
            GroupName=f"CognitoLambdaSG-{self.unique}", Description="lambda", VpcId=self.vpc)["GroupId"]
        self.db_sg = ec2.create_security_group(
            GroupName=f"CrdDbRDSSG-{self.unique}", Description="db", VpcId=self.vpc)["GroupId"]
        self.endpoint_sg = ec2.create_security_group(
            GroupName=f"SecretsEndpointSG-{self.unique}", Description="endpoint", VpcId=self.vpc)["GroupId"]
        if db_5432:
            self._admit(self.db_sg, 5432)
        else:  # the database open to the workspace only, as update-sg-rule leaves it
            ec2.authorize_security_group_ingress(GroupId=self.db_sg, IpPermissions=[{
                "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "8.8.4.4/32"}]}])
        if endpoint_443:
            self._admit(self.endpoint_sg, 443)
        else:  # the journal's first attempt: the default group, nothing from the function
            ec2.authorize_security_group_ingress(GroupId=self.endpoint_sg, IpPermissions=[{
                "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.20.9.0/24"}]}])
        if endpoint:
            self.endpoint_id = ec2.create_vpc_endpoint(
                VpcId=self.vpc, ServiceName=f"com.amazonaws.{REGION}.secretsmanager", VpcEndpointType="Interface",
                SubnetIds=self.subnets[:endpoint_subnets], SecurityGroupIds=[self.endpoint_sg],
                PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"]
        self.key = self.kms.create_key(Description=f"cruddur db secret {self.unique}")["KeyMetadata"]
        self.secret_arn = self.sm.create_secret(
            Name=self.secret_name, SecretString=json.dumps({"username": "cruddur", "password": "not-printed-1"}),
            KmsKeyId=self.key["KeyId"])["ARN"]
        role_arn = self.iam.create_role(RoleName=self.role, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        # What AWSLambdaVPCAccessExecutionRole grants (moto does not load AWS-managed policies).
        statements: list[dict[str, Any]] = [
            {"Sid": "VpcNetworkInterfaces", "Effect": "Allow", "Resource": "*", "Action": [
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]},
            {"Sid": "DecryptDbSecret", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": self.key["Arn"]}]
        if grant:
            statements.append({"Sid": "ReadDbSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                               "Resource": self.secret_arn})
        self.iam.put_role_policy(RoleName=self.role, PolicyName="cruddur-db-secret",
                                 PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
        if deny:  # a guard-rail policy attached later, denying every secret
            arn = self.iam.create_policy(PolicyName=f"no-secrets-{self.unique}", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Sid": "NoSecrets", "Effect": "Deny",
                                                        "Action": "secretsmanager:*", "Resource": "*"}]}))["Policy"]["Arn"]
            self.iam.attach_role_policy(RoleName=self.role, PolicyArn=arn)
        self.lam.create_function(
            FunctionName=self.function, Runtime="python3.11", Role=role_arn, Handler="handler.handler",
            Code={"ZipFile": _code()}, Timeout=15 if in_vpc else 3,
            VpcConfig={"SubnetIds": self.subnets if in_vpc else [], "SecurityGroupIds": [self.function_sg] if in_vpc else []},
            Environment={"Variables": {"SECRET_NAME": self.secret_name} if secret_in_env else {}})

    def _admit(self, group: str, port: int) -> None:
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": self.function_sg}]}])

    def cleanup(self) -> None:
        calls: list[Callable[[], Any]] = [
            lambda: self.lam.delete_function(FunctionName=self.function),
            lambda: self.sm.delete_secret(SecretId=self.secret_name, ForceDeleteWithoutRecovery=True),
        ]
        for call in calls:
            try:
                call()
            except Exception:  # best effort: the emulator is thrown away after the session
                pass


@pytest.fixture
def setup(boto_client: Callable[[str], Any], unique: str, emulator: Any) -> Iterator[JournalSetup]:
    if emulator.kind == "localstack" and not docker_engine_available():
        pytest.skip("LocalStack without a Docker engine marks every function Failed ('Installation of "
                    "lambda-runtime … failed'), which the doctor rightly reports on the function link; covered on moto")
    journal = JournalSetup(boto_client, unique)
    try:
        yield journal
    finally:
        journal.cleanup()


def doctor(run_task: Callable[..., Any], journal: JournalSetup, *extra: str) -> Any:
    return run_task("lambda.doctor", journal.function, "--db-sg", journal.db_sg, *extra, env=CLEAN)


def wrong_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("WRONG")]


def test_healthy_setup_exits_zero_and_names_each_link(run_task: Callable[..., Any], setup: JournalSetup) -> None:
    setup.build()
    result = doctor(run_task, setup)
    assert result.returncode == 0, result.output
    assert wrong_lines(result.stdout) == []
    out = result.stdout
    assert f"ok  route to Secrets Manager: interface endpoint {setup.endpoint_id}" in out
    assert "in us-east-1a, us-east-1b" in out
    assert f"ok  endpoint SG 443: {setup.endpoint_sg} admits tcp/443 from {setup.function_sg}" in out
    assert f"ok  DB SG 5432: {setup.db_sg} admits tcp/5432 from {setup.function_sg}" in out
    assert "inline policy cruddur-db-secret, statement ReadDbSecret" in out
    assert "may manage the VPC network interfaces" in out
    assert f"customer-managed {setup.key['Arn']}: kms:Decrypt allowed by inline policy cruddur-db-secret, statement DecryptDbSecret" in out
    assert "ok  timeout: 15 s" in out
    assert "not-printed-1" not in result.output


def test_json_lists_every_link(run_task: Callable[..., Any], setup: JournalSetup) -> None:
    setup.build(grant=False)
    result = doctor(run_task, setup, "--json")
    assert result.returncode == 1
    checks = json.loads(result.stdout)
    by_name = {c["name"]: c for c in checks}
    assert list(by_name) == ["function", "role", "VPC attachment", "route to Secrets Manager", "endpoint SG 443",
                             "DB SG 5432", "GetSecretValue", "secret resource policy", "KMS key", "timeout"]
    assert by_name["GetSecretValue"]["ok"] is False
    assert "put-role-policy" in by_name["GetSecretValue"]["fix"]
    assert all(by_name[n]["ok"] for n in ("function", "route to Secrets Manager", "DB SG 5432"))
    assert set(checks[0]) == {"name", "ok", "status", "detail", "fix"}


@pytest.mark.parametrize(
    ("broken", "link", "said"),
    [
        ({"endpoint": False}, "route to Secrets Manager", "no com.amazonaws.us-east-1.secretsmanager endpoint"),
        ({"endpoint_subnets": 1}, "route to Secrets Manager", "the function also runs in us-east-1b"),
        ({"endpoint_443": False}, "endpoint SG 443", "admit tcp/443 from 10.20.9.0/24, not from the function's group"),
        ({"db_5432": False}, "DB SG 5432", "admits tcp/5432 from 8.8.4.4/32, not from the function's group"),
        ({"grant": False}, "GetSecretValue", "no statement of its policies allows it"),
        ({"deny": True}, "GetSecretValue", "explicitly denied by attached policy no-secrets-"),
        ({"dns_hostnames": False}, "route to Secrets Manager", "has enable-dns-hostnames off"),
    ],
    ids=["no-endpoint-no-nat", "endpoint-one-zone", "endpoint-sg-no-443", "db-sg-no-5432", "no-grant", "explicit-deny",
         "vpc-dns-hostnames-off"],
)
def test_each_broken_link_is_named(run_task: Callable[..., Any], setup: JournalSetup, broken: dict[str, Any],
                                   link: str, said: str) -> None:
    setup.build(**broken)
    result = doctor(run_task, setup)
    assert result.returncode == 1, result.output
    [line] = wrong_lines(result.stdout)  # exactly the one link broken
    assert line.startswith(f"WRONG  {link}:"), line
    assert said in line, line
    assert "error: 1 broken link(s)" in result.stderr
    assert "Traceback" not in result.output


def test_fix_commands_name_the_real_ids(run_task: Callable[..., Any], setup: JournalSetup) -> None:
    setup.build(endpoint_subnets=1, db_5432=False)
    result = doctor(run_task, setup)
    assert result.returncode == 1
    out = result.stdout
    assert f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {setup.endpoint_id} --add-subnet-ids {setup.subnets[1]}" in out
    assert (f"aws ec2 authorize-security-group-ingress --group-id {setup.db_sg} --protocol tcp --port 5432 "
            f"--source-group {setup.function_sg}") in out


def test_nat_route_in_every_subnet_is_a_way_out(run_task: Callable[..., Any], setup: JournalSetup) -> None:
    setup.build(endpoint=False)
    ec2 = setup.ec2
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=setup.subnets[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=setup.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=table, SubnetId=setup.subnets[0])
    half = doctor(run_task, setup)
    assert half.returncode == 1
    [line] = wrong_lines(half.stdout)
    assert line.startswith("WRONG  route to Secrets Manager:") and f"no NAT route from {setup.subnets[1]}" in line
    ec2.associate_route_table(RouteTableId=table, SubnetId=setup.subnets[1])
    both = doctor(run_task, setup)
    assert both.returncode == 0, both.output
    assert f"every subnet's 0.0.0.0/0 goes to a NAT gateway ({nat})" in both.stdout
    assert "ok  endpoint SG 443: no endpoint (NAT path)" in both.stdout


def test_unknown_function_is_one_wrong_line(run_task: Callable[..., Any], aws_env: dict[str, str], unique: str,
                                           emulator: Any) -> None:
    result = run_task("lambda.doctor", f"no-such-function-{unique}", env=CLEAN)
    assert result.returncode == 1
    assert wrong_lines(result.stdout) == [
        f"WRONG  function: no function no-such-function-{unique} in us-east-1"]
    assert "Traceback" not in result.output


def test_function_outside_a_vpc_with_an_explicit_secret(run_task: Callable[..., Any], setup: JournalSetup) -> None:
    setup.build(in_vpc=False, secret_in_env=False)
    no_secret = doctor(run_task, setup)
    assert no_secret.returncode == 0, no_secret.output
    assert " note  VPC attachment: not attached to a VPC" in no_secret.stdout
    assert "RDS must then be publicly accessible" in no_secret.stdout
    assert "skip  route to Secrets Manager: not in a VPC" in no_secret.stdout
    assert "ok  timeout: 3 s" in no_secret.stdout  # no VPC cold start: 3 s is no note
    assert "skip  GetSecretValue: no secret to check: pass --secret-id" in no_secret.stdout
    named = doctor(run_task, setup, "--secret-id", setup.secret_arn)
    assert named.returncode == 0, named.output
    assert f"ok  GetSecretValue: allowed on {setup.secret_arn}" in named.stdout


def test_database_group_from_db_sg_id_as_rds_update_sg_rule_finds_it(
        run_task: Callable[..., Any], setup: JournalSetup) -> None:
    setup.build()
    result = run_task("lambda.doctor", setup.function, env={**CLEAN, "DB_SG_ID": setup.db_sg})
    assert result.returncode == 0, result.output
    assert f"ok  DB SG 5432: {setup.db_sg} admits tcp/5432 from {setup.function_sg}" in result.stdout
    assert "(database group from DB_SG_ID)" in result.stdout
    unset = run_task("lambda.doctor", setup.function, "--stack", f"NoSuchDbStack-{setup.unique}", env=CLEAN)
    assert unset.returncode == 0, unset.output
    assert f"skip  DB SG 5432: no database security group: DB_SG_ID is not set and there is no stack NoSuchDbStack-{setup.unique}" in unset.stdout

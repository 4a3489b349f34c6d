"""Observing a Lambda's links on moto's in-process mock, with one read refused at a time.

moto does not enforce IAM on reads, so a refused read is simulated by a client wrapper raising the
error real AWS returns for it (recorded shapes: EC2's UnauthorizedOperation, IAM's and Secrets
Manager's AccessDenied / AccessDeniedException). Also: moto reports the function's VpcConfig.VpcId
as a fixed placeholder, which the doctor must not use (the VPC comes from the subnets).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from cruddur_ops.lambda_doctor.checks import run_checks
from cruddur_ops.lambda_doctor.observe import (
    Clients,
    _default_target,
    observe_lambda,
    secret_variable,
)

REFUSED = {
    "describe_vpc_endpoints": ("UnauthorizedOperation", "You are not authorized to perform this operation. "
                               "User: arn:aws:sts::123456789012:assumed-role/ops/x is not authorized to perform: "
                               "ec2:DescribeVpcEndpoints"),
    "get_role": ("AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/ops/x is not authorized to "
                 "perform: iam:GetRole on resource: role post-confirmation"),
    "describe_secret": ("AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/ops/x is not "
                        "authorized to perform: secretsmanager:DescribeSecret"),
}


class Refusing:
    """A client that answers like moto except for one operation, refused as AWS refuses it."""

    def __init__(self, client: Any, operation: str) -> None:
        self._client, self._operation = client, operation

    def _refuse(self, **_: Any) -> Any:
        code, message = REFUSED[self._operation]
        raise ClientError({"Error": {"Code": code, "Message": message},
                           "ResponseMetadata": {"HTTPStatusCode": 403}}, self._operation)

    def get_paginator(self, operation: str) -> Any:
        if operation == self._operation:
            return type("RefusedPaginator", (), {"paginate": lambda _self, **kw: self._refuse(**kw)})()
        return self._client.get_paginator(operation)

    def __getattr__(self, name: str) -> Any:
        return self._refuse if name == self._operation else getattr(self._client, name)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("h.py", "def handler(e, c):\n    return e\n")
    return buffer.getvalue()


@pytest.fixture
def world() -> Iterator[dict[str, Any]]:
    with mock_aws():
        c = {n: boto3.client(n, region_name="us-east-1") for n in
             ("lambda", "iam", "ec2", "secretsmanager", "kms", "cloudformation")}
        ec2 = c["ec2"]
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=f"us-east-1{z}")
                   ["Subnet"]["SubnetId"] for n, z in ((1, "a"), (2, "b"))]
        fn_sg = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
        ep_sg = ec2.create_security_group(GroupName="ep", Description="ep", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=ep_sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": fn_sg}]}])
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.secretsmanager",
                                VpcEndpointType="Interface", SubnetIds=subnets, SecurityGroupIds=[ep_sg],
                                PrivateDnsEnabled=True)
        arn = c["secretsmanager"].create_secret(Name="cruddur/db", SecretString="s3cr3t-value")["ARN"]
        role = c["iam"].create_role(RoleName="post-confirmation", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        c["iam"].put_role_policy(RoleName="post-confirmation", PolicyName="db", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn},
                {"Effect": "Allow", "Action": "ec2:*NetworkInterface*", "Resource": "*"}]}))
        c["lambda"].create_function(FunctionName="post-confirmation", Runtime="python3.11", Role=role,
                                    Handler="h.handler", Code={"ZipFile": _zip()}, Timeout=15,
                                    VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [fn_sg]},
                                    Environment={"Variables": {"DB_SECRET_ARN": arn, "OTHER": "x"}})
        yield {"clients": c, "vpc": vpc, "secret": arn}


def observe(clients: dict[str, Any], **overrides: Any) -> Any:
    merged = {**clients, **overrides}
    return observe_lambda(Clients(merged["lambda"], merged["iam"], merged["ec2"], merged["secretsmanager"],
                                  merged["kms"], merged["cloudformation"]),
                          function_name="post-confirmation", region="us-east-1")


def test_everything_readable(world: dict[str, Any]) -> None:
    snapshot = observe(world["clients"])
    assert snapshot.vpc_id == world["vpc"]  # not moto's placeholder vpc-123abc
    assert snapshot.zones == ("us-east-1a", "us-east-1b")
    assert snapshot.secret is not None and snapshot.secret.arn == world["secret"]
    assert snapshot.secret.source == "the function's DB_SECRET_ARN"
    assert "s3cr3t-value" not in repr(snapshot)  # the value is never read
    assert snapshot.errors == {}
    # no db group configured and no db stack: that link skips, every other is ok
    assert {r.link: r.status for r in run_checks(snapshot)}["DB SG 5432"] == "skipped"
    assert not [r for r in run_checks(snapshot) if r.broken]


@pytest.mark.parametrize(("service", "operation", "link"), [
    ("ec2", "describe_vpc_endpoints", "route to Secrets Manager"),
    ("iam", "get_role", "role"),
    ("secretsmanager", "describe_secret", "GetSecretValue"),
])
def test_a_refused_read_marks_only_its_link(world: dict[str, Any], service: str, operation: str, link: str) -> None:
    clients = world["clients"]
    snapshot = observe(clients, **{service: Refusing(clients[service], operation)})
    assert list(snapshot.errors) == [link]
    results = run_checks(snapshot)
    wrong = [r for r in results if r.broken]
    assert [r.link for r in wrong] == [link]
    assert wrong[0].detail.startswith("cannot check: ") and REFUSED[operation][0] in wrong[0].detail
    assert "(read-only)" in wrong[0].fix


def test_blackholed_and_missing_default_routes() -> None:
    assert _default_target([{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "blackhole"}]) == ""
    assert _default_target([{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}]) == ""
    assert _default_target([{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "active"}]) == "nat-1"


def test_secret_variable_preference() -> None:
    assert secret_variable({"SECRET_NAME": "a", "DB_SECRET_ARN": "b"}) == ("SECRET_NAME", "a")
    arn = "arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf"
    assert secret_variable({"CONNECTION_URL": "postgresql://u:p@h/db", "WHATEVER": arn}) == ("WHATEVER", arn)
    assert secret_variable({"CONNECTION_URL": "postgresql://u:p@h/db"}) is None

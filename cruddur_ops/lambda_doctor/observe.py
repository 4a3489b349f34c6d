"""Read everything the Lambda checks need, through injected clients. Read-only; never prints.

Every read that is refused (AccessDenied, an unreachable endpoint) is recorded against the link it
feeds, so the report says "cannot check: …" on that line and carries on with the others. A thing
that does not exist is data (None / ``exists=False``), not an error.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import error_code, error_message
from ..errors import AwsError, ConfigError, CredentialsError
from ..iam.policy import PolicySource
from ..network.observe import SecurityGroupReader
from ..network.reach import GroupFacts
from ..network.service import find_db_group
from .snapshot import (
    DB_SG,
    ENDPOINT_SG,
    FUNCTION,
    KMS,
    PERMISSION,
    ROLE,
    ROUTE,
    SECRET_POLICY,
    VPC,
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

# Variables a function commonly names its secret with, in order; then any secretsmanager ARN.
SECRET_VARIABLES = ("SECRET_ID", "SECRET_NAME", "SECRET_ARN", "DB_SECRET_ARN", "DB_SECRET_ID",
                    "DB_SECRET_NAME", "PROD_DB_SECRET_ID")
GROUP_NOT_FOUND = {"InvalidGroup.NotFound", "InvalidGroupId.NotFound"}
AWS_MANAGED_SECRET_KEY = "alias/aws/secretsmanager"


class _Unreadable(Exception):
    """A read was refused; its message is already recorded for the link."""


@dataclass(frozen=True)
class Clients:
    lambda_: Any
    iam: Any
    ec2: Any
    secretsmanager: Any
    kms: Any
    cloudformation: Any


class _Reader:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def read(self, link: str, action: str, call: Callable[[], Any], *, absent: Iterable[str] = ()) -> Any:
        """``call()``; None when AWS says the thing is absent; _Unreadable (recorded) when refused."""
        try:
            return call()
        except ClientError as exc:
            if error_code(exc) in set(absent):
                return None
            self.errors.setdefault(link, f"{action}: {error_code(exc)}: {error_message(exc)}")
        except BotoCoreError as exc:
            self.errors.setdefault(link, f"{action}: {exc}")
        raise _Unreadable(link)


def secret_variable(environment: Mapping[str, str]) -> tuple[str, str] | None:
    """The function's variable naming its secret (only the name and that value are kept)."""
    for name in SECRET_VARIABLES:
        if environment.get(name):
            return name, environment[name]
    for name in sorted(environment):
        if str(environment[name]).startswith("arn:aws:secretsmanager:"):
            return name, environment[name]
    return None


def _document(raw: Any) -> dict[str, Any]:
    """Policy documents arrive as dicts from boto3, URL-encoded JSON from some emulators."""
    if isinstance(raw, dict):
        return raw
    text = str(raw or "{}")
    try:
        return dict(json.loads(text))
    except ValueError:
        return dict(json.loads(urllib.parse.unquote(text)))


def observe_function(r: _Reader, lam: Any, name: str) -> FunctionFacts | None:
    config = r.read(FUNCTION, "lambda:GetFunctionConfiguration",
                    lambda: lam.get_function_configuration(FunctionName=name),
                    absent={"ResourceNotFoundException"})
    if config is None:
        return None
    vpc = config.get("VpcConfig") or {}
    env = (config.get("Environment") or {}).get("Variables") or {}
    return FunctionFacts(
        name=str(config.get("FunctionName", name)),
        arn=str(config.get("FunctionArn", "")),
        role_arn=str(config.get("Role", "")),
        timeout=int(config.get("Timeout", 3)),
        subnet_ids=tuple(vpc.get("SubnetIds") or ()),
        group_ids=tuple(vpc.get("SecurityGroupIds") or ()),
        secret_variable=secret_variable(env),
        state=str(config.get("State") or "Active"),
        state_reason=" ".join(str(config.get(k) or "") for k in ("StateReasonCode", "StateReason")).strip(),
        last_update_status=str(config.get("LastUpdateStatus") or ""),
        last_update_reason=" ".join(str(config.get(k) or "") for k in
                                    ("LastUpdateStatusReasonCode", "LastUpdateStatusReason")).strip(),
    )


def _managed_policy(r: _Reader, iam: Any, arn: str) -> PolicySource:
    policy = r.read(ROLE, "iam:GetPolicy", lambda: iam.get_policy(PolicyArn=arn))["Policy"]
    version = r.read(ROLE, "iam:GetPolicyVersion",
                     lambda: iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"]))
    return PolicySource(f"attached policy {policy.get('PolicyName', arn)}", _document(version["PolicyVersion"]["Document"]))


def observe_role(r: _Reader, iam: Any, role_arn: str) -> RoleFacts | None:
    name = role_arn.rsplit("/", 1)[-1]
    role = r.read(ROLE, "iam:GetRole", lambda: iam.get_role(RoleName=name), absent={"NoSuchEntity"})
    if role is None:
        return None
    policies: list[PolicySource] = []
    names: list[str] = []
    for page in r.read(ROLE, "iam:ListRolePolicies",
                       lambda: list(iam.get_paginator("list_role_policies").paginate(RoleName=name))):
        names += page.get("PolicyNames", [])
    for policy_name in names:
        doc = r.read(ROLE, "iam:GetRolePolicy", functools.partial(iam.get_role_policy, RoleName=name,
                                                                  PolicyName=policy_name))
        policies.append(PolicySource(f"inline policy {policy_name}", _document(doc["PolicyDocument"])))
    attached: list[str] = []
    for page in r.read(ROLE, "iam:ListAttachedRolePolicies",
                       lambda: list(iam.get_paginator("list_attached_role_policies").paginate(RoleName=name))):
        attached += [p["PolicyArn"] for p in page.get("AttachedPolicies", [])]
    policies += [_managed_policy(r, iam, arn) for arn in attached]
    boundary_arn = (role["Role"].get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    boundary = _managed_policy(r, iam, boundary_arn) if boundary_arn else None
    return RoleFacts(name=name, arn=str(role["Role"].get("Arn", role_arn)), policies=tuple(policies),
                     boundary=boundary)


def _subnets(r: _Reader, ec2: Any, link: str, ids: Iterable[str]) -> tuple[SubnetFacts, ...]:
    ids = list(ids)
    if not ids:
        return ()
    found = r.read(link, "ec2:DescribeSubnets", lambda: ec2.describe_subnets(
        Filters=[{"Name": "subnet-id", "Values": ids}])["Subnets"])
    return tuple(SubnetFacts(str(s["SubnetId"]), str(s.get("VpcId", "")), str(s.get("AvailabilityZone", "")),
                             str(s.get("CidrBlock", ""))) for s in found)


def _groups(r: _Reader, ec2: Any, link: str, ids: Iterable[str]) -> dict[str, GroupFacts]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    found = r.read(link, "ec2:DescribeSecurityGroups", lambda: ec2.describe_security_groups(
        Filters=[{"Name": "group-id", "Values": ids}])["SecurityGroups"])
    return {g.group_id: g for g in (GroupFacts.from_api(item) for item in found)}


def _default_target(routes: Iterable[dict[str, Any]]) -> str:
    for route in routes:
        if route.get("DestinationCidrBlock") == "0.0.0.0/0" and route.get("State", "active") == "active":
            for key in ("NatGatewayId", "GatewayId", "TransitGatewayId", "NetworkInterfaceId",
                        "VpcPeeringConnectionId", "InstanceId"):
                if route.get(key):
                    return str(route[key])
    return ""


def observe_routes(r: _Reader, ec2: Any, vpc_id: str, subnet_ids: Iterable[str]) -> tuple[RouteFacts, ...]:
    tables = r.read(ROUTE, "ec2:DescribeRouteTables", lambda: [
        t for page in ec2.get_paginator("describe_route_tables").paginate(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]) for t in page["RouteTables"]])
    main = next((t for t in tables if any(a.get("Main") for a in t.get("Associations", []))), None)
    facts = []
    for subnet in subnet_ids:
        table = next((t for t in tables if any(a.get("SubnetId") == subnet for a in t.get("Associations", []))), None)
        chosen = table or main
        facts.append(RouteFacts(subnet, str((chosen or {}).get("RouteTableId", "(none)")),
                                _default_target((chosen or {}).get("Routes", [])), is_main=table is None))
    return tuple(facts)


def observe_endpoints(r: _Reader, ec2: Any, vpc_id: str, service: str) -> tuple[EndpointFacts, ...]:
    found = r.read(ROUTE, "ec2:DescribeVpcEndpoints", lambda: [
        e for page in ec2.get_paginator("describe_vpc_endpoints").paginate(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "service-name", "Values": [service]}])
        for e in page["VpcEndpoints"]])
    return tuple(EndpointFacts(
        endpoint_id=str(e["VpcEndpointId"]),
        state=str(e.get("State", "")),
        private_dns=bool(e.get("PrivateDnsEnabled")),
        subnet_ids=tuple(e.get("SubnetIds") or ()),
        group_ids=tuple(g["GroupId"] for g in e.get("Groups") or []),
    ) for e in found if e.get("ServiceName", service) == service)


def _vpc_attribute(r: _Reader, ec2: Any, vpc_id: str, attribute: str) -> bool | None:
    key = attribute[0].upper() + attribute[1:]
    answer = r.read(ROUTE, "ec2:DescribeVpcAttribute",
                    lambda: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute))
    value = (answer.get(key) or {}).get("Value")
    return None if value is None else bool(value)


def observe_secret(r: _Reader, sm: Any, secret_id: str, source: str) -> SecretFacts:
    described = r.read(PERMISSION, "secretsmanager:DescribeSecret",
                       lambda: sm.describe_secret(SecretId=secret_id), absent={"ResourceNotFoundException"})
    if described is None:
        return SecretFacts(secret_id, source, exists=False)
    policy = None
    try:
        answer = r.read(SECRET_POLICY, "secretsmanager:GetResourcePolicy",
                        lambda: sm.get_resource_policy(SecretId=secret_id))
        policy = _document(answer["ResourcePolicy"]) if answer.get("ResourcePolicy") else None
    except _Unreadable:
        pass
    key = str(described.get("KmsKeyId") or "")
    return SecretFacts(secret_id, source, arn=str(described["ARN"]), name=str(described.get("Name", "")),
                       kms_key_id="" if key in {AWS_MANAGED_SECRET_KEY, ""} else key, resource_policy=policy)


def observe_key(r: _Reader, kms: Any, key_id: str) -> KeyFacts | None:
    meta = r.read(KMS, "kms:DescribeKey", lambda: kms.describe_key(KeyId=key_id), absent={"NotFoundException"})
    if meta is None:
        return None
    meta = meta["KeyMetadata"]
    if meta.get("KeyState") == "PendingDeletion":
        return None
    manager = str(meta.get("KeyManager", "CUSTOMER"))
    policy = None
    if manager == "CUSTOMER":
        raw = r.read(KMS, "kms:GetKeyPolicy", lambda: kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default"))
        policy = _document(raw["Policy"])
    return KeyFacts(arn=str(meta["Arn"]), manager=manager, alias=key_id if key_id.startswith("alias/") else "",
                    policy=policy)


def observe_db_group(r: _Reader, clients: Clients, *, flag: str, configured: str | None, stack: str) -> DbGroup:
    if flag:
        return DbGroup(flag, "--db-sg")
    reader = SecurityGroupReader(clients.ec2, clients.cloudformation)
    try:
        choice = find_db_group(reader, configured, stack)
    except (AwsError, CredentialsError) as exc:  # the lookup was refused
        r.errors.setdefault(DB_SG, exc.message)
        return DbGroup(missing=exc.message)
    except ConfigError as exc:  # no DB_SG_ID and no db stack (or a stale DB_SG_ID)
        return DbGroup(missing=exc.message)
    return DbGroup(choice.group_id, choice.source)


def _attempt(call: Callable[[], Any], default: Any) -> Any:
    try:
        return call()
    except _Unreadable:
        return default


def observe_lambda(clients: Clients, *, function_name: str, region: str, secret_id: str = "",
                   db_sg: str = "", db_sg_configured: str | None = None, db_stack: str = "CrdDb") -> LambdaSnapshot:
    """Everything the checks need; any single refused read leaves only its link unchecked."""
    r = _Reader()
    function = _attempt(lambda: observe_function(r, clients.lambda_, function_name), None)
    if function is None:
        return LambdaSnapshot(function_name, region, errors=r.errors)
    if function.arn.count(":") >= 4:
        region = function.arn.split(":")[3] or region
    role = _attempt(lambda: observe_role(r, clients.iam, function.role_arn), None)
    snapshot: dict[str, Any] = {}
    if function.subnet_ids:
        ec2 = clients.ec2
        subnets = _attempt(lambda: _subnets(r, ec2, VPC, function.subnet_ids), ())
        groups = _attempt(lambda: _groups(r, ec2, VPC, function.group_ids), {})
        # The function's reported VpcId is a placeholder on some emulators: its subnets are the truth.
        vpc_id = subnets[0].vpc_id if subnets else ""
        service = f"com.amazonaws.{region}.secretsmanager"
        if vpc_id:
            vpc = _attempt(lambda: r.read(VPC, "ec2:DescribeVpcs", lambda: ec2.describe_vpcs(VpcIds=[vpc_id])), {})
            cidrs = tuple(a["CidrBlock"] for v in vpc.get("Vpcs", []) for a in v.get("CidrBlockAssociationSet", [])
                          if a.get("CidrBlock")) or tuple(v["CidrBlock"] for v in vpc.get("Vpcs", []) if v.get("CidrBlock"))
            endpoints = _attempt(lambda: observe_endpoints(r, ec2, vpc_id, service), ())
            endpoint_subnets = _attempt(
                lambda: _subnets(r, ec2, ROUTE, {s for e in endpoints for s in e.subnet_ids}), ())
            groups.update(_attempt(lambda: _groups(r, ec2, ENDPOINT_SG, {g for e in endpoints for g in e.group_ids}), {}))
            db = observe_db_group(r, clients, flag=db_sg, configured=db_sg_configured, stack=db_stack)
            if db.group_id:
                groups.update(_attempt(lambda: _groups(r, ec2, DB_SG, [db.group_id]), {}))
            snapshot.update(
                vpc_id=vpc_id, vpc_cidrs=cidrs, endpoints=endpoints, endpoint_subnets=endpoint_subnets, db=db,
                routes=_attempt(lambda: observe_routes(r, ec2, vpc_id, function.subnet_ids), ()),
                dns_support=_attempt(lambda: _vpc_attribute(r, ec2, vpc_id, "enableDnsSupport"), None),
                dns_hostnames=_attempt(lambda: _vpc_attribute(r, ec2, vpc_id, "enableDnsHostnames"), None),
            )
        snapshot.update(subnets=subnets, groups=groups)
    secret = key = None
    chosen = (secret_id, "--secret-id") if secret_id else (
        (function.secret_variable[1], f"the function's {function.secret_variable[0]}") if function.secret_variable
        else None)
    if chosen:
        secret = _attempt(lambda: observe_secret(r, clients.secretsmanager, chosen[0], chosen[1]), None)
        if secret is not None and secret.kms_key_id:
            key = _attempt(lambda: observe_key(r, clients.kms, secret.kms_key_id), None)
    return LambdaSnapshot(function_name, region, function=function, role=role, secret=secret, key=key,
                          errors=r.errors, **snapshot)

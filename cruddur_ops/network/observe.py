"""Read the security group, its rules and the db stack through narrow EC2/CloudFormation calls.

Only reads; every botocore failure leaves as an :class:`~cruddur_ops.errors.OpsError` naming
what we were doing. "Does not exist" answers are data (``None`` / ``False``), not errors,
because recovering from stale ids is the point of this module's callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .. import aws
from ..errors import ConfigError

GROUP_NOT_FOUND = frozenset({"InvalidGroup.NotFound", "InvalidGroupId.NotFound"})
GROUP_MALFORMED = frozenset({"InvalidGroupId.Malformed", "InvalidGroupId.Invalid"})


@dataclass(frozen=True)
class IngressRule:
    """One security-group rule as the plan needs it (egress rules are kept but flagged)."""

    rule_id: str
    group_id: str
    is_egress: bool
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str | None  # CidrIpv4 or CidrIpv6; None for rules naming a group or prefix list
    description: str = ""

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> IngressRule:
        return cls(
            rule_id=item["SecurityGroupRuleId"],
            group_id=item.get("GroupId", ""),
            is_egress=bool(item.get("IsEgress")),
            protocol=str(item.get("IpProtocol", "")),
            from_port=item.get("FromPort"),
            to_port=item.get("ToPort"),
            cidr=item.get("CidrIpv4") or item.get("CidrIpv6"),
            description=item.get("Description", "") or "",
        )


@dataclass(frozen=True)
class StackGroups:
    """Security groups a CloudFormation stack names: in its outputs and among its resources."""

    stack_name: str
    outputs: tuple[tuple[str, str], ...]  # (OutputKey, value) for values that look like sg-…
    resources: tuple[tuple[str, str], ...]  # (LogicalResourceId, PhysicalResourceId)


class SecurityGroupReader:
    """EC2 + CloudFormation reads for the database's ingress rule."""

    def __init__(self, ec2: Any, cloudformation: Any, sess: Any = None) -> None:
        self._ec2 = ec2
        self._cfn = cloudformation
        self._sess = sess

    def group_exists(self, group_id: str) -> bool:
        try:
            self._ec2.describe_security_groups(GroupIds=[group_id])
        except ClientError as exc:
            code = aws.error_code(exc)
            if code in GROUP_NOT_FOUND:
                return False
            if code in GROUP_MALFORMED:
                raise ConfigError(
                    f"DB_SG_ID={group_id!r} is not a security group id",
                    hint="it looks like sg-0123456789abcdef0; unset it to discover the group from the db stack",
                ) from exc
            raise aws.translate(
                exc, action=f"describe security group {group_id}", sess=self._sess
            ) from exc
        except BotoCoreError as exc:  # no credentials, endpoint unreachable
            raise aws.translate(
                exc, action=f"describe security group {group_id}", sess=self._sess
            ) from exc
        return True

    def group_rules(self, group_id: str) -> list[IngressRule]:
        rules: list[IngressRule] = []
        with aws.aws_errors(f"list the rules of security group {group_id}", self._sess):
            paginator = self._ec2.get_paginator("describe_security_group_rules")
            for page in paginator.paginate(Filters=[{"Name": "group-id", "Values": [group_id]}]):
                rules.extend(
                    IngressRule.from_api(item) for item in page.get("SecurityGroupRules", [])
                )
        return sorted(rules, key=lambda r: r.rule_id)

    def stack_groups(self, stack_name: str) -> StackGroups | None:
        """The stack's security groups, or None when the stack does not exist."""
        action = f"read stack {stack_name}"
        try:
            stacks = self._cfn.describe_stacks(StackName=stack_name)["Stacks"]
        except ClientError as exc:
            if aws.error_code(exc) == "ValidationError" and "does not exist" in aws.error_message(
                exc
            ):
                return None
            raise aws.translate(exc, action=action, sess=self._sess) from exc
        except BotoCoreError as exc:
            raise aws.translate(exc, action=action, sess=self._sess) from exc
        if not stacks or stacks[0].get("StackStatus") in {"DELETE_COMPLETE", "REVIEW_IN_PROGRESS"}:
            return None
        outputs = tuple(
            (o.get("OutputKey", ""), o["OutputValue"])
            for o in stacks[0].get("Outputs", []) or []
            if str(o.get("OutputValue", "")).startswith("sg-")
        )
        resources: list[tuple[str, str]] = []
        with aws.aws_errors(f"list the resources of stack {stack_name}", self._sess):
            paginator = self._cfn.get_paginator("list_stack_resources")
            for page in paginator.paginate(StackName=stack_name):
                for item in page.get("StackResourceSummaries", []):
                    if item.get("ResourceType") == "AWS::EC2::SecurityGroup" and item.get(
                        "PhysicalResourceId", ""
                    ).startswith("sg-"):
                        resources.append((item["LogicalResourceId"], item["PhysicalResourceId"]))
        return StackGroups(stack_name, outputs, tuple(resources))

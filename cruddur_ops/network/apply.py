"""Carry out a :class:`~.plan.RulePlan`. Two executors: EC2 (real) and dry run (no calls).

Never prints; the outcome says what happened and which variables need refreshing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Protocol

from .. import aws
from ..errors import AwsError
from .plan import RulePlan


@dataclass(frozen=True)
class RuleOutcome:
    plan: RulePlan
    rule_id: str | None  # the rule's id after the change (None: a dry-run create)
    changed: bool
    dry_run: bool = False

    @property
    def exports(self) -> list[tuple[str, str]]:
        """``(VARIABLE, value)`` lines to refresh variables that are missing or stale."""
        lines: list[tuple[str, str]] = []
        group = self.plan.group
        if group.configured_is_stale:
            lines.append(("DB_SG_ID", group.group_id))
        if (
            self.rule_id
            and self.plan.rule_source != "same address"
            and self.rule_id != self.plan.configured_rule_id
        ):
            lines.append(("DB_SG_RULE_ID", self.rule_id))
        return lines


class RuleExecutor(Protocol):
    def execute(self, plan: RulePlan) -> RuleOutcome: ...


def _is_ipv6(cidr: str) -> bool:
    return ipaddress.ip_network(cidr, strict=False).version == 6


class Ec2RuleExecutor:
    """Creates or modifies the rule with EC2's rule-level API (no revoke/re-add gap)."""

    def __init__(self, ec2: Any, sess: Any = None) -> None:
        self._ec2 = ec2
        self._sess = sess

    def execute(self, plan: RulePlan) -> RuleOutcome:
        if plan.action == "noop":
            return RuleOutcome(plan, plan.rule_id, changed=False)
        if plan.action == "modify":
            return RuleOutcome(plan, self._modify(plan), changed=True)
        return RuleOutcome(plan, self._create(plan), changed=True)

    def _modify(self, plan: RulePlan) -> str:
        desired = plan.desired
        assert plan.rule_id is not None  # a modify plan always names its rule
        rule: dict[str, Any] = {
            "IpProtocol": desired.protocol,
            "FromPort": desired.port,
            "ToPort": desired.port,
            "Description": desired.description,
        }
        rule["CidrIpv6" if _is_ipv6(desired.cidr) else "CidrIpv4"] = desired.cidr
        with aws.aws_errors(f"modify rule {plan.rule_id} in {plan.group.group_id}", self._sess):
            self._ec2.modify_security_group_rules(
                GroupId=plan.group.group_id,
                SecurityGroupRules=[
                    {"SecurityGroupRuleId": plan.rule_id, "SecurityGroupRule": rule}
                ],
            )
        return plan.rule_id

    def _create(self, plan: RulePlan) -> str:
        desired = plan.desired
        if _is_ipv6(desired.cidr):
            ranges = {
                "Ipv6Ranges": [{"CidrIpv6": desired.cidr, "Description": desired.description}]
            }
        else:
            ranges = {"IpRanges": [{"CidrIp": desired.cidr, "Description": desired.description}]}
        permission = {
            "IpProtocol": desired.protocol,
            "FromPort": desired.port,
            "ToPort": desired.port,
            **ranges,
        }
        with aws.aws_errors(f"add an ingress rule to {plan.group.group_id}", self._sess):
            response = self._ec2.authorize_security_group_ingress(
                GroupId=plan.group.group_id, IpPermissions=[permission]
            )
        created = response.get("SecurityGroupRules") or []
        if not created:
            raise AwsError(
                f"the ingress rule for {desired.cidr} was added to {plan.group.group_id} but AWS returned no rule id",
                hint="run the task again: it finds the rule by its description",
            )
        return str(created[0]["SecurityGroupRuleId"])


class DryRunRuleExecutor:
    """Reports what the EC2 executor would do; makes no calls."""

    def execute(self, plan: RulePlan) -> RuleOutcome:
        return RuleOutcome(plan, plan.rule_id, changed=False, dry_run=True)

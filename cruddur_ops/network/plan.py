"""Decide which security group and which rule to use, and what to change. Pure functions.

Every decision carries where it came from (``source``) and why (``reason``), so the output can
say "rule sgr-… (found by description GITPOD): address 1.2.3.4/32 → 5.6.7.8/32" and tell the
user which variable went stale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..errors import ConfigError
from .observe import IngressRule, StackGroups

Action = Literal["create", "modify", "noop"]
DB_HINTS = ("db", "rds", "postgres", "database")
SG_HINT = "export DB_SG_ID=sg-… (the database's security group), or deploy the db stack / pass --stack NAME"


class NoDatabaseGroup(ConfigError):
    """Neither DB_SG_ID nor a db stack names a security group (a plain machine without AWS setup)."""


@dataclass(frozen=True)
class GroupChoice:
    group_id: str
    source: str  # "DB_SG_ID" | "stack CrdDb output DbSecurityGroupId" | "stack CrdDb resource X"
    configured_group_id: str | None = None  # DB_SG_ID as given (None when unset)

    @property
    def configured_is_stale(self) -> bool:
        return bool(self.configured_group_id) and self.configured_group_id != self.group_id


@dataclass(frozen=True)
class DesiredRule:
    cidr: str  # "203.0.113.10/32" or ".../128"
    port: int
    description: str
    protocol: str = "tcp"


@dataclass(frozen=True)
class RulePlan:
    """What to do to the workspace's ingress rule. Serialisable (``to_dict``)."""

    action: Action
    group: GroupChoice
    desired: DesiredRule
    rule_id: str | None  # None only for "create" (AWS assigns it)
    rule_source: str  # "DB_SG_RULE_ID" | "description" | "same address" | "new"
    reason: str
    previous: IngressRule | None = None
    configured_rule_id: str | None = None
    stale_rule_id: str | None = None  # DB_SG_RULE_ID that no longer exists in the group

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _looks_like_db(name: str) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in DB_HINTS)


def _pick(candidates: list[tuple[str, str]], what: str, stack: str) -> tuple[str, str] | None:
    """One (name, sg-id) from several: the only one, else the only db-looking one."""
    unique = list(dict.fromkeys(candidates))
    if len({sg for _, sg in unique}) == 1:
        return unique[0]
    if not unique:
        return None
    db_like = [c for c in unique if _looks_like_db(c[0])]
    if len({sg for _, sg in db_like}) == 1:
        return db_like[0]
    listed = ", ".join(f"{name}={sg}" for name, sg in unique)
    raise ConfigError(
        f"stack {stack} has several security groups in its {what} ({listed}); cannot tell which is the database's",
        hint="export DB_SG_ID=sg-… for the one attached to the database",
    )


def choose_group(
    *,
    configured: str | None,
    configured_exists: bool,
    stack_name: str,
    stack: StackGroups | None,
) -> GroupChoice:
    """``DB_SG_ID`` when it exists, else the db stack's group (outputs first, then resources)."""
    if configured and configured_exists:
        return GroupChoice(configured, "DB_SG_ID", configured)
    if stack is not None:
        picked = _pick(list(stack.outputs), "outputs", stack_name)
        if picked:
            return GroupChoice(picked[1], f"stack {stack_name} output {picked[0]}", configured)
        picked = _pick(list(stack.resources), "resources", stack_name)
        if picked:
            return GroupChoice(picked[1], f"stack {stack_name} resource {picked[0]}", configured)
    if configured:
        where = "has no security group" if stack is not None else "does not exist"
        raise ConfigError(
            f"security group {configured} (DB_SG_ID) no longer exists, and stack {stack_name} {where}",
            hint="export DB_SG_ID=sg-… with the database's current group, or deploy the db stack "
            "(pass --stack NAME if it has another name)",
        )
    if stack is None:
        raise NoDatabaseGroup(
            f"DB_SG_ID is not set and there is no stack {stack_name} to find the database's security group in",
            hint=SG_HINT,
        )
    raise ConfigError(
        f"stack {stack_name} has no security group in its outputs or resources", hint=SG_HINT
    )


def _matches(rule: IngressRule, desired: DesiredRule) -> bool:
    return (
        rule.protocol == desired.protocol
        and rule.from_port == desired.port
        and rule.to_port == desired.port
        and rule.cidr == desired.cidr
        and rule.description == desired.description
    )


def _differences(rule: IngressRule, desired: DesiredRule) -> list[str]:
    changes: list[str] = []
    if rule.cidr != desired.cidr:
        changes.append(f"address {rule.cidr or 'none'} → {desired.cidr}")
    if (rule.protocol, rule.from_port, rule.to_port) != (
        desired.protocol,
        desired.port,
        desired.port,
    ):
        ports = (
            rule.from_port if rule.from_port == rule.to_port else f"{rule.from_port}-{rule.to_port}"
        )
        changes.append(f"{rule.protocol}/{ports} → {desired.protocol}/{desired.port}")
    if rule.description != desired.description:
        changes.append(f"description {rule.description!r} → {desired.description!r}")
    return changes


def plan_rule(
    *,
    group: GroupChoice,
    rules: list[IngressRule],
    desired: DesiredRule,
    configured_rule_id: str | None,
) -> RulePlan:
    """Find the workspace rule (by id, then by description) and decide create / modify / no-op."""
    ingress = [r for r in rules if not r.is_egress]
    stale = None
    candidate: IngressRule | None = None
    source = ""
    if configured_rule_id:
        candidate = next((r for r in ingress if r.rule_id == configured_rule_id), None)
        if candidate is not None:
            source = "DB_SG_RULE_ID"
        else:
            stale = configured_rule_id
    if candidate is None:
        described = [r for r in ingress if r.description == desired.description]
        # Prefer one that is already right, so a duplicate left by hand never causes churn.
        candidate = next(
            (r for r in described if _matches(r, desired)), described[0] if described else None
        )
        source = "description" if candidate is not None else ""
    if candidate is not None:
        if _matches(candidate, desired):
            return RulePlan(
                "noop",
                rule_id=candidate.rule_id,
                rule_source=source,
                reason=f"already allows {desired.protocol}/{desired.port} from {desired.cidr}",
                previous=candidate,
                stale_rule_id=stale,
                group=group,
                desired=desired,
                configured_rule_id=configured_rule_id or None,
            )
        return RulePlan(
            "modify",
            rule_id=candidate.rule_id,
            rule_source=source,
            reason="; ".join(_differences(candidate, desired)),
            previous=candidate,
            stale_rule_id=stale,
            group=group,
            desired=desired,
            configured_rule_id=configured_rule_id or None,
        )
    # No rule of ours; one with another description may already admit this exact address, and
    # AWS rejects a second identical permission (InvalidPermission.Duplicate).
    same = next(
        (
            r
            for r in ingress
            if (r.protocol, r.from_port, r.to_port, r.cidr)
            == (desired.protocol, desired.port, desired.port, desired.cidr)
        ),
        None,
    )
    if same is not None:
        return RulePlan(
            "noop",
            rule_id=same.rule_id,
            rule_source="same address",
            reason=f"{desired.cidr} is already allowed by rule {same.rule_id} "
            f"(description {same.description!r})",
            previous=same,
            stale_rule_id=stale,
            group=group,
            desired=desired,
            configured_rule_id=configured_rule_id or None,
        )
    return RulePlan(
        "create",
        rule_id=None,
        rule_source="new",
        reason=f"no ingress rule described {desired.description!r} in {group.group_id}",
        stale_rule_id=stale,
        group=group,
        desired=desired,
        configured_rule_id=configured_rule_id or None,
    )

"""Plain-text sentences about a rule outcome (shared by the rich renderer and workspace.init)."""

from __future__ import annotations

from .apply import RuleOutcome

SOURCES = {
    "DB_SG_RULE_ID": "from DB_SG_RULE_ID",
    "same address": "an existing rule for this address",
    "new": "created",
}


def group_sentence(outcome: RuleOutcome) -> str:
    group = outcome.plan.group
    text = f"security group {group.group_id} (from {group.source})"
    if group.configured_is_stale:
        text += f"; DB_SG_ID={group.configured_group_id} no longer exists"
    return text


def rule_sentence(outcome: RuleOutcome) -> str:
    plan = outcome.plan
    desired = plan.desired
    where = SOURCES.get(plan.rule_source) or f"found by description {desired.description!r}"
    if plan.action == "create":
        allows = f"allowing {desired.protocol}/{desired.port} from {desired.cidr} ({desired.description!r})"
        text = (
            f"would create a rule {allows} (dry run)"
            if outcome.dry_run
            else f"rule {outcome.rule_id} (created): {allows}"
        )
    elif plan.action == "modify":
        verb = "would update (dry run)" if outcome.dry_run else "updated"
        text = f"rule {plan.rule_id} ({where}): {verb}: {plan.reason}"
    else:
        text = f"rule {plan.rule_id} ({where}): no change, {plan.reason}"
    if plan.stale_rule_id:
        text += f"; DB_SG_RULE_ID={plan.stale_rule_id} no longer exists in {plan.group.group_id}"
    return text


def export_statements(outcome: RuleOutcome) -> list[str]:
    return [f"export {name}={value}" for name, value in outcome.exports]

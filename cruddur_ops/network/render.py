"""Rich renderables for a rule outcome. No decisions here.

The summary is written as shell comments followed by ``export`` lines, so
``eval "$(inv rds.update-sg-rule)"`` refreshes stale variables in the current shell.
"""

from __future__ import annotations

from rich.text import Text

from .apply import RuleOutcome
from .publicip import ResolvedIp

SOURCES = {
    "DB_SG_RULE_ID": "from DB_SG_RULE_ID",
    "same address": "an existing rule for this address",
    "new": "created",
}


def ip_line(ip: ResolvedIp) -> Text:
    return Text(f"# workspace IP {ip.host.address} (from {ip.source})")


def group_line(outcome: RuleOutcome) -> Text:
    group = outcome.plan.group
    text = Text(f"# security group {group.group_id} (from {group.source})")
    if group.configured_is_stale:
        text.append(f"; DB_SG_ID={group.configured_group_id} no longer exists", style="update")
    return text


def rule_line(outcome: RuleOutcome) -> Text:
    plan = outcome.plan
    desired = plan.desired
    where = SOURCES.get(plan.rule_source) or f"found by description {desired.description!r}"
    if plan.action == "create":
        allows = f"allowing {desired.protocol}/{desired.port} from {desired.cidr} ({desired.description!r})"
        if outcome.dry_run:
            text = Text(f"# would create a rule {allows} (dry run)", style="create")
        else:
            text = Text(f"# rule {outcome.rule_id} (created): {allows}", style="create")
    elif plan.action == "modify":
        verb = "would update (dry run)" if outcome.dry_run else "updated"
        text = Text(f"# rule {plan.rule_id} ({where}): {verb}: {plan.reason}", style="update")
    else:
        text = Text(f"# rule {plan.rule_id} ({where}): no change, {plan.reason}", style="no_change")
    if plan.stale_rule_id:
        text.append(
            f"; DB_SG_RULE_ID={plan.stale_rule_id} no longer exists in {plan.group.group_id}"
        )
    return text


def export_lines(outcome: RuleOutcome) -> list[Text]:
    return [Text(f"export {name}={value}") for name, value in outcome.exports]


def summary(outcome: RuleOutcome) -> list[Text]:
    return [group_line(outcome), rule_line(outcome), *export_lines(outcome)]

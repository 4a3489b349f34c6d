"""The pure decisions: which group, which rule, what to change."""

from __future__ import annotations

import pytest

from cruddur_ops.errors import ConfigError
from cruddur_ops.network.apply import RuleOutcome
from cruddur_ops.network.observe import IngressRule, StackGroups
from cruddur_ops.network.plan import (
    DesiredRule,
    GroupChoice,
    NoDatabaseGroup,
    choose_group,
    plan_rule,
)

GROUP = GroupChoice("sg-new", "DB_SG_ID", "sg-new")
DESIRED = DesiredRule(cidr="8.8.4.4/32", port=5432, description="GITPOD")


def rule(
    rule_id: str,
    cidr: str = "1.1.1.1/32",
    description: str = "GITPOD",
    *,
    port: int = 5432,
    egress: bool = False,
    protocol: str = "tcp",
) -> IngressRule:
    return IngressRule(rule_id, "sg-new", egress, protocol, port, port, cidr, description)


EGRESS = rule("sgr-egress", "0.0.0.0/0", "", port=-1, egress=True, protocol="-1")


# --- choose_group -------------------------------------------------------------------------


def test_configured_group_that_exists_wins_without_the_stack() -> None:
    choice = choose_group(configured="sg-1", configured_exists=True, stack_name="CrdDb", stack=None)
    assert (choice.group_id, choice.source, choice.configured_is_stale) == (
        "sg-1",
        "DB_SG_ID",
        False,
    )


def test_stack_output_is_used_when_the_variable_is_unset() -> None:
    stack = StackGroups("CrdDb", (("DbSecurityGroupId", "sg-out"),), (("RDSPostgresSG", "sg-out"),))
    choice = choose_group(configured=None, configured_exists=False, stack_name="CrdDb", stack=stack)
    assert choice.group_id == "sg-out"
    assert choice.source == "stack CrdDb output DbSecurityGroupId"
    assert not choice.configured_is_stale


def test_stale_variable_falls_back_to_the_stack_and_is_flagged() -> None:
    stack = StackGroups("CrdDb", (), (("RDSPostgresSG", "sg-res"),))
    choice = choose_group(
        configured="sg-old", configured_exists=False, stack_name="CrdDb", stack=stack
    )
    assert choice.group_id == "sg-res"
    assert choice.source == "stack CrdDb resource RDSPostgresSG"
    assert choice.configured_is_stale


def test_several_groups_prefer_the_database_looking_one() -> None:
    stack = StackGroups("CrdDb", (), (("AlbSG", "sg-alb"), ("RDSPostgresSG", "sg-db")))
    assert (
        choose_group(
            configured=None, configured_exists=False, stack_name="CrdDb", stack=stack
        ).group_id
        == "sg-db"
    )


def test_ambiguous_groups_are_an_error_naming_them() -> None:
    stack = StackGroups("CrdDb", (), (("DbSGa", "sg-a"), ("DbSGb", "sg-b")))
    with pytest.raises(ConfigError, match="DbSGa=sg-a, DbSGb=sg-b") as caught:
        choose_group(configured=None, configured_exists=False, stack_name="CrdDb", stack=stack)
    assert "DB_SG_ID" in (caught.value.hint or "")


def test_nothing_configured_and_no_stack_says_how_to_set_it() -> None:
    with pytest.raises(NoDatabaseGroup) as caught:
        choose_group(configured=None, configured_exists=False, stack_name="CrdDb", stack=None)
    assert "DB_SG_ID is not set" in caught.value.message
    assert "export DB_SG_ID=" in (caught.value.hint or "")


def test_stale_variable_and_no_stack_is_a_plain_config_error() -> None:
    with pytest.raises(ConfigError, match="sg-old \\(DB_SG_ID\\) no longer exists") as caught:
        choose_group(configured="sg-old", configured_exists=False, stack_name="CrdDb", stack=None)
    assert not isinstance(caught.value, NoDatabaseGroup)


def test_stack_without_groups_is_an_error() -> None:
    with pytest.raises(ConfigError, match="has no security group"):
        choose_group(
            configured=None, configured_exists=False, stack_name="X", stack=StackGroups("X", (), ())
        )


# --- plan_rule ----------------------------------------------------------------------------


def test_no_rule_means_create() -> None:
    plan = plan_rule(group=GROUP, rules=[EGRESS], desired=DESIRED, configured_rule_id=None)
    assert (plan.action, plan.rule_id, plan.rule_source) == ("create", None, "new")
    assert plan.to_dict()["desired"]["cidr"] == "8.8.4.4/32"


def test_rule_found_by_id_is_modified_with_the_reason() -> None:
    current = rule("sgr-1", "1.1.1.1/32", "old text")
    plan = plan_rule(
        group=GROUP, rules=[EGRESS, current], desired=DESIRED, configured_rule_id="sgr-1"
    )
    assert (plan.action, plan.rule_id, plan.rule_source) == ("modify", "sgr-1", "DB_SG_RULE_ID")
    assert "1.1.1.1/32 → 8.8.4.4/32" in plan.reason
    assert "'old text' → 'GITPOD'" in plan.reason


def test_correct_rule_is_a_noop() -> None:
    plan = plan_rule(
        group=GROUP,
        rules=[rule("sgr-1", "8.8.4.4/32")],
        desired=DESIRED,
        configured_rule_id="sgr-1",
    )
    assert plan.action == "noop"
    outcome = RuleOutcome(plan, "sgr-1", changed=False)
    assert outcome.exports == []  # nothing stale, nothing to export


def test_stale_rule_id_falls_back_to_the_description() -> None:
    plan = plan_rule(
        group=GROUP, rules=[rule("sgr-2")], desired=DESIRED, configured_rule_id="sgr-gone"
    )
    assert (plan.action, plan.rule_id, plan.rule_source) == ("modify", "sgr-2", "description")
    assert plan.stale_rule_id == "sgr-gone"
    assert RuleOutcome(plan, "sgr-2", changed=True).exports == [("DB_SG_RULE_ID", "sgr-2")]


def test_egress_rules_are_never_the_workspace_rule() -> None:
    egress = rule("sgr-e", "1.1.1.1/32", egress=True)
    plan = plan_rule(group=GROUP, rules=[egress], desired=DESIRED, configured_rule_id="sgr-e")
    assert plan.action == "create"
    assert plan.stale_rule_id == "sgr-e"


def test_port_change_is_planned() -> None:
    plan = plan_rule(
        group=GROUP,
        rules=[rule("sgr-1", "8.8.4.4/32", port=5433)],
        desired=DESIRED,
        configured_rule_id=None,
    )
    assert plan.action == "modify"
    assert "tcp/5433 → tcp/5432" in plan.reason


def test_duplicates_by_description_prefer_the_correct_one() -> None:
    rules = [rule("sgr-a", "1.1.1.1/32"), rule("sgr-b", "8.8.4.4/32")]
    plan = plan_rule(group=GROUP, rules=rules, desired=DESIRED, configured_rule_id=None)
    assert (plan.action, plan.rule_id) == ("noop", "sgr-b")


def test_same_address_under_another_description_is_not_duplicated() -> None:
    other = rule("sgr-x", "8.8.4.4/32", "office")
    plan = plan_rule(group=GROUP, rules=[other], desired=DESIRED, configured_rule_id=None)
    assert (plan.action, plan.rule_id, plan.rule_source) == ("noop", "sgr-x", "same address")
    assert "office" in plan.reason
    assert RuleOutcome(plan, "sgr-x", changed=False).exports == []  # not our rule: not exported


def test_stale_group_is_exported_too() -> None:
    group = GroupChoice("sg-new", "stack CrdDb output DbSecurityGroupId", "sg-old")
    plan = plan_rule(group=group, rules=[], desired=DESIRED, configured_rule_id="sgr-old")
    outcome = RuleOutcome(plan, "sgr-new", changed=True)
    assert outcome.exports == [("DB_SG_ID", "sg-new"), ("DB_SG_RULE_ID", "sgr-new")]

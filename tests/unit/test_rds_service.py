"""The whole update-sg-rule flow against moto's in-process EC2 and CloudFormation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cruddur_ops.errors import ConfigError
from cruddur_ops.network.addresses import parse_host_address
from cruddur_ops.network.apply import DryRunRuleExecutor, Ec2RuleExecutor
from cruddur_ops.network.observe import SecurityGroupReader
from cruddur_ops.network.plan import NoDatabaseGroup
from cruddur_ops.network.service import (
    RuleRequest,
    db_stack_name,
    ensure_rule,
    validate_rule_settings,
)

STACK_TEMPLATE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.20.0.0/16"}},
        "RDSPostgresSG": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "db", "VpcId": {"Ref": "Vpc"}},
        },
    },
    "Outputs": {"DbSecurityGroupId": {"Value": {"Fn::GetAtt": ["RDSPostgresSG", "GroupId"]}}},
}


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield (
            boto3.client("ec2", region_name="us-east-1"),
            boto3.client("cloudformation", region_name="us-east-1"),
        )


def make_group(ec2: Any) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return str(ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"])


def ingress(ec2: Any, group_id: str) -> list[dict[str, Any]]:
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    return [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]


def run(ec2: Any, cfn: Any, *, dry_run: bool = False, **kwargs: Any) -> Any:
    ip = kwargs.pop("ip", "8.8.4.4")
    request = RuleRequest(host=parse_host_address(ip, allow_ipv6=":" in ip), **kwargs)
    executor = DryRunRuleExecutor() if dry_run else Ec2RuleExecutor(ec2)
    return ensure_rule(SecurityGroupReader(ec2, cfn), executor, request)


def test_create_then_noop_then_update(aws: tuple[Any, Any]) -> None:
    ec2, cfn = aws
    group = make_group(ec2)
    first = run(ec2, cfn, group_id=group)
    assert first.plan.action == "create" and first.changed
    [created] = ingress(ec2, group)
    assert (created["CidrIpv4"], created["FromPort"], created["Description"]) == (
        "8.8.4.4/32",
        5432,
        "GITPOD",
    )
    assert first.rule_id == created["SecurityGroupRuleId"]
    assert first.exports == [("DB_SG_RULE_ID", first.rule_id)]

    second = run(ec2, cfn, group_id=group, rule_id=first.rule_id)
    assert second.plan.action == "noop" and not second.changed
    assert second.exports == []

    third = run(ec2, cfn, group_id=group, rule_id=first.rule_id, ip="8.8.8.8")
    assert third.plan.action == "modify"
    [updated] = ingress(ec2, group)
    assert updated["SecurityGroupRuleId"] == first.rule_id
    assert updated["CidrIpv4"] == "8.8.8.8/32"


def test_dry_run_changes_nothing(aws: tuple[Any, Any]) -> None:
    ec2, cfn = aws
    group = make_group(ec2)
    outcome = run(ec2, cfn, group_id=group, dry_run=True)
    assert outcome.plan.action == "create" and outcome.dry_run and not outcome.changed
    assert ingress(ec2, group) == []


def test_stale_rule_id_is_recovered_by_description(aws: tuple[Any, Any]) -> None:
    ec2, cfn = aws
    group = make_group(ec2)
    first = run(ec2, cfn, group_id=group, ip="8.8.8.8")
    outcome = run(ec2, cfn, group_id=group, rule_id="sgr-0123456789abcdef0")
    assert outcome.plan.stale_rule_id == "sgr-0123456789abcdef0"
    assert (outcome.plan.action, outcome.rule_id) == ("modify", first.rule_id)
    assert outcome.exports == [("DB_SG_RULE_ID", first.rule_id)]
    assert len(ingress(ec2, group)) == 1


def test_group_found_in_the_stack_and_recovered_after_recreation(aws: tuple[Any, Any]) -> None:
    ec2, cfn = aws
    cfn.create_stack(StackName="CrdDb", TemplateBody=json.dumps(STACK_TEMPLATE))
    first = run(ec2, cfn)
    old_group = first.plan.group.group_id
    assert first.plan.group.source == "stack CrdDb output DbSecurityGroupId"
    assert first.plan.action == "create"

    cfn.delete_stack(StackName="CrdDb")
    cfn.create_stack(StackName="CrdDb", TemplateBody=json.dumps(STACK_TEMPLATE))
    outcome = run(ec2, cfn, group_id=old_group, rule_id=first.rule_id)
    assert outcome.plan.group.group_id != old_group
    assert outcome.plan.group.configured_is_stale
    assert outcome.plan.stale_rule_id == first.rule_id
    assert outcome.plan.action == "create"
    names = [name for name, _ in outcome.exports]
    assert names == ["DB_SG_ID", "DB_SG_RULE_ID"]
    assert [r["CidrIpv4"] for r in ingress(ec2, outcome.plan.group.group_id)] == ["8.8.4.4/32"]


def test_custom_stack_name_and_port(aws: tuple[Any, Any]) -> None:
    ec2, cfn = aws
    cfn.create_stack(StackName="OtherDb", TemplateBody=json.dumps(STACK_TEMPLATE))
    outcome = run(ec2, cfn, stack_name="OtherDb", port=5433, description="CODESPACE")
    [created] = ingress(ec2, outcome.plan.group.group_id)
    assert (created["FromPort"], created["ToPort"], created["Description"]) == (
        5433,
        5433,
        "CODESPACE",
    )


def test_ipv6_rule_is_a_slash_128(aws: tuple[Any, Any]) -> None:
    ec2, cfn = aws
    group = make_group(ec2)
    run(ec2, cfn, group_id=group, ip="2001:4860:4860::8844")
    [created] = ingress(ec2, group)
    assert created["CidrIpv6"] == "2001:4860:4860::8844/128"


def test_no_group_anywhere_is_a_no_database_group_error(aws: tuple[Any, Any]) -> None:
    ec2, cfn = aws
    with pytest.raises(NoDatabaseGroup, match="no stack CrdDb"):
        run(ec2, cfn)


def test_malformed_group_id_is_a_config_error(aws: tuple[Any, Any]) -> None:
    ec2, cfn = aws
    with pytest.raises(ConfigError):
        run(ec2, cfn, group_id="not-a-group")


@pytest.mark.parametrize(
    ("port", "description"),
    [
        (0, "GITPOD"),
        (70000, "GITPOD"),
        ("x", "GITPOD"),
        (5432, ""),
        (5432, "bad\u00e9"),
        (5432, "x" * 256),
    ],
)
def test_bad_port_or_description_is_refused_before_any_call(port: Any, description: str) -> None:
    with pytest.raises(ConfigError):
        validate_rule_settings(port, description)


def test_db_stack_name_from_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    assert db_stack_name(config) == "CrdDb"
    config.write_text('[deploy]\nstack_name = "MyDb"\n')
    assert db_stack_name(config) == "MyDb"
    config.write_text("[deploy\n")
    with pytest.raises(ConfigError, match="cannot read"):
        db_stack_name(config)

"""`inv rds.update-sg-rule` end to end against the emulator (moto server or LocalStack).

Addresses written into rules are globally routable ones (8.8.4.4, 8.8.8.8): they are never
contacted, only stored in a rule on the emulator. The public-IP lookup is exercised offline with
a local HTTP service on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

DB_TEMPLATE = {
    "Description": "cruddur-ops test: a db stack's security group (no database)",
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.42.0.0/16"}},
        "RDSPostgresSG": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "cruddur db", "VpcId": {"Ref": "Vpc"}},
        },
    },
    "Outputs": {"DbSecurityGroupId": {"Value": {"Fn::GetAtt": ["RDSPostgresSG", "GroupId"]}}},
}

# Variables from the developer's shell must not leak into these runs ("" counts as unset).
CLEAN = {
    "DB_SG_ID": "",
    "DB_SG_RULE_ID": "",
    "GITPOD_IP": "",
    "WORKSPACE_IP": "",
    "DB_STACK_NAME": "",
    "DB_PORT": "",
    "DB_SG_RULE_DESCRIPTION": "",
    "WORKSPACE_IP_LOOKUP_URLS": "",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


class DbStacks:
    """Creates db stacks on the emulator and deletes them after the test."""

    def __init__(self, boto_client: Callable[[str], Any]) -> None:
        self.cfn = boto_client("cloudformation")
        self.ec2 = boto_client("ec2")
        self.names: set[str] = set()

    def create(self, name: str) -> str:
        self.cfn.create_stack(StackName=name, TemplateBody=json.dumps(DB_TEMPLATE))
        self.cfn.get_waiter("stack_create_complete").wait(
            StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        self.names.add(name)
        return self.group_of(name)

    def group_of(self, name: str) -> str:
        resources = self.cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
        return next(
            r["PhysicalResourceId"]
            for r in resources
            if r["ResourceType"] == "AWS::EC2::SecurityGroup"
        )

    def delete(self, name: str) -> None:
        self.cfn.delete_stack(StackName=name)
        self.cfn.get_waiter("stack_delete_complete").wait(
            StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        self.names.discard(name)

    def ingress(self, group_id: str) -> list[dict[str, Any]]:
        rules = self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [group_id]}]
        )
        return [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]

    def cleanup(self) -> None:
        for name in list(self.names):
            try:
                self.delete(name)
            except Exception:  # best effort: the emulator is thrown away after the session
                pass


@pytest.fixture
def stacks(boto_client: Callable[[str], Any]) -> Iterator[DbStacks]:
    helper = DbStacks(boto_client)
    try:
        yield helper
    finally:
        helper.cleanup()


def exported(output: str, name: str) -> str | None:
    for line in output.splitlines():
        if line.startswith(f"export {name}="):
            return line.split("=", 1)[1]
    return None


def test_first_run_creates_second_is_a_noop_third_updates(
    run_task: Callable[..., Any], stacks: DbStacks, unique: str
) -> None:
    stack = f"CrdDb-{unique}"
    group = stacks.create(stack)
    first = run_task(
        "rds.update-sg-rule", "--stack", stack, "--ip", "8.8.4.4", env=CLEAN, check=True
    )
    assert f"security group {group} (from stack {stack} output DbSecurityGroupId)" in first.stdout
    assert "(created): allowing tcp/5432 from 8.8.4.4/32 ('GITPOD')" in first.stdout
    rule_id = exported(first.stdout, "DB_SG_RULE_ID")
    [rule] = stacks.ingress(group)
    assert rule_id == rule["SecurityGroupRuleId"]
    assert (
        rule["CidrIpv4"],
        rule["FromPort"],
        rule["ToPort"],
        rule["IpProtocol"],
        rule["Description"],
    ) == (
        "8.8.4.4/32",
        5432,
        5432,
        "tcp",
        "GITPOD",
    )

    second = run_task(
        "rds.update-sg-rule",
        "--stack",
        stack,
        "--ip",
        "8.8.4.4",
        env={**CLEAN, "DB_SG_RULE_ID": rule_id},
        check=True,
    )
    assert f"rule {rule_id} (from DB_SG_RULE_ID): no change" in second.stdout
    assert "export" not in second.stdout  # nothing stale, nothing to refresh
    assert stacks.ingress(group) == [rule]

    third = run_task(
        "rds.update-sg-rule",
        "--stack",
        stack,
        env={**CLEAN, "DB_SG_RULE_ID": rule_id, "GITPOD_IP": "8.8.8.8"},
        check=True,
    )
    assert "workspace IP 8.8.8.8 (from GITPOD_IP)" in third.stdout
    assert "updated: address 8.8.4.4/32 → 8.8.8.8/32" in third.stdout
    [after] = stacks.ingress(group)
    assert (after["SecurityGroupRuleId"], after["CidrIpv4"]) == (rule_id, "8.8.8.8/32")


def test_stale_rule_id_is_recovered_by_description(
    run_task: Callable[..., Any], stacks: DbStacks, bare_group: str
) -> None:
    env = {**CLEAN, "DB_SG_ID": bare_group, "WORKSPACE_IP": "8.8.4.4"}
    created = exported(run_task("rds.update-sg-rule", env=env, check=True).stdout, "DB_SG_RULE_ID")
    stale = "sgr-0123456789abcdef0"
    result = run_task(
        "rds.update-sg-rule", "--ip", "8.8.8.8", env={**env, "DB_SG_RULE_ID": stale}, check=True
    )
    assert f"rule {created} (found by description 'GITPOD'): updated" in result.stdout
    assert f"DB_SG_RULE_ID={stale} no longer exists in {bare_group}" in result.stdout
    assert exported(result.stdout, "DB_SG_RULE_ID") == created
    assert [r["CidrIpv4"] for r in stacks.ingress(bare_group)] == ["8.8.8.8/32"]


def test_recreated_db_stack_is_recovered(
    run_task: Callable[..., Any], stacks: DbStacks, unique: str
) -> None:
    stack = f"CrdDb-{unique}"
    old_group = stacks.create(stack)
    first = run_task(
        "rds.update-sg-rule", "--stack", stack, "--ip", "8.8.4.4", env=CLEAN, check=True
    )
    old_rule = exported(first.stdout, "DB_SG_RULE_ID")

    stacks.delete(stack)
    new_group = stacks.create(stack)
    assert new_group != old_group
    env = {**CLEAN, "DB_SG_ID": old_group, "DB_SG_RULE_ID": old_rule or "", "DB_STACK_NAME": stack}
    result = run_task("rds.update-sg-rule", "--ip", "8.8.4.4", env=env, check=True)
    assert f"DB_SG_ID={old_group} no longer exists" in result.stdout
    assert f"DB_SG_RULE_ID={old_rule} no longer exists in {new_group}" in result.stdout
    assert exported(result.stdout, "DB_SG_ID") == new_group
    [rule] = stacks.ingress(new_group)
    assert exported(result.stdout, "DB_SG_RULE_ID") == rule["SecurityGroupRuleId"]
    assert rule["CidrIpv4"] == "8.8.4.4/32"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("0.0.0.0", "refusing --ip 0.0.0.0: the unspecified address"),
        ("0.0.0.0/0", "refusing --ip 0.0.0.0/0: a rule must admit a single host"),
        ("10.0.0.5", "refusing --ip 10.0.0.5: a private or documentation address"),
        ("192.168.1.20", "refusing --ip 192.168.1.20: a private"),
        ("127.0.0.1", "refusing --ip 127.0.0.1: a loopback address"),
        ("not-an-ip", "--ip 'not-an-ip' is not an IP address"),
        (
            "2001:4860:4860::8844",
            "refusing --ip 2001:4860:4860::8844: an IPv6 address needs --ipv6",
        ),
    ],
)
def test_bad_addresses_are_refused_and_nothing_changes(
    run_task: Callable[..., Any], stacks: DbStacks, bare_group: str, address: str, message: str
) -> None:
    result = run_task("rds.update-sg-rule", "--ip", address, env={**CLEAN, "DB_SG_ID": bare_group})
    assert result.returncode == 1
    assert f"error: {message}" in result.stderr
    assert "hint: " in result.stderr
    assert "Traceback" not in result.output
    assert stacks.ingress(bare_group) == []


def test_private_workspace_variable_is_refused(
    run_task: Callable[..., Any], bare_group: str
) -> None:
    result = run_task(
        "rds.update-sg-rule", env={**CLEAN, "DB_SG_ID": bare_group, "GITPOD_IP": "172.16.0.9"}
    )
    assert result.returncode == 1
    assert "error: refusing GITPOD_IP 172.16.0.9" in result.stderr


def test_ipv6_only_when_asked(
    run_task: Callable[..., Any], stacks: DbStacks, bare_group: str
) -> None:
    result = run_task(
        "rds.update-sg-rule",
        "--ipv6",
        "--ip",
        "2001:4860:4860::8844",
        env={**CLEAN, "DB_SG_ID": bare_group},
        check=True,
    )
    assert "from 2001:4860:4860::8844/128" in result.stdout
    [rule] = stacks.ingress(bare_group)
    assert rule.get("CidrIpv6") == "2001:4860:4860::8844/128"


def test_no_group_anywhere_says_how_to_set_it(
    run_task: Callable[..., Any], unique: str, aws_env: Any
) -> None:
    result = run_task(
        "rds.update-sg-rule", "--ip", "8.8.4.4", "--stack", f"Missing-{unique}", env=CLEAN
    )
    assert result.returncode == 1
    assert f"error: DB_SG_ID is not set and there is no stack Missing-{unique}" in result.stderr
    assert "hint: export DB_SG_ID=sg-" in result.stderr


def test_dry_run_changes_nothing(
    run_task: Callable[..., Any], stacks: DbStacks, bare_group: str
) -> None:
    result = run_task(
        "rds.update-sg-rule",
        "--dry-run",
        "--ip",
        "8.8.4.4",
        env={**CLEAN, "DB_SG_ID": bare_group},
        check=True,
    )
    assert "would create a rule allowing tcp/5432 from 8.8.4.4/32" in result.stdout
    assert stacks.ingress(bare_group) == []


@pytest.fixture
def ip_service(tmp_path: Path) -> Iterator[str]:
    """A local 'what is my IP' service: GET /ip → 8.8.4.4, /private → 10.1.1.1, else 404."""
    root = tmp_path / "ipservice"
    root.mkdir()
    (root / "ip").write_text("8.8.4.4\n")
    (root / "private").write_text("10.1.1.1\n")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_ip_lookup_with_a_local_service(
    run_task: Callable[..., Any], stacks: DbStacks, bare_group: str, ip_service: str
) -> None:
    urls = f"http://127.0.0.1:9/ip,{ip_service}/private,{ip_service}/missing,{ip_service}/ip"
    env = {
        **CLEAN,
        "DB_SG_ID": bare_group,
        "WORKSPACE_IP_LOOKUP_URLS": urls,
        "WORKSPACE_IP_LOOKUP_TIMEOUT": "3",
    }
    result = run_task("rds.update-sg-rule", env=env, check=True)
    assert f"workspace IP 8.8.4.4 (from lookup {ip_service}/ip)" in result.stdout
    assert [r["CidrIpv4"] for r in stacks.ingress(bare_group)] == ["8.8.4.4/32"]


def test_ip_lookup_failing_everywhere_is_a_clear_error(
    run_task: Callable[..., Any], bare_group: str, ip_service: str
) -> None:
    env = {
        **CLEAN,
        "DB_SG_ID": bare_group,
        "WORKSPACE_IP_LOOKUP_URLS": f"{ip_service}/private,{ip_service}/nope",
    }
    result = run_task("rds.update-sg-rule", env=env)
    assert result.returncode == 1
    assert "error: could not find this workspace's public IP" in result.stderr
    assert "10.1.1.1" in result.stderr and "HTTP 404" in result.stderr
    assert "hint: pass --ip ADDRESS or export WORKSPACE_IP=ADDRESS" in result.stderr

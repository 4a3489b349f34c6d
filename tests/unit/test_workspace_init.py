"""workspace.init's steps against moto's in-process AWS, with an injected IP source."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from cruddur_ops.aws import AwsTarget
from cruddur_ops.errors import OpsError
from cruddur_ops.network.addresses import HostAddress, parse_host_address
from cruddur_ops.network.publicip import ResolvedIp
from cruddur_ops.network.service import RuleRequest
from cruddur_ops.workspace.init import AwsAccess, InitConfig, run_init
from cruddur_ops.workspace.render import step_lines
from cruddur_ops.workspace.steps import StepResult
from cruddur_ops.workspace_kind import detect_workspace

GITPOD = {
    "GITPOD_WORKSPACE_ID": "crud-abc123",
    "GITPOD_WORKSPACE_CLUSTER_HOST": "ws-eu110.gitpod.io",
}
ORIGIN = "https://3000-crud-abc123.ws-eu110.gitpod.io"
PARAMETER = "/cruddur/dev/ORIGIN_URL_DEV"


@pytest.fixture
def ec2() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ec2", region_name="us-east-1")


def make_group(ec2: Any) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return str(ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"])


def fixed_ip(address: str = "8.8.4.4") -> Callable[[], ResolvedIp]:
    return lambda: ResolvedIp(parse_host_address(address), "GITPOD_IP")


def config(
    tmp_path: Path,
    *,
    group: str | None,
    find_ip: Callable[[], ResolvedIp] | None = None,
    template: str = "FRONTEND=<%= workspace_url(3000) %>\n",
    dry_run: bool = False,
    environ: dict[str, str] | None = None,
) -> InitConfig:
    templates = tmp_path / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "frontend.env.erb").write_text(template)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)

    def request(host: HostAddress) -> RuleRequest:
        return RuleRequest(host=host, group_id=group, stack_name="NoSuchStack")

    env = {**GITPOD, **(environ or {})}
    return InitConfig(
        dry_run=dry_run,
        explicit_ip=True,
        find_ip=find_ip or fixed_ip(),
        make_rule_request=request,
        template_dir=templates,
        out_dir=out,
        root=tmp_path,
        environ=env,
        allow_missing=False,
        workspace=detect_workspace(env),
        frontend_port=3000,
        parameter=PARAMETER,
    )


def statuses(results: list[StepResult]) -> dict[str, str]:
    return {r.name: r.status for r in results}


def with_cors(cfg: InitConfig, bucket: str) -> InitConfig:
    """CORS on ``bucket`` from the origin parameter the step before writes."""
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=bucket)
    return InitConfig(**{**cfg.__dict__, "cors_bucket": bucket, "cors_parameters": PARAMETER})


def test_everything_ok_then_nothing_changes(ec2: Any, tmp_path: Path) -> None:
    group = make_group(ec2)
    results = run_init(with_cors(config(tmp_path, group=group), "avatars"), AwsAccess(AwsTarget()))
    assert set(statuses(results).values()) == {"ok"}, results
    cors = boto3.client("s3", region_name="us-east-1").get_bucket_cors(Bucket="avatars")["CORSRules"]
    assert [r["AllowedOrigins"] for r in cors] == [[ORIGIN]]
    assert (tmp_path / "out" / "frontend.env").read_text() == f"FRONTEND={ORIGIN}\n"
    ssm = boto3.client("ssm", region_name="us-east-1")
    assert ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"] == ORIGIN
    assert any(e.startswith("export DB_SG_RULE_ID=sgr-") for r in results for e in r.extra)

    again = run_init(InitConfig(**{**config(tmp_path, group=group).__dict__, "cors_bucket": "avatars",
                                    "cors_parameters": PARAMETER}), AwsAccess(AwsTarget()))
    details = {r.name: r.detail for r in again}
    assert details["CORS"] == f"s3://avatars already allows exactly {ORIGIN}"
    assert "no change" in details["database access"]
    assert "unchanged (version 1)" in details["origin parameter"]
    assert ssm.get_parameter(Name=PARAMETER)["Parameter"]["Version"] == 1


def test_a_failing_step_does_not_stop_the_others(ec2: Any, tmp_path: Path) -> None:
    group = make_group(ec2)
    cfg = config(tmp_path, group=group, template="X=<%= ENV['CRUDDUR_SURELY_UNSET_VAR'] %>\n")
    results = run_init(cfg, AwsAccess(AwsTarget()))
    assert statuses(results) == {
        "workspace IP": "ok",
        "database access": "ok",
        "env files": "failed",
        "origin parameter": "ok",
        "CORS": "skipped",
    }
    failed = next(r for r in results if r.status == "failed")
    assert "CRUDDUR_SURELY_UNSET_VAR is not set" in failed.detail
    lines = [t.plain for t in step_lines(results)]
    assert lines[-1] == "3 ok, 1 skipped, 1 failed"
    assert any(line.strip().startswith("hint:") for line in lines)


def test_ip_failure_skips_only_the_rule(ec2: Any, tmp_path: Path) -> None:
    def no_ip() -> ResolvedIp:
        raise OpsError("could not find this workspace's public IP: all services down")

    results = run_init(
        config(tmp_path, group=make_group(ec2), find_ip=no_ip), AwsAccess(AwsTarget())
    )
    assert statuses(results) == {
        "workspace IP": "failed",
        "database access": "skipped",
        "env files": "ok",
        "origin parameter": "ok",
        "CORS": "skipped",
    }


def test_no_database_group_skips_the_rule_step(ec2: Any, tmp_path: Path) -> None:
    results = run_init(config(tmp_path, group=None), AwsAccess(AwsTarget()))
    rule = next(r for r in results if r.name == "database access")
    assert rule.status == "skipped"
    assert "DB_SG_ID is not set" in rule.detail and "export DB_SG_ID" in (rule.hint or "")
    assert not any(r.status == "failed" for r in results)


def test_dry_run_changes_nothing(ec2: Any, tmp_path: Path) -> None:
    group = make_group(ec2)
    boto3.client("ssm", region_name="us-east-1").put_parameter(Name="/t/ORIGIN_URL_PROD", Value="https://x.example",
                                                               Type="String")
    cfg = InitConfig(**{**with_cors(config(tmp_path, group=group, dry_run=True), "avatars").__dict__,
                        "cors_parameters": "/t/ORIGIN_URL_PROD"})
    results = run_init(cfg, AwsAccess(AwsTarget()))
    assert set(statuses(results).values()) == {"ok"}
    assert next(r.detail for r in results if r.name == "CORS") == "s3://avatars would allow exactly https://x.example"
    with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
        boto3.client("s3", region_name="us-east-1").get_bucket_cors(Bucket="avatars")
    assert not (tmp_path / "out" / "frontend.env").exists()
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    assert all(r["IsEgress"] for r in rules["SecurityGroupRules"])
    ssm = boto3.client("ssm", region_name="us-east-1")
    assert [p["Name"] for p in ssm.describe_parameters()["Parameters"]] == ["/t/ORIGIN_URL_PROD"]
    assert "dry run" in step_lines(results, dry_run=True)[-1].plain


def test_without_credentials_aws_steps_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    cfg = config(tmp_path, group="sg-0123456789abcdef0")
    cfg = InitConfig(**{**cfg.__dict__, "explicit_ip": False})
    results = run_init(cfg, AwsAccess(AwsTarget()))
    assert statuses(results) == {
        "workspace IP": "skipped",
        "database access": "skipped",
        "env files": "ok",
        "origin parameter": "skipped",
        "CORS": "skipped",
    }
    origin = next(r for r in results if r.name == "origin parameter")
    assert ORIGIN in origin.detail

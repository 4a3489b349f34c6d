"""`inv workspace.init` and `inv workspace.origin` end to end against the emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

GITPOD = {
    "GITPOD_WORKSPACE_ID": "crud-abc123",
    "GITPOD_WORKSPACE_CLUSTER_HOST": "ws-eu110.gitpod.io",
    "CODESPACE_NAME": "",
}
ORIGIN = "https://3000-crud-abc123.ws-eu110.gitpod.io"
CLEAN = {
    "DB_SG_ID": "",
    "DB_SG_RULE_ID": "",
    "GITPOD_IP": "",
    "WORKSPACE_IP": "",
    "DB_STACK_NAME": "",
    "DB_PORT": "",
    "DB_SG_RULE_DESCRIPTION": "",
    "WORKSPACE_IP_LOOKUP_URLS": "",
    "ORIGIN_PARAMETER": "",
    "CRUDDUR_ENV": "",
    "FRONTEND_PORT": "",
    "TEMPLATE_DIR": "",
    "OUT_DIR": "",
    "CORS_BUCKET": "",
    "CORS_FUNCTION": "",
    "CORS_ORIGIN_PARAMETERS": "",
}


@pytest.fixture
def parameter(boto_client: Callable[[str], Any], unique: str) -> Iterator[str]:
    name = f"/cruddur/test-{unique}/ORIGIN_URL_DEV"
    yield name
    try:
        boto_client("ssm").delete_parameter(Name=name)
    except Exception:  # the test may not have created it
        pass


@pytest.fixture
def workdirs(tmp_path: Path) -> tuple[Path, Path]:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "frontend.env.erb").write_text(
        "REACT_APP_FRONTEND_URL=<%= workspace_url(3000) %>\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    return templates, out


def init_args(parameter: str, workdirs: tuple[Path, Path], *extra: str) -> list[str]:
    templates, out = workdirs
    return [
        "workspace.init",
        "--origin-parameter",
        parameter,
        "--template-dir",
        str(templates),
        "--out-dir",
        str(out),
        "--stack",
        "NoSuchCrdDbStack",
        *extra,
    ]


def ingress(boto_client: Callable[[str], Any], group: str) -> list[dict[str, Any]]:
    rules = boto_client("ec2").describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}]
    )
    return [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]


def test_init_runs_every_step_and_a_second_run_changes_nothing(
    run_task: Callable[..., Any],
    boto_client: Callable[[str], Any],
    bare_group: str,
    parameter: str,
    workdirs: tuple[Path, Path],
) -> None:
    env = {**CLEAN, **GITPOD, "DB_SG_ID": bare_group, "GITPOD_IP": "8.8.4.4"}
    first = run_task(*init_args(parameter, workdirs), env=env, check=True)
    assert "ok       workspace IP: 8.8.4.4 (from GITPOD_IP)" in first.stdout
    assert "ok       database access: rule sgr-" in first.stdout and "(created)" in first.stdout
    assert "ok       env files: wrote frontend.env" in first.stdout
    assert f"ok       origin parameter: {parameter} = {ORIGIN} (created, version 1)" in first.stdout
    assert "4 ok, 1 skipped, 0 failed" in first.stdout
    assert (workdirs[1] / "frontend.env").read_text() == f"REACT_APP_FRONTEND_URL={ORIGIN}\n"
    [rule] = ingress(boto_client, bare_group)
    assert rule["CidrIpv4"] == "8.8.4.4/32"
    assert f"export DB_SG_RULE_ID={rule['SecurityGroupRuleId']}" in first.stdout

    ssm = boto_client("ssm")
    assert ssm.get_parameter(Name=parameter)["Parameter"]["Version"] == 1
    second = run_task(
        *init_args(parameter, workdirs),
        env={**env, "DB_SG_RULE_ID": rule["SecurityGroupRuleId"]},
        check=True,
    )
    assert "no change" in second.stdout
    assert f"{parameter} = {ORIGIN} unchanged (version 1)" in second.stdout
    assert "export" not in second.stdout
    assert ssm.get_parameter(Name=parameter)["Parameter"]["Version"] == 1  # not rewritten

    moved = {**env, "GITPOD_WORKSPACE_ID": "crud-def456"}
    third = run_task(*init_args(parameter, workdirs), env=moved, check=True)
    assert "(updated, version 2)" in third.stdout
    new_origin = "https://3000-crud-def456.ws-eu110.gitpod.io"
    parameter_now = ssm.get_parameter(Name=parameter)["Parameter"]
    assert (parameter_now["Value"], parameter_now["Version"]) == (new_origin, 2)


def test_a_failing_step_is_reported_and_the_others_still_run(
    run_task: Callable[..., Any],
    boto_client: Callable[[str], Any],
    bare_group: str,
    parameter: str,
    workdirs: tuple[Path, Path],
) -> None:
    (workdirs[0] / "backend.env.erb").write_text(
        "SECRET_THING=<%= ENV['CRUDDUR_TEST_UNSET_VARIABLE'] %>\n"
    )
    env = {**CLEAN, **GITPOD, "DB_SG_ID": bare_group, "GITPOD_IP": "8.8.4.4"}
    result = run_task(*init_args(parameter, workdirs), env=env)
    assert result.returncode == 1
    assert "failed   env files:" in result.stdout
    assert "CRUDDUR_TEST_UNSET_VARIABLE is not set" in result.stdout
    assert "hint: export CRUDDUR_TEST_UNSET_VARIABLE=" in result.stdout
    assert "3 ok, 1 skipped, 1 failed" in result.stdout
    assert "Traceback" not in result.output
    # The steps after and before the failure did their work.
    assert [r["CidrIpv4"] for r in ingress(boto_client, bare_group)] == ["8.8.4.4/32"]
    assert boto_client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"] == ORIGIN
    assert not (workdirs[1] / "frontend.env").exists()  # all-or-nothing rendering


def test_failed_ip_lookup_skips_the_rule_and_runs_the_rest(
    run_task: Callable[..., Any],
    parameter: str,
    workdirs: tuple[Path, Path],
    bare_group: str,
    aws_env: Any,
) -> None:
    env = {
        **CLEAN,
        **GITPOD,
        "DB_SG_ID": bare_group,
        "WORKSPACE_IP_LOOKUP_URLS": "http://127.0.0.1:9/",
        "WORKSPACE_IP_LOOKUP_TIMEOUT": "2",
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
    }
    result = run_task(*init_args(parameter, workdirs), env=env)
    assert result.returncode == 1
    assert "failed   workspace IP: could not find this workspace's public IP" in result.stdout
    assert "skipped  database access: no workspace IP" in result.stdout
    assert "ok       env files" in result.stdout and "ok       origin parameter" in result.stdout


def test_without_a_database_group_the_rule_step_is_skipped(
    run_task: Callable[..., Any], parameter: str, workdirs: tuple[Path, Path], aws_env: Any
) -> None:
    env = {
        **CLEAN,
        "GITPOD_WORKSPACE_ID": "",
        "CODESPACE_NAME": "fluffy-space",
        "WORKSPACE_IP": "8.8.4.4",
    }
    result = run_task(*init_args(parameter, workdirs), env=env, check=True)
    assert (
        "skipped  database access: DB_SG_ID is not set and there is no stack NoSuchCrdDbStack"
        in result.stdout
    )
    assert "hint: export DB_SG_ID=sg-" in result.stdout
    assert f"{parameter} = https://fluffy-space-3000.app.github.dev (created" in result.stdout
    assert "3 ok, 2 skipped, 0 failed" in result.stdout


def test_dry_run_changes_nothing(
    run_task: Callable[..., Any],
    boto_client: Callable[[str], Any],
    bare_group: str,
    parameter: str,
    workdirs: tuple[Path, Path],
) -> None:
    env = {**CLEAN, **GITPOD, "DB_SG_ID": bare_group, "GITPOD_IP": "8.8.4.4"}
    result = run_task(*init_args(parameter, workdirs, "--dry-run"), env=env, check=True)
    assert "would create a rule" in result.stdout
    assert "would write frontend.env" in result.stdout
    assert f"would create {parameter} = {ORIGIN}" in result.stdout
    assert "(dry run: nothing changed)" in result.stdout
    assert ingress(boto_client, bare_group) == []
    assert not (workdirs[1] / "frontend.env").exists()
    assert boto_client("ssm").get_parameters(Names=[parameter])["InvalidParameters"] == [parameter]


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        (GITPOD, [], ORIGIN),
        (
            {"GITPOD_WORKSPACE_ID": "", "CODESPACE_NAME": "fluffy-space"},
            ["--port", "4567"],
            "https://fluffy-space-4567.app.github.dev",
        ),
        ({"GITPOD_WORKSPACE_ID": "", "CODESPACE_NAME": ""}, [], "http://localhost:3000"),
    ],
)
def test_origin_prints_the_exact_origin(
    run_task: Callable[..., Any], env: dict[str, str], args: list[str], expected: str
) -> None:
    result = run_task("workspace.origin", *args, env={**CLEAN, **env}, check=True)
    assert result.stdout == f"{expected}\n"
    assert "*" not in result.stdout


def test_origin_rejects_a_bad_port(run_task: Callable[..., Any]) -> None:
    result = run_task("workspace.origin", "--port", "70000", env=CLEAN)
    assert result.returncode == 1
    assert "error: frontend port 70000 is not a TCP port" in result.stderr


def test_cors_step_sets_the_bucket_origins_from_parameter_store(
    run_task: Callable[..., Any],
    boto_client: Callable[[str], Any],
    parameter: str,
    workdirs: tuple[Path, Path],
    unique: str,
) -> None:
    s3 = boto_client("s3")
    bucket = f"cruddur-avatars-init-{unique}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*.gitpod.io"], "AllowedHeaders": ["*"]}]})
    env = {**CLEAN, **GITPOD, "GITPOD_IP": "8.8.4.4", "CORS_BUCKET": bucket, "CORS_ORIGIN_PARAMETERS": parameter}
    try:
        result = run_task(*init_args(parameter, workdirs), env=env, check=True)
        assert f"ok       CORS: s3://{bucket} now allows exactly {ORIGIN}" in result.stdout
        [rule] = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
        assert rule["AllowedOrigins"] == [ORIGIN] and rule["AllowedMethods"] == ["PUT"]
        broken = run_task(*init_args(parameter, workdirs), env={**env, "CORS_ORIGIN_PARAMETERS": "not-a-path"})
        assert broken.returncode == 1
        assert "failed   CORS: CORS_ORIGIN_PARAMETERS names 'not-a-path'" in broken.stdout
        assert "ok       origin parameter" in broken.stdout  # the other steps still ran
    finally:
        s3.delete_bucket_cors(Bucket=bucket)
        s3.delete_bucket(Bucket=bucket)

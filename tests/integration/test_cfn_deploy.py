"""`inv cfn.plan / cfn.deploy / cfn.outputs` end to end on the emulator (real subprocesses).

Each test deploys a copy of aws/cfn/* (or a small purpose-made stack) from a temporary
CFN_STACKS_DIR with unique stack and bucket names, and deletes its stacks afterwards.

What the emulators can show (see reference/emulators.md):
- moto creates only the IAM role of the sync stack (no AWS::IAM::OIDCProvider) and only the
  bucket of the frontend stack (no CloudFront / bucket policy / Route 53); change-set stacks have
  no Outputs, so `cfn.outputs` resolves what it can from the template and says so;
- moto applies UPDATE change sets to the stack's parameters but not to already-created
  resources, so updates are checked on the stack's parameters;
- moto raises a failing resource's own error from ExecuteChangeSet (no events, no rollback); the
  event path that names the logical id is covered by tests/unit/test_cfn_apply.py.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import REPO_ROOT

OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


@pytest.fixture
def stacks(tmp_path: Path, unique: str, boto_client: Callable[..., Any]) -> Iterator[dict[str, Any]]:
    """A copy of aws/cfn with unique stack names; every stack is deleted afterwards."""
    root = tmp_path / "cfn"
    shutil.copytree(REPO_ROOT / "aws" / "cfn", root)
    names: dict[str, str] = {}
    for config in root.glob("*/config.toml"):
        text = config.read_text()
        match = re.search(r'stack_name = "([^"]+)"', text)
        assert match, config
        names[config.parent.name] = f"{match.group(1)}-{unique}"
        config.write_text(text.replace(match.group(0), f'stack_name = "{names[config.parent.name]}"'))
    state: dict[str, Any] = {"root": root, "names": names, "env": {"CFN_STACKS_DIR": str(root)}, "extra": []}
    yield state
    cf = boto_client("cloudformation")
    for name in list(names.values()) + state.get("extra", []):
        try:
            cf.delete_stack(StackName=name)
        except ClientError:
            pass


def add_stack(stacks: dict[str, Any], folder: str, template: str, config: str) -> str:
    directory = stacks["root"] / folder
    directory.mkdir()
    (directory / "template.yaml").write_text(template)
    (directory / "config.toml").write_text(config)
    match = re.search(r'stack_name = "([^"]+)"', config)
    assert match
    stacks.setdefault("extra", []).append(match.group(1))
    return match.group(1)


def stack_parameters(cf: Any, name: str) -> dict[str, str]:
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}


def stack_role(cf: Any, iam: Any, stack_name: str, logical_id: str = "CrdSyncRole") -> dict[str, Any]:
    """The role the stack itself reports for ``logical_id`` (physical names differ per emulator)."""
    # list_stack_resources, not describe_stack_resource: moto answers the latter with a 500 when
    # the stack holds a resource type it skipped (the OIDC provider).
    rows = cf.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    physical = next(r["PhysicalResourceId"] for r in rows if r.get("LogicalResourceId") == logical_id)
    role: dict[str, Any] = iam.get_role(RoleName=physical)["Role"]
    document = role["AssumeRolePolicyDocument"]
    role["AssumeRolePolicyDocument"] = json.loads(document) if isinstance(document, str) else document
    return role


def policy_document(document: Any) -> dict[str, Any]:
    """An inline role policy as a dict. botocore decodes IAM's URL-encoded JSON; moto keeps the
    inline policies of a CloudFormation-made role as Python's repr of the dict (single quotes),
    which botocore then hands back as a string that is not JSON."""
    if isinstance(document, dict):
        return document
    try:
        parsed: dict[str, Any] = json.loads(document)
    except json.JSONDecodeError:
        parsed = ast.literal_eval(document)
    return parsed


def sync_params(unique: str, *extra: str) -> list[str]:
    args = ["--param", "GitHubOrg=acme", "--param", "RepositoryName=site",
            "--param", f"BucketName=site-{unique}", "--param", "DistributionId=E1TEST"]
    for item in extra:
        args += ["--param", item]
    return args


def test_sync_stack_deploys_updates_reports_no_changes_and_outputs(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    """Works on moto and LocalStack: an existing provider ARN is given, so no OIDC resource."""
    name = stacks["names"]["sync"]
    env = stacks["env"]
    params = sync_params(unique, f"ExistingOIDCProviderArn={OIDC_ARN}")

    first = run_task("cfn.deploy", "sync", "--yes", *params, env=env)
    assert first.returncode == 0, first.output
    assert "CrdSyncRole" in first.stdout and "AWS::IAM::Role" in first.stdout  # the change table
    assert "CREATE_COMPLETE" in first.stderr

    cf = boto_client("cloudformation")
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {"Key": "group", "Value": "cruddur-sync"} in stack.get("Tags", [])
    iam = boto_client("iam")
    role = stack_role(cf, iam, name)
    trust = role["AssumeRolePolicyDocument"]
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:sub"] == "repo:acme/site:ref:refs/heads/prod"
    assert trust["Statement"][0]["Principal"]["Federated"] == OIDC_ARN

    again = run_task("cfn.deploy", "sync", "--yes", *params, env=env)
    assert again.returncode == 0, again.output
    assert "no changes" in again.stderr
    # The empty change set is deleted, not left behind.
    summaries = cf.list_change_sets(StackName=name).get("Summaries", [])
    assert [s for s in summaries if s.get("Status") == "FAILED"] == []

    update = run_task("cfn.deploy", "sync", "--yes", *params, "--param", "Branch=release", env=env)
    assert update.returncode == 0, update.output
    assert "UPDATE_COMPLETE" in update.stderr
    assert stack_parameters(cf, name)["Branch"] == "release"

    shown = run_task("cfn.outputs", "sync", "--json", env=env)
    assert shown.returncode == 0, shown.output
    outputs = json.loads(shown.stdout)
    assert outputs["RoleArn"] == stack_role(cf, iam, name)["Arn"]  # after the update (may be replaced)
    assert outputs["OIDCProviderArn"] == OIDC_ARN
    assert outputs["PlanRoleArn"] == stack_role(cf, iam, name, "CrdSyncPlanRole")["Arn"]
    assert outputs["PlanRoleArn"] != outputs["RoleArn"]


def test_sync_stack_creates_a_read_only_plan_role_for_pull_requests(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    """The deploy-preview role as the emulator's IAM holds it: trusted for this repository's
    pull requests only, allowed to list and read the bucket and nothing else."""
    name = stacks["names"]["sync"]
    result = run_task("cfn.deploy", "sync", "--yes",
                      *sync_params(unique, f"ExistingOIDCProviderArn={OIDC_ARN}"), env=stacks["env"])
    assert result.returncode == 0, result.output
    assert "CrdSyncPlanRole" in result.stdout
    iam = boto_client("iam")
    role = stack_role(boto_client("cloudformation"), iam, name, "CrdSyncPlanRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"]["Federated"] == OIDC_ARN
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"] == {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/site:pull_request",
    }}
    assert iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"] == []
    (policy_name,) = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    document = policy_document(
        iam.get_role_policy(RoleName=role["RoleName"], PolicyName=policy_name)["PolicyDocument"])
    grants = {(s["Action"], s["Resource"]) for s in document["Statement"] if s["Effect"] == "Allow"}
    bucket = f"arn:aws:s3:::site-{unique}"
    assert grants == {("s3:ListBucket", bucket), ("s3:GetObject", f"{bucket}/*")}


@pytest.mark.needs_oidc_provider
def test_sync_stack_with_its_own_oidc_provider(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    """The default path (the stack creates the provider). On moto the provider resource is
    skipped; the role's principal is built from the account id, so it is still exact."""
    name = stacks["names"]["sync"]
    result = run_task("cfn.deploy", "sync", "--yes", *sync_params(unique), env=stacks["env"])
    assert result.returncode == 0, result.output
    assert "GitHubOIDCProvider" in result.stdout
    role = stack_role(boto_client("cloudformation"), boto_client("iam"), name)
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Federated"]
    account = boto_client("sts").get_caller_identity()["Account"]
    assert principal == f"arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"
    outputs = json.loads(run_task("cfn.outputs", "sync", "--json", env=stacks["env"]).stdout)
    assert outputs["RoleArn"] == role["Arn"]


@pytest.mark.needs_cloudfront
def test_frontend_stack_deploys_and_exposes_its_bucket(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    """moto deploys only the bucket of this stack; outputs it cannot know are named as such."""
    bucket = f"cruddur-front-{unique}"
    env = stacks["env"]
    result = run_task("cfn.deploy", "frontend", "--yes", "--param", f"RootBucketName={bucket}", env=env)
    assert result.returncode == 0, result.output
    for logical in ("RootBucket", "OriginAccessControl", "Distribution", "RootBucketPolicy"):
        assert logical in result.stdout
    boto_client("s3").head_bucket(Bucket=bucket)

    again = run_task("cfn.deploy", "frontend", "--yes", "--param", f"RootBucketName={bucket}", env=env)
    assert again.returncode == 0 and "no changes" in again.stderr, again.output

    update = run_task("cfn.deploy", "frontend", "--yes", "--param", f"RootBucketName={bucket}",
                      "--param", "PriceClass=PriceClass_All", env=env)
    assert update.returncode == 0, update.output
    assert stack_parameters(boto_client("cloudformation"), stacks["names"]["frontend"])["PriceClass"] == "PriceClass_All"

    shown = run_task("cfn.outputs", "frontend", "--json", env=env)
    assert shown.returncode == 0, shown.output
    outputs = json.loads(shown.stdout)
    assert outputs["BucketName"] == bucket
    # moto creates only the bucket of this stack (the test runs on moto only), so the distribution
    # output cannot resolve: the task must say so on stderr rather than print a wrong id.
    assert "DistributionId" not in outputs
    assert "DistributionId" in shown.stderr and "not resolvable" in shown.stderr


def test_no_execute_keeps_the_change_set_and_a_later_deploy_creates_the_stack(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    name = stacks["names"]["sync"]
    params = sync_params(unique, f"ExistingOIDCProviderArn={OIDC_ARN}")
    kept = run_task("cfn.deploy", "sync", "--no-execute", *params, env=stacks["env"])
    assert kept.returncode == 0, kept.output
    arn = kept.stdout.strip().splitlines()[-1]
    assert arn.startswith("arn:aws:cloudformation:") and ":changeSet/cruddur-ops-" in arn
    assert f"describe-change-set --change-set-name {arn}" in kept.stderr
    cf = boto_client("cloudformation")
    change_set = cf.describe_change_set(ChangeSetName=arn)
    assert change_set["ExecutionStatus"] == "AVAILABLE"
    assert cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"

    # REVIEW_IN_PROGRESS counts as absent: the next deploy makes a CREATE change set.
    deployed = run_task("cfn.deploy", "sync", "--yes", *params, env=stacks["env"])
    assert deployed.returncode == 0, deployed.output
    assert "CREATE change set" in deployed.stderr
    statuses = {s["StackStatus"] for s in cf.describe_stacks(StackName=name)["Stacks"]}
    assert "CREATE_COMPLETE" in statuses


def test_plan_shows_changes_and_leaves_nothing_behind(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    name = stacks["names"]["sync"]
    params = sync_params(unique, f"ExistingOIDCProviderArn={OIDC_ARN}")
    planned = run_task("cfn.plan", "sync", "--detailed-exitcode", *params, env=stacks["env"])
    assert planned.returncode == 2, planned.output
    assert "Add" in planned.stdout and "CrdSyncRole" in planned.stdout
    cf = boto_client("cloudformation")
    try:
        remaining = cf.describe_stacks(StackName=name)["Stacks"]
    except ClientError:
        remaining = []
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in remaining)
    assert run_task("cfn.plan", "sync", *params, env=stacks["env"]).returncode == 0


def test_a_lint_error_stops_before_any_aws_call(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
) -> None:
    add_stack(stacks, "broken", """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketNme: typo
""", '[deploy]\nstack_name = "Broken"\n')
    # Nothing listens on port 9: any AWS call would fail with "cannot reach".
    env = {**stacks["env"], "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    result = run_task("cfn.deploy", "broken", "--yes", env=env)
    assert result.returncode == 1
    assert "error: cfn-lint: 1 error(s)" in result.stderr
    assert "broken/template.yaml:6:7" in result.stderr and "E3002" in result.stderr
    assert "cannot reach" not in result.output and "Traceback" not in result.output


# A template cfn-lint warns about (W2001, the unused parameter on line 3) but accepts.
WARNED_TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Unused:
    Type: String
    Default: x
Resources:
  Flag:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub "/cruddur-tests/${AWS::StackName}"
      Type: String
      Value: "on"
"""


def test_warnings_are_shown_but_do_not_stop_a_deploy(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any], unique: str,
) -> None:
    add_stack(stacks, "warned", WARNED_TEMPLATE, f'[deploy]\nstack_name = "Warned-{unique}"\n')
    result = run_task("cfn.deploy", "warned", "--yes", env=stacks["env"])
    assert result.returncode == 0, result.output
    assert "warning W2001" in result.stderr
    assert "CREATE_COMPLETE" in result.stderr


def test_a_failing_deploy_is_one_error_with_the_reason(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    role_name = f"taken-{unique}"
    boto_client("iam").create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))
    add_stack(stacks, "clash", f"""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ClashingRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {role_name}
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
""", f'[deploy]\nstack_name = "Clash-{unique}"\n')
    result = run_task("cfn.deploy", "clash", "--yes", env=stacks["env"])
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    assert re.search(r"already exists", result.stderr, re.IGNORECASE), result.stderr
    assert role_name in result.stderr
    # moto reports no events: the hint lists the change set's resources (here exactly one).
    assert "ClashingRole (AWS::IAM::Role)" in result.stderr


def test_no_echo_parameters_come_from_the_environment_and_are_never_printed(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    name = add_stack(stacks, "secretive", """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
  Label:
    Type: String
Resources:
  Secret:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub "/cruddur-tests/${AWS::StackName}"
      Type: String
      Value: !Ref DbPassword
      Description: !Ref Label
""", f'[deploy]\nstack_name = "Secretive-{unique}"\n[parameters]\nLabel = "one"\n')
    password = f"pw-{unique}-do-not-print"
    missing = run_task("cfn.deploy", "secretive", "--yes", env=stacks["env"])
    assert missing.returncode == 1 and "DbPassword has no value" in missing.stderr
    assert "export DB_PASSWORD" in missing.stderr

    created = run_task("cfn.deploy", "secretive", "--yes", env={**stacks["env"], "DB_PASSWORD": password})
    assert created.returncode == 0, created.output
    assert password not in created.output
    assert re.search(r"DbPassword\s*│\s*\*\*\*\*\s*│\s*environment", created.stderr), created.stderr

    # Later deploys without the variable keep the stack's previous value.
    updated = run_task("cfn.deploy", "secretive", "--yes", "--param", "Label=two", env=stacks["env"])
    assert updated.returncode == 0, updated.output
    assert "(previous value)" in updated.stderr
    assert stack_parameters(boto_client("cloudformation"), name)["Label"] == "two"


def test_a_large_template_is_uploaded_and_passed_by_url(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
    boto_client: Callable[..., Any], unique: str,
) -> None:
    bucket = f"cfn-artifacts-{unique}"
    s3 = boto_client("s3")
    s3.create_bucket(Bucket=bucket)
    padding = "".join(f"# padding line {i:05d} " + "x" * 60 + "\n" for i in range(800))
    name = add_stack(stacks, "large", f"""AWSTemplateFormatVersion: "2010-09-09"
{padding}Resources:
  Flag:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub "/cruddur-tests/${{AWS::StackName}}"
      Type: String
      Value: "large"
""", f'[deploy]\nstack_name = "Large-{unique}"\nbucket = "{bucket}"\nprefix = "templates/large"\n')
    assert (stacks["root"] / "large" / "template.yaml").stat().st_size > 51_200
    result = run_task("cfn.deploy", "large", "--yes", env=stacks["env"])
    assert result.returncode == 0, result.output
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith(f"templates/large/{name}-")
    try:
        for key in keys:
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)
    except ClientError:
        pass


def test_without_a_terminal_deploy_needs_yes_or_no_execute(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
) -> None:
    result = run_task("cfn.deploy", "sync", env={**stacks["env"], "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.returncode == 1
    assert "--yes" in result.stderr and "--no-execute" in result.stderr


def test_unknown_stack_and_bad_param_are_one_line_errors(
    aws_env: dict[str, str], stacks: dict[str, Any], run_task: Callable[..., Any],
) -> None:
    unknown = run_task("cfn.plan", "nope", env=stacks["env"])
    assert unknown.returncode == 1 and "no stack folder" in unknown.stderr
    assert "frontend, sync" in unknown.stderr
    # Rejected before any AWS call (nothing listens on port 9).
    bad = run_task("cfn.plan", "sync", "--param", "NotAParam=1",
                   env={**stacks["env"], "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert bad.returncode == 1 and "not in the template: NotAParam" in bad.stderr
    assert "cannot reach" not in bad.stderr

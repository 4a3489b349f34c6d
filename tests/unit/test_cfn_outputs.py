"""Stack outputs: straight from describe_stacks when present; resolved from the template when a
change-set-created stack has none (moto), with unresolvable outputs listed, never guessed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cruddur_ops.aws import AwsTarget
from cruddur_ops.cfn.lint import errors_of, lint_template
from cruddur_ops.cfn.outputs import outputs_report, stack_outputs
from cruddur_ops.cfn.resolve import Resolver, Unresolvable, pseudo_parameters, resolve_outputs
from cruddur_ops.cfn.template import parse_template_text
from cruddur_ops.errors import AwsError

CFN = Path(__file__).resolve().parents[2] / "aws" / "cfn"
STACK_ID = "arn:aws:cloudformation:eu-west-1:111122223333:stack/Demo/uuid"


def via_change_set(cf: Any, name: str, body: str, params: dict[str, str]) -> None:
    created = cf.create_change_set(
        StackName=name, ChangeSetName="cs1", ChangeSetType="CREATE", TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"])
    cf.execute_change_set(ChangeSetName=created["Id"])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_sync_outputs_are_resolved_when_the_stack_reports_none() -> None:
    with mock_aws():
        cf = boto3.client("cloudformation", region_name="us-east-1")
        iam = boto3.client("iam", region_name="us-east-1")
        via_change_set(cf, "CrdSync", (CFN / "sync" / "template.yaml").read_text(), {
            "GitHubOrg": "acme", "RepositoryName": "site", "BucketName": "acme-site", "DistributionId": "E1"})
        assert not cf.describe_stacks(StackName="CrdSync")["Stacks"][0].get("Outputs")
        report = outputs_report(cf, iam, "CrdSync")
        rows = cf.list_stack_resources(StackName="CrdSync")["StackResourceSummaries"]
        physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in rows}
        arns = {r["RoleName"]: r["Arn"] for r in iam.list_roles()["Roles"]}
        assert report.source == "template"
        assert report.outputs["RoleArn"] == arns[physical["CrdSyncRole"]]
        assert report.outputs["PlanRoleArn"] == arns[physical["CrdSyncPlanRole"]]
        assert report.outputs["OIDCProviderArn"] == (
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")
        assert report.unresolved == ()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_frontend_bucket_resolves_but_cloudfront_outputs_are_listed_as_unresolved() -> None:
    with mock_aws():
        cf = boto3.client("cloudformation", region_name="us-east-1")
        via_change_set(cf, "CrdFrontend", (CFN / "frontend" / "template.yaml").read_text(),
                       {"RootBucketName": "front-bucket"})
        assert stack_outputs("CrdFrontend", AwsTarget(region="us-east-1")) == {"BucketName": "front-bucket"}
        report = outputs_report(cf, None, "CrdFrontend")
        assert set(report.unresolved) == {"DistributionId", "DistributionDomainName", "OriginAccessControlId"}


def test_outputs_reported_by_the_stack_are_used_as_they_are() -> None:
    body = "Resources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  TopicArn:\n    Value: !Ref T\n"
    with mock_aws():
        cf = boto3.client("cloudformation", region_name="us-east-1")
        cf.create_stack(StackName="Direct", TemplateBody=body)
        report = outputs_report(cf, None, "Direct")
        assert report.source == "stack"
        assert report.outputs["TopicArn"].startswith("arn:aws:sns:us-east-1:")


def test_missing_stack_is_a_clear_error() -> None:
    with mock_aws(), pytest.raises(AwsError, match="stack Nope does not exist"):
        stack_outputs("Nope", AwsTarget(region="us-east-1"))


def test_resolver_handles_intrinsics_and_refuses_to_guess() -> None:
    template = parse_template_text("""
Parameters:
  Env: {Type: String, Default: dev}
  Names: {Type: CommaDelimitedList, Default: "a,b"}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Gone: {Type: AWS::CloudFront::Distribution}
Outputs:
  Sub: {Value: !Sub "${AWS::Region}-${AWS::AccountId}-${Bucket}-${Env}"}
  SubList: {Value: !Sub ["${X}/${!Literal}", {X: !Ref Env}]}
  Arn: {Value: !GetAtt Bucket.Arn}
  If: {Value: !If [IsProd, p, !Join ["-", [n, !Select [1, !Ref Names]]]]}
  Split: {Value: !Select [0, !Split [".", !GetAtt Bucket.RegionalDomainName]]}
  OnlyProd: {Condition: IsProd, Value: x}
  Missing: {Value: !GetAtt Gone.DomainName}
  Alt: {Value: !If [NotProd, "on", "off"]}
""")
    from cruddur_ops.cfn.outputs import attribute_lookup

    resolver = Resolver(template=template, parameters={}, pseudo=pseudo_parameters(STACK_ID, "Demo"),
                        resources={"Bucket": ("AWS::S3::Bucket", "demo-bucket")},
                        attribute=attribute_lookup(None, "eu-west-1"))
    outputs, missing = resolve_outputs(resolver)
    assert outputs == {
        "Sub": "eu-west-1-111122223333-demo-bucket-dev",
        "SubList": "dev/${Literal}",
        "Arn": "arn:aws:s3:::demo-bucket",
        "If": "n-b",
        "Split": "demo-bucket",
        "Alt": "on",
    }
    assert missing == ["Missing"]
    with pytest.raises(Unresolvable):
        resolver.evaluate({"Fn::ImportValue": "x"})


def test_lint_reports_errors_with_line_and_warnings_separately(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("""AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Unused:
    Type: String
Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketNme: x
""")
    findings = lint_template(path, region="us-east-1", shown_path="t.yaml")
    errors = errors_of(findings)
    assert [(e.rule_id, e.line) for e in errors] == [("E3002", 9)]
    assert errors[0].location() == "t.yaml:9:7"
    assert any(f.level == "warning" and f.rule_id == "W2001" for f in findings)
    assert errors_of(lint_template(CFN / "sync" / "template.yaml", region="us-east-1")) == []


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_outputs_by_stack_folder_use_its_config(tmp_path: Path) -> None:
    from cruddur_ops.cfn.outputs import stack_folder_outputs

    folder = tmp_path / "frontend"
    folder.mkdir()
    (folder / "template.yaml").write_text((CFN / "frontend" / "template.yaml").read_text())
    (folder / "config.toml").write_text('[deploy]\nstack_name = "MyFront"\nregion = "eu-west-1"\n')
    with mock_aws():
        cf = boto3.client("cloudformation", region_name="eu-west-1")
        via_change_set(cf, "MyFront", (CFN / "frontend" / "template.yaml").read_text(), {"RootBucketName": "my-front"})
        # The region comes from config.toml, not from the caller's default region.
        assert stack_folder_outputs(tmp_path, "frontend", AwsTarget(region="us-east-1")) == {"BucketName": "my-front"}

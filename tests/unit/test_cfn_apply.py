"""The change-set executor against a scripted CloudFormation client shaped like real AWS:
events stream in while the stack rolls back, and the failure names the resource."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cruddur_ops.cfn.apply import ChangeSetRunner, template_key, template_url
from cruddur_ops.cfn.observe import ChangeSetSnapshot
from cruddur_ops.cfn.plan import ChangeSetRequest, failure_message

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/CrdFrontend/abc"


def raw_event(n: int, logical: str, status: str, reason: str = "", rtype: str = "AWS::S3::Bucket") -> dict[str, Any]:
    return {"EventId": f"e{n}", "LogicalResourceId": logical, "ResourceType": rtype,
            "ResourceStatus": status, "ResourceStatusReason": reason,
            "Timestamp": datetime(2026, 1, 1, 0, 0, n, tzinfo=UTC)}


class RollingBackCloudFormation:
    """describe_stack_events returns newest first; each poll reveals more of the story."""

    def __init__(self) -> None:
        self.polls = 0
        self.executed: list[str] = []
        self.timeline = [
            [raw_event(1, "CrdFrontend", "REVIEW_IN_PROGRESS", rtype="AWS::CloudFormation::Stack")],
            [raw_event(2, "CrdFrontend", "CREATE_IN_PROGRESS", rtype="AWS::CloudFormation::Stack"),
             raw_event(3, "RootBucket", "CREATE_IN_PROGRESS")],
            [raw_event(4, "RootBucket", "CREATE_FAILED", "cruddur.example.com already exists"),
             raw_event(5, "Distribution", "CREATE_FAILED", "Resource creation cancelled",
                       rtype="AWS::CloudFront::Distribution"),
             raw_event(6, "CrdFrontend", "ROLLBACK_IN_PROGRESS", rtype="AWS::CloudFormation::Stack")],
            [raw_event(7, "CrdFrontend", "ROLLBACK_COMPLETE", rtype="AWS::CloudFormation::Stack")],
        ]
        self.statuses = ["CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]

    def _visible(self) -> list[dict[str, Any]]:
        upto = min(self.polls + 1, len(self.timeline)) if self.executed else 1
        events = [e for batch in self.timeline[:upto] for e in batch]
        return list(reversed(events))

    def describe_stack_events(self, StackName: str, NextToken: str | None = None) -> dict[str, Any]:
        return {"StackEvents": self._visible()}

    def execute_change_set(self, ChangeSetName: str) -> dict[str, Any]:
        self.executed.append(ChangeSetName)
        return {}

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        status = self.statuses[min(self.polls, len(self.statuses) - 1)]
        self.polls += 1
        return {"Stacks": [{"StackName": "CrdFrontend", "StackId": STACK_ID, "StackStatus": status}]}


def test_execute_streams_failed_events_and_names_the_failing_resource() -> None:
    cf = RollingBackCloudFormation()
    sleeps: list[float] = []
    runner = ChangeSetRunner(cf=cf, sleep=sleeps.append, poll_seconds=0.5)
    seen_ids: list[str] = []
    snapshot = ChangeSetSnapshot(arn="arn:cs", name="cs", stack_id=STACK_ID, status="CREATE_COMPLETE",
                                 status_reason="", execution_status="AVAILABLE", changes=())
    outcome = runner.execute(snapshot, "CrdFrontend",
                             on_progress=lambda status, ev: seen_ids.append(ev.event_id) if ev else None)
    assert cf.executed == ["arn:cs"]
    assert outcome.status == "ROLLBACK_COMPLETE" and not outcome.succeeded
    assert [e.logical_id for e in outcome.failed_events] == ["RootBucket", "Distribution"]
    # e1 (REVIEW_IN_PROGRESS) predates the execution: history, never reported; the rest once each.
    assert seen_ids == ["e2", "e3", "e4", "e5", "e6", "e7"]
    assert sleeps and all(s == 0.5 for s in sleeps)
    error = failure_message(outcome)
    assert "RootBucket (AWS::S3::Bucket) CREATE_FAILED: cruddur.example.com already exists" in error.message


class EmptyUpdateCloudFormation:
    def create_change_set(self, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "ValidationError", "Message": "No updates are to be performed."}},
                          "CreateChangeSet")


def test_an_empty_update_refused_up_front_counts_as_no_changes() -> None:
    runner = ChangeSetRunner(cf=EmptyUpdateCloudFormation())
    request = ChangeSetRequest("S", "cs", "UPDATE", (), {}, (), template_body="x")
    snapshot = runner.create_change_set(request)
    assert snapshot.status == "FAILED" and "No updates" in snapshot.status_reason
    runner.delete_change_set(snapshot.arn)  # nothing to delete: no call, no error


@pytest.mark.parametrize(("region", "host"), [("us-east-1", "s3.amazonaws.com"), ("eu-west-1", "s3.eu-west-1.amazonaws.com")])
def test_template_urls_are_path_style(region: str, host: str) -> None:
    key = template_key("cfn/sync", "CrdSync", "body")
    assert key.startswith("cfn/sync/CrdSync-") and key.endswith(".template")
    assert template_url("my.bucket", key, region) == f"https://{host}/my.bucket/{key}"
    assert template_key("", "S", "body") == key.split("/")[-1].replace("CrdSync", "S")


class RaisingExecuteCloudFormation(RollingBackCloudFormation):
    """moto's behaviour: ExecuteChangeSet itself fails with the resource's error, no events."""

    def execute_change_set(self, ChangeSetName: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "EntityAlreadyExists", "Message": "Role with name x already exists."}},
                          "ExecuteChangeSet")


def test_an_execute_error_is_one_line_listing_the_change_sets_resources() -> None:
    from cruddur_ops.errors import AwsError

    changes = ({"Type": "Resource", "ResourceChange": {"Action": "Add", "LogicalResourceId": "SyncRole",
                                                        "ResourceType": "AWS::IAM::Role"}},)
    snapshot = ChangeSetSnapshot(arn="arn:cs", name="cs", stack_id=STACK_ID, status="CREATE_COMPLETE",
                                 status_reason="", execution_status="AVAILABLE", changes=changes)
    with pytest.raises(AwsError) as info:
        ChangeSetRunner(cf=RaisingExecuteCloudFormation(), sleep=lambda s: None).execute(snapshot, "CrdSync")
    assert "EntityAlreadyExists: Role with name x already exists." in info.value.message
    assert "SyncRole (AWS::IAM::Role)" in (info.value.hint or "")

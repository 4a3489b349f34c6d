"""Pure deploy decisions: change-set type, change table, statuses, failure attribution."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cruddur_ops.cfn.plan import (
    ChangeSetRequest,
    DeployOutcome,
    ParameterValue,
    StackEvent,
    capabilities_for,
    change_rows,
    change_set_name,
    change_set_type,
    failure_cause,
    failure_message,
    is_empty_change_set,
    stack_phase,
)
from cruddur_ops.errors import OpsError


@pytest.mark.parametrize(
    ("status", "expected"),
    [(None, "CREATE"), ("REVIEW_IN_PROGRESS", "CREATE"), ("CREATE_COMPLETE", "UPDATE"),
     ("UPDATE_ROLLBACK_COMPLETE", "UPDATE"), ("UPDATE_COMPLETE", "UPDATE")],
)
def test_change_set_type(status: str | None, expected: str) -> None:
    assert change_set_type(status, "S") == expected


@pytest.mark.parametrize("status", ["ROLLBACK_COMPLETE", "CREATE_FAILED", "UPDATE_IN_PROGRESS",
                                    "DELETE_FAILED"])
def test_unusable_stack_states_are_errors_with_a_way_out(status: str) -> None:
    with pytest.raises(OpsError) as info:
        change_set_type(status, "CrdSync")
    assert status in info.value.message
    assert info.value.hint


def test_change_rows_keep_replacement_only_for_modify() -> None:
    changes: list[dict[str, Any]] = [
        {"Type": "Resource", "ResourceChange": {"Action": "Add", "LogicalResourceId": "Bucket",
                                                 "ResourceType": "AWS::S3::Bucket"}},
        {"Type": "Resource", "ResourceChange": {"Action": "Modify", "LogicalResourceId": "Role",
                                                 "ResourceType": "AWS::IAM::Role", "Replacement": "True",
                                                 "PhysicalResourceId": "r-1", "Scope": ["Properties"]}},
        {"Type": "Resource", "ResourceChange": {"Action": "Remove", "LogicalResourceId": "Old",
                                                 "ResourceType": "AWS::SNS::Topic"}},
        {"Type": "Other"},
    ]
    rows = change_rows(changes)
    assert [(r.action, r.logical_id, r.replacement) for r in rows] == [
        ("Add", "Bucket", ""), ("Modify", "Role", "True"), ("Remove", "Old", "")]
    assert [r.destructive for r in rows] == [False, True, True]
    assert rows[1].physical_id == "r-1" and rows[1].scope == ("Properties",)


def test_empty_change_set_detection() -> None:
    assert is_empty_change_set("FAILED", "The submitted information didn't contain changes. Submit different information")
    assert is_empty_change_set("FAILED", "No updates are to be performed.")
    assert not is_empty_change_set("FAILED", "Parameter 'X' must match pattern")
    assert not is_empty_change_set("CREATE_COMPLETE", None)


def test_capabilities_follow_the_template() -> None:
    assert capabilities_for(["AWS::IAM::Role", "AWS::S3::Bucket"], has_transform=False) == (
        "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")
    assert capabilities_for(["AWS::S3::Bucket"], has_transform=False) == ()
    assert capabilities_for(["AWS::S3::Bucket"], has_transform=True) == ("CAPABILITY_AUTO_EXPAND",)
    assert capabilities_for(["AWS::CloudFormation::Stack"], has_transform=False) == ("CAPABILITY_AUTO_EXPAND",)


def test_request_to_api_sorts_tags_and_picks_body_or_url() -> None:
    request = ChangeSetRequest(
        stack_name="S", change_set_name="cs", change_set_type="CREATE",
        parameters=(ParameterValue("A", "1"),), tags={"z": "1", "group": "cruddur-s"},
        capabilities=("CAPABILITY_IAM",), template_body="body")
    api = request.to_api()
    assert api["Tags"] == [{"Key": "group", "Value": "cruddur-s"}, {"Key": "z", "Value": "1"}]
    assert api["TemplateBody"] == "body" and "TemplateURL" not in api
    assert api["Capabilities"] == ["CAPABILITY_IAM"]
    url = ChangeSetRequest("S", "cs", "UPDATE", (), {}, (), template_url="https://s3.amazonaws.com/b/k").to_api()
    assert url["TemplateURL"].endswith("/b/k") and "TemplateBody" not in url and "Capabilities" not in url


def test_change_set_names_are_valid_and_unique_per_token() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert change_set_name(now) == "cruddur-ops-20260102-030405"
    assert change_set_name(now, "ab12cd") == "cruddur-ops-20260102-030405-ab12cd"


def test_stack_phases() -> None:
    assert stack_phase("CREATE_COMPLETE") == "success"
    assert stack_phase("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") == "in_progress"
    assert stack_phase("ROLLBACK_COMPLETE") == "failed"
    assert stack_phase("UPDATE_ROLLBACK_COMPLETE") == "failed"


def event(logical: str, status: str, reason: str = "", rtype: str = "AWS::S3::Bucket") -> StackEvent:
    return StackEvent(event_id=f"{logical}-{status}", logical_id=logical, resource_type=rtype,
                      status=status, reason=reason)


def test_failure_cause_skips_cancellations_and_the_stack_itself() -> None:
    events = [
        event("CrdFrontend", "CREATE_IN_PROGRESS", rtype="AWS::CloudFormation::Stack"),
        event("Topic", "CREATE_FAILED", "Resource creation cancelled"),
        event("RootBucket", "CREATE_FAILED", "cruddur.example.com already exists"),
        event("CrdFrontend", "ROLLBACK_IN_PROGRESS", rtype="AWS::CloudFormation::Stack"),
    ]
    cause = failure_cause(events, "CrdFrontend")
    assert cause is not None and cause.logical_id == "RootBucket"
    error = failure_message(DeployOutcome("CrdFrontend", "ROLLBACK_COMPLETE", tuple(events)))
    assert "RootBucket" in error.message
    assert "already exists" in error.message
    assert "ROLLBACK_COMPLETE" in error.message
    assert "describe-stack-events" in (error.hint or "")


def test_failure_without_events_still_says_what_happened() -> None:
    error = failure_message(DeployOutcome("S", "UPDATE_ROLLBACK_COMPLETE", ()))
    assert "UPDATE_ROLLBACK_COMPLETE" in error.message
    assert failure_cause([], "S") is None

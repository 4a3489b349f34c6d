"""cfn.workflow.review: a created change set read back as data (offline, no client is called)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from cruddur_ops.cfn.observe import ChangeSetSnapshot
from cruddur_ops.cfn.workflow import ChangeReview, review
from cruddur_ops.errors import AwsError

ADD_BUCKET = {"ResourceChange": {"Action": "Add", "LogicalResourceId": "Bucket", "ResourceType": "AWS::S3::Bucket"}}


def _prepared() -> Any:
    # review() reads the request only; the runner and clients stay untouched.
    return SimpleNamespace(request=SimpleNamespace(stack_name="CrdSync", change_set_type="UPDATE"))


def _snapshot(status: str, reason: str = "", changes: tuple[dict[str, Any], ...] = ()) -> ChangeSetSnapshot:
    return ChangeSetSnapshot(arn="arn:cs", name="cs", stack_id="arn:stack", status=status,
                             status_reason=reason, execution_status="AVAILABLE", changes=changes)


def test_an_empty_change_set_is_no_changes_not_an_error() -> None:
    result = review(_prepared(), _snapshot("FAILED", "The submitted information didn't contain changes."))
    assert result == ChangeReview("CrdSync", "UPDATE", has_changes=False)


def test_a_failed_change_set_is_an_error_with_cloudformations_reason() -> None:
    with pytest.raises(AwsError, match="change set for stack CrdSync failed: Template format error"):
        review(_prepared(), _snapshot("FAILED", "Template format error: bad"))


def test_a_created_change_set_returns_its_rows() -> None:
    result = review(_prepared(), _snapshot("CREATE_COMPLETE", changes=(ADD_BUCKET,)))
    assert result.has_changes
    assert [(r.action, r.logical_id, r.resource_type) for r in result.rows] == [
        ("Add", "Bucket", "AWS::S3::Bucket")]

"""Narrow reads of CloudFormation state through an injected client (no printing, no env)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ..aws import aws_errors, error_code, error_message
from .plan import StackEvent, event_from_api


@dataclass(frozen=True)
class StackSnapshot:
    name: str
    stack_id: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    status_reason: str = ""


def _is_missing_stack(exc: ClientError) -> bool:
    return error_code(exc) == "ValidationError" and "does not exist" in error_message(exc)


def describe_stack(cf: Any, stack_name: str) -> StackSnapshot | None:
    """The stack, or None when it does not exist."""
    try:
        response = cf.describe_stacks(StackName=stack_name)
    except ClientError as exc:
        if _is_missing_stack(exc):
            return None
        with aws_errors(f"describe stack {stack_name}"):
            raise
    stacks = response.get("Stacks") or []
    if not stacks:
        return None
    raw = stacks[0]
    return StackSnapshot(
        name=str(raw.get("StackName", stack_name)),
        stack_id=str(raw.get("StackId", "")),
        status=str(raw.get("StackStatus", "")),
        outputs={str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in raw.get("Outputs") or []},
        parameters={str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
                    for p in raw.get("Parameters") or []},
        status_reason=str(raw.get("StackStatusReason", "") or ""),
    )


@dataclass(frozen=True)
class ChangeSetSnapshot:
    arn: str
    name: str
    stack_id: str
    status: str
    status_reason: str
    execution_status: str
    changes: tuple[dict[str, Any], ...]


def describe_change_set(cf: Any, change_set: str, stack_name: str | None = None) -> ChangeSetSnapshot:
    """All pages of a change set (large stacks list their changes across NextToken pages)."""
    kwargs: dict[str, Any] = {"ChangeSetName": change_set}
    if stack_name and not change_set.startswith("arn:"):
        kwargs["StackName"] = stack_name
    changes: list[dict[str, Any]] = []
    with aws_errors(f"describe change set {change_set}"):
        while True:
            page = cf.describe_change_set(**kwargs)
            changes.extend(page.get("Changes") or [])
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    return ChangeSetSnapshot(
        arn=str(page.get("ChangeSetId", change_set)),
        name=str(page.get("ChangeSetName", "")),
        stack_id=str(page.get("StackId", "")),
        status=str(page.get("Status", "")),
        status_reason=str(page.get("StatusReason", "") or ""),
        execution_status=str(page.get("ExecutionStatus", "")),
        changes=tuple(changes),
    )


def new_events(cf: Any, stack_id: str, seen: set[str], *, max_pages: int = 5) -> list[StackEvent]:
    """Events not in ``seen`` (newest pages first until a known one), returned oldest first.
    ``seen`` is updated in place so each event is reported once."""
    fresh: list[StackEvent] = []
    kwargs: dict[str, Any] = {"StackName": stack_id}
    with aws_errors(f"describe stack events of {stack_id}"):
        for _ in range(max_pages):
            page = cf.describe_stack_events(**kwargs)
            reached_known = False
            for raw in page.get("StackEvents") or []:
                event = event_from_api(raw)
                if event.event_id in seen:
                    reached_known = True
                    break
                fresh.append(event)
            token = page.get("NextToken")
            if reached_known or not token:
                break
            kwargs["NextToken"] = token
    seen.update(e.event_id for e in fresh)
    fresh.reverse()
    return fresh


def stack_resources(cf: Any, stack_name: str) -> dict[str, tuple[str, str]]:
    """logical id → (type, physical id), skipping the blank rows emulators return for
    resources they did not create."""
    result: dict[str, tuple[str, str]] = {}
    with aws_errors(f"list resources of stack {stack_name}"):
        paginator = cf.get_paginator("list_stack_resources")
        for page in paginator.paginate(StackName=stack_name):
            for row in page.get("StackResourceSummaries") or []:
                logical = row.get("LogicalResourceId") or ""
                physical = row.get("PhysicalResourceId") or ""
                if logical and physical:
                    result[str(logical)] = (str(row.get("ResourceType", "")), str(physical))
    return result


def deployed_template(cf: Any, stack_name: str) -> str:
    with aws_errors(f"get template of stack {stack_name}"):
        body = cf.get_template(StackName=stack_name, TemplateStage="Original").get("TemplateBody", "")
    if isinstance(body, dict):  # botocore decodes JSON templates into a dict
        import json

        return json.dumps(body)
    return str(body)

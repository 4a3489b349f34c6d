"""Executes a change-set request through injected clients; reports progress by callback and
never prints. The `plan` task is a different executor over the same pieces (create, show,
delete), not a flag inside this one."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import aws_errors, error_code, error_message
from ..errors import AwsError
from .observe import ChangeSetSnapshot, describe_change_set, describe_stack, new_events
from .plan import (
    ChangeSetRequest,
    DeployOutcome,
    StackEvent,
    change_rows,
    is_empty_change_set,
    stack_phase,
)

ProgressCallback = Callable[[str, StackEvent | None], None]  # (stack status, new event or None)


def _response_parser_error() -> type[Exception]:
    """botocore.parsers costs ~70 ms to import; only a failing execute needs it (the except
    clause evaluates this only while matching an exception)."""
    from botocore.parsers import ResponseParserError

    return ResponseParserError


def template_url(bucket: str, key: str, region: str) -> str:
    """Path-style S3 URL, which CloudFormation accepts in every region (and for bucket names
    with dots, where virtual-hosted TLS names fail)."""
    host = "s3.amazonaws.com" if region == "us-east-1" else f"s3.{region}.amazonaws.com"
    return f"https://{host}/{bucket}/{key}"


def template_key(prefix: str, stack_name: str, body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    name = f"{stack_name}-{digest}.template"
    return f"{prefix}/{name}" if prefix else name


@dataclass
class ChangeSetRunner:
    cf: Any
    s3: Any = None
    sleep: Callable[[float], None] = time.sleep
    poll_seconds: float = 3.0
    timeout_seconds: float = 3600.0

    def upload_template(self, *, bucket: str, prefix: str, stack_name: str, body: str, region: str) -> str:
        key = template_key(prefix, stack_name, body)
        with aws_errors(f"upload the template to s3://{bucket}/{key}"):
            self.s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"),
                               ContentType="text/plain; charset=utf-8")
        return template_url(bucket, key, region)

    def create_change_set(self, request: ChangeSetRequest) -> ChangeSetSnapshot:
        """Create the change set and wait until CloudFormation has computed it."""
        try:
            created = self.cf.create_change_set(**request.to_api())
        except ClientError as exc:
            if is_empty_change_set("FAILED", error_message(exc)):
                # Some endpoints refuse an empty update up front instead of a FAILED change set.
                return ChangeSetSnapshot(arn="", name=request.change_set_name, stack_id="",
                                         status="FAILED", status_reason=error_message(exc),
                                         execution_status="UNAVAILABLE", changes=())
            with aws_errors(f"create change set for stack {request.stack_name}"):
                raise
        arn = str(created["Id"])
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            snapshot = describe_change_set(self.cf, arn)
            if snapshot.status in {"CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE", "DELETE_FAILED"}:
                return snapshot
            if time.monotonic() > deadline:
                raise AwsError(f"change set {arn} is still {snapshot.status}",
                               hint=f"aws cloudformation describe-change-set --change-set-name {arn}")
            self.sleep(min(self.poll_seconds, 2.0))

    def delete_change_set(self, arn: str) -> None:
        if not arn:
            return
        with aws_errors(f"delete change set {arn}"):
            self.cf.delete_change_set(ChangeSetName=arn)

    def delete_review_stack(self, stack_ref: str) -> bool:
        """Delete a stack that only holds change sets (REVIEW_IN_PROGRESS, no resources) and
        wait until it is gone, so a stack of the same name can be created. False when the
        stack is absent or holds resources (then it is left alone)."""
        stack = describe_stack(self.cf, stack_ref)
        if stack is None or stack.status != "REVIEW_IN_PROGRESS":
            return False
        stack_id = stack.stack_id or stack_ref
        with aws_errors(f"delete review stack {stack.name}"):
            self.cf.delete_stack(StackName=stack_id)
        deadline = time.monotonic() + min(self.timeout_seconds, 300.0)
        while True:
            current = describe_stack(self.cf, stack_id)
            if current is None or current.status == "DELETE_COMPLETE":
                return True
            if time.monotonic() > deadline:
                raise AwsError(f"stack {stack.name} is still {current.status}",
                               hint="wait for the deletion to finish, then deploy again")
            self.sleep(min(self.poll_seconds, 2.0))

    def execute(self, change_set: ChangeSetSnapshot, stack_name: str,
                on_progress: ProgressCallback | None = None) -> DeployOutcome:
        """Execute and wait for a final stack status, streaming each new event once."""
        report = on_progress or (lambda status, event: None)
        stack_ref = change_set.stack_id or stack_name
        seen: set[str] = set()
        new_events(self.cf, stack_ref, seen)  # everything before now is history
        failed: list[StackEvent] = []
        try:
            self.cf.execute_change_set(ChangeSetName=change_set.arn)
        except ClientError as exc:
            # Emulators raise the failing resource's own error here instead of rolling back.
            # Which resource is not reported there; the change set's own list narrows it down.
            rows = change_rows(change_set.changes)
            candidates = ", ".join(f"{r.logical_id} ({r.resource_type})" for r in rows[:8])
            raise AwsError(
                f"executing change set for stack {stack_name} failed: "
                f"{error_code(exc) or 'error'}: {error_message(exc)}",
                hint=(f"resources in this change set: {candidates}; " if candidates else "")
                + f"events: aws cloudformation describe-stack-events --stack-name {stack_name}",
            ) from exc
        except (BotoCoreError, _response_parser_error()) as exc:
            # e.g. an emulator answering 500 with an HTML page for a resource it cannot build.
            raise AwsError(f"executing change set for stack {stack_name} failed: {exc}",
                           hint="the endpoint did not return a CloudFormation answer; check its logs") from exc
        deadline = time.monotonic() + self.timeout_seconds
        status = "EXECUTE_IN_PROGRESS"
        while True:
            for event in new_events(self.cf, stack_ref, seen):
                if event.failed:
                    failed.append(event)
                report(status, event)
            stack = describe_stack(self.cf, stack_ref)
            status = stack.status if stack is not None else "DELETE_COMPLETE"
            report(status, None)
            if stack_phase(status) != "in_progress":
                for event in new_events(self.cf, stack_ref, seen):
                    if event.failed:
                        failed.append(event)
                    report(status, event)
                return DeployOutcome(stack_name=stack_name, status=status, failed_events=tuple(failed))
            if time.monotonic() > deadline:
                raise AwsError(f"stack {stack_name} is still {status} after {self.timeout_seconds:.0f}s",
                               hint="it keeps running in CloudFormation; watch it in the console")
            self.sleep(self.poll_seconds)


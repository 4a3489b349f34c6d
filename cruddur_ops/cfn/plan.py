"""Pure decisions for a deploy: change-set type, parameters, capabilities, the change table,
what a change-set or stack status means, and which event explains a failure.

Nothing here talks to AWS: every function takes plain data and returns frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..errors import ConfigError, OpsError
from .template import EXPANDING_TYPES, IAM_PREFIX, ParameterSpec

ChangeSetType = Literal["CREATE", "UPDATE"]

# CloudFormation's two spellings of "the change set would change nothing".
EMPTY_CHANGE_SET_REASONS = ("didn't contain changes", "No updates are to be performed")

FAILED_FINAL = frozenset({
    "CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "DELETE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED", "UPDATE_FAILED", "IMPORT_ROLLBACK_COMPLETE",
    "IMPORT_ROLLBACK_FAILED",
})
SUCCESS_FINAL = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})


def change_set_type(stack_status: str | None, stack_name: str) -> ChangeSetType:
    """CREATE for an absent stack or one still in REVIEW_IN_PROGRESS (a change set was created
    but never executed: CloudFormation only accepts CREATE there), UPDATE for a live stack."""
    if stack_status is None or stack_status == "REVIEW_IN_PROGRESS":
        return "CREATE"
    if stack_status in {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"}:
        raise OpsError(
            f"stack {stack_name} is in {stack_status}: its creation failed and it cannot be updated",
            hint=f"delete it (aws cloudformation delete-stack --stack-name {stack_name}) and deploy again",
        )
    if stack_status == "DELETE_FAILED" or stack_status.endswith("_IN_PROGRESS"):
        raise OpsError(
            f"stack {stack_name} is busy or broken ({stack_status})",
            hint="wait for the running operation to finish (see the CloudFormation console), then retry",
        )
    return "UPDATE"


@dataclass(frozen=True)
class ParameterValue:
    key: str
    value: str | None  # None with use_previous
    use_previous: bool = False
    secret: bool = False
    source: str = ""  # "config.toml" | "--param" | "environment" | "previous"

    def shown(self) -> str:
        if self.use_previous:
            return "(previous value)"
        return "****" if self.secret else (self.value or "")

    def to_api(self) -> dict[str, Any]:
        if self.use_previous:
            return {"ParameterKey": self.key, "UsePreviousValue": True}
        return {"ParameterKey": self.key, "ParameterValue": self.value or ""}


def reject_unknown(specs: Mapping[str, ParameterSpec], given: Iterable[str]) -> None:
    """A value for a parameter the template lacks is an error before any AWS call."""
    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise ConfigError(
            f"parameter(s) not in the template: {', '.join(unknown)}",
            hint=f"template parameters: {', '.join(sorted(specs)) or '(none)'}",
        )


def resolve_parameters(
    specs: Mapping[str, ParameterSpec],
    *,
    config_values: Mapping[str, str],
    flag_values: Mapping[str, str],
    secret_values: Mapping[str, str],
    previous_keys: Iterable[str] = (),
    updating: bool = False,
) -> tuple[ParameterValue, ...]:
    """Merge values by precedence (config.toml < environment secrets < --param).

    A parameter the template lacks is an error (CloudFormation would reject it later, after
    the change set was half-made). A NoEcho or required parameter with no value keeps the
    stack's previous value on an update; on a create it is an error naming the env variable.
    """
    given = {**config_values, **secret_values, **flag_values}
    reject_unknown(specs, given)
    previous = set(previous_keys)
    result = []
    for name, spec in specs.items():
        if name in flag_values:
            source = "--param"
        elif name in secret_values:
            source = "environment"
        elif name in config_values:
            source = "config.toml"
        else:
            source = ""
        if source:
            result.append(ParameterValue(name, given[name], secret=spec.no_echo, source=source))
            continue
        if updating and name in previous and (spec.no_echo or not spec.has_default):
            result.append(ParameterValue(name, None, use_previous=True, secret=spec.no_echo,
                                         source="previous"))
            continue
        if not spec.has_default:
            from .config import env_name_for

            hint = (f"export {env_name_for(name)}=… (NoEcho: never put it in config.toml)"
                    if spec.no_echo else f"set it in config.toml [parameters] or --param {name}=…")
            raise ConfigError(f"parameter {name} has no value and no default", hint=hint)
    return tuple(result)


def capabilities_for(resource_types: Iterable[str], *, has_transform: bool) -> tuple[str, ...]:
    """The acknowledgements a template needs: IAM resources → CAPABILITY_IAM and _NAMED_IAM
    (named roles need the latter), macros / nested stacks → CAPABILITY_AUTO_EXPAND."""
    types = set(resource_types)
    caps: list[str] = []
    if any(t.startswith(IAM_PREFIX) for t in types):
        caps += ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
    if has_transform or types & EXPANDING_TYPES:
        caps.append("CAPABILITY_AUTO_EXPAND")
    return tuple(caps)


@dataclass(frozen=True)
class ChangeSetRequest:
    """Everything create_change_set receives (serialisable; secrets only inside parameters)."""

    stack_name: str
    change_set_name: str
    change_set_type: ChangeSetType
    parameters: tuple[ParameterValue, ...]
    tags: Mapping[str, str]
    capabilities: tuple[str, ...]
    template_body: str | None = None
    template_url: str | None = None
    description: str = "created by cruddur-ops"

    def to_api(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "StackName": self.stack_name,
            "ChangeSetName": self.change_set_name,
            "ChangeSetType": self.change_set_type,
            "Parameters": [p.to_api() for p in self.parameters],
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(self.tags.items())],
            "Description": self.description,
        }
        if self.capabilities:
            kwargs["Capabilities"] = list(self.capabilities)
        if self.template_url:
            kwargs["TemplateURL"] = self.template_url
        else:
            kwargs["TemplateBody"] = self.template_body or ""
        return kwargs


def change_set_name(now: datetime, token: str = "") -> str:
    """``cruddur-ops-20260101-120000-ab12cd``: sortable, and unique across concurrent runs."""
    name = "cruddur-ops-" + now.strftime("%Y%m%d-%H%M%S")
    return f"{name}-{token}" if token else name


@dataclass(frozen=True)
class ChangeRow:
    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    replacement: str  # "True" | "False" | "Conditional" | "" (not applicable)
    physical_id: str = ""
    scope: tuple[str, ...] = ()

    @property
    def destructive(self) -> bool:
        return self.action == "Remove" or self.replacement in {"True", "Conditional"}


def change_rows(changes: Iterable[Mapping[str, Any]]) -> tuple[ChangeRow, ...]:
    """DescribeChangeSet ``Changes`` → table rows (resource changes only, stable order)."""
    rows = []
    for change in changes:
        rc = change.get("ResourceChange") or {}
        if not rc:
            continue
        rows.append(
            ChangeRow(
                action=str(rc.get("Action", "")),
                logical_id=str(rc.get("LogicalResourceId", "")),
                resource_type=str(rc.get("ResourceType", "")),
                replacement=str(rc.get("Replacement", "")) if rc.get("Action") == "Modify" else "",
                physical_id=str(rc.get("PhysicalResourceId", "") or ""),
                scope=tuple(str(s) for s in rc.get("Scope", []) or []),
            )
        )
    return tuple(rows)


def is_empty_change_set(status: str, reason: str | None) -> bool:
    return status == "FAILED" and any(text in (reason or "") for text in EMPTY_CHANGE_SET_REASONS)


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    logical_id: str
    resource_type: str
    status: str
    reason: str
    timestamp: datetime | None = None

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    @property
    def cancelled(self) -> bool:
        # Siblings of the real failure report this; it never explains anything.
        return "cancelled" in self.reason.lower()


def event_from_api(raw: Mapping[str, Any]) -> StackEvent:
    return StackEvent(
        event_id=str(raw.get("EventId", "")),
        logical_id=str(raw.get("LogicalResourceId", "")),
        resource_type=str(raw.get("ResourceType", "")),
        status=str(raw.get("ResourceStatus", "")),
        reason=str(raw.get("ResourceStatusReason", "") or ""),
        timestamp=raw.get("Timestamp"),
    )


def stack_phase(status: str) -> Literal["in_progress", "success", "failed"]:
    if status in SUCCESS_FINAL:
        return "success"
    if status.endswith("_IN_PROGRESS"):
        return "in_progress"
    return "failed"


def failure_cause(events: Iterable[StackEvent], stack_name: str) -> StackEvent | None:
    """The event that explains a failed deploy: the oldest *_FAILED resource event that was not
    merely cancelled, else any failed event, else None. ``events`` are oldest first."""
    failed = [e for e in events if e.failed]
    for event in failed:
        if not event.cancelled and event.logical_id != stack_name:
            return event
    return failed[0] if failed else None


@dataclass(frozen=True)
class DeployOutcome:
    stack_name: str
    status: str
    failed_events: tuple[StackEvent, ...] = field(default_factory=tuple)

    @property
    def succeeded(self) -> bool:
        return stack_phase(self.status) == "success"


def failure_message(outcome: DeployOutcome) -> OpsError:
    cause = failure_cause(outcome.failed_events, outcome.stack_name)
    if cause is None:
        return OpsError(
            f"stack {outcome.stack_name} ended in {outcome.status}",
            hint=f"aws cloudformation describe-stack-events --stack-name {outcome.stack_name}",
        )
    return OpsError(
        f"stack {outcome.stack_name} ended in {outcome.status}: {cause.logical_id} "
        f"({cause.resource_type or 'stack'}) {cause.status}: {cause.reason or 'no reason given'}",
        hint=f"fix {cause.logical_id} in the template or parameters and deploy again; all events: "
        f"aws cloudformation describe-stack-events --stack-name {outcome.stack_name}",
    )

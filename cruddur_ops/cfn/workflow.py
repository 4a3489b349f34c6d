"""The steps `inv cfn.plan`, `cfn.deploy` and `cfn.outputs` are made of.

Lint → resolve parameters → (upload the template) → create a change set → review it → execute or
discard it → read the outputs. Each step composes the layers of this package (observe, plan,
apply) and returns data that :mod:`cruddur_ops.cfn.render` shows, so the tasks only decide the
order and the exit code. Settings and the environment (for NoEcho values) come in as arguments:
this module never reads ``os.environ``, never prints and never imports invoke or rich.

It imports cfn-lint's wrapper and the CloudFormation core, which is why the tasks import it
inside their bodies: `inv --list` and every other task start without it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import ci
from ..aws import AwsTarget, client, session
from ..aws_settings import aws_target
from ..config import Settings, repo_root, resolve_path
from ..errors import AwsError, ConfigError
from .apply import ChangeSetRunner
from .config import StackConfig, load_stack_config, parse_param_flags, secret_values
from .lint import LintFinding, errors_of, lint_template
from .observe import ChangeSetSnapshot, StackSnapshot, describe_stack
from .outputs import OutputsReport, outputs_report
from .plan import (
    ChangeRow,
    ChangeSetRequest,
    capabilities_for,
    change_rows,
    change_set_name,
    change_set_type,
    is_empty_change_set,
    reject_unknown,
    resolve_parameters,
)
from .template import MAX_TEMPLATE_BODY, TemplateInfo, template_info


@dataclass(frozen=True)
class StackInput:
    """What a stack folder and the flags say, and what cfn-lint found in its template."""

    config: StackConfig
    flags: dict[str, str]
    target: AwsTarget
    findings: tuple[LintFinding, ...]


@dataclass
class Prepared:
    config: StackConfig
    template: TemplateInfo
    target: AwsTarget
    cf: Any
    runner: ChangeSetRunner
    stack: StackSnapshot | None
    request: ChangeSetRequest
    discarded_review: bool = False  # an unexecuted REVIEW_IN_PROGRESS stack was replaced


@dataclass(frozen=True)
class ChangeReview:
    """A created change set read back: its rows, or none when CloudFormation found nothing to do."""

    stack_name: str
    change_set_type: str
    has_changes: bool
    rows: tuple[ChangeRow, ...] = ()


def stack_config(settings: Settings, stack: str) -> StackConfig:
    if not stack:
        raise ConfigError("which stack?", hint="inv cfn.deploy STACK, e.g. `inv cfn.deploy sync`")
    return load_stack_config(resolve_path(settings.get("CFN_STACKS_DIR"), repo_root()), stack)


def shown_path(path: Path) -> str:
    for base in (Path.cwd(), repo_root()):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return str(path)


def load(settings: Settings, stack: str, param: list[str] | None, region: str, profile: str) -> StackInput:
    """The stack folder, the --param flags, the AWS target and cfn-lint's findings (before any
    AWS call). Errors among the findings stop :func:`prepare`; show them first."""
    config = stack_config(settings, stack)
    flags = parse_param_flags(param)
    target = aws_target(settings, profile=profile, region=region, configured_region=config.region)
    findings = lint_template(config.template_path, region=target.region,
                             shown_path=shown_path(config.template_path))
    return StackInput(config, flags, target, tuple(findings))


def _raise_for_lint(findings: tuple[LintFinding, ...]) -> None:
    errors = errors_of(list(findings))
    if errors:
        first = errors[0]
        raise ConfigError(
            f"cfn-lint: {len(errors)} error(s) in {first.path}; first at {first.location()}: "
            f"{first.rule_id} {first.message}",
            hint="fix the template (warnings alone do not stop a deploy)",
        )


def prepare(stack_input: StackInput, *, environ: Mapping[str, str], discard_review: bool) -> Prepared:
    """Everything up to the change set: parameters, an uploaded template, the request.

    ``environ`` is where NoEcho values (DB_PASSWORD …) come from; the task passes the resolved
    variables (the process environment over the env files, :meth:`Settings.variables`).
    """
    _raise_for_lint(stack_input.findings)
    config, flags, target = stack_input.config, stack_input.flags, stack_input.target
    info = template_info(config.template_path.read_text(encoding="utf-8"), source=shown_path(config.template_path))
    reject_unknown(info.parameters, [*config.parameters, *flags])
    if info.needs_upload and not config.bucket:
        raise ConfigError(
            f"{shown_path(config.template_path)} is {info.size} bytes; CloudFormation takes at most "
            f"{MAX_TEMPLATE_BODY} inline",
            hint=f"set [deploy] bucket (and prefix) in {shown_path(config.directory / 'config.toml')} to upload it to S3",
        )
    sess = session(target)
    cf = client("cloudformation", target, sess=sess)
    runner = ChangeSetRunner(cf=cf, s3=client("s3", target, sess=sess) if info.needs_upload else None)
    existing = describe_stack(cf, config.stack_name)
    kind = change_set_type(existing.status if existing else None, config.stack_name)
    no_echo = secret_values(info.no_echo_parameters, config, environ)
    ci.mask(*(str(v) for v in no_echo.values()))  # before the parameter table or any error shows them
    parameters = resolve_parameters(
        info.parameters,
        config_values=config.parameters,
        flag_values=flags,
        secret_values=no_echo,
        previous_keys=existing.parameters if existing and kind == "UPDATE" else (),
        updating=kind == "UPDATE",
    )
    url = None
    if info.needs_upload:
        assert config.bucket is not None
        url = runner.upload_template(bucket=config.bucket, prefix=config.prefix, stack_name=config.stack_name,
                                     body=info.body, region=target.region or "us-east-1")
    # Last, once the parameters are complete and the template uploaded: nothing is discarded
    # for a bad run.
    discarded = existing is not None and existing.status == "REVIEW_IN_PROGRESS" and discard_review
    if discarded:
        # A stack that only holds never-executed change sets (e.g. from --no-execute): replace
        # it, so the deploy executes exactly what it shows now and no stale review lingers.
        assert existing is not None
        runner.delete_review_stack(existing.stack_id or config.stack_name)
        existing = None
    request = ChangeSetRequest(
        stack_name=config.stack_name,
        change_set_name=change_set_name(datetime.now(UTC), secrets.token_hex(3)),
        change_set_type=kind,
        parameters=parameters,
        tags=config.all_tags,
        capabilities=config.capabilities if config.capabilities is not None
        else capabilities_for(info.resource_types.values(), has_transform=info.has_transform),
        template_body=None if url else info.body,
        template_url=url,
        description=f"cruddur-ops: {config.name} ({config.template_path.name})",
    )
    return Prepared(config, info, target, cf, runner, existing, request, discarded_review=discarded)


def create_change_set(prepared: Prepared) -> ChangeSetSnapshot:
    return prepared.runner.create_change_set(prepared.request)


def review(prepared: Prepared, snapshot: ChangeSetSnapshot) -> ChangeReview:
    """The change set's rows; ``has_changes`` False when it holds none. A change set that failed
    for any other reason is an error with CloudFormation's reason."""
    request = prepared.request
    if is_empty_change_set(snapshot.status, snapshot.status_reason):
        return ChangeReview(request.stack_name, request.change_set_type, has_changes=False)
    if snapshot.status != "CREATE_COMPLETE":
        raise AwsError(
            f"change set for stack {request.stack_name} failed: {snapshot.status_reason or snapshot.status}",
            hint="fix the template or parameters named above and try again",
        )
    return ChangeReview(request.stack_name, request.change_set_type, has_changes=True,
                        rows=change_rows(snapshot.changes))


def discard_change_set(prepared: Prepared, snapshot: ChangeSetSnapshot) -> None:
    """Delete a change set we will not execute, and the REVIEW_IN_PROGRESS stack it created
    when the stack did not exist before (so plan / a refusal / a failure leave nothing)."""
    prepared.runner.delete_change_set(snapshot.arn)
    before = prepared.stack.stack_id if prepared.stack is not None else None
    if snapshot.stack_id and snapshot.stack_id != before:
        prepared.runner.delete_review_stack(snapshot.stack_id)


def read_outputs(cf: Any, target: AwsTarget, stack_name: str) -> OutputsReport:
    return outputs_report(cf, client("iam", target), stack_name)

"""The steps `inv cfn.plan`, `cfn.deploy` and `cfn.outputs` are made of.

Lint → resolve parameters → (upload the template) → create a change set → show it → execute or
discard it → print the outputs. Each step composes the layers of this package (observe, plan,
apply, render) and reports on the shared consoles, so the tasks only decide the order and the
exit code. Settings and the environment (for NoEcho values) come in as arguments: this module
never reads ``os.environ`` and never imports invoke.

It imports cfn-lint's wrapper, rich tables and the CloudFormation core, which is why the tasks
import it inside their bodies: `inv --list` and every other task start without it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.text import Text

from .. import ci
from ..aws import AwsTarget, client, session
from ..config import Settings, repo_root, resolve_path
from ..console import consoles
from ..errors import AwsError, ConfigError
from . import render
from .apply import ChangeSetRunner
from .config import StackConfig, load_stack_config, parse_param_flags, secret_values
from .lint import errors_of, lint_template
from .observe import ChangeSetSnapshot, StackSnapshot, describe_stack
from .outputs import OutputsReport, outputs_report
from .plan import (
    ChangeSetRequest,
    StackEvent,
    capabilities_for,
    change_rows,
    change_set_name,
    change_set_type,
    is_empty_change_set,
    reject_unknown,
    resolve_parameters,
)
from .template import MAX_TEMPLATE_BODY, TemplateInfo, template_info


@dataclass
class Prepared:
    config: StackConfig
    template: TemplateInfo
    target: AwsTarget
    cf: Any
    runner: ChangeSetRunner
    stack: StackSnapshot | None
    request: ChangeSetRequest


def stack_config(settings: Settings, stack: str) -> StackConfig:
    if not stack:
        raise ConfigError("which stack?", hint="inv cfn.deploy STACK, e.g. `inv cfn.deploy sync`")
    return load_stack_config(resolve_path(settings.get("CFN_STACKS_DIR"), repo_root()), stack)


def _shown(path: Path) -> str:
    for base in (Path.cwd(), repo_root()):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return str(path)


def stack_target(settings: Settings, config: StackConfig, region: str, profile: str) -> AwsTarget:
    return AwsTarget(
        profile=profile or settings.get("AWS_PROFILE"),
        region=region or config.region or settings.get("AWS_REGION", "AWS_DEFAULT_REGION"),
        endpoint_url=settings.get("CRUDDUR_AWS_ENDPOINT_URL"),
    )


def _lint(config: StackConfig, region: str | None) -> None:
    """cfn-lint before any AWS call: errors stop with file:line, warnings are only shown."""
    err = consoles().err
    findings = lint_template(config.template_path, region=region, shown_path=_shown(config.template_path))
    for finding in findings:
        err.print(render.lint_line(finding))
        if not finding.is_error:  # errors stop the task below, and are annotated as its error
            ci.warn(f"cfn-lint {finding.rule_id}: {finding.message}", file=finding.path, line=finding.line)
    errors = errors_of(findings)
    if errors:
        first = errors[0]
        raise ConfigError(
            f"cfn-lint: {len(errors)} error(s) in {first.path}; first at {first.location()}: "
            f"{first.rule_id} {first.message}",
            hint="fix the template (warnings alone do not stop a deploy)",
        )


def prepare(settings: Settings, stack: str, param: list[str] | None, region: str, profile: str, *,
            environ: Mapping[str, str], discard_review: bool) -> Prepared:
    """Everything up to the change set: config, lint, parameters, an uploaded template.

    ``environ`` is where NoEcho values (DB_PASSWORD …) come from; the task passes the process
    environment.
    """
    config = stack_config(settings, stack)
    flags = parse_param_flags(param)
    target = stack_target(settings, config, region, profile)
    _lint(config, target.region)
    info = template_info(config.template_path.read_text(encoding="utf-8"), source=_shown(config.template_path))
    reject_unknown(info.parameters, [*config.parameters, *flags])
    if info.needs_upload and not config.bucket:
        raise ConfigError(
            f"{_shown(config.template_path)} is {info.size} bytes; CloudFormation takes at most "
            f"{MAX_TEMPLATE_BODY} inline",
            hint=f"set [deploy] bucket (and prefix) in {_shown(config.directory / 'config.toml')} to upload it to S3",
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
    # After the parameters are known to be complete: nothing is discarded for a bad run.
    if existing is not None and existing.status == "REVIEW_IN_PROGRESS" and discard_review:
        # A stack that only holds never-executed change sets (e.g. from --no-execute): replace
        # it, so the deploy executes exactly what it shows now and no stale review lingers.
        consoles().err.print(Text(f"{config.stack_name}: discarding the unexecuted change set(s) of "
                                  "its REVIEW_IN_PROGRESS stack", style="muted"))
        runner.delete_review_stack(existing.stack_id or config.stack_name)
        existing = None
    url = None
    if info.needs_upload:
        assert config.bucket is not None
        url = runner.upload_template(bucket=config.bucket, prefix=config.prefix, stack_name=config.stack_name,
                                     body=info.body, region=target.region or "us-east-1")
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
    return Prepared(config, info, target, cf, runner, existing, request)


def create_change_set(prepared: Prepared) -> ChangeSetSnapshot:
    c = consoles()
    request = prepared.request
    c.err.print(Text(f"{request.stack_name}: creating {request.change_set_type} change set "
                     f"{request.change_set_name} in {prepared.target.region}…"))
    c.err.print(render.parameter_table(request.parameters))
    return prepared.runner.create_change_set(request)


def show_changes(prepared: Prepared, snapshot: ChangeSetSnapshot) -> bool:
    """Print the change table; False when the change set holds no changes. A change set that
    failed for any other reason is an error with CloudFormation's reason."""
    c = consoles()
    name = prepared.request.stack_name
    if is_empty_change_set(snapshot.status, snapshot.status_reason):
        c.err.print(Text(f"{name}: no changes (template and parameters match the stack)", style="ok"))
        return False
    if snapshot.status != "CREATE_COMPLETE":
        raise AwsError(
            f"change set for stack {name} failed: {snapshot.status_reason or snapshot.status}",
            hint="fix the template or parameters named above and try again",
        )
    rows = change_rows(snapshot.changes)
    if rows:
        c.out.print(render.change_table(name, prepared.request.change_set_type, rows))
    c.out.print(render.change_summary(rows))
    return True


def discard_change_set(prepared: Prepared, snapshot: ChangeSetSnapshot) -> None:
    """Delete a change set we will not execute, and the REVIEW_IN_PROGRESS stack it created
    when the stack did not exist before (so plan / a refusal / a failure leave nothing)."""
    prepared.runner.delete_change_set(snapshot.arn)
    before = prepared.stack.stack_id if prepared.stack is not None else None
    if snapshot.stack_id and snapshot.stack_id != before:
        prepared.runner.delete_review_stack(snapshot.stack_id)


def print_outputs(cf: Any, target: AwsTarget, stack_name: str, as_json: bool = False) -> OutputsReport:
    iam = client("iam", target)
    report = outputs_report(cf, iam, stack_name)
    c = consoles()
    if as_json:  # printed by the task wrapper, alone on stdout
        ci.result(dict(sorted(report.outputs.items())))
    elif report.outputs:
        c.out.print(render.outputs_table(stack_name, report.outputs))
    if report.source == "template":
        c.err.print(Text("note: the stack reported no Outputs (an emulator quirk); values were resolved "
                         "from its template, parameters and resources", style="muted"))
    if report.unresolved:
        c.err.print(Text(f"note: not resolvable without the stack's own Outputs: {', '.join(report.unresolved)}",
                         style="skipped"))
    return report


class StackProgress:
    """Stack status on a spinner (live terminals) or as plain lines; failed events always."""

    def __init__(self, stack_name: str) -> None:
        self.c = consoles()
        self.stack_name = stack_name
        self.last_status = ""
        self.status = self.c.err.status(f"{stack_name}: executing…") if self.c.live else None

    def __enter__(self) -> StackProgress:
        if self.status is not None:
            self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(None, None, None)

    def __call__(self, stack_status: str, event: StackEvent | None) -> None:
        if event is not None and event.failed:
            self.c.err.print(render.event_line(event))
        if stack_status != self.last_status:
            self.last_status = stack_status
            if self.status is not None:
                self.status.update(f"{self.stack_name}: {stack_status}")
            elif stack_status.endswith("_IN_PROGRESS") and stack_status != "EXECUTE_IN_PROGRESS":
                self.c.err.print(Text(f"{self.stack_name}: {stack_status}", style="muted"))

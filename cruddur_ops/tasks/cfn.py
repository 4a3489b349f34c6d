"""`inv cfn.*`: lint, plan, deploy and read outputs of any stack folder under aws/cfn/.

Thin: resolve settings, call the steps in :mod:`cruddur_ops.cfn.workflow` (which return data),
show each result with :mod:`cruddur_ops.cfn.render`, map the outcome to an exit code. Both are
imported inside the tasks (cfn-lint, rich, the CloudFormation core), so `inv --list` and every
other task start without them.
"""

from __future__ import annotations

from typing import Any

from invoke import Collection, Context
from invoke.exceptions import Exit

from .. import ci
from ..cli.common import aws_target, confirm, load_settings
from ..cli.guard import ops_task
from ..config import Settings
from ..console import consoles
from ..errors import EXIT_CHANGES_PRESENT, RefusedError

DEFAULT_STACKS_DIR = "aws/cfn"

COMMON_HELP = {
    "stack": "stack folder name under aws/cfn/ (e.g. sync, frontend)",
    "param": "override a parameter: --param KEY=VALUE (repeatable; wins over config.toml)",
    "stacks-dir": "folder holding the stack folders (default aws/cfn, or CFN_STACKS_DIR)",
    "region": "AWS region (default: config.toml [deploy] region, else AWS_REGION)",
    "profile": "AWS profile (default: AWS_PROFILE)",
    "json": "print the changes and the final status as one JSON object on stdout (shape: docs/json.md)",
}


def _settings(ctx: Context, stacks_dir: str) -> Settings:
    return load_settings(ctx, section="cfn", flags={"CFN_STACKS_DIR": stacks_dir or None},
                         defaults={"CFN_STACKS_DIR": DEFAULT_STACKS_DIR})


def _change_set(ctx: Context, stack: str, param: list[str] | None, stacks_dir: str, region: str,
                profile: str, *, discard_review: bool) -> tuple[Any, Any, Any]:
    """Lint, prepare and create the change set, then read it back: (prepared, snapshot, review).
    A change set that cannot be reviewed is deleted again before the error propagates."""
    from ..cfn import render, workflow

    settings = _settings(ctx, stacks_dir)
    stack_input = workflow.load(settings, stack, param, region, profile)
    render.show_lint(stack_input.findings)
    # NoEcho values (DB_PASSWORD …) come from the environment (or an env file under it).
    prepared = workflow.prepare(stack_input, environ=settings.variables(), discard_review=discard_review)
    render.show_prepared(prepared)
    snapshot = workflow.create_change_set(prepared)
    try:
        review = workflow.review(prepared, snapshot)
    except BaseException:
        workflow.discard_change_set(prepared, snapshot)
        raise
    render.show_review(review)
    return prepared, snapshot, review


def _current_outputs(prepared: Any) -> dict[str, str] | None:
    """The outputs of a stack that exists and stays as it is (a deploy with no changes)."""
    from ..cfn import render, workflow

    if prepared.stack is None:
        return None
    report = workflow.read_outputs(prepared.cf, prepared.target, prepared.config.stack_name)
    render.show_outputs(prepared.config.stack_name, report)
    return report.outputs


def _execute(prepared: Any, snapshot: Any, yes: bool) -> None:
    """Ask, execute with progress, and show the outcome and the outputs; a refusal discards."""
    from ..cfn import render, workflow
    from ..cfn.plan import failure_message

    name = prepared.config.stack_name
    try:
        confirm(f"Execute change set {snapshot.name} on stack {name}?", yes=yes)
    except BaseException:
        workflow.discard_change_set(prepared, snapshot)
        raise
    with render.StackProgress(name) as progress:
        outcome = prepared.runner.execute(snapshot, name, on_progress=progress)
    if not outcome.succeeded:
        _publish(prepared, snapshot, has_changes=True, executed=True, status=outcome.status)
        raise failure_message(outcome)
    render.show_status(name, outcome.status)
    report = workflow.read_outputs(prepared.cf, prepared.target, name)
    render.show_outputs(name, report)
    _publish(prepared, snapshot, has_changes=True, executed=True, status=outcome.status, outputs=report.outputs)


@ops_task(
    positional=["stack"],
    iterable=["param"],
    help={
        **COMMON_HELP,
        "yes": "execute without asking (required when there is no terminal, e.g. CI)",
        "no-execute": "create the change set and keep it for review; print its ARN",
    },
)
def deploy(ctx: Context, stack: str, yes: bool = False, no_execute: bool = False,
           param: list[str] | None = None, stacks_dir: str = "", region: str = "", profile: str = "",
           json: bool = False) -> None:
    """Lint, create a change set, show it, execute it on approval, wait, print outputs.

    "No changes" is success (exit 0). A failed change set or rollback exits 1 naming the
    failing resource and its reason. NoEcho parameters come from the environment
    (e.g. DbPassword from DB_PASSWORD, or [secrets] in config.toml) and are never printed.
    """
    if not yes and not no_execute and not consoles().interactive:
        raise RefusedError("refusing to deploy without confirmation: no terminal to ask on",
                           hint="re-run with --yes to execute, or --no-execute to only create the change set")
    from ..cfn import render, workflow

    prepared, snapshot, review = _change_set(ctx, stack, param, stacks_dir, region, profile, discard_review=True)
    if not review.has_changes:
        workflow.discard_change_set(prepared, snapshot)
        _publish(prepared, snapshot, has_changes=False, status=prepared.stack.status if prepared.stack else None,
                 outputs=_current_outputs(prepared))
    elif no_execute:
        _publish(prepared, snapshot, has_changes=True, change_set=snapshot.arn)
        render.show_kept(snapshot)
    else:
        _execute(prepared, snapshot, yes)


def _publish(prepared: Any, snapshot: Any, *, has_changes: bool, executed: bool = False,
             status: str | None = None, change_set: str | None = None,
             outputs: dict[str, str] | None = None) -> None:
    """The outcome for CI: the step summary and the --json document (cruddur_ops.ci)."""
    from ..cfn.plan import change_rows
    from ..cfn.summary import StackReport, stack_json, stack_markdown

    report = StackReport(stack=prepared.request.stack_name, change_set_type=prepared.request.change_set_type,
                         changes=change_rows(snapshot.changes) if has_changes else (),
                         has_changes=has_changes, executed=executed, status=status, change_set=change_set,
                         outputs=outputs or {})
    ci.section(stack_markdown(report))
    ci.result(stack_json(report))


@ops_task(
    positional=["stack"],
    iterable=["param"],
    help={**COMMON_HELP, "detailed-exitcode": "exit 2 when the change set holds changes (0 = none)"},
)
def plan(ctx: Context, stack: str, param: list[str] | None = None, stacks_dir: str = "",
         region: str = "", profile: str = "", detailed_exitcode: bool = False, json: bool = False) -> None:
    """Lint and show what a deploy would change, then delete the change set (nothing kept).

    A stack that did not exist before is removed again (CloudFormation creates an empty
    REVIEW_IN_PROGRESS stack to hold a CREATE change set).
    """
    from ..cfn import workflow

    prepared, snapshot, review = _change_set(ctx, stack, param, stacks_dir, region, profile, discard_review=False)
    workflow.discard_change_set(prepared, snapshot)
    _publish(prepared, snapshot, has_changes=review.has_changes,
             status=prepared.stack.status if prepared.stack is not None else None)
    if review.has_changes and detailed_exitcode:
        raise Exit(code=EXIT_CHANGES_PRESENT)


@ops_task(
    positional=["stack"],
    help={"stack": COMMON_HELP["stack"], "json": "print a JSON object instead of a table",
          "stacks-dir": COMMON_HELP["stacks-dir"], "region": COMMON_HELP["region"],
          "profile": COMMON_HELP["profile"]},
)
def outputs(ctx: Context, stack: str, json: bool = False, stacks_dir: str = "", region: str = "",
            profile: str = "") -> None:
    """Print a deployed stack's outputs (table, or --json for scripts)."""
    from ..aws import client
    from ..cfn import render, workflow

    settings = _settings(ctx, stacks_dir)
    config = workflow.stack_config(settings, stack)
    target = aws_target(settings, profile=profile, region=region, configured_region=config.region)
    report = workflow.read_outputs(client("cloudformation", target), target, config.stack_name)
    render.show_outputs(config.stack_name, report, as_json=json)


collection = Collection("cfn", plan, deploy, outputs)

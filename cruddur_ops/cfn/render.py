"""What the cfn tasks show: rich renderables and the ``show_*`` functions that print the data
:mod:`cruddur_ops.cfn.workflow` returns (no logic beyond presentation).

Tables and results go to stdout, progress and notes to stderr (the consoles of
:mod:`cruddur_ops.console`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from .. import ci
from ..console import consoles
from .lint import LintFinding
from .plan import ChangeRow, ParameterValue, StackEvent
from .summary import change_counts

if TYPE_CHECKING:
    from .observe import ChangeSetSnapshot
    from .outputs import OutputsReport
    from .workflow import ChangeReview, Prepared

ACTION_STYLE = {"Add": "create", "Modify": "update", "Remove": "delete", "Import": "create"}


def lint_line(finding: LintFinding) -> Text:
    style = "error" if finding.is_error else "skipped"
    return (Text(f"{finding.level} ", style=style) + Text(f"{finding.rule_id} {finding.location()}: ")
            + Text(finding.message))


def change_table(stack_name: str, change_set_type: str, rows: Iterable[ChangeRow]) -> Table:
    table = Table(title=f"{stack_name}: {change_set_type.lower()} change set", title_justify="left")
    for column in ("Action", "Logical ID", "Type", "Replacement"):
        table.add_column(column, overflow="fold")
    for row in rows:
        replacement = Text(row.replacement or "-", style="delete" if row.destructive else "")
        table.add_row(Text(row.action, style=ACTION_STYLE.get(row.action, "")), row.logical_id,
                      row.resource_type, replacement)
    return table


def change_summary(rows: tuple[ChangeRow, ...]) -> Text:
    if not rows:
        return Text("no resource changes listed (parameters, tags or outputs changed)", style="muted")
    return Text(", ".join(change_counts(rows)))


def parameter_table(parameters: Iterable[ParameterValue]) -> Table:
    table = Table(title="parameters", title_justify="left")
    table.add_column("Parameter")
    table.add_column("Value", overflow="fold")
    table.add_column("From", style="muted")
    for p in parameters:
        table.add_row(p.key, p.shown(), p.source)
    return table


def outputs_table(stack_name: str, outputs: dict[str, str]) -> Table:
    table = Table(title=f"{stack_name} outputs", title_justify="left")
    table.add_column("Output")
    table.add_column("Value", overflow="fold")
    for key, value in sorted(outputs.items()):
        table.add_row(key, value)
    return table


def event_line(event: StackEvent) -> Text:
    style = "failed" if event.failed else ("ok" if event.status.endswith("_COMPLETE") else "muted")
    text = Text(f"{event.logical_id} ") + Text(event.status, style=style)
    if event.resource_type:
        text += Text(f" ({event.resource_type})", style="muted")
    if event.reason:
        text += Text(f": {event.reason}")
    return text


def show_lint(findings: Iterable[LintFinding]) -> None:
    """cfn-lint's findings, one line each; warnings are also annotated (errors stop the task,
    and are annotated as its error)."""
    err = consoles().err
    for finding in findings:
        err.print(lint_line(finding))
        if not finding.is_error:
            ci.warn(f"cfn-lint {finding.rule_id}: {finding.message}", file=finding.path, line=finding.line)


def show_prepared(prepared: Prepared) -> None:
    """The replaced review stack, if any, and the change set about to be created."""
    err = consoles().err
    request = prepared.request
    if prepared.discarded_review:
        err.print(Text(f"{request.stack_name}: discarding the unexecuted change set(s) of "
                       "its REVIEW_IN_PROGRESS stack", style="muted"))
    err.print(Text(f"{request.stack_name}: creating {request.change_set_type} change set "
                   f"{request.change_set_name} in {prepared.target.region}…"))
    err.print(parameter_table(request.parameters))


def show_review(review: ChangeReview) -> None:
    c = consoles()
    if not review.has_changes:
        c.err.print(Text(f"{review.stack_name}: no changes (template and parameters match the stack)", style="ok"))
        return
    if review.rows:
        c.out.print(change_table(review.stack_name, review.change_set_type, review.rows))
    c.out.print(change_summary(review.rows))


def show_kept(snapshot: ChangeSetSnapshot) -> None:
    """A change set left for review (--no-execute): its ARN on stdout, how to go on on stderr."""
    c = consoles()
    c.err.print(Text(f"change set kept for review: {snapshot.name}"))
    c.out.print(Text(snapshot.arn))
    c.err.print(Text(f"  inspect: aws cloudformation describe-change-set --change-set-name {snapshot.arn}",
                     style="hint"))
    c.err.print(Text(f"  execute: aws cloudformation execute-change-set --change-set-name {snapshot.arn}",
                     style="hint"))


def show_status(stack_name: str, status: str) -> None:
    consoles().err.print(Text(f"{stack_name}: {status}", style="ok"))


def show_outputs(stack_name: str, report: OutputsReport, as_json: bool = False) -> None:
    if as_json:  # printed by the task wrapper, alone on stdout
        ci.result(dict(sorted(report.outputs.items())))
    elif report.outputs:
        consoles().out.print(outputs_table(stack_name, report.outputs))
    err = consoles().err
    if report.source == "template":
        err.print(Text("note: the stack reported no Outputs (an emulator quirk); values were resolved "
                       "from its template, parameters and resources", style="muted"))
    if report.unresolved:
        err.print(Text(f"note: not resolvable without the stack's own Outputs: {', '.join(report.unresolved)}",
                       style="skipped"))


class StackProgress:
    """Stack status on a spinner (live terminals) or as plain lines; failed events always.
    Given to :meth:`ChangeSetRunner.execute` as its progress callback."""

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
            self.c.err.print(event_line(event))
        if stack_status != self.last_status:
            self.last_status = stack_status
            if self.status is not None:
                self.status.update(f"{self.stack_name}: {stack_status}")
            elif stack_status.endswith("_IN_PROGRESS") and stack_status != "EXECUTE_IN_PROGRESS":
                self.c.err.print(Text(f"{self.stack_name}: {stack_status}", style="muted"))

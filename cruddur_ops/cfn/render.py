"""Rich renderables for cfn tasks (no logic beyond presentation)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text

from .lint import LintFinding
from .plan import ChangeRow, ParameterValue, StackEvent
from .summary import change_counts

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

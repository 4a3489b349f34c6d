"""A change set and its outcome as a step summary (Markdown) and as ``--json`` (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..ci import markdown as md
from .plan import ChangeRow


def change_counts(rows: tuple[ChangeRow, ...]) -> list[str]:
    """``["1 to add", "2 to modify", "1 replacement(s)"]``: the terminal's summary line too."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.action] = counts.get(row.action, 0) + 1
    parts = [f"{n} to {action.lower()}" for action, n in sorted(counts.items())]
    replaced = sum(1 for r in rows if r.replacement in {"True", "Conditional"})
    if replaced:
        parts.append(f"{replaced} replacement(s)")
    return parts


@dataclass(frozen=True)
class StackReport:
    stack: str
    change_set_type: str  # CREATE | UPDATE
    changes: tuple[ChangeRow, ...]
    has_changes: bool
    executed: bool = False
    status: str | None = None  # the stack's status at the end (None: not deployed, or a plan)
    change_set: str | None = None  # the ARN of a change set kept for review (--no-execute)
    outputs: dict[str, str] = field(default_factory=dict)


def stack_markdown(report: StackReport) -> str:
    name = md.code(report.stack)
    if not report.has_changes:
        head = f"**Stack {name}**: no changes"
    else:
        head = (f"**Stack {name}** ({report.change_set_type.lower()} change set): "
                + (", ".join(change_counts(report.changes)) or "no resource changes listed"))
    if report.executed and report.status:
        head += f", executed: {md.code(report.status)}"
    elif report.change_set:
        head += f", kept for review: {md.code(report.change_set)}"
    parts = [head]
    if report.changes:
        parts.append(md.table(["action", "logical id", "type", "replacement"], [
            (row.action, md.code(row.logical_id), md.code(row.resource_type), row.replacement or "-")
            for row in report.changes]))
    return "\n\n".join(parts)


def stack_json(report: StackReport) -> dict[str, Any]:
    """The documented ``cfn.plan --json`` / ``cfn.deploy --json`` shape."""
    return {
        "stack": report.stack,
        "change_set_type": report.change_set_type,
        "has_changes": report.has_changes,
        "changes": [{"action": r.action, "logical_id": r.logical_id, "resource_type": r.resource_type,
                     "replacement": r.replacement or None, "physical_id": r.physical_id or None}
                    for r in report.changes],
        "executed": report.executed,
        "status": report.status,
        "change_set": report.change_set,
        "outputs": report.outputs,
    }

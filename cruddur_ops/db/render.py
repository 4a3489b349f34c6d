"""Rich renderables for db tasks (no logic, no I/O)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from .admin import Session
from .drift import DriftReport
from .lint import Finding, Report
from .migrations.apply import StepResult
from .migrations.plan import State, Status
from .summary import counts_text

STATE_STYLE = {
    State.APPLIED: "ok",
    State.PENDING: "update",
    State.CHANGED: "failed",
    State.MISSING: "failed",
    State.FAILED: "failed",
}


def status_table(status: Status) -> Table:
    table = Table(box=None, show_edge=False, pad_edge=False)
    for column in ("version", "name", "state", "applied at", "note"):
        table.add_column(column)
    for e in status.entries:
        note = "adopted from schema_information" if e.adopted else ""
        if e.state is State.CHANGED:
            note = "file edited after it was applied"
        elif e.state is State.MISSING:
            note = "applied, but the file is gone"
        elif e.state is State.FAILED and e.failure is not None:
            note = e.failure.describe()
        applied_at = e.applied_at or ("(recorded on first migrate)" if e.adopted else "")
        table.add_row(e.version, e.name, Text(e.state.value, style=STATE_STYLE[e.state]), applied_at, note)
    return table


def status_summary(status: Status) -> Text:
    text = Text(counts_text(status))
    if status.adopting_pointer is not None:
        text.append(f"; schema_information pointer {status.adopting_pointer} will be adopted "
                    "on the first migrate")
    return text


def step_results(results: Sequence[StepResult]) -> Text:
    text = Text()
    for r in results:
        verb = ("would apply" if r.direction == "up" else "would roll back") if not r.executed else (
            "applied" if r.direction == "up" else "rolled back")
        line = f"{verb} {r.step.version}_{r.step.name}"
        if r.executed:
            line += f" ({r.duration_ms} ms)"
        text.append(line + "\n")
        if not r.executed:
            body = textwrap.dedent(r.sql).strip() or "-- (empty)"
            text.append("".join(f"    {ln}\n" for ln in body.splitlines()), style="muted")
    return text


def sessions_table(sessions: Sequence[Session]) -> Table:
    table = Table(box=None, show_edge=False, pad_edge=False)
    for column in ("pid", "user", "db", "client", "app", "state", "query"):
        table.add_column(column)
    for s in sessions:
        table.add_row(str(s.pid), s.user, s.database, s.client, s.application, s.state, s.query)
    return table


def lint_finding(finding: Finding) -> Text:
    text = Text()
    mark = "acknowledged" if finding.acknowledged else finding.category
    text.append(f"{finding.file}:{finding.line}", style="bold")
    text.append(f"  {finding.rule}", style="muted" if finding.acknowledged else "failed")
    text.append(f" ({mark})\n")
    where = "" if finding.direction == "up" else " (rollback_sql)"
    text.append(f"    {shorten_sql(finding.statement)}{where}\n", style="muted")
    text.append(f"    why: {finding.why}\n")
    text.append(f"    safe: {finding.safe}\n")
    return text


def shorten_sql(statement: str, limit: int = 160) -> str:
    return statement if len(statement) <= limit else statement[: limit - 1] + "…"


def lint_report(report: Report) -> Text:
    text = Text()
    for finding in report.findings:
        text.append_text(lint_finding(finding))
    return text


def lint_summary(report: Report) -> Text:
    open_count = len(report.unacknowledged)
    acknowledged = len(report.findings) - open_count
    files = len(report.files)
    if not report.findings:
        return Text(f"{files} migration(s) linted: clean", style="ok")
    return Text(f"{files} migration(s) linted: {open_count} finding(s), {acknowledged} acknowledged",
                style="failed" if open_count else "ok")


def drift_diff(report: DriftReport) -> Text:
    text = Text()
    for line in report.diff:
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "create"
        elif line.startswith("-"):
            style = "delete"
        elif line.startswith("@@"):
            style = "muted"
        text.append(line + "\n", style=style)
    return text

"""What the db tasks show: rich renderables, and the ``show_*`` functions that print them and the
data the db core returns (progress and notes on stderr, results and tables on stdout, through
:mod:`cruddur_ops.console`). No decisions here.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from ..console import consoles, plain
from .admin import Session
from .drift import DriftReport
from .lint import Finding, Report
from .migrations.apply import StepResult
from .migrations.plan import State, Status
from .summary import counts_text

if TYPE_CHECKING:
    from .migrations.apply import Progress
    from .setup import LoadedFile
    from .target import DbTarget

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


# --- printing ------------------------------------------------------------------------------


def say(message: str, style: str | None = None) -> None:
    """A progress line or note, on stderr."""
    consoles().err.print(plain(message, style=style or ""))


def show(message: str) -> None:
    """A result line, on stdout."""
    consoles().out.print(plain(message))


def print_table(table: Table) -> None:
    """Tables are data: piped to a file or a CI log they must not be cut at 80 columns."""
    out = consoles().out
    if out.is_terminal:
        out.print(table)
        return
    from rich.console import Console

    wide = Console(file=io.StringIO(), width=400, no_color=True, highlight=False, emoji=False)
    wide.print(table)
    text = "\n".join(line.rstrip() for line in wide.file.getvalue().splitlines())  # type: ignore[attr-defined]
    out.print(plain(text), soft_wrap=True)


def show_lint_report(report: Report) -> None:
    consoles().err.print(lint_report(report), end="")


def show_target(target: DbTarget) -> None:
    say(f"db: {target.env} → {target.describe()} ({target.source})", "muted")


def show_loaded(loaded: LoadedFile) -> None:
    show(f"loaded {loaded.path.name} into {loaded.dbname}")
    if loaded.recorded_migrations:
        # The old schema-load silently desynced the pointer: the tables were re-created without
        # the migrated columns while the pointer still said "applied".
        say(f"warning: {loaded.recorded_migrations} migration(s) are recorded as applied, but "
            f"{loaded.path.name} may have re-created their tables without them: check `inv db.status`, "
            "or rebuild with `inv db.setup`", "skipped")


def show_progress(event: Progress) -> None:
    """The migration executors' progress callback."""
    if event.event == "waiting-lock":
        say(f"waiting for the migration lock held by {event.detail} …", "muted")
    elif event.event == "adopted":
        say(f"adopted schema_information: {event.detail} migration(s) recorded as applied", "ok")
    elif event.event == "start" and event.step is not None:
        verb = "applying" if event.direction == "up" else "rolling back"
        say(f"{verb} {event.step.version}_{event.step.name} …", "muted")
    elif event.event == "done" and event.step is not None:
        # Printed as each step commits, so a later failure cannot hide what is already applied.
        verb = "applied" if event.direction == "up" else "rolled back"
        show(f"{verb} {event.step.version}_{event.step.name} ({event.detail})")
    elif event.event == "accepted" and event.step is not None:
        say(f"recorded the new checksum of {event.step.version}_{event.step.name}", "skipped")
    elif event.event == "marked" and event.step is not None:
        show(f"marked applied {event.step.version}_{event.step.name} (not run)")

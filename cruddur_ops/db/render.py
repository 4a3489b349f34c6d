"""Rich renderables for db tasks (no logic, no I/O)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from .admin import Session
from .migrations.apply import StepResult
from .migrations.plan import State, Status
from .summary import counts_text

STATE_STYLE = {
    State.APPLIED: "ok",
    State.PENDING: "update",
    State.CHANGED: "failed",
    State.MISSING: "failed",
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

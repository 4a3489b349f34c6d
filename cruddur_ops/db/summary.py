"""Migration status and a migrate run as step summaries (Markdown) and ``--json`` (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..ci import markdown as md
from .migrations.apply import StepResult
from .migrations.plan import Entry, State, Status

NOT_APPLIED = (State.PENDING, State.CHANGED, State.MISSING, State.FAILED)


def _entry(entry: Entry) -> dict[str, Any]:
    shown: dict[str, Any] = {"version": entry.version, "name": entry.name,
                             "applied_at": entry.applied_at, "adopted": entry.adopted}
    if entry.failure is not None:  # a non-transactional migration stopped part-way
        shown["failed_at"] = entry.failure.describe()
    return shown


def status_json(status: Status) -> dict[str, Any]:
    """The documented ``db.status --json`` shape: one list per state, oldest first."""
    return {
        **{state.value: [_entry(e) for e in status.having(state)] for state in State},
        "adopting_pointer": status.adopting_pointer,
    }


def _step(result: StepResult) -> dict[str, Any]:
    return {"version": result.step.version, "name": result.step.name, "duration_ms": result.duration_ms}


def migrate_json(results: Sequence[StepResult], status: Status, *, dry_run: bool,
                 warnings: Sequence[str]) -> dict[str, Any]:
    """``db.migrate --json``: what this run applied (or would apply), then the status after it."""
    return {"dry_run": dry_run, "migrated": [_step(r) for r in results], "warnings": list(warnings),
            **status_json(status)}


def counts_text(status: Status) -> str:
    return ", ".join(f"{n} {state.value}" for state, n in status.state_counts().items())


def status_markdown(status: Status) -> str:
    lines = [f"**Migrations**: {counts_text(status)}"]
    attention = [e for e in status.entries if e.state in NOT_APPLIED]
    if attention:
        shown = attention[:md.SHOWN_PATHS]
        lines.append(md.table(["version", "name", "state"],
                              [(md.code(e.version), md.text(e.name), e.state.value) for e in shown]))
        if len(attention) > len(shown):
            lines.append(f"… and {len(attention) - len(shown)} more")
    return "\n\n".join(lines)


def migrate_markdown(results: Sequence[StepResult], *, dry_run: bool, database: str) -> str:
    if not results:
        return f"**Nothing to migrate**: {md.code(database)} is up to date."
    verb = "Would apply" if dry_run else "Applied"
    head = f"**{verb} {md.plural(len(results), 'migration')}** to {md.code(database)}"
    rows = [(md.code(r.step.version), md.text(r.step.name), "-" if dry_run else f"{r.duration_ms} ms")
            for r in results]
    return head + "\n\n" + md.table(["version", "name", "took"], rows)

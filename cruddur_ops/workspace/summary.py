"""workspace.init's steps as a step summary (Markdown, pure)."""

from __future__ import annotations

from collections.abc import Sequence

from ..ci import markdown as md
from .steps import StepResult

ICONS = {"ok": "✅", "skipped": "⏭️", "failed": "❌"}


def step_counts(results: Sequence[StepResult]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in ("ok", "skipped", "failed")}


def init_markdown(results: Sequence[StepResult], *, dry_run: bool) -> str:
    counts = step_counts(results)
    head = f"**Workspace**: {counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed"
    if dry_run:
        head += " (dry run: nothing changed)"
    rows = [(f"{ICONS.get(r.status, '')} {r.status}", md.text(r.name),
             md.text(r.detail) + (f" (hint: {md.text(r.hint)})" if r.hint else "")) for r in results]
    return head + "\n\n" + md.table(["status", "step", "detail"], rows)

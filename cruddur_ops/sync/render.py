"""Rich renderables for the plan preview and the apply summary, plus progress bars. No logic
beyond formatting: every number shown comes from the plan or the apply result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group
from rich.text import Text

from ..units import human_size
from .apply import ApplyResult
from .invalidation import InvalidationPlan
from .model import Plan, PlanItem

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "no_change": "=", "ignore": "!"}
__all__ = ["apply_summary", "counts_line", "failures", "human_size", "no_changes", "preview", "progress_bar"]
HIDDEN_BY_DEFAULT = frozenset({"no_change", "ignore"})  # the gem's `silent: "ignore,no_change"`


def _line(item: PlanItem, width: int) -> Text:
    line = Text("  ")
    line.append(f"{SYMBOLS[item.action]} {item.path.ljust(width)}", style=item.action)
    size = item.size if item.action != "delete" else item.remote_size
    line.append(f"  {human_size(size).rjust(9) if size is not None else ' ' * 9}", style="muted")
    line.append(f"  {item.reason}", style="muted")
    return line


def counts_line(plan: Plan) -> Text:
    text = Text("Plan: ", style="bold")
    text.append(f"{plan.count('create')} to create", style="create")
    text.append(", ")
    text.append(f"{plan.count('update')} to update", style="update")
    text.append(", ")
    text.append(f"{plan.count('delete')} to delete", style="delete")
    text.append(f", {plan.count('no_change')} unchanged, {plan.count('ignore')} ignored.")
    return text


def preview(plan: Plan, *, source: str, invalidation: InvalidationPlan | None,
            distribution_id: str | None, invalidation_note: str | None = None,
            show_all: bool = False, changeset: str | None = None, warning: str | None = None) -> Group:
    shown = [i for i in plan.items if show_all or i.action not in HIDDEN_BY_DEFAULT]
    width = min(max((len(i.path) for i in shown), default=0), 60)
    parts: list[Any] = [Text(f"s3://{plan.bucket}/{plan.prefix}  ←  {source}", style="bold"), Text("")]
    if shown:
        body = Text("\n").join(_line(item, width) for item in shown)
        parts.extend([body, Text("")])
    parts.extend(Text(note, style="muted") for note in plan.notes)
    parts.append(counts_line(plan))
    uploads = plan.count("create") + plan.count("update")
    details = Text(f"Upload: {human_size(plan.upload_bytes)} in {uploads} file{'s' if uploads != 1 else ''}")
    if plan.heads:
        details.append(f" · {plan.heads} HEAD request{'s' if plan.heads != 1 else ''} (non-MD5 ETags)")
    parts.append(details)
    if invalidation_note:
        parts.append(Text(f"CloudFront: {invalidation_note}", style="muted"))
    elif distribution_id and invalidation is not None and invalidation.empty:
        parts.append(Text(f"CloudFront: nothing to invalidate on {distribution_id}", style="muted"))
    elif distribution_id and invalidation is not None:
        n = len(invalidation.paths)
        line = Text(f"CloudFront: {n} invalidation path{'s' if n != 1 else ''} on {distribution_id}")
        if invalidation.collapsed and invalidation.raw_count != n:
            line.append(f" (collapsed from {invalidation.raw_count})")
        if 0 < n <= 5:
            line.append(": " + " ".join(invalidation.paths), style="muted")
        parts.append(line)
    if changeset:
        parts.append(Text(f"Changeset: {changeset}", style="muted"))
    if warning:
        parts.append(Text(f"warning: {warning}", style="failed"))
    return Group(*parts)


def no_changes() -> Text:
    return Text("No changes. The bucket matches the build.", style="ok")


def apply_summary(result: ApplyResult, seconds: float, *, dry_run: bool = False) -> Text:
    verb = "would upload" if dry_run else "uploaded"
    text = Text("Dry run: " if dry_run else "Applied: ", style="bold")
    text.append(f"{verb} {len(result.uploaded)} "
                f"({human_size(result.bytes_uploaded)}), ")
    text.append(f"{'would delete' if dry_run else 'deleted'} {len(result.deleted)}")
    if result.failed:
        text.append(f", {len(result.failed)} failed", style="failed")
    if result.skipped:
        text.append(f", {len(result.skipped)} not attempted", style="failed")
    text.append(f" in {seconds:.1f} s.")
    return text


def failures(result: ApplyResult, limit: int = 20) -> Text:
    lines = [Text(f"  failed: {key}: {why}", style="failed") for key, why in result.failed[:limit]]
    if len(result.failed) > limit:
        lines.append(Text(f"  … and {len(result.failed) - limit} more", style="failed"))
    return Text("\n").join(lines)


@contextmanager
def progress_bar(console: Console, description: str, *, enabled: bool,
                 total: int | None = None) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """``(advance, set_total)`` callables; no-ops when live output is off (CI, pipes)."""
    if not enabled:
        yield (lambda n: None), (lambda n: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield (lambda n: progress.advance(task, n)), (lambda n: progress.update(task, total=n))


def release_summary(*, record: bool, keep: int, kept: int = 0, kept_bytes: int = 0, pruned: int = 0,
                    pruned_bytes: int = 0, rollback_to: str | None = None) -> Text | None:
    """The preview's line on releases: what skew protection keeps and prunes, and whether this
    run records a release. None when there is nothing to say."""
    parts: list[str] = []
    if kept:
        parts.append(f"{kept} kept for the last {keep} releases ({human_size(kept_bytes)})")
    if pruned:
        parts.append(f"{pruned} pruned ({human_size(pruned_bytes)}), no release of the last {keep} needs them")
    if rollback_to:
        parts.append(f"makes release {rollback_to} live again")
    elif record:
        parts.append("records a new release")
    return Text("Releases: " + "; ".join(parts) + ".", style="muted") if parts else None


def releases_table(rows: list[dict[str, Any]]) -> Text:
    """``frontend.releases``: newest first, the live one marked with ``*``; two lines each, so
    long run URLs fit any width. The id says when (UTC, to the millisecond)."""
    lines: list[Text] = []
    for row in rows:
        head = Text(f"{'*' if row['live'] else ' '} {row['id']}  ", style="ok" if row["live"] else "")
        head.append(f"{row['kind']}" + (f" to {row['rollback_of']}" if row.get("rollback_of") else ""))
        if row["live"]:
            head.append("  (live)", style="ok")
        lines.append(head)
        lines.append(Text(f"    commit {(row['commit'] or '-')[:12]} · {row['where'] or '-'} · "
                          f"{row['files']} files, {human_size(row['bytes'])}", style="muted"))
    return Text("\n").join(lines)

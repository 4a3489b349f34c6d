"""Rich renderables for the plan preview and the apply summary, plus progress bars. No logic
beyond formatting: every number shown comes from the plan or the apply result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from ..units import human_size
from .apply import ApplyResult
from .invalidation import InvalidationPlan
from .model import Plan, PlanItem
from .rollup import ROLLUP_THRESHOLD, Rollup, item_bytes, rollup

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "no_change": "=", "ignore": "!"}
__all__ = ["apply_summary", "counts_line", "failures", "human_size", "no_changes", "preview", "progress_bar"]
HIDDEN_BY_DEFAULT = frozenset({"no_change", "ignore"})  # the gem's `silent: "ignore,no_change"`
TOP_LEVEL = "(top level)"  # the folder of keys without a "/" in a roll-up


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


LINES_PER_PART = 1000  # file lines per renderable: rich renders a whole print() call in memory


def _file_lines(items: Iterable[PlanItem], width: int) -> Iterator[Text]:
    """The file lines joined in parts of LINES_PER_PART (rendered and printed one part at a
    time, a 100,000-line ``--show-all`` never exists as one rich document)."""
    batch: list[Text] = []
    for item in items:
        batch.append(_line(item, width))
        if len(batch) == LINES_PER_PART:
            yield Text("\n").join(batch)
            batch = []
    if batch:
        yield Text("\n").join(batch)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _rolled_up(summary: Rollup) -> Iterator[Text]:
    """One line per folder and action, its first and largest files under it, then the rest."""
    folder_width = min(max((len(g.folder or TOP_LEVEL) for g in summary.groups), default=0), 60)
    file_width = min(max((len(i.path) for g in summary.groups for i in g.samples), default=0), 56)
    for group in summary.groups:
        lines = Text("  ")
        lines.append(f"{SYMBOLS[group.action]} {(group.folder or TOP_LEVEL).ljust(folder_width)}",
                     style=group.action)
        lines.append(f"  {_plural(group.files, 'file').rjust(13)}  {human_size(group.bytes).rjust(9)}")
        for item in group.samples:
            line = Text("      ")
            line.append(item.path.ljust(file_width), style=group.action)
            line.append(f"  {human_size(item_bytes(item)).rjust(9)}", style="muted")
            note = f"largest · {item.reason}" if item is group.largest and group.files > 1 else item.reason
            line.append(f"  {note}", style="muted")
            lines.append("\n").append_text(line)
        more = group.files - len(group.samples)
        if more:
            lines.append(f"\n      … and {more:,} more", style="muted")
        yield lines
    if summary.rest is not None:
        rest = summary.rest
        yield Text(f"  … {_plural(rest.folders, 'more folder')}: {_plural(rest.files, 'file')}  "
                   f"{human_size(rest.bytes)}", style="muted")


def preview_parts(plan: Plan, *, source: str, invalidation: InvalidationPlan | None,
                  distribution_id: str | None, invalidation_note: str | None = None,
                  show_all: bool = False, changeset: str | None = None,
                  warning: str | None = None) -> Iterator[Text]:
    """The preview, one renderable at a time (print each as it comes: see print_parts).

    Every shown file gets a line, unless more than ROLLUP_THRESHOLD changes are shown without
    ``show_all``: then they are rolled up by folder (see rollup.py), with a totals line.
    """
    def is_shown(item: PlanItem) -> bool:
        return show_all or item.action not in HIDDEN_BY_DEFAULT

    shown = len(plan.items) if show_all else plan.tally.changes
    yield Text(f"s3://{plan.bucket}/{plan.prefix}  ←  {source}", style="bold")
    yield Text("")
    summary = None
    if shown > ROLLUP_THRESHOLD and not show_all:
        summary = rollup(item for item in plan.items if is_shown(item))
        yield from _rolled_up(summary)
        yield Text("")
    elif shown:
        width = min(max(len(i.path) for i in plan.items if is_shown(i)), 60)
        yield from _file_lines((i for i in plan.items if is_shown(i)), width)
        yield Text("")
    yield from (Text(note, style="muted") for note in plan.notes)
    yield counts_line(plan)
    uploads = plan.count("create") + plan.count("update")
    details = Text(f"Upload: {human_size(plan.upload_bytes)} in {uploads} file{'s' if uploads != 1 else ''}")
    if plan.heads:
        details.append(f" · {plan.heads} HEAD request{'s' if plan.heads != 1 else ''} (non-MD5 ETags)")
    yield details
    if summary is not None:
        yield Text(f"Rolled up: {_plural(summary.files, 'changed file')} in "
                   f"{_plural(summary.folders, 'folder')}, {human_size(summary.bytes)}; "
                   "--show-all lists every file.", style="muted")
    if invalidation_note:
        yield Text(f"CloudFront: {invalidation_note}", style="muted")
    elif distribution_id and invalidation is not None and invalidation.empty:
        yield Text(f"CloudFront: nothing to invalidate on {distribution_id}", style="muted")
    elif distribution_id and invalidation is not None:
        n = len(invalidation.paths)
        line = Text(f"CloudFront: {n} invalidation path{'s' if n != 1 else ''} on {distribution_id}")
        if invalidation.collapsed and invalidation.raw_count != n:
            line.append(f" (collapsed from {invalidation.raw_count})")
        if 0 < n <= 5:
            line.append(": " + " ".join(invalidation.paths), style="muted")
        yield line
    if changeset:
        yield Text(f"Changeset: {changeset}", style="muted")
    if warning:
        yield Text(f"warning: {warning}", style="failed")


class Lazy:
    """A renderable over a generator of parts, made when it is rendered (for callers that want
    one object; printing the parts one by one with print_parts keeps memory flat)."""

    def __init__(self, parts: Callable[[], Iterable[Any]]) -> None:
        self._parts = parts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self._parts()


def preview(plan: Plan, **options: Any) -> Lazy:
    """The whole preview as one renderable: see preview_parts."""
    return Lazy(lambda: preview_parts(plan, **options))


def print_parts(console: Console, parts: Iterable[Any]) -> None:
    """Print each part as it is produced: rich keeps only one part's rendering at a time."""
    for part in parts:
        console.print(part)


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

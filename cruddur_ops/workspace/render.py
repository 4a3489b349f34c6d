"""Rich lines for workspace.init's step report. No decisions here."""

from __future__ import annotations

from rich.text import Text

from .steps import StepResult
from .summary import step_counts

WIDTH = len("skipped")


def step_lines(results: list[StepResult], *, dry_run: bool = False) -> list[Text]:
    lines: list[Text] = []
    for result in results:
        line = Text(result.status.ljust(WIDTH), style=result.status)
        line.append(f"  {result.name}: {result.detail}")
        lines.append(line)
        if result.hint:
            lines.append(Text(f"{'':{WIDTH}}  hint: {result.hint}", style="hint"))
    exports = [extra for r in results for extra in r.extra]
    lines.extend(Text(e) for e in exports)
    counts = step_counts(results)
    tail = " (dry run: nothing changed)" if dry_run else ""
    lines.append(
        Text(f"{counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed{tail}")
    )
    return lines

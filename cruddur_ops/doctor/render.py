"""The doctor's report: one row per link, ok / wrong / skipped, and the fix for each wrong one."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.text import Text

from .checks import CheckResult

MARK = {"ok": ("ok", "ok"), "wrong": ("WRONG", "failed"), "skipped": ("skip", "skipped"),
        "note": ("note", "skipped")}


def result_lines(result: CheckResult) -> RenderableType:
    label, style = MARK[result.status]
    line = Text(f"{label:>5}  ", style=style) + Text(f"{result.link}: ", style="bold") + Text(result.detail)
    if result.fix:
        return Group(line, Text("       fix: ", style="hint") + Text(result.fix))
    return line


def report(bucket: str, distribution_id: str, results: Iterable[CheckResult]) -> RenderableType:
    results = list(results)
    header = Text(f"site chain: CloudFront {distribution_id or '(none)'} → s3://{bucket}")
    broken = sum(r.broken for r in results)
    summary = (Text(f"{broken} broken link(s)", style="failed") if broken
               else Text("every link is ok", style="ok"))
    return Group(header, *(result_lines(r) for r in results), summary)

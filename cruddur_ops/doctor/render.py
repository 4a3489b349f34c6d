"""The doctor's report: one row per link, ok / wrong / skipped, and the fix for each wrong one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from rich.console import Group, RenderableType
from rich.text import Text

from .. import ci
from ..console import consoles, plain
from .checks import CheckResult
from .site import SiteToCheck
from .snapshot import SiteSnapshot

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


def show_stack_source(site: SiteToCheck) -> None:
    """Say where the bucket and distribution came from when no setting named them."""
    consoles().err.print(plain(f"using the {site.from_stack} stack's outputs: bucket {site.bucket or '?'}, "
                               f"distribution {site.distribution_id or '?'}", style="muted"))


def show(snapshot: SiteSnapshot, results: list[CheckResult], *, as_json: bool) -> None:
    """The report on stdout, or the checks as the task's JSON document (also when a link is broken)."""
    if as_json:
        ci.result([asdict(r) for r in results])
    else:
        consoles().out.print(report(snapshot.bucket_name, snapshot.distribution_id, results))

"""The Lambda doctor's report and JSON: the rows are drawn by the site doctor's renderer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from ..doctor.checks import CheckResult
from ..doctor.render import result_lines


def report(function_name: str, region: str, results: Iterable[CheckResult]) -> RenderableType:
    results = list(results)
    broken = sum(r.broken for r in results)
    summary = (Text(f"{broken} broken link(s)", style="failed") if broken
               else Text("every link is ok", style="ok"))
    header = Text(f"Lambda {function_name} ({region}) → Secrets Manager → RDS")
    return Group(header, *(result_lines(r) for r in results), summary)


def as_json(results: Iterable[CheckResult]) -> list[dict[str, Any]]:
    """``name``, ``ok`` (null when skipped), ``status``, ``detail``, ``fix`` per link."""
    return [{"name": r.link, "ok": None if r.status == "skipped" else not r.broken, "status": r.status,
             "detail": r.detail, "fix": r.fix} for r in results]

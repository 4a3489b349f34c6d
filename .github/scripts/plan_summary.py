"""Render `inv frontend.plan --json` output as Markdown for a GitHub run's summary page.

    python .github/scripts/plan_summary.py PLAN.json >> "$GITHUB_STEP_SUMMARY"

Used by .github/workflows/deploy-preview.yaml. Standard library only: it runs before and
independently of the toolkit's environment. Paths come from a pull request's build, so every
cell is escaped: a file name cannot inject Markdown or HTML into the summary.
"""

from __future__ import annotations

import html
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHANGES = ("create", "update", "delete")
COLUMNS = (*CHANGES, "no_change", "ignore")
HEADINGS = {"create": "create", "update": "update", "delete": "delete",
            "no_change": "unchanged", "ignore": "ignored"}
SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
MAX_ROWS = 50  # a summary page is for reading; the full plan stays in the job's log


def human_bytes(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


def cell(value: object) -> str:
    """One table cell: HTML-escaped, pipes and backticks neutralised, on one line."""
    text = html.escape(str(value), quote=False).replace("|", "&#124;").replace("`", "&#96;")
    return " ".join(text.split())


def plan_items(data: Any) -> list[dict[str, Any]]:
    """The changeset array (a list of items, each with at least ``path`` and ``action``)."""
    if not isinstance(data, list) or not all(
        isinstance(item, dict) and isinstance(item.get("path"), str) and isinstance(item.get("action"), str)
        for item in data
    ):
        raise ValueError("not a frontend.plan changeset (a JSON array of {path, action, ...} items)")
    return data


def render(items: Sequence[dict[str, Any]], *, bucket: str = "") -> str:
    counts = Counter(item["action"] for item in items)
    changes = [item for item in items if item["action"] in CHANGES]
    upload = [item for item in changes if item["action"] != "delete"]
    upload_bytes = sum(int(item.get("size") or 0) for item in upload)
    target = f" for `s3://{cell(bucket)}`" if bucket else ""
    lines = [
        f"### Deploy preview: sync plan{target}",
        "",
        "| " + " | ".join(HEADINGS[c] for c in COLUMNS) + " |",
        "|" + "---:|" * len(COLUMNS),
        "| " + " | ".join(str(counts.get(c, 0)) for c in COLUMNS) + " |",
        "",
    ]
    if not changes:
        lines.append("No changes: the bucket matches this build.")
        return "\n".join(lines) + "\n"
    lines.append(f"Upload: {human_bytes(upload_bytes)} in {len(upload)} files. "
                 "Nothing was changed; `frontend.sync` on the deploy branch applies it.")
    lines += [
        "",
        f"<details><summary>Changes ({len(changes)}{'' if len(changes) <= MAX_ROWS else f', first {MAX_ROWS}'})</summary>",
        "",
        "| | path | size | reason |",
        "|---|---|---:|---|",
    ]
    for item in changes[:MAX_ROWS]:
        size = item.get("size")
        lines.append(
            f"| {SYMBOLS[item['action']]} | {cell(item['path'])} "
            f"| {human_bytes(int(size)) if isinstance(size, int) else ''} | {cell(item.get('reason', ''))} |"
        )
    if len(changes) > MAX_ROWS:
        lines.append(f"\n… and {len(changes) - MAX_ROWS} more in the job's log.")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: plan_summary.py PLAN.json", file=sys.stderr)
        return 2
    try:
        items = plan_items(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        print(f"error: cannot read the plan {argv[0]}: {exc}", file=sys.stderr)
        print("hint: it is the stdout of `inv frontend.plan --json`", file=sys.stderr)
        return 1
    sys.stdout.write(render(items, bucket=os.environ.get("SYNC_S3_BUCKET", "")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

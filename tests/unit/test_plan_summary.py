"""The deploy-preview job's Markdown summary of `inv frontend.plan --json` (.github/scripts)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "scripts" / "plan_summary.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("plan_summary", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plan_summary = load_script()


def item(path: str, action: str, size: int | None = 100, reason: str = "r") -> dict[str, Any]:
    data: dict[str, Any] = {"path": path, "action": action, "reason": reason}
    if size is not None:
        data["size"] = size
    return data


def test_counts_bytes_and_changed_paths() -> None:
    items = [item("index.html", "update", 799, "md5 differs"), item("static/js/a.js", "create", 8000),
             item("old.txt", "delete", None, "not in build"), item("robots.txt", "no_change", 67),
             item("b.map", "ignore", 5)]
    text = plan_summary.render(items, bucket="cruddur.example.com")
    lines = text.splitlines()
    assert lines[0] == "### Deploy preview: sync plan for `s3://cruddur.example.com`"
    assert lines[2:5] == ["| create | update | delete | unchanged | ignored |",
                          "|---:|---:|---:|---:|---:|",
                          "| 1 | 1 | 1 | 1 | 1 |"]
    assert "Upload: 8.8 kB in 2 files." in text
    assert "| ~ | index.html | 799 B | md5 differs |" in lines
    assert "| + | static/js/a.js | 8.0 kB | r |" in lines
    assert "| - | old.txt |  | not in build |" in lines
    assert "robots.txt" not in text and "b.map" not in text  # unchanged and ignored are counted only
    assert "<summary>Changes (3)</summary>" in text


def test_no_changes() -> None:
    text = plan_summary.render([item("index.html", "no_change")])
    assert text.splitlines()[0] == "### Deploy preview: sync plan"
    assert "| 0 | 0 | 0 | 1 | 0 |" in text
    assert "No changes: the bucket matches this build." in text and "<details>" not in text


def test_long_plans_list_the_first_rows_and_count_the_rest() -> None:
    items = [item(f"f{i:03}.txt", "create") for i in range(plan_summary.MAX_ROWS + 7)]
    text = plan_summary.render(items)
    assert f"<summary>Changes ({plan_summary.MAX_ROWS + 7}, first {plan_summary.MAX_ROWS})</summary>" in text
    assert f"f{plan_summary.MAX_ROWS - 1:03}.txt" in text and f"f{plan_summary.MAX_ROWS:03}.txt" not in text
    assert "… and 7 more in the job's log." in text


def test_a_file_name_cannot_inject_markdown_or_html() -> None:
    name = "x|y`z</details><img src=a onerror=b>\nline.txt"
    text = plan_summary.render([item(name, "create")])
    row = next(line for line in text.splitlines() if line.startswith("| + |"))
    assert row == "| + | x&#124;y&#96;z&lt;/details&gt;&lt;img src=a onerror=b&gt; line.txt | 100 B | r |"
    assert text.count("</details>") == 1


@pytest.mark.parametrize(("size", "shown"), [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"),
                                             (27_900, "27.9 kB"), (5_300_000, "5.3 MB")])
def test_human_bytes(size: int, shown: str) -> None:
    assert plan_summary.human_bytes(size) == shown


def test_command_line_appends_markdown(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([item("index.html", "create", 799)]))
    result = subprocess.run([sys.executable, str(SCRIPT), str(plan)], capture_output=True, text=True,
                            env={"SYNC_S3_BUCKET": "b"}, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("### Deploy preview: sync plan for `s3://b`\n")


@pytest.mark.parametrize("content", ["", "Plan: 1 to create", '{"items": []}', '[{"action": "create"}]'])
def test_anything_but_a_changeset_is_one_error_and_a_hint(tmp_path: Path, content: str) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(content)
    result = subprocess.run([sys.executable, str(SCRIPT), str(plan)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"error: cannot read the plan {plan}: ")
    assert lines[1] == "hint: it is the stdout of `inv frontend.plan --json`"

"""The preview and summary text, and the invalidation journal."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from cruddur_ops.console import theme
from cruddur_ops.sync import journal
from cruddur_ops.sync.apply import ApplyResult
from cruddur_ops.sync.invalidation import plan_invalidation
from cruddur_ops.sync.model import LocalFile, RemoteObject
from cruddur_ops.sync.plan import build_plan
from cruddur_ops.sync.render import apply_summary, human_size, preview


def render(renderable, color: bool = False) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=200, theme=theme(), no_color=not color, force_terminal=color,
            color_system="standard" if color else None).print(renderable)
    return buffer.getvalue()


def _plan():
    return build_plan(
        [LocalFile("index.html", "index.html", 1200, "a" * 32), LocalFile("app.js", "app.js", 10, "b" * 32),
         LocalFile("same.css", "same.css", 5, "c" * 32)],
        {"index.html": RemoteObject("index.html", 1100, "d" * 32), "same.css": RemoteObject("same.css", 5, "c" * 32),
         "old.png": RemoteObject("old.png", 7, "e" * 32)},
        bucket="bkt")


def test_preview_is_terraform_like_and_hides_unchanged_by_default() -> None:
    plan = _plan()
    inv = plan_invalidation(plan.items)
    text = render(preview(plan, source="build", invalidation=inv, distribution_id="E1", changeset="c.json"))
    assert "s3://bkt/  ←  build" in text
    assert "  + app.js" in text and "  ~ index.html" in text and "  - old.png" in text
    assert "same.css" not in text
    assert "Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged, 0 ignored." in text
    assert "Upload: 1.2 kB in 2 files" in text
    assert "CloudFront: 4 invalidation paths on E1" in text and "Changeset: c.json" in text
    assert "\x1b[" not in text  # no colours without a terminal
    full = render(preview(plan, source="build", invalidation=None, distribution_id=None, show_all=True,
                          invalidation_note="no distribution: invalidation skipped"))
    assert "  = same.css" in full and "no distribution: invalidation skipped" in full


def test_build_notes_are_shown_before_the_counts() -> None:
    plan = build_plan([LocalFile("index.html", "index.html", 1, "a" * 32)], {}, bucket="bkt",
                      notes=["Bundler: Vite (.vite/manifest.json: 4 hashed files)", "Not published: .vite/"])
    text = render(preview(plan, source="dist", invalidation=None, distribution_id=None))
    assert "Bundler: Vite (.vite/manifest.json: 4 hashed files)\nNot published: .vite/\nPlan: 1 to create" in text


def test_colours_only_on_a_terminal() -> None:
    text = render(preview(_plan(), source="b", invalidation=None, distribution_id=None), color=True)
    assert "\x1b[32m" in text  # green creates


def test_summary_and_sizes() -> None:
    result = ApplyResult(uploaded=["a"], deleted=["b", "c"], bytes_uploaded=2048)
    assert "Applied: uploaded 1 (2.0 kB), deleted 2 in 1.5 s." in render(apply_summary(result, 1.5))
    assert "Dry run: would upload 1" in render(apply_summary(result, 0.1, dry_run=True))
    assert human_size(999) == "999 B" and human_size(1_500_000) == "1.5 MB"


def test_journal_records_owed_paths_until_cleared(tmp_path: Path) -> None:
    path = journal.journal_path(tmp_path, "my bucket", "E1")
    assert journal.owed(path) == []
    journal.record(path, ["/b", "/a", "/a"])
    assert journal.owed(path) == ["/a", "/b"]
    journal.clear(path)
    assert journal.owed(path) == [] and not path.exists()
    path.write_text("garbage")
    assert journal.owed(path) == []


def test_the_release_line_and_the_releases_list() -> None:
    from cruddur_ops.sync.render import release_summary, releases_table

    line = release_summary(record=True, keep=3, kept=2, kept_bytes=1500, pruned=1, pruned_bytes=20)
    assert line is not None and line.plain == (
        "Releases: 2 kept for the last 3 releases (1.5 kB); 1 pruned (20 B), no release of the last 3 "
        "needs them; records a new release.")
    assert release_summary(record=False, keep=3) is None
    rows = [{"id": "r2", "created": "t", "live": True, "kind": "rollback", "rollback_of": "r1", "commit": "f" * 40,
             "where": "https://github.com/o/r/actions/runs/1", "files": 20, "bytes": 27900},
            {"id": "r1", "created": "t", "live": False, "kind": "sync", "rollback_of": None, "commit": None,
             "where": "me@laptop", "files": 19, "bytes": 100}]
    assert releases_table(rows).plain.splitlines() == [
        "* r2  rollback to r1  (live)",
        "    commit ffffffffffff · https://github.com/o/r/actions/runs/1 · 20 files, 27.9 kB",
        "  r1  sync",
        "    commit - · me@laptop · 19 files, 100 B",
    ]

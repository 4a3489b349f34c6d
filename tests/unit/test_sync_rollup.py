"""The preview of a big plan rolls its changes up by folder, and the lines add up."""

from __future__ import annotations

import io
import re

from cruddur_ops.console import make_console
from cruddur_ops.sync.model import LocalFile, Plan, PlanItem, RemoteObject
from cruddur_ops.sync.plan import PlanRules, build_plan
from cruddur_ops.sync.render import LINES_PER_PART, preview_parts, print_parts
from cruddur_ops.sync.rollup import MAX_GROUPS, ROLLUP_THRESHOLD, SAMPLE_FILES, item_bytes, rollup

FOLDER_LINE = re.compile(r"^  ([+~-]) (\S.*?)\s+([\d,]+) files?\s+([\d.]+) (B|kB|MB|GB)$")
TOTALS_LINE = re.compile(r"^Rolled up: ([\d,]+) changed files? in ([\d,]+) folders?, ([\d.]+) (B|kB|MB|GB); "
                         r"--show-all lists every file\.$")
UNITS = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}


def md5(n: int) -> str:
    return f"{n:032x}"


def big_plan(files: int = 5_000) -> Plan:
    """``files`` local files over folders of several depths: 1 in 5 already in the bucket
    unchanged, 1 in 10 changed, the rest new; plus 300 objects gone from the build and 50
    ignored ones."""
    folders = ["static/media/", "static/js/", "docs/guide/", "docs/api/v1/", "docs/api/v2/deep/", ""]
    local, remote = [], {}
    for i in range(files):
        folder = folders[i % len(folders)] if i % 7 else "static/media/"
        if i % 11 == 0:  # a reference tree of many small folders: rolled up into its parent
            folder = f"docs/reference/{i % 23:02d}/{i % 3}/"
        key = f"{folder}page-{i:05d}.{'html' if i % 3 else 'png'}"
        size = 100 + (i * 7919) % 50_000
        local.append(LocalFile(key, key, size, md5(i)))
        if i % 5 == 0:
            remote[key] = RemoteObject(key, size, md5(i))  # unchanged
        elif i % 10 == 1:
            remote[key] = RemoteObject(key, size + 1, md5(i + 1))  # update
    for i in range(300):
        key = f"static/old/{i % 4}/gone-{i:04d}.js"
        remote[key] = RemoteObject(key, 1_000 + i, md5(10_000 + i))
    for i in range(50):
        key = f"keep/{i:03d}.txt"
        remote[key] = RemoteObject(key, 5, md5(20_000 + i))
    return build_plan(sorted(local, key=lambda f: f.key), remote, bucket="docs-site",
                      rules=PlanRules(ignore=("keep/*",)))


def printed(plan: Plan, **options: object) -> list[str]:
    buffer = io.StringIO()
    print_parts(make_console(buffer, {}), preview_parts(plan, source="build", invalidation=None,
                                                        distribution_id=None, **options))
    return buffer.getvalue().splitlines()


def test_a_5000_file_plan_rolls_up_and_the_folders_add_up_to_the_totals() -> None:
    plan = big_plan()
    changes = [i for i in plan.items if i.is_change]
    assert len(changes) > ROLLUP_THRESHOLD and plan.count("delete") == 300 and plan.count("update") > 0

    lines = printed(plan)
    assert len(lines) < 150  # not 4,000+ file lines
    folder_lines = [m for m in map(FOLDER_LINE.match, lines) if m]
    totals = [m for m in map(TOTALS_LINE.match, lines) if m]
    assert len(totals) == 1 and folder_lines
    total_files = int(totals[0][1].replace(",", ""))
    # every change is in exactly one folder line, and the totals count them all
    assert sum(int(m[3].replace(",", "")) for m in folder_lines) == total_files == len(changes)
    assert int(totals[0][2]) == len({m[2] for m in folder_lines})
    assert {m[1] for m in folder_lines} == {"+", "~", "-"}
    # the printed sizes are rounded: they add up within the rounding of each
    shown = sum(float(m[4]) * UNITS[m[5]] for m in folder_lines)
    slack = sum(0.05 * UNITS[m[5]] for m in folder_lines) + 0.05 * UNITS[totals[0][4]]
    assert abs(shown - float(totals[0][3]) * UNITS[totals[0][4]]) <= slack
    # and the counts line is today's
    assert (f"Plan: {plan.count('create')} to create, {plan.count('update')} to update, "
            f"300 to delete, {plan.count('no_change')} unchanged, 50 ignored.") in lines


def test_the_rollup_is_exact_per_folder_and_action() -> None:
    plan = big_plan()
    changes = [i for i in plan.items if i.is_change]
    summary = rollup(changes)
    assert sum(g.files for g in summary.groups) == summary.files == len(changes)
    assert sum(g.bytes for g in summary.groups) == summary.bytes == sum(item_bytes(i) for i in changes)
    assert summary.bytes == plan.upload_bytes + sum(i.remote_size or 0 for i in changes if i.action == "delete")
    assert summary.rest is None and len(summary.groups) <= MAX_GROUPS
    # the 69 reference folders (23 × 3) are cut to docs/reference/; static/old/0-3 to static/old/
    folders = {g.folder for g in summary.groups}
    assert "docs/reference/" in folders and "static/old/" in folders and "static/media/" in folders
    assert not any(f.startswith("docs/reference/") and f != "docs/reference/" for f in folders)

    def group_of(item: PlanItem) -> str:
        """The longest group folder holding the item's folder, for the item's action."""
        own = item.path[:item.path.rfind("/") + 1]
        return max((g.folder for g in summary.groups if g.action == item.action and own.startswith(g.folder)),
                   key=len)

    for group in summary.groups:
        members = [i for i in changes if i.action == group.action and group_of(i) == group.folder]
        assert group.files == len(members) and group.bytes == sum(item_bytes(i) for i in members)
        assert group.first == tuple(members[:SAMPLE_FILES])  # the first by key
        biggest = max(item_bytes(i) for i in members)
        assert item_bytes(group.largest) == biggest
        assert group.largest == next(i for i in members if item_bytes(i) == biggest)


def test_past_the_group_limit_folders_are_cut_shallower_then_the_rest_is_summed() -> None:
    deep = [LocalFile(f"docs/v{n}/p{i}.html", f"docs/v{n}/p{i}.html", 10 + min(n, 30), md5(n * 100 + i))
            for n in range(40) for i in range(10)]
    summary = rollup(build_plan(deep, {}, bucket="b").items)
    assert [g.folder for g in summary.groups] == ["docs/"]  # 40 folders → their parent
    assert summary.groups[0].files == 400 and summary.folders == 1
    assert summary.groups[0].bytes == sum(f.size for f in deep) == summary.bytes
    assert summary.groups[0].first == tuple(build_plan(deep, {}, bucket="b").items[:SAMPLE_FILES])
    assert summary.groups[0].largest.path == "docs/v30/p0.html"  # the earliest of the biggest (v30-v39)

    wide = [LocalFile(f"t{n:02d}/p{i}.html", f"t{n:02d}/p{i}.html", 10, md5(n * 100 + i))
            for n in range(45) for i in range(n + 1)]
    plan = build_plan(wide, {}, bucket="b")
    summary = rollup(plan.items)
    assert len(summary.groups) == MAX_GROUPS - 1 and summary.rest is not None
    assert summary.groups[0].folder > "t" and min(g.files for g in summary.groups) > 45 - MAX_GROUPS
    assert summary.files == len(wide) == sum(g.files for g in summary.groups) + summary.rest.files
    assert summary.folders == 45 and summary.rest.folders == 45 - (MAX_GROUPS - 1)
    lines = printed(plan)
    assert f"  … {summary.rest.folders} more folders: {summary.rest.files:,} files  " \
           f"{summary.rest.bytes / 1000:.1f} kB" in lines


def test_the_threshold_and_show_all() -> None:
    files = [LocalFile(f"a/{i:04d}.js", f"a/{i:04d}.js", 10, md5(i)) for i in range(ROLLUP_THRESHOLD + 1)]
    at_threshold = build_plan(files[:ROLLUP_THRESHOLD], {}, bucket="b")
    assert sum(1 for line in printed(at_threshold) if line.startswith("  + a/")) == ROLLUP_THRESHOLD
    past = build_plan(files, {}, bucket="b")
    assert [line for line in printed(past) if line.startswith("  + ")] == \
        ["  + a/      201 files     2.0 kB"]
    everything = printed(past, show_all=True)
    assert sum(1 for line in everything if line.startswith("  + a/")) == ROLLUP_THRESHOLD + 1
    assert not any(line.startswith("Rolled up") for line in everything)

    plan = big_plan(1_000)
    listed = printed(plan, show_all=True)
    assert len(plan.items) > LINES_PER_PART  # printed in several parts, as one list
    file_lines = listed[2:2 + len(plan.items)]
    assert all(line[2:4] in ("+ ", "~ ", "- ", "= ", "! ") for line in file_lines)
    assert listed[2 + len(plan.items)] == "" and listed[3 + len(plan.items)].startswith("Plan: ")

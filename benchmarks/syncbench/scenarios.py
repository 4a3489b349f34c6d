"""Run one tool through the scenarios, each run from the same starting state.

Resets between runs are untimed and do not count: they go to the emulator directly (admin
client) or through the tool itself with the proxy tally discarded afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import emulator
from .buildgen import SyntheticBuild
from .measure import Measured, run_measured
from .proxy import CountingProxy, Counts
from .tools import Tool

SCENARIOS = ("first upload", "no change", "rebuild (same bytes)", "one file changed",
             "files deleted")
# A CI deploy: a fresh runner, checkout and `npm run build` every time, so before each run the
# build is rewritten (same bytes, new mtimes) and the tools' cache folder starts empty (no MD5
# cache, no parsed botocore models).
CI_SCENARIOS = ("CI deploy, no change", "CI deploy, one file changed")
# Cruddur itself: a few dozen files, where start-up decides.
SMALL_APP_SCENARIOS = ("small app, no change", "small app, one file changed")
# A suite's scenarios are labelled "<scenario> · <suite>", e.g. "CI deploy, no change · 1,000
# files · 20 ms"; the part before the first " · " says what to do before each run.
SUITE_SEPARATOR = " · "


def kind(scenario: str) -> str:
    return scenario.split(SUITE_SEPARATOR, 1)[0]


@dataclass
class Run:
    measured: Measured
    counts: Counts


@dataclass
class ScenarioResult:
    tool: str
    scenario: str
    runs: list[Run] = field(default_factory=list)
    converged: str = "not checked"
    failure: str | None = None

    @property
    def ok_runs(self) -> list[Run]:
        return [r for r in self.runs if r.measured.returncode == 0]

    @property
    def median_wall(self) -> float | None:
        walls = [r.measured.wall_s for r in self.ok_runs]
        return statistics.median(walls) if walls and not self.failure else None

    @property
    def representative(self) -> Run | None:
        """The run whose wall time is the median (its request counts are reported)."""
        runs = sorted(self.ok_runs, key=lambda r: r.measured.wall_s)
        return runs[(len(runs) - 1) // 2] if runs else None

    @property
    def peak_rss_mb(self) -> float | None:
        return max((r.measured.peak_rss_mb for r in self.ok_runs), default=None)

    @property
    def counts_stable(self) -> bool:
        # request counts only: bytes differ legitimately (index.html flips between two sizes), and
        # so do "other" requests (cruddur-ops keeps a content copy of each new index.html once:
        # the first run of a scenario writes it, the repeats find it)
        signatures = {tuple(sorted((k, n) for k, n in r.counts.by_kind.items() if k != "OTHER"))
                      for r in self.ok_runs}
        return len(signatures) <= 1


# Scenarios that move the whole build (~10 s a run for some tools); the others take ~1 s a run,
# where the machine's noise (±0.1-0.2 s a run) is as large as the differences between tools, so
# they get more runs for a steadier median.
BULK_SCENARIOS = ("first upload", "rebuild (same bytes)")


@dataclass
class Bench:
    """Shared context of a benchmark session."""

    build: SyntheticBuild
    proxy: CountingProxy
    admin_s3: Any
    workdir: Path
    runs: int
    delete_keys: list[str]
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True)
    short_runs: int = 0  # runs of the scenarios outside BULK_SCENARIOS (0: same as runs)

    def runs_for(self, scenario: str) -> int:
        return self.runs if scenario in BULK_SCENARIOS else max(self.runs, self.short_runs)


@dataclass
class Lane:
    """One tool with its own bucket."""

    tool: Tool
    bucket: str

    def sync(self, bench: Bench, label: str) -> Measured:
        argv, env = self.tool.command(self.bucket, bench.build.root)
        return run_measured(argv, env, bench.workdir / "logs" / self.tool.slug / f"{label}.log",
                            cwd=self.tool.cwd)

    def untimed(self, bench: Bench, label: str) -> None:
        bench.proxy.take()
        measured = self.sync(bench, f"reset-{label}")
        bench.proxy.take()
        if measured.returncode:
            raise RuntimeError(f"reset sync failed (exit {measured.returncode}): {measured.tail(3)}")


def balanced_orders(n: int) -> list[list[int]]:
    """Run orders for ``n`` tools, one per round: the rows of a Williams Latin square.

    Over every full cycle of rows each tool runs once in each position and, within the rounds,
    right after each other tool equally often (once for an even ``n``, twice for an odd one,
    which needs twice the rows). Across the boundary between rounds the last tool of one round
    precedes the first of the next, so one predecessor per cycle repeats: with 4 tools, 2 of a
    tool's 4 predecessors in a cycle are the same tool. A rotation of one fixed order also moves
    every tool through every position, but keeps the neighbours: each tool follows the same one
    in every round, so a carry-over from one tool (a server still busy, a cache it warmed) would
    land on the same tool every time.
    """
    if n <= 1:
        return [list(range(n))]
    first, low, high = [0], 1, n - 1
    while len(first) < n:  # 0, 1, n-1, 2, n-2, …
        if len(first) % 2:
            first.append(low)
            low += 1
        else:
            first.append(high)
            high -= 1
    rows = [[(tool + shift) % n for tool in first] for shift in range(n)]
    if n % 2:
        rows += [row[::-1] for row in rows]
    return rows


def before_each_run(bench: Bench, scenario: str, run: int) -> None:
    """What a scenario changes before each tool's timed run (untimed)."""
    what = kind(scenario)
    if what.startswith("CI deploy"):
        bench.build.rewrite_identical()
        shutil.rmtree(bench.workdir / "cache", ignore_errors=True)  # XDG_CACHE_HOME of every tool
    if what.endswith("one file changed"):
        bench.build.set_index_variant((run + 1) % 2)  # flips 1, 0, 1 …: a change every run


def run_all(bench: Bench, lanes: list[Lane], scenarios: tuple[str, ...] = SCENARIOS,
            suite: str = "") -> list[ScenarioResult]:
    """Scenario by scenario, run by run, every tool in turn, in the orders of
    :func:`balanced_orders`: on a shared, noisy machine a burst of load, or whatever the previous
    tool left behind, then falls on all tools alike instead of on one tool's runs."""
    build, s3 = bench.build, bench.admin_s3
    results: list[ScenarioResult] = []
    orders = balanced_orders(len(lanes))

    def settle() -> None:
        # Flush dirty pages (a rebuild just rewrote ~100 MB) and give the emulator a moment after
        # the previous tool's burst, so whoever runs next is not charged for the last one's tail.
        os.sync()
        s3.list_buckets()
        time.sleep(0.5)

    def timed(lane: Lane, result: ScenarioResult, run: int, of: int) -> None:
        settle()
        bench.proxy.take()  # nothing from resets counts
        slug = re.sub(r"[^a-z0-9]+", "-", result.scenario.split(" (")[0].lower()).strip("-")
        measured = lane.sync(bench, f"{slug}-{run}")
        counts = bench.proxy.take()
        result.runs.append(Run(measured, counts))
        bench.log(f"  {lane.tool.name:12} {result.scenario:22} run {run + 1}/{of}: "
                  f"{measured.wall_s:6.2f} s, {counts.total} requests, "
                  f"{counts.objects_written} uploads, {counts.keys_deleted} deleted, "
                  f"rss {measured.peak_rss_mb:.0f} MB"
                  + (f", EXIT {measured.returncode}" if measured.returncode else ""))
        if measured.returncode:
            result.failure = f"exit {measured.returncode}: {measured.tail(3)}"
            bench.log(measured.tail())

    def each(action: Callable[[Lane], None], lanes_: list[Lane],
             by_lane: dict[str, ScenarioResult]) -> None:
        for lane in lanes_:
            try:
                action(lane)
            except Exception as exc:  # one tool's trouble must not stop the others
                result = by_lane[lane.tool.name]
                result.failure = result.failure or f"{type(exc).__name__}: {exc}"
                bench.log(f"  {lane.tool.name}: {result.scenario}: {result.failure}")

    build.write_all()
    bench.log("== warm-up (untimed): one sync per tool fills bytecode caches and the page cache")
    for lane in lanes:
        try:
            lane.untimed(bench, "warmup")
        except Exception as exc:
            bench.log(f"  {lane.tool.name}: warm-up failed: {exc}")
    for scenario in (f"{name}{SUITE_SEPARATOR}{suite}" if suite else name for name in scenarios):
        bench.log(f"== {scenario}")
        by_lane = {lane.tool.name: ScenarioResult(lane.tool.name, scenario) for lane in lanes}
        results.extend(by_lane.values())
        runs = bench.runs_for(scenario)
        for run in range(runs):
            if scenario == "rebuild (same bytes)":
                build.rewrite_identical()
            elif scenario == "files deleted":
                if run:  # put the deleted files back, in every bucket too, before the next run
                    build.restore_local(bench.delete_keys)
                    each(lambda lane: lane.untimed(bench, "restore"), lanes, by_lane)
                build.delete_local(bench.delete_keys)
            for lane in (lanes[i] for i in orders[run % len(orders)]):
                result = by_lane[lane.tool.name]
                if result.failure:
                    continue
                try:
                    if scenario == "first upload":
                        emulator.empty_bucket(s3, lane.bucket)
                    before_each_run(bench, scenario, run)
                    timed(lane, result, run, runs)
                except Exception as exc:
                    result.failure = f"{type(exc).__name__}: {exc}"
                    bench.log(f"  {lane.tool.name}: {scenario} failed: {result.failure}")
        for lane in lanes:
            result = by_lane[lane.tool.name]
            if not result.failure:
                result.converged = emulator.verify_converged(s3, lane.bucket, build.root)
        # re-establish the base state the next scenario starts from (untimed)
        if kind(scenario).endswith("one file changed") and runs % 2:
            build.set_index_variant(0)
            each(lambda lane: lane.untimed(bench, "index-back"), lanes, by_lane)
        elif scenario == "files deleted":
            build.restore_local(bench.delete_keys)
    build.write_all()
    return results

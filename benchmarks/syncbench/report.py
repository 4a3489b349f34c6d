"""RESULTS.md: the machine, versions, the reproduce command, the table and the targets."""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .cruddur_extra import FLOOR_NAME, HashResult, NoChangeFloor, PlanScale
from .deploy_profile import IMPORT_GROUPS, PHASES, DeployProfile
from .scenarios import CI_SCENARIOS, SMALL_APP_SCENARIOS, ScenarioResult, kind
from .tools import DISPLAY

CRUDDUR = "cruddur-ops"
AWS = "aws s3 sync"


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_info() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal")), 0)
    os_name = next((line.split("=", 1)[1].strip('"') for line in _read("/etc/os-release").splitlines()
                    if line.startswith("PRETTY_NAME=")), platform.system())
    return [f"{os_name}, Linux {platform.release()}",
            f"{cpu}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.1f} GiB RAM",
            f"Python {platform.python_version()} at {sys.executable} (the harness and the moto "
            "server)"]


def load_average() -> str:
    """/proc/loadavg's 1, 5 and 15 minute averages: how busy the shared machine was."""
    return " ".join(_read("/proc/loadavg").split()[:3]) or "unknown"


# sysconfig's CONFIG_ARGS cannot say how an interpreter was built (Debian's reports the flags of
# its shared libpython, not of /usr/bin/python3.11, which is linked statically with PGO and LTO),
# so the report names where the interpreter comes from and what the running process maps.
BUILD_PROBE = ("import platform, sys; "
               "shared = any('libpython' in line for line in open('/proc/self/maps')); "
               "print(platform.python_version(), sys.executable, int(shared))")


def interpreter_build(python: str) -> str:
    """``python`` as a reader needs it to judge start-up: version, where it comes from and
    whether libpython is a shared library (a plain ``--enable-shared`` build, as pyenv's usually
    is, starts and runs slower than a distribution's PGO + LTO build)."""
    try:
        out = subprocess.run([python, "-c", BUILD_PROBE], capture_output=True, text=True,
                             timeout=60).stdout.split()
        version, executable, shared = out
    except (OSError, ValueError, subprocess.SubprocessError):
        return f"{python} (build unknown)"
    real = os.path.realpath(executable)
    origin = ("the distribution's" if real.startswith("/usr/bin/") else
              "pyenv's" if "/.pyenv/" in real else
              "uv's" if "/uv/python/" in real else "a")
    return (f"{origin} Python {version} at {real}, "
            f"{'shared libpython' if shared == '1' else 'libpython linked in'}")


def interpreters_by_tool(interpreters: dict[str, tuple[str, str]]) -> str:
    """``{tool: (interpreter path, its version)}`` as one line, tools grouped by interpreter: the
    Python tools' start-up depends on the interpreter's build as much as on their own code, and
    a Debian package's shebang need not be the harness's Python."""
    groups: dict[tuple[str, str], list[str]] = {}
    for tool, (path, version) in interpreters.items():
        groups.setdefault((os.path.realpath(path), version), []).append(tool)
    line = "; ".join(f"{version} at {path} ({', '.join(tools)})"
                     for (path, version), tools in groups.items())
    return line if len(groups) < 2 else f"{line}. Not one interpreter: their start-up is not comparable"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _utc(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


@dataclass
class Target:
    name: str
    measured: str
    met: bool | None  # None: not measured
    reported: bool = False  # a figure to report, with no target to meet

    @property
    def verdict(self) -> str:
        if self.reported:
            return "reported"
        return {True: "met", False: "**missed**", None: "not measured"}[self.met]


def _interval(interval: tuple[float, float, float] | None) -> str:
    if interval is None:
        return "too few rounds"
    low, high, confidence = interval
    return f"{low:.2f}–{high:.2f} × ({confidence:.0%})"


def _find(results: list[ScenarioResult], tool: str, scenario: str) -> ScenarioResult | None:
    return next((r for r in results if r.tool == tool and r.scenario == scenario), None)


def _peer_walls(results: list[ScenarioResult], scenario: str) -> dict[str, float]:
    """Median wall of every peer with one in ``scenario`` (the verdict and the round table pick
    the fastest peer from this, so they compare against the same one)."""
    return {r.tool: r.median_wall for r in results
            if r.tool != CRUDDUR and r.scenario == scenario and r.median_wall is not None}


@dataclass
class RoundComparison:
    """cruddur-ops against one peer, round by round (see :func:`round_ratios`)."""

    scenario: str
    peer: str
    median_ratio: float
    at_or_below: int
    rounds: int
    # where the true median ratio lies: (low, high, confidence); None with too few rounds
    interval: tuple[float, float, float] | None = None


def round_ratios(ours: ScenarioResult | None, theirs: ScenarioResult | None) -> list[float]:
    """ours / theirs, one ratio per round in which both runs succeeded.

    Within a round every tool runs back to back, so a slow stretch of the machine (they last
    seconds to minutes here) hits both sides of a ratio; a ratio of medians taken over the whole
    scenario does not cancel it. Rounds are matched by position: each tool runs once per round.
    """
    if not ours or not theirs or ours.failure or theirs.failure:
        return []
    # not strict: a tool stops running a scenario after a failed run, and its rounds end there
    pairs = zip(ours.runs, theirs.runs, strict=False)
    return [a.measured.wall_s / b.measured.wall_s for a, b in pairs
            if a.measured.returncode == 0 and b.measured.returncode == 0 and b.measured.wall_s > 0]


def _summarise(ratios: list[float]) -> tuple[float, int, int]:
    """(median ratio, rounds where ours was at or below, rounds compared) of non-empty ratios."""
    return statistics.median(ratios), sum(r <= 1.0 for r in ratios), len(ratios)


def median_interval(values: list[float], min_confidence: float = 0.9) -> tuple[float, float, float] | None:
    """A distribution-free confidence interval for the median: (k-th smallest, k-th largest,
    confidence), with the largest k whose confidence is still ``min_confidence`` or more.

    The true median lies below the k-th smallest value only if fewer than k values fall below
    it, which has probability P(Binomial(n, 1/2) < k); the same holds above. No assumption about
    the shape of the noise, which on these machines has long slow tails. None when even the
    smallest and largest value do not reach ``min_confidence`` (fewer than 5 values for 90 %).
    """
    n = len(values)
    if n == 0:
        return None
    ordered = sorted(values)
    below, best = 0.0, None
    for k in range(1, (n + 1) // 2 + 1):
        below += math.comb(n, k - 1) / 2 ** n  # P(Binomial(n, 1/2) < k)
        confidence = 1.0 - 2.0 * below
        if confidence < min_confidence:
            break
        best = (ordered[k - 1], ordered[n - k], confidence)
    return best


def round_comparisons(results: list[ScenarioResult]) -> list[RoundComparison]:
    """The time targets, round by round: no change against every peer, the first upload against
    the fastest peer by median, the rebuild against aws s3 sync."""
    peers = sorted({r.tool for r in results} - {CRUDDUR})
    pairs: list[tuple[str, str]] = [("no change", peer) for peer in peers]
    firsts = _peer_walls(results, "first upload")
    if firsts:
        pairs.append(("first upload", min(firsts, key=lambda p: firsts[p])))
    if AWS in peers:
        pairs.append(("rebuild (same bytes)", AWS))
    for scenario in _suite_scenarios(results):
        pairs += [(scenario, peer) for peer in peers]
    out = []
    for scenario, peer in pairs:
        ratios = round_ratios(_find(results, CRUDDUR, scenario), _find(results, peer, scenario))
        if ratios:
            out.append(RoundComparison(scenario, peer, *_summarise(ratios), median_interval(ratios)))
    return out


def _suite_scenarios(results: list[ScenarioResult], kinds: tuple[str, ...] = CI_SCENARIOS + SMALL_APP_SCENARIOS) -> list[str]:
    return list(dict.fromkeys(r.scenario for r in results if kind(r.scenario) in kinds))


def _suite_files(scenario: str) -> int:
    """The file count in a suite's label ("CI deploy, no change · 1,000 files · 20 ms")."""
    words = scenario.split(" · ")[1].split()
    return int(words[0].replace(",", ""))


PYTHON_PEERS = (AWS, "s3cmd")
RCLONE = "rclone"


def ci_limit(scenario: str, peer: str, n_files: int) -> float:
    """CI deploy targets: the full build ≤ 1.0 × every peer; half of it (where start-up weighs
    more) ≤ 1.25 × rclone, a Go binary, and ≤ 1.0 × the Python peers."""
    return 1.25 if peer == RCLONE and _suite_files(scenario) < n_files else 1.0


def _against(results: list[ScenarioResult], scenario: str, peer: str) -> tuple[float, float, str] | None:
    """(median ratio, the interval's upper end or the median ratio, text) of cruddur-ops
    against ``peer`` in ``scenario``."""
    ours, theirs = _find(results, CRUDDUR, scenario), _find(results, peer, scenario)
    if not ours or not theirs or ours.median_wall is None or theirs.median_wall is None:
        return None
    ratio = ours.median_wall / theirs.median_wall
    interval = median_interval(round_ratios(ours, theirs))
    text = f"{ratio:.2f} × {peer} ({theirs.median_wall:.2f} s"
    text += f"; per round {interval[0]:.2f}–{interval[1]:.2f} ×)" if interval else ")"
    return ratio, interval[1] if interval else ratio, text


def suite_targets(results: list[ScenarioResult], n_files: int) -> list[Target]:
    """The CI deploy targets (median and per-round interval at or under the limit) and the
    small app's figures against every peer."""
    peers = sorted({r.tool for r in results} - {CRUDDUR})
    out: list[Target] = []
    for scenario in _suite_scenarios(results):
        ours = _find(results, CRUDDUR, scenario)
        is_ci = kind(scenario) in CI_SCENARIOS
        limits = {peer: ci_limit(scenario, peer, n_files) if is_ci else 0.0 for peer in peers}
        if not is_ci:
            name = f"{scenario}: against every peer"
        elif all(v == 1.0 for v in limits.values()):
            name = f"{scenario}: ≤ 1.0 × every peer"
        else:
            name = f"{scenario}: ≤ " + ", ".join(f"{v:.2f} × {p}" for p, v in sorted(limits.items()))
        if ours is None or ours.median_wall is None:
            out.append(Target(name, "cruddur-ops not run" if ours is None else "failed",
                              None if ours is None else False, reported=not is_ci))
            continue
        parts, met = [], True
        for peer in peers:
            found = _against(results, scenario, peer)
            if found is None:
                continue
            ratio, high, text = found
            parts.append(text)
            met = met and ratio <= limits[peer] and high <= limits[peer]
        out.append(Target(name, f"{ours.median_wall:.2f} s = " + ", ".join(parts),
                          met if parts and is_ci else None, reported=not is_ci))
    return out


def combined(per_build: list[list[Target]]) -> list[tuple[str, list[Target | None], str]]:
    """One row per target: its figure on each build and a verdict met only where met on all."""
    rows = []
    for target in per_build[0]:
        same = [next((t for t in targets_ if t.name == target.name), None) for targets_ in per_build]
        found = [t for t in same if t is not None]
        measured = [t for t in found if t.met is not None]
        if target.reported:
            verdict = "reported"
        elif not measured:
            verdict = "not measured"
        else:
            verdict = "**missed**" if any(t.met is False for t in measured) else "met"
            if len(measured) < len(per_build):
                verdict += f" (measured on {len(measured)} of {len(per_build)} builds)"
        rows.append((target.name, same, verdict))
    return rows


def targets(results: list[ScenarioResult], n_files: int, hashing: HashResult | None,
            plans: list[PlanScale], invalidation_counted: bool) -> list[Target]:
    out: list[Target] = []
    peers = sorted({r.tool for r in results} - {CRUDDUR})

    def wall(tool: str, scenario: str) -> float | None:
        found = _find(results, tool, scenario)
        return found.median_wall if found else None

    # Rebuild with identical bytes
    ours = _find(results, CRUDDUR, "rebuild (same bytes)")
    aws = wall(AWS, "rebuild (same bytes)")
    if ours and ours.median_wall is not None and ours.representative:
        uploads = ours.representative.counts.objects_written
        ratio = ours.median_wall / aws if aws else None
        met = uploads == 0 and (ratio is not None and ratio <= 0.25)
        out.append(Target("Rebuild (same bytes): 0 uploads and wall ≤ 0.25 × aws s3 sync",
                          f"{uploads} uploads; {_fmt(ours.median_wall)} s vs {_fmt(aws)} s "
                          f"= {_fmt(ratio)} ×" if aws else f"{uploads} uploads; aws s3 sync not run",
                          met if aws else None))
    else:
        out.append(Target("Rebuild (same bytes): 0 uploads and wall ≤ 0.25 × aws s3 sync",
                          "cruddur-ops not run", None))

    # No-change re-sync
    ours_w = wall(CRUDDUR, "no change")
    parts, met_all = [], None
    for peer in peers:
        theirs = wall(peer, "no change")
        if ours_w is None or theirs is None:
            continue
        ratio = ours_w / theirs
        parts.append(f"{ratio:.2f} × {peer} ({theirs:.2f} s)")
        met_all = (met_all is not False) and ratio <= 1.0
    out.append(Target("No-change re-sync: wall ≤ each peer's",
                      f"{_fmt(ours_w)} s = " + ", ".join(parts) if parts else "not compared",
                      met_all))

    # First upload
    ours_r = _find(results, CRUDDUR, "first upload")
    peer_walls = _peer_walls(results, "first upload")
    if ours_r and ours_r.median_wall is not None and ours_r.representative and peer_walls:
        fastest = min(peer_walls, key=lambda p: peer_walls[p])
        ratio = ours_r.median_wall / peer_walls[fastest]
        counts = ours_r.representative.counts
        one_put_each = (counts.by_kind["PUT"] == n_files and counts.by_kind["PART"] == 0
                        and counts.by_kind["MPU"] == 0)
        out.append(Target(
            "First upload: wall ≤ 1.0 × fastest peer; 1 PUT per file",
            f"{ours_r.median_wall:.2f} s = {ratio:.2f} × {fastest} ({peer_walls[fastest]:.2f} s); "
            f"{counts.by_kind['PUT']} PUT + {counts.by_kind['PART']} parts for {n_files} files",
            ratio <= 1.0 and one_put_each))
    else:
        out.append(Target("First upload: wall ≤ 1.0 × fastest peer; 1 PUT per file",
                          "not compared", None))

    # One file changed
    one = _find(results, CRUDDUR, "one file changed")
    if one and one.representative and one.median_wall is not None:
        counts = one.representative.counts
        paths = sorted(counts.invalidation_paths)
        puts_ok = counts.objects_written == 1 and counts.by_kind["PUT"] == 1
        paths_ok = paths == ["/", "/index.html"] if invalidation_counted else None
        out.append(Target(
            "One file changed (index.html): exactly 1 PUT; invalidation /index.html + /",
            f"{counts.by_kind['PUT']} PUT; invalidation paths "
            + (str(paths) if invalidation_counted else "not counted (no distribution)"),
            puts_ok and paths_ok if paths_ok is not None else (False if not puts_ok else None)))

    # Hashing
    if hashing:
        out.append(Target("Hashing: ≥ 0.8 × md5sum throughput",
                          f"{hashing.cruddur_mbps:.0f} MB/s vs md5sum {hashing.md5sum_mbps:.0f} "
                          f"MB/s = {hashing.ratio:.2f} ×", hashing.ratio >= 0.8))
    else:
        out.append(Target("Hashing: ≥ 0.8 × md5sum throughput", "not measured", None))

    out.extend(plan_targets(plans))
    return out


PLAN_TARGET = "100,000-file plan: peak RSS < 300 MB, time linear in file count"
MILLION_TARGET = "1,000,000-file plan: runs, µs per file and peak RSS linear from 100,000"


def _per_file(small: PlanScale, big: PlanScale) -> list[tuple[str, float, float]]:
    """(label, µs/file at the smaller size, at the bigger) for what both measured."""
    if big.cli_s and small.cli_s:
        return [(label, a, b) for label, a, b in (
            ("no MD5 cache", small.cli_us_per_file, big.cli_us_per_file),
            ("MD5s cached", small.warm_us_per_file, big.warm_us_per_file)) if a and b]
    return [("build_plan", small.pure_us_per_file, big.pure_us_per_file)]


def _growth(small: PlanScale, big: PlanScale) -> tuple[str, bool | None]:
    per_file = _per_file(small, big)
    if not per_file:
        return "", None
    text = (f"; µs/file from {_short(small.files)} to {_short(big.files)}: " + ", ".join(
        f"{label} {a:.0f} → {b:.0f} ({b / a:.2f} ×)" for label, a, b in per_file)
        + " (fixed start-up included, so < 1 × is still linear)")
    return text, all(b / a <= 1.5 for _, a, b in per_file)


def _short(files: int) -> str:
    return f"{files // 1_000_000}M" if files >= 1_000_000 else f"{files // 1000}k"


def _peak(p: PlanScale) -> tuple[float, str]:
    task_rss = p.peak_rss_mb
    return (task_rss, "inv frontend.plan") if task_rss is not None else (p.pure_rss_mb, "build_plan only")


def plan_targets(plans: list[PlanScale]) -> list[Target]:
    """Per scenario (mostly unchanged, first deploy): the 100,000-file peak and growth from
    10,000; and, when measured, the 1,000,000-file plan's growth from 100,000."""
    scenarios = list(dict.fromkeys(p.scenario for p in plans))
    label = (lambda s: f"{s.replace('-', ' ')}: ") if len(scenarios) > 1 else (lambda s: "")
    parts, met, million_parts, million_met = [], [], [], []
    for scenario in scenarios:
        sizes = {p.files: p for p in plans if p.scenario == scenario}
        big = sizes.get(100_000) or next((sizes[n] for n in sorted(sizes) if n >= 100_000), None)
        if big is None:
            continue
        rss, which = _peak(big)
        text, linear = _growth(sizes[10_000], big) if 10_000 in sizes else ("", None)
        parts.append(f"{label(scenario)}{which}: peak {rss:.0f} MB{text}")
        met.append(rss < 300 and linear is not False)
        million = sizes.get(1_000_000)
        if million is not None and big.files == 100_000:
            m_rss, _ = _peak(million)
            seconds = million.cli_s or million.pure_s
            m_text, m_linear = _growth(big, million)
            million_parts.append(f"{label(scenario)}{seconds:.0f} s, peak {m_rss:.0f} MB "
                                 f"({m_rss / rss:.1f} × the 100,000-file peak){m_text}")
            million_met.append(bool(m_linear) and m_rss <= 15 * rss)
    out = [Target(PLAN_TARGET, "; ".join(parts), all(met)) if parts else
           Target(PLAN_TARGET, "not measured (use the default --plan-sizes)", None)]
    if million_parts:
        out.append(Target(MILLION_TARGET, "; ".join(million_parts), all(million_met)))
    return out


def _results_table(results: list[ScenarioResult], deleted: int,
                   invalidation_counted: bool) -> list[str]:
    lines = [
        "| scenario | tool | wall s (median) | × fastest | uploads | PUT | parts | LIST | HEAD "
        "| GET | deleted | other | requests | MB up | inval. paths | peak RSS MB | CPU s "
        "| bucket = build |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for scenario in dict.fromkeys(r.scenario for r in results):
        rows = [r for r in results if r.scenario == scenario]
        walls = [r.median_wall for r in rows if r.median_wall is not None]
        fastest = min(walls) if walls else None
        label = f"{deleted} files deleted" if scenario == "files deleted" else scenario
        for r in rows:
            rep = r.representative
            if r.failure or rep is None:
                lines.append(f"| {label} | {r.tool} | failed | | | | | | | | | | | | | | | "
                             f"{(r.failure or 'no run').splitlines()[0][:80]} |")
                continue
            c = rep.counts
            k = c.by_kind
            other = k["OTHER"] + k["MPU"] + k["COPY"] + k["INVALIDATION"]
            ratio = r.median_wall / fastest if fastest and r.median_wall else None
            inval = str(len(c.invalidation_paths)) if r.tool == CRUDDUR and invalidation_counted \
                else "–"
            stable = "" if r.counts_stable else " (counts varied)"
            lines.append(
                f"| {label} | {r.tool} | {_fmt(r.median_wall)} | {_fmt(ratio)} | "
                f"{c.objects_written} | {k['PUT']} | {k['PART']} | {k['LIST']} | {k['HEAD']} | "
                f"{k['GET']} | {c.keys_deleted} | {other} | {c.total} | {c.bytes_up / 1e6:.1f} | "
                f"{inval} | {_fmt(r.peak_rss_mb, 0)} | {_fmt(rep.measured.cpu_s, 1)} | "
                f"{r.converged}{stable} |")
    return lines


def _round_table(results: list[ScenarioResult]) -> list[str]:
    rounds = round_comparisons(results)
    if not rounds:
        return []
    return [
        "", "Round by round: in each round every tool runs once, back to back, so a slow stretch "
        "of the machine hits both sides of a ratio. The interval is where the median per-round "
        "ratio lies with the stated confidence (order statistics, no assumption about the "
        "noise): one that spans 1.0 × is a tie these rounds cannot separate; a target is met "
        "only when its median and the interval's upper end are at or under it.", "",
        "| scenario | cruddur-ops vs | ratio per round (median) | rounds at or below 1.0 × "
        "| interval (confidence) |",
        "|---|---|--:|--:|--:|",
        *[f"| {c.scenario} | {c.peer} | {c.median_ratio:.2f} × | {c.at_or_below} of {c.rounds} "
          f"| {_interval(c.interval)} |" for c in rounds]]


def all_targets(results: list[ScenarioResult], n_files: int, hashing: HashResult | None,
                plans: list[PlanScale], invalidation_counted: bool) -> list[Target]:
    return (targets(results, n_files, hashing, plans, invalidation_counted)
            + suite_targets(results, n_files))


def render(*, results: list[ScenarioResult], versions: dict[str, str], skipped: dict[str, str],
           build_summary: str, n_files: int, runs: int, command: str, deleted: int,
           hashing: HashResult | None, plans: list[PlanScale], invalidation_counted: bool,
           moto_version: str, elapsed_s: float,
           floor: NoChangeFloor | None = None, profile: DeployProfile | None = None,
           short_runs: int | None = None,
           https: bool = False, latency_ms: float = 0.0, measured_at: float | None = None,
           rerendered: bool = False, balanced_order: bool = False, run_id: str = "",
           machine: list[str] | None = None, load: tuple[str, str] | None = None,
           interpreter_build: str = "", other_builds: list[dict[str, Any]] | None = None,
           suite_builds: dict[str, str] | None = None, analysis: str = "") -> str:
    """The markdown report of one saved run. ``measured_at``: when the run ended (epoch
    seconds; now if None). ``machine`` and ``load``: what the machine was and how busy, read
    when it measured (runs saved without them show the machine rendering them, said so).
    ``other_builds``: the same scenarios with the Python tools on other interpreter builds.
    ``balanced_order``: the rounds followed :func:`scenarios.balanced_orders`. ``analysis`` is
    accepted for runs saved with it and not embedded: ANALYSIS.md is linked instead."""
    del analysis
    short = (f" ({short_runs} for every scenario but the first upload and the rebuild: ~1 s "
             "runs, where the machine's noise is as large as the differences)"
             if short_runs and short_runs != runs else "")
    peers = list(dict.fromkeys(r.tool for r in results if r.tool != CRUDDUR)) or [
        name for name in DISPLAY.values() if name != CRUDDUR]
    builds = [dict(build=interpreter_build or "the harness's Python", results=results,
                   versions=versions, skipped=skipped, profile=profile), *(other_builds or [])]
    lines = [
        f"# Sync benchmark: cruddur-ops vs {', '.join(peers)}",
        "",
        (f"Run {run_id}: measured" if run_id else "Measured")
        + f" {_utc(measured_at)} in {elapsed_s / 60:.1f} min"
        + (f" (this report re-rendered {_utc(None)})" if rerendered else "") + ". "
        f"Reproduce: `{command.strip()}` (or `nox -s bench`). What the figures mean and what is "
        "left: [ANALYSIS.md](ANALYSIS.md).",
        "",
        "## Machine and versions",
        "",
        *[f"- {line}" for line in (machine or [*machine_info(), "(read when this report was "
                                               "rendered: the run saved none)"])],
        *([f"- Load average (1, 5, 15 min) when the run started: {load[0]}; when it ended: "
           f"{load[1]}. The machine is shared: other work ran alongside."] if load else []),
        f"- Emulator: moto server {moto_version} in its own process; every tool talks to it "
        "through the same counting reverse proxy (requests, upload bytes and CloudFront "
        "invalidation paths are counted there)"
        + (", over HTTPS: the proxy holds a certificate from a throwaway CA, and every tool trusts "
           "a bundle of certifi's public roots plus that CA, as big as the one it reads against S3."
           if https else "."),
        *([f"- Network: a simulated round trip of {latency_ms:g} ms. The proxy holds each request "
           f"{latency_ms:g} ms before forwarding it, and each new connection "
           f"{latency_ms * (2 if https else 1):g} ms more "
           + ("(the TCP handshake plus one for TLS 1.3)" if https else "(the TCP handshake)")
           + ". Parallel requests overlap their waits; bandwidth is not limited. Without it, "
           "moto on the loopback answers with no network in between."] if latency_ms else []),
        *(["- Scenarios marked `· 20 ms` (or another figure) ran with the proxy holding each "
           "request and each new connection that long (a workspace or runner near the bucket)."]
          if any(" ms" in r.scenario for r in results) else []),
        f"- Build: {build_summary}",
        *[f"- Build `{name}`: {summary}" for name, summary in (suite_builds or {}).items()
          if name != "main"],
        f"- Method: median wall time of {runs} run(s) per tool × scenario{short}, each from the same "
        "starting state (reset untimed: bucket emptied before each first upload; files "
        "rewritten before each rebuild run; index.html flipped between two versions; deleted "
        "files restored and re-synced between delete runs; before each CI deploy run the build "
        "rewritten with the same bytes and the tools' cache folder, XDG_CACHE_HOME, deleted). "
        "cruddur-ops runs as `inv frontend.sync --yes` from the repository root, with "
        "`SYNC_TRUST_HASHED_NAMES=true` as `.github/workflows/sync.yaml` deploys (a content-hashed "
        "file the bucket holds at its size is not read) and `SYNC_KEEP_RELEASES=1` (old assets "
        "deleted at once, like the peers). "
        + ("Each round runs every tool once, in the orders of a Williams Latin square (every "
           "position, and within the rounds right after every other tool, equally often). "
           if balanced_order else
           "Each round runs every tool once, in one order rotated by a place each round. ")
        + "Request counts are those of the "
        "median run. Peak RSS is the largest of the runs, from `wait4()` rusage of the tool's "
        "own process (a stdlib launcher forks it: same method as GNU `time -v`).",
        "- Interpreter builds: the Python tools (cruddur-ops, aws s3 sync, s3cmd) ran on "
        + "; then on ".join(f"{b['build']}" for b in builds) + ".",
    ]
    per_build = [all_targets(b["results"], n_files, hashing if i == 0 else None,
                             plans if i == 0 else [], invalidation_counted)
                 for i, b in enumerate(builds)]
    if len(builds) > 1:
        lines += ["", "## Targets on every interpreter build", "",
                  "A target counts as met only where it is met on every build.", "",
                  "| target | " + " | ".join(f"build {i + 1}" for i in range(len(builds)))
                  + " | verdict |", "|---|" + "---|" * len(builds) + "---|"]
        for name, found, verdict in combined(per_build):
            cells = [("–" if t is None else t.measured if t.met is None else
                      f"{t.measured} ({t.verdict})") for t in found]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {verdict} |")
        lines += ["", "Builds: " + "; ".join(f"{i + 1}. {b['build']}"
                                             for i, b in enumerate(builds)) + "."]
    for index, build in enumerate(builds):
        title = (f"## Build {index + 1}: {build['build']}" if len(builds) > 1 else "## Results")
        lines += ["", title, ""]
        lines += [f"- {name}: {version}" for name, version in build["versions"].items()]
        lines += [f"- {name}: **skipped** — {why}" for name, why in build["skipped"].items()]
        lines += ["", *_results_table(build["results"], deleted, invalidation_counted)]
        if index == 0:
            lines += ["", "`uploads` = objects written (PutObject, completed multipart uploads, "
                      "copies); `PUT` = PutObject requests, `parts` = UploadPart requests; `other` = "
                      "bucket probes, multipart create/complete, copies, CloudFront calls; `deleted` "
                      "= keys removed (single DELETEs + keys in DeleteObjects batches); `MB up` = "
                      "decoded payload bytes of PUT/UploadPart. `bucket = build` is checked after "
                      "the last run of each scenario (keys, sizes, MD5 where the ETag is one)."]
            if invalidation_counted:
                lines += ["cruddur-ops runs with a CloudFront distribution (in moto) and sends "
                          "its invalidation in the timed run; the peers do not invalidate at all."]
        lines += ["", "| target | measured | verdict |", "|---|---|---|"]
        lines += [f"| {t.name} | {t.measured} | {t.verdict} |" for t in per_build[index]]
        lines += _round_table(build["results"])
        lines += profile_section(build.get("profile"))
    lines += ["", "## cruddur-ops alone", ""]
    if hashing:
        lines += [
            f"Hashing {hashing.files} files, {hashing.total_bytes / 1e6:.0f} MB, warm page cache, "
            "median of the repeats:", "",
            "| hasher | seconds | MB/s | × md5sum |", "|---|--:|--:|--:|",
            f"| `md5sum` (coreutils, one process via xargs) | {hashing.md5sum_s:.3f} | "
            f"{hashing.md5sum_mbps:.0f} | 1.00 |",
            f"| {hashing.impl} | {hashing.cruddur_s:.3f} | {hashing.cruddur_mbps:.0f} | "
            f"{hashing.ratio:.2f} |",
            f"| same, workers=1 | {hashing.cruddur_single_s:.3f} | {hashing.single_mbps:.0f} | "
            f"{hashing.md5sum_s / hashing.cruddur_single_s:.2f} |", ""]
    if floor:
        base = floor.seconds.get(FLOOR_NAME)
        lines += [
            f"No-change floor: {floor.keys} keys, every bucket already equal to the build (after the "
            f"scenarios; each tool re-syncs its own), the same counting proxy, {floor.runs} "
            "interleaved runs after one warm-up, median wall. `python + botocore, list only` "
            "(benchmarks/syncbench/floor_lister.py) starts an interpreter, creates the S3 client "
            "exactly as the sync does (cruddur_ops.aws: botocore with the parsed-model cache) and "
            "lists the bucket in the same parallel key ranges, and does nothing else: no invoke, "
            "settings, hashing, plan or output.", "",
            "| run | wall s | × floor |", "|---|--:|--:|"]
        for name, value in floor.seconds.items():
            lines.append(f"| {name} | {value:.2f} | {_fmt(value / base if base else None)} |")
        lines.append("")
    if plans:
        lines += plan_table(plans)
    return "\n".join(lines) + "\n"


def profile_section(profile: DeployProfile | None) -> list[str]:
    """Where a one-change CI deploy's time goes, per tool, and cruddur-ops' requests and imports."""
    if profile is None:
        return []
    traces = {tool: trace for tool in profile.traces if (trace := profile.median_trace(tool))}
    if not traces:
        return []
    tools = list(traces)
    lines = ["", f"### Where a one-change CI deploy's time goes ({profile.files:,} files, loopback)", "",
             f"{profile.runs} traced run(s) per tool, the CI deploy's way, apart from the rounds "
             "above; each tool's run of median wall time. Times are from the tool's process start, "
             "read against each request's arrival at the counting proxy and its answer.", "",
             "| ms | " + " | ".join(tools) + " |", "|---|" + "--:|" * len(tools)]
    phases = {tool: trace.phases_ms() for tool, trace in traces.items()}
    for phase in PHASES:
        lines.append(f"| {phase} | " + " | ".join(_fmt(phases[t][phase], 0) for t in tools) + " |")
    lines += ["| wall | " + " | ".join(f"{traces[t].wall_s * 1000:.0f}" for t in tools) + " |",
              "| CPU (user + system) | " + " | ".join(f"{traces[t].cpu_s * 1000:.0f}" for t in tools) + " |",
              "| requests | " + " | ".join(str(len(traces[t].exchanges)) for t in tools) + " |"]
    imports = profile.median_imports()
    if imports:
        lines += ["", f"{CRUDDUR}'s imports, ms, by what pulled them in (`-X importtime`, self times, "
                  f"median of {len(profile.imports)} more runs):", "",
                  "| " + " | ".join(IMPORT_GROUPS) + " | total |", "|" + "--:|" * (len(IMPORT_GROUPS) + 1),
                  "| " + " | ".join(f"{imports[g]:.0f}" for g in IMPORT_GROUPS) + f" | {imports['total']:.0f} |"]
    ours = traces.get(CRUDDUR)
    if ours:
        lines += ["", f"{CRUDDUR}'s requests in that run (arrival after the start, time to the answer):",
                  "", "```", *ours.request_lines(), "```"]
    return lines


def plan_table(plans: list[PlanScale]) -> list[str]:
    lines = [
        "Plan at scale. `build_plan` = the pure planner on in-memory inputs (fresh "
        "interpreter, peak RSS of the process). `inv frontend.plan` = the real task end to "
        "end (walk + hash N files of 0.2–1.5 KB on disk, list a bucket served by a "
        "ListObjectsV2 stub, plan, render the preview, write the changeset). Two scenarios on "
        "the same files: mostly unchanged (98 % unchanged, 1 % updated, 0.5 % new, 0.5 % "
        "deleted) and a first deploy (an empty bucket: every file a create, the changeset and "
        "the preview hold every file). Each runs twice on a fresh MD5 cache: first with "
        "none (every file hashed, as on a CI runner or a first deploy), then again with the "
        "MD5s it cached (an operator re-planning); peak RSS is the larger of the two.", "",
        "| files | scenario | build_plan s | µs/file | peak RSS MB | inv frontend.plan, no MD5 cache s | "
        "µs/file | MD5s cached s | µs/file | peak RSS MB | note |",
        "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for p in plans:
        note = p.cli_note or (f"{p.stub_requests} requests ({p.stub_heads} HEAD)" +
                              (f"; unexpected: {', '.join(p.unexpected[:3])}"
                               if p.unexpected else ""))
        lines.append(f"| {p.files:,} | {p.scenario.replace('-', ' ')} | {p.pure_s:.2f} | "
                     f"{p.pure_us_per_file:.1f} | {p.pure_rss_mb:.0f} | {_fmt(p.cli_s)} | "
                     f"{_fmt(p.cli_us_per_file, 1)} | {_fmt(p.warm_s)} | {_fmt(p.warm_us_per_file, 1)} | "
                     f"{_fmt(p.peak_rss_mb, 0)} | {note} |")
    lines.append("")
    return lines


def git_describe(repo_root: Path) -> str:
    out = subprocess.run(["git", "-C", str(repo_root), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"

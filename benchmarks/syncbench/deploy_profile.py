"""Where a one-change CI deploy's time goes, cruddur-ops beside rclone: when each request reached
the counting proxy and was answered, against the tool process's start and exit; and, for
cruddur-ops, what its imports cost, by what pulled them in (``-X importtime``). The profile
behind the CI deploy targets' ratios: a report says by how much a target is missed, this says why.

Runs after the suites, on the loopback, the CI deploy's way: before each run the build is
rewritten with the same bytes, the tools' cache folder deleted and index.html flipped.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field

from .buildgen import SyntheticBuild
from .proxy import CountingProxy, Exchange
from .scenarios import Bench, Lane

# A module's import time goes to the nearest of these that imported it (itself included): YAML
# under invoke is invoke's, urllib3 under botocore botocore's, rich under cruddur_ops rich's.
IMPORT_OWNERS = {"invoke": "invoke", "botocore": "botocore", "rich": "rich",
                 "cruddur_ops": "cruddur-ops", "tasks": "cruddur-ops"}
UNOWNED = "interpreter and the rest"
IMPORT_GROUPS = ("invoke", "botocore", "rich", "cruddur-ops", UNOWNED)
PHASES = ("start → first request", "first request → first write", "first write → last answer",
          "last answer → exit")
READS = frozenset({"GET", "HEAD"})

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \|( +)(\S+)\s*$")


def imports_by_owner(importtime: str) -> dict[str, float]:
    """Milliseconds of import time per group of IMPORT_GROUPS, from ``-X importtime`` output.

    The interpreter prints a module once everything it imported is done (children first),
    indented two spaces per level, so read backwards each line's parent is the nearest line
    above it in that order with a smaller indent."""
    lines = [(len(m[2]), int(m[1]), m[3]) for m in map(_IMPORT_LINE.match, importtime.splitlines()) if m]
    totals = dict.fromkeys(IMPORT_GROUPS, 0.0)
    ancestors: list[tuple[int, str]] = []  # (indent, owner) of the lines that enclose this one
    for indent, self_us, name in reversed(lines):
        while ancestors and ancestors[-1][0] >= indent:
            ancestors.pop()
        inherited = ancestors[-1][1] if ancestors else UNOWNED
        owner = IMPORT_OWNERS.get(name.split(".", 1)[0], inherited)
        totals[owner] += self_us / 1000
        ancestors.append((indent, owner))
    return totals


@dataclass
class Trace:
    """One run of one tool: its process's start and exit and the requests in between."""

    tool: str
    started: float
    ended: float
    cpu_s: float
    exchanges: list[Exchange]
    imports: dict[str, float] | None = None

    @property
    def wall_s(self) -> float:
        return self.ended - self.started

    def phases_ms(self) -> dict[str, float | None]:
        """PHASES in milliseconds; a run that wrote nothing has no write phase."""
        if not self.exchanges:
            return dict.fromkeys(PHASES)
        first = min(e.arrived for e in self.exchanges)
        last = max(e.answered for e in self.exchanges)
        writes = [e.arrived for e in self.exchanges if e.method not in READS]
        first_write = min(writes) if writes else None
        return {
            PHASES[0]: (first - self.started) * 1000,
            PHASES[1]: ((first_write if first_write is not None else last) - first) * 1000,
            PHASES[2]: (last - first_write) * 1000 if first_write is not None else None,
            PHASES[3]: (self.ended - last) * 1000,
        }

    def request_lines(self, bucket_marker: str = "/bench-") -> list[str]:
        """Each request in order of arrival: ms after the start, ms to the answer, what it was."""
        lines = []
        for e in sorted(self.exchanges, key=lambda e: e.arrived):
            path = re.sub(rf"^{re.escape(bucket_marker)}[^/?]*", "", e.path) or "/"
            path = path if len(path) <= 72 else path[:71] + "…"
            waited = f"+{(e.answered - e.arrived) * 1000:.0f}"
            lines.append(f"{(e.arrived - self.started) * 1000:6.0f} ms {waited:>5} ms  "
                         f"{e.method:6} {e.kind:12} {path}")
        return lines


@dataclass
class DeployProfile:
    files: int
    runs: int
    traces: dict[str, list[Trace]] = field(default_factory=dict)  # tool name -> runs
    imports: list[dict[str, float]] = field(default_factory=list)  # cruddur-ops, one per run

    def median_trace(self, tool: str) -> Trace | None:
        runs = sorted(self.traces.get(tool, []), key=lambda t: t.wall_s)
        return runs[(len(runs) - 1) // 2] if runs else None

    def median_imports(self) -> dict[str, float]:
        if not self.imports:
            return {}
        medians = {group: statistics.median(run[group] for run in self.imports) for group in IMPORT_GROUPS}
        medians["total"] = statistics.median(sum(run.values()) for run in self.imports)
        return medians


def _traced(lane: Lane, build: SyntheticBuild, proxy: CountingProxy, *, importtime: bool) -> Trace:
    argv, env = lane.tool.command(lane.bucket, build.root)
    if importtime:
        env = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
    proxy.take()
    proxy.timeline = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, env=env, cwd=lane.tool.cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=600, check=False)
    ended = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    exchanges, proxy.timeline = proxy.timeline, None
    proxy.take()
    if done.returncode:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{lane.tool.name} exited {done.returncode}: {tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Trace(lane.tool.name, started, ended, cpu, exchanges,
                 imports_by_owner(done.stderr) if importtime else None)


def profile_deploy(bench: Bench, lanes: list[Lane], *, runs: int, importtime_tool: str) -> DeployProfile:
    """``runs`` one-change CI deploys of ``bench.build`` per lane, in alternating order, then
    ``runs`` more of ``importtime_tool`` with ``-X importtime`` (its wall time then includes
    printing the imports, so those runs give the imports only)."""
    build = bench.build
    profile = DeployProfile(files=len(build.files), runs=runs)
    build.write_all()
    for lane in lanes:  # the lanes' buckets hold whatever the last suite synced
        lane.untimed(bench, "profile-base")
    held = {lane.tool.name: 0 for lane in lanes}  # the index.html variant each bucket holds

    def one(lane: Lane, importtime: bool) -> Trace:
        build.rewrite_identical()
        shutil.rmtree(bench.workdir / "cache", ignore_errors=True)  # XDG_CACHE_HOME of every tool
        variant = 1 - held[lane.tool.name]
        build.set_index_variant(variant)
        os.sync()
        time.sleep(0.5)
        trace = _traced(lane, build, bench.proxy, importtime=importtime)
        held[lane.tool.name] = variant
        return trace

    for run in range(runs):
        for lane in lanes if run % 2 == 0 else lanes[::-1]:
            trace = one(lane, importtime=False)
            profile.traces.setdefault(lane.tool.name, []).append(trace)
            bench.log(f"  {lane.tool.name:12} one-change CI deploy, traced: {trace.wall_s:.2f} s, "
                      f"{len(trace.exchanges)} requests")
    for lane in (lane for lane in lanes if lane.tool.name == importtime_tool):
        for _ in range(runs):
            imports = one(lane, importtime=True).imports
            assert imports is not None
            profile.imports.append(imports)
    build.write_all()
    return profile

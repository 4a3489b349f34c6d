"""cruddur-ops alone: hashing throughput against md5sum, and plan time/peak RSS at scale."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cruddur_ops.sync.hash_cache import RACY_SECONDS
from cruddur_ops.sync.remote import range_bounds

from .listing_stub import ListingStub
from .measure import run_measured
from .tools import CruddurOps, base_env, with_ca_bundle

PROBE = Path(__file__).with_name("probe.py")


@dataclass
class HashResult:
    total_bytes: int
    files: int
    md5sum_s: float
    cruddur_s: float
    cruddur_single_s: float
    impl: str

    @property
    def md5sum_mbps(self) -> float:
        return self.total_bytes / 1e6 / self.md5sum_s

    @property
    def cruddur_mbps(self) -> float:
        return self.total_bytes / 1e6 / self.cruddur_s

    @property
    def single_mbps(self) -> float:
        return self.total_bytes / 1e6 / self.cruddur_single_s

    @property
    def ratio(self) -> float:
        return self.md5sum_s / self.cruddur_s


def _probe(args: list[str], repo_root: Path, workdir: Path) -> dict[str, Any]:
    """Run probe.py through the rusage launcher: its peak RSS is then its own (a process
    forked from the harness would carry the harness's high-water mark across exec)."""
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    log_path = workdir / "logs" / f"probe-{'-'.join(a for a in args if '/' not in a)}.log"
    measured = run_measured([sys.executable, str(PROBE), *args], env, log_path)
    if measured.returncode:
        raise RuntimeError(f"probe {args[0]} failed: {measured.tail(5)}")
    result = dict(json.loads(measured.tail(1)))
    result["peak_rss_mb"] = measured.peak_rss_mb
    return result


def hashing(build_dir: Path, workdir: Path, repo_root: Path, repeats: int) -> HashResult:
    """Same files, warm page cache for both (each measured `repeats` times, median)."""
    rels = sorted(p.relative_to(build_dir).as_posix() for p in build_dir.rglob("*") if p.is_file())
    list_file = workdir / "hash-list.bin"
    list_file.write_text("\0".join(rels))
    total = sum((build_dir / r).stat().st_size for r in rels)
    md5sum = shutil.which("md5sum")
    if md5sum is None:
        raise RuntimeError("md5sum is not installed (coreutils)")

    def run_md5sum() -> float:
        start = time.perf_counter()
        subprocess.run(["xargs", "-0", "-a", str(list_file), md5sum], cwd=build_dir, check=True,
                       stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    run_md5sum()  # warm the page cache
    md5sum_times, ours, single = [], [], []
    impl = ""
    for _ in range(repeats):  # interleaved, so drift hits both alike
        md5sum_times.append(run_md5sum())
        result = _probe(["hash", str(build_dir), str(list_file), "8"], repo_root, workdir)
        ours.append(result["seconds"])
        impl = str(result["impl"])
        single.append(_probe(["hash", str(build_dir), str(list_file), "1"], repo_root, workdir)["seconds"])
    return HashResult(total, len(rels), statistics.median(md5sum_times), statistics.median(ours),
                      statistics.median(single), impl)


MOSTLY_UNCHANGED = "mostly-unchanged"  # 98 % unchanged, 1 % updated, 0.5 % new, 0.5 % deleted
FIRST_DEPLOY = "first-deploy"  # the same build to an empty bucket: every file a create
PLAN_SCENARIOS = (MOSTLY_UNCHANGED, FIRST_DEPLOY)


@dataclass
class PlanScale:
    files: int
    pure_s: float
    pure_rss_mb: float
    scenario: str = MOSTLY_UNCHANGED
    cli_s: float | None = None  # no MD5 cache: every file hashed (the first plan, or CI)
    cli_rss_mb: float | None = None
    warm_s: float | None = None  # the same plan again: MD5s from the cache
    warm_rss_mb: float | None = None
    cli_note: str = ""
    stub_requests: int = 0
    stub_heads: int = 0
    unexpected: list[str] = field(default_factory=list)

    @property
    def pure_us_per_file(self) -> float:
        return self.pure_s / self.files * 1e6

    @property
    def cli_us_per_file(self) -> float | None:
        return self.cli_s / self.files * 1e6 if self.cli_s else None

    @property
    def warm_us_per_file(self) -> float | None:
        return self.warm_s / self.files * 1e6 if self.warm_s else None

    @property
    def peak_rss_mb(self) -> float | None:
        """The larger peak of the two task runs (None without them)."""
        peaks = [rss for rss in (self.cli_rss_mb, self.warm_rss_mb) if rss is not None]
        return max(peaks) if peaks else None


def _manifest(root: Path) -> Path:
    """Written after the plan tree's files: its mtime is the tree's age."""
    return root.with_suffix(".manifest.json")


def _plan_tree(root: Path, n: int, seed: int) -> list[tuple[str, int, str]]:
    """N small files on disk (cached between runs); returns the bucket listing to serve:
    98 % identical, 1 % same size but other bytes, 0.5 % missing in the bucket, plus 0.5 % of
    objects that are no longer in the build."""
    manifest = _manifest(root)
    if manifest.exists() and root.exists():
        cached = json.loads(manifest.read_text())
        if cached.get("n") == n and cached.get("seed") == seed:
            return [(str(k), int(s), str(m)) for k, s, m in cached["listing"]]
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(seed)
    listing: list[tuple[str, int, str]] = []
    for i in range(n):
        folder = root / "static" / ("js", "css", "media")[i % 3] / f"{i % 50:02d}"
        if i % 2000 == 0 or not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
        data = f"/* {i} */".encode() + rng.randbytes(rng.randrange(200, 1500))
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        name = f"{i:07d}.{md5[:8]}.js"
        (folder / name).write_bytes(data)
        key = (folder / name).relative_to(root).as_posix()
        if i % 200 == 1:
            continue  # not in the bucket yet: create
        listing.append((key, len(data), md5 if i % 100 else "f" * 32))  # 1 %: update
    listing.extend((f"static/js/old/{i:07d}.js", 100, "e" * 32) for i in range(n // 200))
    manifest.write_text(json.dumps({"n": n, "seed": seed, "listing": listing}))
    return listing


def plan_scale(sizes: list[int], workdir: Path, repo_root: Path, tool: CruddurOps | None,
               seed: int, log: Any, scenarios: Sequence[str] = PLAN_SCENARIOS) -> list[PlanScale]:
    """Each size in each scenario: the pure planner, then `inv frontend.plan` twice (no MD5
    cache, then the MD5s that run cached) on one tree of files, against a listing stub that
    serves the mostly-unchanged bucket or an empty one (a first deploy)."""
    results = []
    for n in sizes:
        tree = workdir / f"plan-{n}"
        listing: list[tuple[str, int, str]] | None = None
        for scenario in scenarios:
            pure = _probe(["plan", str(n), scenario], repo_root, workdir)
            scale = PlanScale(n, float(pure["seconds"]), float(pure["peak_rss_mb"]), scenario)
            results.append(scale)
            log(f"  plan (pure build_plan) {n:>7} files, {scenario}: {scale.pure_s:.2f} s, "
                f"peak {scale.pure_rss_mb:.0f} MB")
            if tool is None or not tool.plan_available():
                scale.cli_note = "`inv frontend.plan` not available"
                continue
            if listing is None:
                started = time.perf_counter()
                listing = _plan_tree(tree, n, seed)
                log(f"  plan tree of {n} files ready ({time.perf_counter() - started:.1f} s)")
            # The MD5 cache leaves out files changed in the last 2 s ("racily clean"): let a tree
            # written just now age past that, so the warm run finds every file in the cache.
            time.sleep(max(0.0, RACY_SECONDS + 0.1 - (time.time() - _manifest(tree).stat().st_mtime)))
            suffix = "" if scenario == MOSTLY_UNCHANGED else f"-{scenario}"
            hash_cache = workdir / f"plan-{n}{suffix}.md5-cache"
            hash_cache.unlink(missing_ok=True)
            _plan_runs(scale, tool, tree, listing if scenario != FIRST_DEPLOY else [], hash_cache,
                       workdir, log)
    return results


def _plan_runs(scale: PlanScale, tool: CruddurOps, tree: Path, listing: list[tuple[str, int, str]],
               hash_cache: Path, workdir: Path, log: Any) -> None:
    n, scenario = scale.files, scale.scenario
    for run in ("cold", "warm"):
        stub = ListingStub("bench-plan", listing).start()
        try:
            argv, env = tool.plan_command("bench-plan", tree)
            env["AWS_ENDPOINT_URL"] = stub.endpoint_url
            env["SYNC_HASH_CACHE"] = str(hash_cache)
            measured = run_measured(argv, env, workdir / "logs" / f"plan-{n}-{scenario}-{run}.log")
        finally:
            stub.stop()
        if measured.returncode not in (0, 2):  # 2 = changes present (--detailed-exitcode)
            scale.cli_note = f"{run} run: exit {measured.returncode}: {measured.tail(3)}"
            log(f"  inv frontend.plan at {n} files, {scenario} ({run}) failed: {measured.tail()}")
            return
        if run == "cold":
            scale.cli_s, scale.cli_rss_mb = measured.wall_s, measured.peak_rss_mb
            scale.stub_requests, scale.stub_heads, scale.unexpected = (
                stub.requests, stub.heads, stub.unexpected)
        else:
            scale.warm_s, scale.warm_rss_mb = measured.wall_s, measured.peak_rss_mb
        log(f"  inv frontend.plan {n:>7} files, {scenario}, {run} MD5 cache: {measured.wall_s:.2f} s, "
            f"peak {measured.peak_rss_mb:.0f} MB, {stub.requests} stub requests"
            + (f", unexpected: {stub.unexpected[:3]}" if stub.unexpected else ""))


FLOOR_LISTER = Path(__file__).with_name("floor_lister.py")
FLOOR_NAME = "python + botocore, list only"


@dataclass
class NoChangeFloor:
    """Interleaved no-change runs on one synced bucket: the Python + botocore floor (list only),
    rclone, and `inv frontend.sync`; median wall seconds of each."""

    keys: int
    runs: int
    seconds: dict[str, float]


def no_change_floor(lanes: list[tuple[Any, str]], build_dir: Path, endpoint_url: str, workdir: Path,
                    runs: int, log: Any) -> NoChangeFloor:
    """``lanes``: (tool adapter pointed at ``endpoint_url``, its bucket) for cruddur-ops and
    rclone. Every lane's bucket equals the build after the scenarios; each tool re-syncs its own
    (rclone keeps its own metadata on its objects), and the floor lists the first lane's."""
    keys = sorted(p.relative_to(build_dir).as_posix() for p in build_dir.rglob("*") if p.is_file())
    bounds = ",".join(range_bounds(keys))
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        FLOOR_NAME: ([sys.executable, str(FLOOR_LISTER), endpoint_url, lanes[0][1], bounds],
                     with_ca_bundle(base_env(workdir), lanes[0][0].ca_bundle)),
    }
    for tool, bucket in lanes:
        commands[tool.name] = tool.command(bucket, build_dir)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(runs + 1):  # run 0 warms caches and is not counted
        for name, (argv, env) in commands.items():
            measured = run_measured(argv, env, workdir / "logs" / f"floor-{len(times[name])}.log")
            if measured.returncode != 0:
                raise RuntimeError(f"{name} failed in the floor probe: {measured.tail(3)}")
            if run:
                times[name].append(measured.wall_s)
    seconds = {name: statistics.median(values) for name, values in times.items()}
    log("  " + ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items()))
    return NoChangeFloor(len(keys), runs, seconds)

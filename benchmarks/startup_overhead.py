"""The fixed cost of `inv frontend.sync`, a candidate checkout against a baseline, side by side:
a CI deploy (the build rewritten with the same bytes and the cache folder deleted before each
run) of 2,000 and 1,000 files, and a no-change sync of a 30-file app (caches warm).

    python benchmarks/startup_overhead.py --baseline /path/to/old/checkout --candidate /path/to/new \
        --python /usr/bin/python3.11-env/bin/python --python ~/.venvs/pyenv311/bin/python [--rounds 15]

Each --python is an environment holding the project's dependencies (not the project itself: each
checkout runs from its own folder, `inv frontend.sync --yes` from its root as users run it). One
moto server, each checkout × interpreter on its own buckets; per scenario, rounds in which every
lane runs once, alternating the order (ABBA…). Prints medians of wall and CPU time (user +
system of the sync process), the per-round ratio candidate/baseline (median, 2nd–(n-1)th), and
the load average at start and end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.syncbench.ab import empty_env_file, load, run_task, task_env  # noqa: E402
from benchmarks.syncbench.buildgen import SyntheticBuild, generate  # noqa: E402
from benchmarks.syncbench.emulator import admin_client, create_bucket, start_moto_server  # noqa: E402

SCENARIOS = (("CI deploy, 2,000 files", 2000, True), ("CI deploy, 1,000 files", 1000, True),
             ("small app (30 files), no change", 30, False))


def sync(python: Path, checkout: Path, build: Path, bucket: str, endpoint: str, cache: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the task's process: user + system)."""
    env = task_env(checkout, endpoint=endpoint, bucket=bucket, build=build, cache=cache)
    return run_task([str(python.parent / "inv"), "frontend.sync", "--yes", "--no-invalidate",
                     "--env-file", str(empty_env_file(cache.parent))], checkout, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="checkout to compare with (a `git archive`)")
    parser.add_argument("--candidate", type=Path, required=True, help="checkout measured against the baseline")
    parser.add_argument("--python", type=Path, action="append", required=True,
                        help="an environment's python holding the dependencies (repeatable)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--scenarios", default="0,1,2", help="indexes into: " + "; ".join(
        f"{i} {name}" for i, (name, _, _) in enumerate(SCENARIOS)))
    args = parser.parse_args()
    print(f"load average at start: {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="startup-overhead-") as tmp:
        workdir = Path(tmp)
        server = start_moto_server(workdir / "moto.log")
        try:
            s3 = admin_client(server.endpoint_url)
            for index in (int(i) for i in args.scenarios.split(",")):
                name, files, ci = SCENARIOS[index]
                build: SyntheticBuild = generate(workdir / f"build{files}", files, big_files=2 if files > 30 else 0)
                build.write_all()
                lanes = {(python, label): (checkout.resolve(), f"b{index}-{n}-{label}")
                         for n, python in enumerate(args.python)
                         for label, checkout in (("base", args.baseline), ("new", args.candidate))}
                for (python, _label), (checkout, bucket) in lanes.items():
                    create_bucket(s3, bucket)
                    for _ in range(2):  # first upload, then a warm-up
                        sync(python, checkout, build.root, bucket, server.endpoint_url, workdir / bucket / "cache")
                times: dict[tuple[Path, str], list[float]] = {lane: [] for lane in lanes}
                cpus: dict[tuple[Path, str], list[float]] = {lane: [] for lane in lanes}
                for round_no in range(args.rounds):
                    order = list(lanes) if round_no % 2 == 0 else list(reversed(lanes))
                    for lane in order:
                        checkout, bucket = lanes[lane]
                        cache = workdir / bucket / "cache"
                        if ci:
                            build.rewrite_identical()
                            shutil.rmtree(cache, ignore_errors=True)
                        os.sync()
                        time.sleep(0.2)
                        wall, cpu = sync(lane[0], checkout, build.root, bucket, server.endpoint_url, cache)
                        times[lane].append(wall)
                        cpus[lane].append(cpu)
                print(f"== {name}: {args.rounds} rounds, load average now {load()}")
                for python in args.python:
                    base, new = times[(python, "base")], times[(python, "new")]
                    ratios = sorted(n / b for n, b in zip(new, base, strict=True))
                    low, high = (ratios[1], ratios[-2]) if len(ratios) > 4 else (ratios[0], ratios[-1])
                    print(f"  {python}: wall base {statistics.median(base):.3f} s, new {statistics.median(new):.3f} s; "
                          f"CPU base {statistics.median(cpus[(python, 'base')]):.3f} s, "
                          f"new {statistics.median(cpus[(python, 'new')]):.3f} s; "
                          f"per-round ratio new/base {statistics.median(ratios):.3f} ({low:.3f}–{high:.3f})",
                          flush=True)
        finally:
            server.stop()
    print(f"load average at end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

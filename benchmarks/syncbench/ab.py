"""One checkout's `inv` task against another's, on the same interpreter and moto server: the
runner that benchmarks/release_overhead.py and benchmarks/startup_overhead.py share."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from pathlib import Path

ENV_PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def task_env(checkout: Path, *, endpoint: str, bucket: str, build: Path, cache: Path) -> dict[str, str]:
    """A sync of ``build`` to ``bucket`` by ``checkout``'s code, as users run it: bytecode
    cached (this project's machines set PYTHONDONTWRITEBYTECODE=1, which recompiles every
    module of a checkout on each run), nothing of the operator's AWS setup."""
    env = {k: v for k, v in os.environ.items() if k in ENV_PASSED_ON}
    env.update({
        "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "SYNC_S3_BUCKET": bucket, "SYNC_BUILD_DIR": str(build),
        "SYNC_OUTPUT_CHANGESET_PATH": str(cache.parent / "changeset.json"), "SYNC_FRONTEND_STACK": "absent",
        "CRUDDUR_OPS_ROOT": str(checkout), "PYTHONPATH": str(checkout), "XDG_CACHE_HOME": str(cache),
        "NO_COLOR": "1", "TERM": "dumb",
    })
    return env


def run_task(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the task's process: user + system); exits on a failure."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd}:\n{done.stdout}{done.stderr}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return elapsed, cpu


def empty_env_file(folder: Path) -> Path:
    """An env file with nothing in it, so no checkout's own sync.env is read."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "empty.env"
    path.write_text("")
    return path


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_comparison(times: dict[str, list[float]], cpus: dict[str, list[float]], baseline: str, candidate: str) -> None:
    """Medians of wall and CPU time per lane, their ratio, and the per-round ratios (runs of
    one round side by side: the machine's slow stretches hit both)."""
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f}, "
              f"n={len(values)}); CPU median {statistics.median(cpus[name]):.3f} s (user + system)")
    wall = statistics.median(times[candidate]) / statistics.median(times[baseline])
    cpu = statistics.median(cpus[candidate]) / statistics.median(cpus[baseline])
    print(f"ratio {candidate}/{baseline}: wall {wall:.3f}, CPU {cpu:.3f}")
    ratios = [c / b for c, b in zip(times[candidate], times[baseline], strict=True)]
    print(f"per-round ratios: median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")

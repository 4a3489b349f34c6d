"""Run one tool command and measure it: wall time, exit code, peak RSS and CPU of its process.

The tool is started through ``rusage_exec.py`` (a stdlib-only launcher), which forks it, waits
with ``os.wait4`` and reports the kernel's rusage of exactly that process: ``ru_maxrss`` is its
peak resident set (or that of a descendant it waited for — every tool here is one process:
python for cruddur-ops/awscli/s3cmd, Go for rclone). Two pitfalls avoided: ``getrusage
(RUSAGE_CHILDREN)`` is a running maximum over all children of the harness, and a child forked
straight from the harness inherits the harness's RSS high-water mark across exec.
Wall time is measured by the launcher around fork → wait, so its own start-up is not counted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

LAUNCHER = Path(__file__).with_name("rusage_exec.py")


@dataclass(frozen=True)
class Measured:
    wall_s: float
    returncode: int
    peak_rss_mb: float
    cpu_s: float  # user + system of the tool process
    log_path: Path

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def run_measured(argv: list[str], env: dict[str, str], log_path: Path,
                 cwd: Path | None = None, timeout: float = 1800.0) -> Measured:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    result_path = log_path.with_suffix(".rusage.json")
    result_path.unlink(missing_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(LAUNCHER), str(result_path), "--", *argv],
            env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        killer = threading.Timer(timeout, _kill_group, args=(process.pid,))
        killer.start()
        try:
            launcher_rc = process.wait()
        finally:
            killer.cancel()
    try:
        result = json.loads(result_path.read_text())
    except (OSError, ValueError):
        result = {"wall_s": float("nan"), "returncode": launcher_rc or -9, "maxrss_kb": 0,
                  "cpu_s": float("nan")}  # killed on timeout or the launcher failed
    return Measured(wall_s=result["wall_s"], returncode=result["returncode"],
                    peak_rss_mb=result["maxrss_kb"] / 1024, cpu_s=result["cpu_s"],
                    log_path=log_path)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass

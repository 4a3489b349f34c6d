"""Run one tool command and measure it: wall time, exit code, peak RSS and CPU of its process.

Peak RSS comes from ``os.wait4(pid)`` — the kernel's rusage of exactly that child (ru_maxrss
is the largest resident set of the child or of any descendant it waited for), which is what
GNU ``/usr/bin/time -v`` reports, without depending on the ``time`` package.
``getrusage(RUSAGE_CHILDREN)`` would not do: it is a running maximum over *all* children of
the harness, so a small run after a big one would report the big one's peak.
Every measured tool runs as a single process (python for cruddur-ops/awscli/s3cmd, Go for rclone).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


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
    with log_path.open("wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        killer = threading.Timer(timeout, _kill_group, args=(process.pid,))
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - start
    returncode = os.waitstatus_to_exitcode(status)
    process.returncode = returncode  # reaped by wait4: tell Popen so it doesn't wait again
    return Measured(wall_s=wall, returncode=returncode, peak_rss_mb=usage.ru_maxrss / 1024,
                    cpu_s=usage.ru_utime + usage.ru_stime, log_path=log_path)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass

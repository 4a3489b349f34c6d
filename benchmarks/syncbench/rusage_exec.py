"""Tiny launcher: ``python -I -S rusage_exec.py RESULT.json -- ARGV...`` runs ARGV as its child,
waits with ``os.wait4`` and writes the child's wall time, exit code, peak RSS and CPU as JSON.

Why a separate launcher instead of ``os.wait4`` in the harness: on Linux, ``ru_maxrss`` of a
child includes the high-water mark of the memory image it had *before* exec — a fork of the
harness (hundreds of MB with the build in memory) would inflate every tool's peak. Forked from
this ~10 MB stdlib-only process, the tool's figure is its own. Same method as GNU
``/usr/bin/time -v``, without needing that package. Stdlib only, no site-packages.
"""

import json
import os
import sys
import time


def main() -> int:
    result_path, sep, *argv = sys.argv[1:]
    if sep != "--" or not argv:
        print("usage: rusage_exec.py RESULT.json -- ARGV...", file=sys.stderr)
        return 2
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    with open(result_path, "w") as handle:
        json.dump({"wall_s": wall, "returncode": os.waitstatus_to_exitcode(status),
                   "maxrss_kb": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime},
                  handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())

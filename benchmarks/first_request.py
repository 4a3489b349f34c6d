"""How long `inv …` takes to open its first connection, and to finish: what start-up costs before
the first request, apart from the interpreter's own start.

    cd CHECKOUT && PYTHONPATH=CHECKOUT ENV/bin/python /path/to/benchmarks/first_request.py frontend.sync --yes

runs invoke in this process with the given arguments (settings from the environment, as for
`inv`) and prints ``first-connection-ms N exit-ms M`` on stderr at exit. Alternate two checkouts
in a shell loop and compare per-round differences (benchmarks/ANALYSIS.md, start-up section).
"""

from __future__ import annotations

import atexit
import socket
import sys
import time
from typing import Any

started = time.perf_counter()
first: list[float] = []
_connect = socket.socket.connect


def _timed_connect(self: socket.socket, address: Any) -> None:
    if not first:
        first.append(time.perf_counter() - started)
    _connect(self, address)


def _report() -> None:
    ended = time.perf_counter() - started
    shown = f"{first[0] * 1000:.1f}" if first else "none"
    sys.stderr.write(f"first-connection-ms {shown} exit-ms {ended * 1000:.1f}\n")


socket.socket.connect = _timed_connect  # type: ignore[method-assign,assignment]
atexit.register(_report)

if __name__ == "__main__":
    from invoke.main import program

    sys.argv = ["inv", *sys.argv[1:]]
    program.run()

"""What releases cost a no-change sync: `inv frontend.sync` of a ~2,000-file synthetic build,
already in the bucket, timed with this checkout and with a baseline checkout side by side.

    python benchmarks/release_overhead.py --baseline /path/to/old/checkout [--candidate DIR] [--files 2000] [--rounds 15]

Both checkouts run on this interpreter against one moto server, each on its own bucket, in
alternating order (ABAB…), after one first sync and one warm-up no-change sync each. Prints the
median wall and CPU time per checkout, the ratios, and the requests the new checkout sends per no-change
sync (through a counting proxy) — the release lookup is meant to be one GET — and the requests of
a rollback of the new checkout's bucket after a deploy that changed index.html and renamed 20
hashed chunks (copies for the changed files, a handful of fixed requests, no uploads).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.syncbench.ab import empty_env_file, print_comparison, run_task, task_env  # noqa: E402
from benchmarks.syncbench.buildgen import generate  # noqa: E402
from benchmarks.syncbench.emulator import admin_client, create_bucket, start_moto_server  # noqa: E402
from tests.support.recording_proxy import RecordingProxy  # noqa: E402


def sync(checkout: Path, build: Path, bucket: str, endpoint: str, workdir: Path,
         task: tuple[str, ...] = ("frontend.sync",)) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the task's process: user + system)."""
    cache = workdir / bucket / "cache"
    env = task_env(checkout, endpoint=endpoint, bucket=bucket, build=build, cache=cache)
    return run_task([sys.executable, "-m", "invoke", "--search-root", str(checkout), *task, "--yes", "--no-invalidate",
                     "--env-file", str(empty_env_file(workdir / bucket))], checkout, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="checkout to compare with (e.g. git archive of main)")
    parser.add_argument("--candidate", type=Path, default=ROOT,
                        help="checkout measured against the baseline (default: this one; pass a `git archive` "
                             "snapshot so edits made during the run cannot leak in)")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--show-requests", action="store_true",
                        help="list each request (method and path) of the counted no-change syncs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="release-overhead-") as tmp:
        workdir = Path(tmp)
        build = workdir / "build"
        synthetic = generate(build, args.files)
        synthetic.write_all()
        server = start_moto_server(workdir / "moto.log")
        try:
            s3 = admin_client(server.endpoint_url)
            lanes = {"baseline": (args.baseline.resolve(), "bench-base"), "releases": (args.candidate.resolve(), "bench-releases")}
            for checkout, bucket in lanes.values():
                create_bucket(s3, bucket)
                sync(checkout, build, bucket, server.endpoint_url, workdir)  # first upload
                sync(checkout, build, bucket, server.endpoint_url, workdir)  # warm caches
            times: dict[str, list[float]] = {name: [] for name in lanes}
            cpus: dict[str, list[float]] = {name: [] for name in lanes}
            for round_no in range(args.rounds):
                order = list(lanes) if round_no % 2 == 0 else list(reversed(lanes))
                for name in order:
                    checkout, bucket = lanes[name]
                    wall, cpu = sync(checkout, build, bucket, server.endpoint_url, workdir)
                    times[name].append(wall)
                    cpus[name].append(cpu)
            proxy = RecordingProxy(upstream=server.endpoint_url).start()
            try:
                for name, (checkout, bucket) in lanes.items():
                    before = len(proxy.requests)
                    sync(checkout, build, bucket, proxy.endpoint_url, workdir)
                    sent = proxy.requests[before:]
                    kinds: dict[str, int] = {}
                    for request in sent:
                        kinds[request[":method"]] = kinds.get(request[":method"], 0) + 1
                    print(f"{name}: requests per no-change sync: {len(sent)} {dict(sorted(kinds.items()))}")
                    if args.show_requests:
                        for request in sent:
                            print(f"    {request[':method']} {request[':path']}")
                checkout, bucket = lanes["releases"]
                synthetic.set_index_variant(1)
                for old in synthetic.deletable[:20]:  # v2 renames 20 hashed chunks
                    path = build / old
                    path.rename(path.with_name("v2-" + path.name))
                sync(checkout, build, bucket, server.endpoint_url, workdir)
                before = len(proxy.requests)
                sync(checkout, build, bucket, proxy.endpoint_url, workdir, task=("frontend.rollback",))
                kinds = {}
                for request in proxy.requests[before:]:
                    kinds[request[":method"]] = kinds.get(request[":method"], 0) + 1
                print(f"rollback of a {args.files}-file release (index.html changed, 20 chunks renamed): "
                      f"{len(proxy.requests) - before} requests {dict(sorted(kinds.items()))}")
            finally:
                proxy.stop()
        finally:
            server.stop()
    print_comparison(times, cpus, "baseline", "releases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

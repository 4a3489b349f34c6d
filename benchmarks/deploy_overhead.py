"""A CI deploy of one changed file, one checkout against another: `inv frontend.sync --yes` of a
synthetic build already in the bucket, as `.github/workflows/sync.yaml` runs it on a new runner.

    python benchmarks/deploy_overhead.py --baseline OLD --candidate NEW [--files 2000] [--rounds 15] [--latency-ms 0]

Before each timed run, untimed, as `nox -s bench` does: the build is rewritten with the same
bytes (new mtimes; the disk may still be writing them out, as after `npm run build`), index.html
flips between two versions and the checkout's cache folder is deleted. Both
checkouts run on this interpreter against one moto server with a CloudFront distribution each,
each on its own bucket, in alternating order (ABAB…), through the benchmark's counting proxy
(which adds the latency). Prints the requests of one untimed deploy per checkout in the order they
reached the emulator, the median wall and CPU time per checkout, and the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.syncbench.ab import empty_env_file, print_comparison, run_task, task_env  # noqa: E402
from benchmarks.syncbench.buildgen import generate  # noqa: E402
from benchmarks.syncbench.emulator import (  # noqa: E402
    admin_client,
    create_bucket,
    create_distribution,
    start_moto_server,
)
from benchmarks.syncbench.proxy import CountingProxy  # noqa: E402
from tests.support.recording_proxy import RecordingProxy  # noqa: E402


def deploy(checkout: Path, build: Path, bucket: str, distribution: str, endpoint: str,
           workdir: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one deploy with the checkout's cache folder deleted first."""
    cache = workdir / bucket / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = task_env(checkout, endpoint=endpoint, bucket=bucket, build=build, cache=cache)
    env.update({"SYNC_CLOUDFRONT_DISTRIBUTION_ID": distribution, "SYNC_KEEP_RELEASES": "1",
                "SYNC_TRUST_HASHED_NAMES": "true"})
    return run_task([sys.executable, "-m", "invoke", "--search-root", str(checkout), "frontend.sync", "--yes",
                     "--env-file", str(empty_env_file(workdir / bucket))], checkout, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="checkout to compare with (a `git archive`)")
    parser.add_argument("--candidate", type=Path, required=True, help="checkout measured against the baseline")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="the proxy holds every request this long (a runner near the bucket)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deploy-overhead-") as tmp:
        workdir = Path(tmp)
        build = workdir / "build"
        synthetic = generate(build, args.files)
        synthetic.write_all()
        server = start_moto_server(workdir / "moto.log")
        recorder = RecordingProxy(upstream=server.endpoint_url).start()
        proxy = CountingProxy("127.0.0.1", int(server.endpoint_url.rsplit(":", 1)[1]), latency_s=args.latency_ms / 1000).start()
        try:
            s3, cloudfront = admin_client(server.endpoint_url), admin_client(server.endpoint_url, "cloudfront")
            lanes = {"baseline": (args.baseline.resolve(), "bench-base"),
                     "candidate": (args.candidate.resolve(), "bench-candidate")}
            distributions = {}
            for name, (checkout, bucket) in lanes.items():
                create_bucket(s3, bucket)
                distributions[name] = create_distribution(cloudfront, bucket)
                deploy(checkout, build, bucket, distributions[name], server.endpoint_url, workdir)  # first upload
            times: dict[str, list[float]] = {name: [] for name in lanes}
            cpus: dict[str, list[float]] = {name: [] for name in lanes}
            variant = 0
            for round_no in range(args.rounds + 1):  # round 0 warms the page cache, untimed
                variant = 1 - variant
                order = list(lanes) if round_no % 2 == 0 else list(reversed(lanes))
                for name in order:
                    checkout, bucket = lanes[name]
                    synthetic.rewrite_identical()  # as a fresh `npm run build`: its writes still in flight
                    synthetic.set_index_variant(variant)
                    if round_no == 0:
                        before = len(recorder.requests)
                        deploy(checkout, build, bucket, distributions[name], recorder.endpoint_url, workdir)
                        print(f"{name}: {len(recorder.requests) - before} requests per deploy:")
                        for request in recorder.requests[before:]:
                            print(f"    {request[':method']} {request[':path'][:100]}")
                        continue
                    wall, cpu = deploy(checkout, build, bucket, distributions[name], proxy.endpoint_url, workdir)
                    times[name].append(wall)
                    cpus[name].append(cpu)
        finally:
            proxy.stop()
            recorder.stop()
            server.stop()
    print_comparison(times, cpus, "baseline", "candidate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

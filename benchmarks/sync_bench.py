#!/usr/bin/env python3
"""Benchmark `inv frontend.sync` against `aws s3 sync`, `s3cmd sync` and `rclone sync --checksum`
on the same synthetic build and the same moto server (issue 4; DESIGN §7).

    python benchmarks/sync_bench.py              # full run: 2,000 files, 3 runs, writes RESULTS.md
    python benchmarks/sync_bench.py --quick      # smoke test: 300 files, 1 run (< 2 min)
    python benchmarks/sync_bench.py --tools cruddur-ops,rclone --files 5000 --runs 5

Installs nothing: a missing tool is skipped with the reason printed. Progress goes to stderr,
the markdown table to stdout and (atomically) to benchmarks/RESULTS.md.
Scratch files live in benchmarks/.work/ (gitignored).
"""

from __future__ import annotations

import argparse
import pickle
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO_ROOT))

from syncbench import buildgen, cruddur_extra, deploy_profile, emulator, report  # noqa: E402
from syncbench.deploy_profile import DeployProfile  # noqa: E402
from syncbench.proxy import CountingProxy  # noqa: E402
from syncbench.scenarios import (  # noqa: E402
    CI_SCENARIOS,
    SCENARIOS,
    SMALL_APP_SCENARIOS,
    SUITE_SEPARATOR,
    Bench,
    Lane,
    run_all,
)
from syncbench.tls import make_tls  # noqa: E402
from syncbench.tools import (  # noqa: E402
    DISPLAY,
    TOOL_NAMES,
    AwsCli,
    CruddurOps,
    Rclone,
    S3cmd,
    Tool,
    python_version,
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 300 files, 1 run, small plan sizes, 1 hashing repeat")
    parser.add_argument("--files", type=int, help="files in the synthetic build (default 2000)")
    parser.add_argument("--runs", type=int, help="timed runs per tool × scenario (default 3)")
    parser.add_argument("--short-runs", type=int,
                        help="timed runs of the ~1 s scenarios: no change, one file changed, files "
                             "deleted (default 11: enough rounds for a 90 %% interval of the "
                             "per-round ratio narrower than min–max; never fewer than --runs)")
    parser.add_argument("--tools", default=",".join(TOOL_NAMES),
                        help=f"comma-separated subset of {', '.join(TOOL_NAMES)}")
    parser.add_argument("--delete-count", type=int, default=200,
                        help="files deleted locally in the delete scenario (default 200)")
    parser.add_argument("--plan-sizes", default=None,
                        help="file counts for the plan-at-scale probe, each planned as mostly "
                             "unchanged and as a first deploy (default 10000,100000,1000000)")
    parser.add_argument("--plan-only", action="store_true",
                        help="run only the plan-at-scale probe (cruddur-ops alone, no emulator) "
                             "and print its table and targets; RESULTS.md is left as it is")
    parser.add_argument("--no-extras", action="store_true",
                        help="skip hashing throughput and plan-at-scale (cruddur-ops alone)")
    parser.add_argument("--https", action="store_true",
                        help="every tool talks HTTPS to the counting proxy (a throwaway CA; the "
                             "bundle they trust is certifi's roots plus that CA)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="simulated network round trip: the proxy holds every request this "
                             "long, and every new connection once more per handshake (default 0: "
                             "the loopback, no network)")
    parser.add_argument("--no-invalidation", action="store_true",
                        help="run cruddur-ops with --no-invalidate instead of a moto distribution")
    parser.add_argument("--suites", default="main,ci,small",
                        help="which scenario suites to run: main (the --files build: first upload, "
                             "no change, rebuild, one file changed, files deleted), ci (a CI deploy "
                             "of --files and half as many files: build rewritten and caches empty "
                             "before each run), small (a 30-file app); default all three")
    parser.add_argument("--suite-latencies", default="0,20",
                        help="round trips (ms) at which the ci and small suites run, each in turn "
                             "(default 0,20: the loopback and a workspace in the bucket's region)")
    parser.add_argument("--plain-python", default=None,
                        help="a second interpreter build (e.g. pyenv's or `uv python`'s) in an "
                             "environment holding the project and awscli: the Python tools are "
                             "measured on the harness's interpreter, then on this one (no extras)")
    parser.add_argument("--profile-runs", type=int, default=None,
                        help="traced one-change CI deploys per tool (cruddur-ops and rclone) after "
                             "the ci suite, on every interpreter build: where each one's time "
                             "goes, request by request, and cruddur-ops' imports (default 5, "
                             "--quick 1; 0: none)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md",
                        help="markdown report to write (default benchmarks/RESULTS.md)")
    parser.add_argument("--workdir", type=Path, default=HERE / ".work")
    parser.add_argument("--report-only", action="store_true",
                        help="re-render the report from the last run's saved measurements "
                             "(e.g. after editing benchmarks/ANALYSIS.md); runs nothing")
    args = parser.parse_args(argv)
    args.files = args.files or (300 if args.quick else 2000)
    args.runs = args.runs or (1 if args.quick else 3)
    args.short_runs = max(args.runs, args.short_runs or (1 if args.quick else 11))
    if args.profile_runs is None:
        args.profile_runs = 1 if args.quick else 5
    if args.plan_sizes is None:
        args.plan_sizes = "1000,10000" if args.quick else "10000,100000,1000000"
    try:
        args.plan_sizes = [int(x) for x in args.plan_sizes.split(",") if x.strip()]
    except ValueError:
        parser.error("--plan-sizes takes comma-separated whole numbers, e.g. 10000,100000")
    args.suites = [x.strip() for x in args.suites.split(",") if x.strip()]
    if set(args.suites) - {"main", "ci", "small"} or not args.suites:
        parser.error("--suites takes a comma-separated subset of main, ci, small")
    try:
        args.suite_latencies = [float(x) for x in args.suite_latencies.split(",") if x.strip()]
    except ValueError:
        parser.error("--suite-latencies takes comma-separated milliseconds, e.g. 0,20")
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(args.tools) - set(TOOL_NAMES))
    if unknown:
        parser.error(f"unknown tool(s) {', '.join(unknown)}; choose from {', '.join(TOOL_NAMES)}")
    if args.files < 20:
        parser.error("--files must be at least 20")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not all(0 <= x <= 10_000 for x in (args.latency_ms, *args.suite_latencies)):
        parser.error("--latency-ms must be between 0 and 10000, e.g. 20 for a workspace in the "
                     "bucket's region")
    args.delete_count = max(1, min(args.delete_count, args.files // 5))
    return args


def make_tools(names: list[str], workdir: Path, python: str = sys.executable) -> list[Tool]:
    factories = {
        "cruddur-ops": lambda: CruddurOps(name=DISPLAY["cruddur-ops"], workdir=workdir,
                                          repo_root=REPO_ROOT, python=python),
        "aws-s3-sync": lambda: AwsCli(name=DISPLAY["aws-s3-sync"], workdir=workdir, python=python),
        "s3cmd": lambda: S3cmd(name=DISPLAY["s3cmd"], workdir=workdir, python=python),
        "rclone": lambda: Rclone(name=DISPLAY["rclone"], workdir=workdir, python=python),
    }
    return [factories[name]() for name in names]


def write_atomically(path: Path, text: str) -> None:
    try:
        from cruddur_ops.fsutil import atomic_write_text
    except ImportError:  # keep the benchmark usable on a broken checkout
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text)
        tmp.replace(path)
        return
    atomic_write_text(path, text)


def runs_dir(workdir: Path) -> Path:
    return workdir / "runs"


def new_run_id(output: Path, now: float) -> str:
    """A saved run's own key: when it started and the report it wrote. Every run keeps its data
    (a later run, or a --quick one to another file, never replaces it)."""
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))}-{Path(output).stem}"


def latest_run(workdir: Path, output: Path) -> Path | None:
    """The newest saved run that wrote ``output`` (what --report-only re-renders by default)."""
    found = sorted(runs_dir(workdir).glob(f"*-{Path(output).stem}.pickle"))
    return found[-1] if found else None


def render_report(measurements: dict[str, Any], *, rerendered: bool = False) -> str:
    return report.render(**measurements, rerendered=rerendered)


def plan_only(args: argparse.Namespace, workdir: Path) -> int:
    """The plan probe alone: its table and targets on stdout."""
    [tool] = make_tools(["cruddur-ops"], workdir)
    assert isinstance(tool, CruddurOps)
    log(f"== cruddur-ops alone: plan at {', '.join(map(str, args.plan_sizes))} files")
    plans = cruddur_extra.plan_scale(args.plan_sizes, workdir, REPO_ROOT,
                                     None if tool.unavailable() else tool, args.seed, log)
    print("\n".join(report.plan_table(plans)))
    for target in report.plan_targets(plans):
        verdict = "" if target.met is None else " (met)" if target.met else " (missed)"
        print(f"- {target.name}: {target.measured}{verdict}")
    return 0


def measure_build(args: argparse.Namespace, python: str, *, workdir: Path, proxy: CountingProxy,
                  server: Any, admin: Any, tls: Any, builds: dict[str, buildgen.SyntheticBuild],
                  delete_keys: list[str], with_extras: bool) -> dict[str, Any]:
    """Every suite with the Python tools on ``python``; the extras (cruddur-ops alone) too when
    ``with_extras``. Returns this build's part of the saved run."""
    tools, versions, skipped = [], {}, {}
    for tool in make_tools(args.tools, workdir, python):
        reason = tool.unavailable()
        if reason:
            skipped[tool.name] = reason
            log(f"skipping {tool.name}: {reason}")
            continue
        tools.append(tool)
        versions[tool.name] = tool.version()
        log(f"{tool.name}: {versions[tool.name]}")
    interpreters = {tool.name: (path, python_version(path))
                    for tool in tools if (path := tool.interpreter())}
    if interpreters:
        versions["Python, by tool"] = report.interpreters_by_tool(interpreters)
        log(f"Python, by tool: {versions['Python, by tool']}")
    versions["boto3 / botocore (cruddur-ops)"] = tools_package_versions(python)
    part: dict[str, Any] = dict(python=python, build=report.interpreter_build(python),
                                versions=versions, skipped=skipped, invalidation_counted=False)
    lanes = []
    for index, tool in enumerate(tools):
        tool.endpoint_url = proxy.endpoint_url
        tool.ca_bundle = str(tls.ca_bundle) if tls else ""
        bucket = f"bench-{index}-{tool.slug}"
        emulator.create_bucket(admin, bucket, exist_ok=True)
        if isinstance(tool, CruddurOps) and not args.no_invalidation:
            try:
                tool.distribution_id = emulator.create_distribution(
                    emulator.admin_client(server.endpoint_url, "cloudfront"), bucket)
                part["invalidation_counted"] = True
            except Exception as exc:  # moto without CloudFront: sync without invalidation
                log(f"no CloudFront distribution ({exc}); cruddur-ops runs --no-invalidate")
        log(f"{tool.name} → s3://{bucket}")
        lanes.append(Lane(tool, bucket))

    def bench_on(build: buildgen.SyntheticBuild) -> Bench:
        return Bench(build=build, proxy=proxy, admin_s3=admin, workdir=workdir, runs=args.runs,
                     delete_keys=delete_keys, log=log, short_runs=args.short_runs)

    results = []
    log(f"== interpreter build: {part['build']}")
    if "main" in args.suites:
        proxy.latency_s = args.latency_ms / 1000
        results += run_all(bench_on(builds["main"]), lanes, SCENARIOS)
    for latency in args.suite_latencies:
        proxy.latency_s = latency / 1000
        rtt = f"{SUITE_SEPARATOR}{latency:g} ms" if latency else ""
        for name in ("ci", "ci-half") if "ci" in args.suites else ():
            build = builds[name]
            results += run_all(bench_on(build), lanes, CI_SCENARIOS,
                               suite=f"{len(build.files):,} files{rtt}")
        if "small" in args.suites:
            build = builds["small"]
            results += run_all(bench_on(build), lanes, SMALL_APP_SCENARIOS,
                               suite=f"{len(build.files):,} files{rtt}")
    part["results"] = results
    if "ci" in args.suites and args.profile_runs:
        proxy.latency_s = 0.0  # on the loopback: what each tool does itself, no network to wait on
        part["profile"] = profile_ci_deploy(args, lanes, bench_on(builds["ci"]))
    proxy.latency_s = args.latency_ms / 1000
    if not with_extras or args.no_extras:
        return part
    main_build = builds.get("main") or builds.get("ci")
    if main_build is None:
        return part
    cruddur = next((t for t in tools if isinstance(t, CruddurOps)), None)
    floor_lanes = [(lane.tool, lane.bucket) for lane in lanes
                   if lane.tool is cruddur or lane.tool.slug == "rclone"]
    if cruddur is not None and "main" in args.suites:
        log("== no-change floor: python + botocore listing only, cruddur-ops, rclone")
        try:
            part["floor"] = cruddur_extra.no_change_floor(
                floor_lanes, main_build.root, proxy.endpoint_url, workdir,
                runs=1 if args.quick else 5, log=log)
        except Exception as exc:
            log(f"  floor probe failed: {exc}")
    log("== cruddur-ops alone: hashing throughput vs md5sum")
    try:
        main_build.write_all()
        hashing = cruddur_extra.hashing(main_build.root, workdir, REPO_ROOT,
                                        repeats=1 if args.quick else 5)
        part["hashing"] = hashing
        log(f"  md5sum {hashing.md5sum_mbps:.0f} MB/s, {hashing.impl} "
            f"{hashing.cruddur_mbps:.0f} MB/s ({hashing.ratio:.2f} ×)")
    except Exception as exc:
        log(f"  hashing probe failed: {exc}")
    log(f"== cruddur-ops alone: plan at {', '.join(map(str, args.plan_sizes))} files")
    try:
        part["plans"] = cruddur_extra.plan_scale(args.plan_sizes, workdir, REPO_ROOT, cruddur,
                                                 args.seed, log)
    except Exception as exc:
        log(f"  plan probe failed: {exc}")
    return part


def profile_ci_deploy(args: argparse.Namespace, lanes: list[Lane], bench: Bench) -> DeployProfile | None:
    """cruddur-ops' one-change CI deploy beside rclone's, traced (deploy_profile.py)."""
    traced = [lane for lane in lanes if isinstance(lane.tool, CruddurOps) or lane.tool.slug == "rclone"]
    if not any(isinstance(lane.tool, CruddurOps) for lane in traced):
        return None
    log(f"== where a one-change CI deploy's time goes: {', '.join(lane.tool.name for lane in traced)}, "
        f"{args.profile_runs} traced run(s) each")
    try:
        return deploy_profile.profile_deploy(bench, traced, runs=args.profile_runs,
                                             importtime_tool=DISPLAY["cruddur-ops"])
    except Exception as exc:  # a profile is an explanation, not a result: the run goes on without it
        log(f"  deploy profile failed: {exc}")
        return None


def tools_package_versions(python: str) -> str:
    code = ("from importlib.metadata import version as v; "
            "print(v('boto3') + ' / ' + v('botocore'))")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    return out.stdout.strip() or "not installed"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir: Path = args.workdir.resolve()
    if args.report_only:
        saved = latest_run(workdir, args.output)
        if saved is None:
            log(f"error: no saved run for {args.output} in {runs_dir(workdir)}; run the benchmark first")
            return 1
        text = render_report(pickle.loads(saved.read_bytes()), rerendered=True)
        write_atomically(args.output, text)
        log(f"wrote {args.output} from {saved}")
        return 0
    started, started_at = time.perf_counter(), time.time()
    run_id = new_run_id(args.output, started_at)
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in ("changesets", "logs"):  # per-run output; the plan trees are kept as a cache
        shutil.rmtree(workdir / stale, ignore_errors=True)
    if args.plan_only:
        return plan_only(args, workdir)
    command = " ".join(["python benchmarks/sync_bench.py", *(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))])
    machine = report.machine_info()  # what ran the measurements, kept with them
    load_before = report.load_average()
    pythons = [sys.executable, *([args.plain_python] if args.plain_python else [])]

    builds = {}
    if "main" in args.suites:
        builds["main"] = buildgen.generate(workdir / "build", args.files, seed=args.seed)
    if "ci" in args.suites:
        builds["ci"] = builds.get("main") or buildgen.generate(workdir / "build", args.files,
                                                               seed=args.seed)
        builds["ci-half"] = buildgen.generate(workdir / "build-half", max(20, args.files // 2),
                                              seed=args.seed)
    if "small" in args.suites:
        builds["small"] = buildgen.generate(workdir / "build-small", SMALL_APP_FILES,
                                            seed=args.seed, big_files=0)
    summaries = {name: build_summary(build, args.seed) for name, build in builds.items()}
    for name, summary in summaries.items():
        log(f"build {name}: {summary}")
    main_build = builds.get("main") or builds["ci"] if ("main" in builds or "ci" in builds) else None
    delete_keys = (buildgen.pick_deletions(main_build, args.delete_count, args.seed)
                   if main_build else [])

    log("starting moto server …")
    server = emulator.start_moto_server(workdir / "logs" / "moto.log")
    tls = make_tls(workdir) if args.https else None
    proxy = CountingProxy("127.0.0.1", int(server.endpoint_url.rsplit(":", 1)[1]),
                          tls=tls.server_context if tls else None,
                          latency_s=args.latency_ms / 1000).start()
    admin = emulator.admin_client(server.endpoint_url)
    parts = []
    try:
        for index, python in enumerate(pythons):
            parts.append(measure_build(args, python, workdir=workdir, proxy=proxy, server=server,
                                       admin=admin, tls=tls, builds=builds,
                                       delete_keys=delete_keys, with_extras=index == 0))
    finally:
        proxy.stop()
        server.stop()

    first = parts[0]
    measurements = dict(
        results=first["results"], versions=first["versions"], skipped=first["skipped"],
        build_summary=summaries.get("main") or summaries.get("ci") or "", suite_builds=summaries,
        n_files=args.files, runs=args.runs, short_runs=args.short_runs, command=command,
        deleted=len(delete_keys), hashing=first.get("hashing"), plans=first.get("plans", []),
        floor=first.get("floor"), profile=first.get("profile"),
        invalidation_counted=first["invalidation_counted"],
        moto_version=report.package_version("moto"), elapsed_s=time.perf_counter() - started,
        https=args.https, latency_ms=args.latency_ms, measured_at=time.time(),
        balanced_order=True, run_id=run_id, machine=machine,
        load=(load_before, report.load_average()), interpreter_build=first["build"],
        other_builds=[{k: v for k, v in part.items() if k in ("build", "results", "versions",
                                                              "skipped", "python", "profile")}
                      for part in parts[1:]])
    saved = runs_dir(workdir) / f"{run_id}.pickle"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_bytes(pickle.dumps(measurements))
    text = render_report(measurements)
    print(text)
    write_atomically(args.output, text)
    log(f"wrote {args.output} and {saved} ({(time.perf_counter() - started) / 60:.1f} min)")
    failed = [r for part in parts for r in part["results"] if r.failure]
    return 1 if failed else 0


SMALL_APP_FILES = 30


def build_summary(build: buildgen.SyntheticBuild, seed: int) -> str:
    mix = ", ".join(f"{count} {label}" for label, count in build.size_mix().items() if count)
    return (f"{len(build.files)} files, {build.total_bytes / 1e6:.1f} MB ({mix}), "
            f"content-hashed names, seed {seed}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:  # the emulator did not start, a probe tool is missing, ...
        log(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)

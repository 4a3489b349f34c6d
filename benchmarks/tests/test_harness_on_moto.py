"""The sync benchmark's measuring parts against a real emulator over HTTP: the counting proxy
(every figure in RESULTS.md comes from it) and a miniature `sync_bench.py` run end to end."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import SSLError
from syncbench.emulator import create_distribution
from syncbench.proxy import CountingProxy
from syncbench.tls import make_tls

REPO_ROOT = Path(__file__).resolve().parents[2]

MB = 1024 * 1024


@pytest.fixture
def counting_proxy(aws_env: dict[str, str]) -> Any:
    upstream = urlsplit(aws_env["AWS_ENDPOINT_URL"])
    proxy = CountingProxy(upstream.hostname or "127.0.0.1", upstream.port or 80).start()
    yield proxy
    proxy.stop()


def _through(proxy: CountingProxy, service: str) -> Any:
    # path-style, as every tool in the benchmark is configured
    return boto3.client(service, endpoint_url=proxy.endpoint_url, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}))


def test_the_proxy_counts_each_request_kind_and_the_payload_bytes(counting_proxy: CountingProxy,
                                                                  unique: str) -> None:
    s3 = _through(counting_proxy, "s3")
    bucket = f"bench-proxy-{unique}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a.js", Body=b"a" * 1000)
    s3.put_object(Bucket=bucket, Key="b.css", Body=b"b" * 2500)
    arranged = counting_proxy.take()
    assert arranged.by_kind["OTHER"] == 1 and arranged.by_kind["PUT"] == 2
    assert arranged.bytes_up == 3500 and arranged.objects_written == 2

    s3.list_objects_v2(Bucket=bucket)
    s3.head_object(Bucket=bucket, Key="a.js")
    assert s3.get_object(Bucket=bucket, Key="b.css")["Body"].read() == b"b" * 2500
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="big.bin", UploadId=upload, PartNumber=1, Body=b"x" * (5 * MB))
    s3.complete_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    s3.copy_object(Bucket=bucket, Key="c.js", CopySource={"Bucket": bucket, "Key": "a.js"})
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a.js"}, {"Key": "b.css"}]})
    s3.delete_object(Bucket=bucket, Key="c.js")
    counts = counting_proxy.take()
    assert dict(+counts.by_kind) == {"LIST": 1, "HEAD": 1, "GET": 1, "MPU": 2, "PART": 1, "COPY": 1,
                                     "DELETE_BATCH": 1, "DELETE": 1}
    assert counts.bytes_up == 5 * MB  # the part's payload; the copy sends none
    assert counts.objects_written == 2  # the completed multipart upload and the copy
    assert counts.keys_deleted == 3  # two in the batch, one single
    assert not counts.errors and counts.total == 9
    assert counting_proxy.take().total == 0  # take() starts a fresh tally

    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=bucket, Key="gone.js")
    failed = counting_proxy.take()
    assert failed.by_kind["HEAD"] == 1 and failed.errors[404] == 1
    s3.delete_object(Bucket=bucket, Key="big.bin")
    s3.delete_bucket(Bucket=bucket)


def test_with_https_the_proxy_is_trusted_through_the_runs_bundle_only(aws_env: dict[str, str],
                                                                      tmp_path: Path, unique: str) -> None:
    tls = make_tls(tmp_path)
    bundle = tls.ca_bundle.read_bytes()
    assert bundle.count(b"BEGIN CERTIFICATE") > 100  # certifi's public roots plus the run's CA
    upstream = urlsplit(aws_env["AWS_ENDPOINT_URL"])
    proxy = CountingProxy(upstream.hostname or "127.0.0.1", upstream.port or 80,
                          tls=tls.server_context).start()
    try:
        assert proxy.endpoint_url.startswith("https://127.0.0.1:")
        s3 = boto3.client("s3", endpoint_url=proxy.endpoint_url, region_name="us-east-1",
                          verify=str(tls.ca_bundle), config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket=f"bench-tls-{unique}")
        s3.put_object(Bucket=f"bench-tls-{unique}", Key="a.js", Body=b"a" * 100)
        assert s3.list_objects_v2(Bucket=f"bench-tls-{unique}")["KeyCount"] == 1
        counts = proxy.take()
        assert (counts.by_kind["PUT"], counts.by_kind["LIST"], counts.bytes_up) == (1, 1, 100)
        public_roots_only = boto3.client("s3", endpoint_url=proxy.endpoint_url, region_name="us-east-1",
                                         config=Config(retries={"max_attempts": 1}))
        with pytest.raises(SSLError):
            public_roots_only.list_objects_v2(Bucket=f"bench-tls-{unique}")
        s3.delete_object(Bucket=f"bench-tls-{unique}", Key="a.js")
        s3.delete_bucket(Bucket=f"bench-tls-{unique}")
    finally:
        proxy.stop()


@pytest.mark.needs_cloudfront
def test_the_proxy_reads_invalidation_paths(counting_proxy: CountingProxy,
                                            boto_client: Callable[..., Any], unique: str) -> None:
    distribution = create_distribution(boto_client("cloudfront"), f"bench-cdn-{unique}")
    cloudfront = _through(counting_proxy, "cloudfront")
    cloudfront.create_invalidation(DistributionId=distribution, InvalidationBatch={
        "CallerReference": unique,
        "Paths": {"Quantity": 3, "Items": ["/", "/index.html", "/static/caf%C3%A9.svg"]}})
    counts = counting_proxy.take()
    assert counts.by_kind["INVALIDATION"] == 1
    assert sorted(counts.invalidation_paths) == ["/", "/index.html", "/static/café.svg"]


def test_plan_only_prints_the_plan_probe_and_leaves_the_report_alone(tmp_path: Path) -> None:
    """`--plan-only`: both scenarios at each size, on stdout, no emulator and no RESULTS.md."""
    output = tmp_path / "RESULTS.md"
    run = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "sync_bench.py"), "--plan-only",
         "--plan-sizes", "200", "--workdir", str(tmp_path / "work"), "--output", str(output)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| 200 |")]
    assert [row.split("|")[2].strip() for row in rows] == ["mostly unchanged", "first deploy"]
    assert all("–" not in row for row in rows), rows  # the task ran in both: every column filled
    assert "100,000-file plan" in run.stdout and not output.exists()


@pytest.mark.own_emulator
def test_a_miniature_benchmark_run_writes_a_report_with_exact_counts(tmp_path: Path) -> None:
    """cruddur-ops alone through every scenario of every suite on 40 files (the harness starts
    its own moto server and proxy): the table's request counts are exact, so they can be asserted."""
    output = tmp_path / "RESULTS.md"
    run = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "sync_bench.py"), "--tools", "cruddur-ops",
         "--files", "40", "--runs", "1", "--delete-count", "4", "--no-extras", "--profile-runs", "1",
         "--suite-latencies", "0", "--workdir", str(tmp_path / "work"), "--output", str(output)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    # cruddur-ops kept its MD5 and botocore caches in the run's workdir, not in ~/.cache
    assert list((tmp_path / "work" / "cache" / "cruddur-ops").iterdir())
    # each run is saved under its own key
    [saved] = (tmp_path / "work" / "runs").glob("*-RESULTS.pickle")
    report = output.read_text()
    assert f"Run {saved.stem}: measured " in report
    section = report.split("## Results", 1)[1].strip().splitlines()
    start = next(i for i, line in enumerate(section) if line.startswith("|"))
    end = next((i for i in range(start, len(section)) if not section[i].startswith("|")), len(section))
    table = [[c.strip() for c in line.split("|")] for line in section[start:end]]
    header = table[0]
    rows = {cells[1]: cells for cells in table[2:]}
    assert header[1:3] == ["scenario", "tool"] and {cells[2] for cells in table[2:]} == {"cruddur-ops"}
    assert set(rows) == {"first upload", "no change", "rebuild (same bytes)", "one file changed",
                         "4 files deleted", "CI deploy, no change · 40 files",
                         "CI deploy, one file changed · 40 files", "CI deploy, no change · 20 files",
                         "CI deploy, one file changed · 20 files", "small app, no change · 30 files",
                         "small app, one file changed · 30 files"}
    # a CI deploy (new mtimes, no MD5 cache) still uploads nothing unchanged; one change is 1 PUT
    for files in (40, 20):
        assert rows[f"CI deploy, no change · {files} files"][header.index("uploads")] == "0"
        assert rows[f"CI deploy, one file changed · {files} files"][header.index("PUT")] == "1"
    assert rows["small app, one file changed · 30 files"][header.index("PUT")] == "1"
    # the new scenarios rewrote the build and emptied the cache before each CI run
    ci_log = (tmp_path / "work" / "logs" / "cruddur-ops" / "ci-deploy-no-change-40-files-0.log")
    assert ci_log.is_file(), sorted(p.name for p in ci_log.parent.iterdir())

    def cell(scenario: str, column: str) -> str:
        return rows[scenario][header.index(column)]

    assert cell("first upload", "uploads") == "40" and cell("first upload", "PUT") == "40"
    # the listing and the release pointer's GET (counted as "other", like the release records)
    assert cell("no change", "requests") == "2" and cell("no change", "uploads") == "0"
    assert cell("no change", "other") == "1"
    assert cell("rebuild (same bytes)", "uploads") == "0"
    assert cell("one file changed", "PUT") == "1" and cell("one file changed", "inval. paths") == "2"
    assert cell("4 files deleted", "deleted") == "4" and cell("4 files deleted", "uploads") == "0"
    assert all(cells[header.index("bucket = build")] == "ok" for cells in rows.values())
    assert "| One file changed (index.html): exactly 1 PUT; invalidation /index.html + / | 1 PUT; " \
           "invalidation paths ['/', '/index.html'] | met |" in report
    # the interpreter that ran cruddur-ops, by its resolved path
    python = Path(sys.executable).resolve()
    assert re.search(rf"^- Python, by tool: 3\.\d+\.\d+\S* at {re.escape(str(python))} \(cruddur-ops\)$",
                     report, re.MULTILINE), report.split("## Results", 1)[0]
    # the traced one-change CI deploy: its phases, its imports and each request it sent
    profile = report.split("### Where a one-change CI deploy's time goes (40 files, loopback)", 1)[1]
    requests = re.search(r"^\| requests \| (\d+) \|$", profile, re.MULTILINE)
    assert requests, profile[:1500]
    listed = profile.split("```", 2)[1].strip().splitlines()
    assert len(listed) == int(requests.group(1)) >= 3
    assert any(line.split()[4:] == ["PUT", "PUT", "/index.html"] for line in listed), listed
    imports = re.search(r"^\| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", profile, re.MULTILINE)
    assert imports and int(imports.group(1)) > 0 and int(imports.group(2)) > 0, profile[:1500]  # invoke, botocore
    # no peer ran, so the comparisons are "not measured", never "met"
    assert "| No-change re-sync: wall ≤ each peer's | not compared | not measured |" in report
    rerendered = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "sync_bench.py"), "--report-only",
         "--workdir", str(tmp_path / "work"), "--output", str(output)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert rerendered.returncode == 0, rerendered.stderr[-2000:]
    again = output.read_text()
    # the machine and its load are the run's, saved with it, not the re-rendering machine's
    assert again.split("## Machine and versions", 1)[1] == report.split("## Machine and versions", 1)[1]
    assert "- Load average (1, 5, 15 min) when the run started: " in again
    measured = re.search(r"measured (\d{4}-\d\d-\d\d \d\d:\d\d UTC)", report)
    assert measured and f"measured {measured.group(1)} in " in again and "re-rendered" in again


def test_a_simulated_round_trip_delays_requests_and_handshakes_in_parallel(
        aws_env: dict[str, str], unique: str) -> None:
    """--latency-ms: each request waits one round trip, a new connection one more, and parallel
    connections wait at the same time (a proxy that queued them would punish parallel tools)."""
    import http.client
    import time
    from concurrent.futures import ThreadPoolExecutor

    upstream = urlsplit(aws_env["AWS_ENDPOINT_URL"])
    boto3.client("s3", endpoint_url=aws_env["AWS_ENDPOINT_URL"],
                 region_name="us-east-1").create_bucket(Bucket=f"bench-rtt-{unique}")
    rtt = 0.3
    proxy = CountingProxy(upstream.hostname or "127.0.0.1", upstream.port or 80, latency_s=rtt).start()
    try:
        def list_twice_on_one_connection() -> tuple[float, float]:
            conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30)
            times = []
            for _ in range(2):
                started = time.perf_counter()
                conn.request("GET", f"/bench-rtt-{unique}?list-type=2")
                response = conn.getresponse()
                assert response.status == 200 and b"ListBucketResult" in response.read()
                times.append(time.perf_counter() - started)
            conn.close()
            return times[0], times[1]

        first, second = list_twice_on_one_connection()
        assert first >= 2 * rtt  # the handshake's round trip, then the request's
        assert second >= rtt     # kept alive: the request's round trip only
        counts = proxy.take()
        assert (counts.by_kind["LIST"], counts.connections) == (2, 1)

        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: list_twice_on_one_connection(), range(4)))
        # 4 connections × 3 round trips each: 12 × 0.3 s = 3.6 s if the waits were queued
        assert time.perf_counter() - started < 2.4
        assert proxy.take().connections == 4
    finally:
        proxy.stop()


def test_the_plan_probe_runs_the_task_without_and_then_with_the_md5_cache(tmp_path: Path) -> None:
    """`inv frontend.plan` against the listing stub, twice per scenario (mostly unchanged, then a
    first deploy to an empty bucket): the first run has no MD5 cache and hashes every file, the
    second reads the MD5s the first one cached."""
    from syncbench.cruddur_extra import FIRST_DEPLOY, MOSTLY_UNCHANGED, plan_scale
    from syncbench.tools import CruddurOps

    tool = CruddurOps("cruddur-ops", tmp_path, repo_root=REPO_ROOT)
    lines: list[str] = []
    mostly, first = plan_scale([300], tmp_path, REPO_ROOT, tool, seed=7, log=lines.append)
    assert (mostly.scenario, first.scenario) == (MOSTLY_UNCHANGED, FIRST_DEPLOY)
    for scale in (mostly, first):
        assert scale.cli_note == "", scale.cli_note
        assert scale.cli_s and scale.warm_s and scale.peak_rss_mb
        assert scale.stub_requests >= 1 and scale.unexpected == []
    for name in ("plan-300.md5-cache", f"plan-300-{FIRST_DEPLOY}.md5-cache"):
        cache = tmp_path / name
        assert cache.is_file() and cache.stat().st_size > 0
    runs = [line for line in lines if "inv frontend.plan" in line]
    assert len(runs) == 4 and "cold MD5 cache" in runs[0] and "warm MD5 cache" in runs[1]
    assert all(FIRST_DEPLOY in line for line in runs[2:])
    # the first deploy's changeset holds every file as a create; the stub served no object
    changesets = sorted((tmp_path / "changesets").glob("bench-plan-*.json"), key=lambda p: p.stat().st_mtime)
    assert changesets, list(tmp_path.rglob("*.json"))[:5]
    items = json.loads(changesets[-1].read_text())
    assert len(items) == 300 and {item["action"] for item in items} == {"create"}

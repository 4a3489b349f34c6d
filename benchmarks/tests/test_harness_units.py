"""The sync benchmark's own logic (benchmarks/syncbench): request classification, the synthetic
build, medians and the target verdicts in RESULTS.md. A wrong verdict there would report a
target as met that is not, so the verdicts are checked at their boundaries."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
from syncbench import buildgen
from syncbench.cruddur_extra import FIRST_DEPLOY, PlanScale
from syncbench.measure import Measured
from syncbench.proxy import Counts, classify
from syncbench.report import (
    MILLION_TARGET,
    PLAN_TARGET,
    Target,
    ci_limit,
    combined,
    interpreters_by_tool,
    plan_table,
    suite_targets,
    targets,
)
from syncbench.scenarios import Run, ScenarioResult
from syncbench.tools import script_interpreter

LOCAL = "127.0.0.1:5000"
VHOST = "bench.s3.amazonaws.com"


@pytest.mark.parametrize(("method", "path", "host", "headers", "kind"), [
    ("GET", "/bench?list-type=2&max-keys=512", LOCAL, {}, "LIST"),
    ("GET", "/bench", LOCAL, {}, "LIST"),  # ListObjects v1 without a query (s3cmd)
    ("GET", "/bench?prefix=static%2F&delimiter=%2F", LOCAL, {}, "LIST"),
    ("GET", "/?list-type=2", VHOST, {}, "LIST"),  # virtual-host style: the bucket is in the host
    ("GET", "/bench?location", LOCAL, {}, "OTHER"),
    ("GET", "/bench/index.html", LOCAL, {}, "GET"),
    ("GET", "/index.html", VHOST, {}, "GET"),
    ("HEAD", "/bench/static/js/1.js", LOCAL, {}, "HEAD"),
    ("PUT", "/bench/static/js/1.js", LOCAL, {}, "PUT"),
    # cruddur-ops's release bookkeeping is not a site object: counted apart from PUT/GET/DELETE
    ("PUT", "/bench/_cruddur-ops/lock.json", LOCAL, {}, "OTHER"),
    ("GET", "/_cruddur-ops/live.json", VHOST, {}, "OTHER"),
    ("DELETE", "/bench/_cruddur-ops/lock.json", LOCAL, {}, "OTHER"),
    ("PUT", "/bench/big.mp4?partNumber=2&uploadId=abc", LOCAL, {}, "PART"),
    ("PUT", "/bench/copy.js", LOCAL, {"x-amz-copy-source": "/bench/1.js"}, "COPY"),
    ("PUT", "/bench/1.js?acl", LOCAL, {}, "OTHER"),
    ("PUT", "/bench", LOCAL, {}, "OTHER"),  # CreateBucket
    ("POST", "/bench/big.mp4?uploads", LOCAL, {}, "MPU"),
    ("POST", "/bench/big.mp4?uploadId=abc", LOCAL, {}, "MPU"),
    ("POST", "/bench?delete", LOCAL, {}, "DELETE_BATCH"),
    ("DELETE", "/bench/old.js", LOCAL, {}, "DELETE"),
    ("DELETE", "/bench/big.mp4?uploadId=abc", LOCAL, {}, "OTHER"),  # AbortMultipartUpload
    ("POST", "/2020-05-31/distribution/E123/invalidation", LOCAL, {}, "INVALIDATION"),
    ("GET", "/2020-05-31/distribution/E123/invalidation/I1", LOCAL, {}, "OTHER"),
])
def test_requests_are_classified_by_kind(method: str, path: str, host: str,
                                         headers: dict[str, str], kind: str) -> None:
    assert classify(method, path, host, headers) == kind


def test_the_build_is_deterministic_with_the_promised_mix_and_content_hashed_names(tmp_path: Path) -> None:
    build = buildgen.generate(tmp_path / "a", 200, seed=7)
    again = buildgen.generate(tmp_path / "b", 200, seed=7)
    other = buildgen.generate(tmp_path / "c", 200, seed=8)
    assert build.files == again.files and build.files != other.files
    assert len(build.files) == 200
    mix = build.size_mix()
    assert mix["> 8 MB"] == 2 and mix["20 KB–1 MB"] == round(200 * 0.06)
    hashed = re.compile(r"\.([0-9a-f]{8})\.")
    for key, data in build.files.items():
        if key.startswith("static/"):
            found = hashed.search(key)
            assert found and hashlib.md5(data).hexdigest()[:8] == found.group(1), key
    assert build.index_variants[0] == build.files["index.html"] != build.index_variants[1]
    assert set(build.deletable) <= set(build.files) and not any(
        len(build.files[k]) > 8 * buildgen.MB or "/" not in k for k in build.deletable)
    build.write_all()
    on_disk = {str(p.relative_to(build.root)) for p in build.root.rglob("*") if p.is_file()}
    assert on_disk == set(build.files)
    with pytest.raises(ValueError, match="at least 20"):
        buildgen.generate(tmp_path / "d", 5)


def _run(wall: float, *, puts: int = 0, parts: int = 0, written: int = 0, paths: tuple[str, ...] = (),
         returncode: int = 0) -> Run:
    counts = Counts(by_kind=Counter({"PUT": puts, "PART": parts}), objects_written=written,
                    invalidation_paths=list(paths))
    return Run(Measured(wall, returncode, 50.0, 0.1, Path("/dev/null")), counts)


def _result(tool: str, scenario: str, *runs: Run) -> ScenarioResult:
    return ScenarioResult(tool, scenario, runs=list(runs))


def test_median_and_representative_run_ignore_failed_runs() -> None:
    result = _result("rclone", "no change", _run(0.9), _run(0.5, returncode=1), _run(0.7), _run(0.8))
    assert result.median_wall == 0.8
    assert result.representative is not None and result.representative.measured.wall_s == 0.8
    result.failure = "exit 1"
    assert result.median_wall is None  # a tool that failed a scenario gets no time at all


def _verdicts(results: list[ScenarioResult], n_files: int = 10) -> dict[str, bool | None]:
    return {t.name.split(":")[0]: t.met for t in targets(results, n_files, None, [], True)}


def test_no_change_is_met_only_when_at_or_below_every_peer() -> None:
    tie = [_result("cruddur-ops", "no change", _run(0.70)), _result("rclone", "no change", _run(0.70)),
           _result("s3cmd", "no change", _run(0.90))]
    assert _verdicts(tie)["No-change re-sync"] is True
    behind_one = [_result("cruddur-ops", "no change", _run(0.71)), _result("rclone", "no change", _run(0.70)),
                  _result("s3cmd", "no change", _run(0.90))]
    assert _verdicts(behind_one)["No-change re-sync"] is False
    alone = [_result("cruddur-ops", "no change", _run(0.70))]
    assert _verdicts(alone)["No-change re-sync"] is None  # nothing to compare with: not "met"


def test_rebuild_needs_zero_uploads_and_a_quarter_of_aws_time() -> None:
    def rebuild(ours: float, uploads: int) -> bool | None:
        return _verdicts([_result("cruddur-ops", "rebuild (same bytes)", _run(ours, written=uploads)),
                          _result("aws s3 sync", "rebuild (same bytes)", _run(4.0, written=10))])["Rebuild (same bytes)"]

    assert rebuild(1.0, 0) is True       # exactly 0.25 x
    assert rebuild(1.01, 0) is False
    assert rebuild(0.5, 1) is False      # fast but uploaded something
    assert _verdicts([_result("cruddur-ops", "rebuild (same bytes)", _run(1.0))])["Rebuild (same bytes)"] is None


def test_first_upload_needs_the_fastest_peer_time_and_one_put_per_file() -> None:
    def first(ours: float, puts: int, parts: int = 0) -> bool | None:
        return _verdicts([_result("cruddur-ops", "first upload", _run(ours, puts=puts, parts=parts, written=10)),
                          _result("rclone", "first upload", _run(2.0)),
                          _result("aws s3 sync", "first upload", _run(3.0))])["First upload"]

    assert first(2.0, 10) is True
    assert first(2.1, 10) is False       # slower than the fastest peer, faster than aws
    assert first(1.0, 9, parts=3) is False  # a multipart upload is not one PUT per file


def test_one_file_changed_needs_one_put_and_exactly_the_two_index_paths() -> None:
    def one(puts: int, paths: tuple[str, ...]) -> bool | None:
        return _verdicts([_result("cruddur-ops", "one file changed", _run(0.5, puts=puts, written=puts, paths=paths))])[
            "One file changed (index.html)"]

    assert one(1, ("/index.html", "/")) is True
    assert one(2, ("/index.html", "/")) is False
    assert one(1, ("/*",)) is False
    assert one(1, ("/index.html",)) is False


def _render(**overrides: object) -> str:
    from syncbench.report import render

    args: dict[str, object] = dict(
        results=[], versions={}, skipped={}, build_summary="10 files", n_files=10, runs=1,
        command="python benchmarks/sync_bench.py", deleted=2, hashing=None, plans=[],
        invalidation_counted=False, moto_version="5.2.5", analysis="", elapsed_s=60.0)
    args.update(overrides)
    return render(**args)  # type: ignore[arg-type]


def test_a_simulated_round_trip_is_validated_and_stated_in_the_report() -> None:
    import sync_bench

    assert sync_bench.parse_args(["--latency-ms", "20"]).latency_ms == 20.0
    assert sync_bench.parse_args([]).latency_ms == 0.0
    for bad in ("-1", "nan", "20000"):
        with pytest.raises(SystemExit):
            sync_bench.parse_args(["--latency-ms", bad])
    assert "Network:" not in _render()  # the loopback: nothing simulated, nothing claimed
    plain = _render(latency_ms=20.0)
    assert "simulated round trip of 20 ms" in plain and "each new connection 20 ms more (the TCP handshake)" in plain
    assert "each new connection 40 ms more (the TCP handshake plus one for TLS 1.3)" in _render(
        latency_ms=20.0, https=True)


def test_rounds_pair_each_tools_run_of_the_same_round() -> None:
    from syncbench.report import _summarise, round_comparisons, round_ratios

    def summary(ratios: list[float]) -> tuple[float, int, int]:
        """The report's own summary of the ratios, the median rounded to compare."""
        median, at_or_below, rounds = _summarise(ratios)
        return round(median, 3), at_or_below, rounds

    # A slow second round hits both tools: medians say 1.00 ×, the rounds say ahead in 2 of 3.
    ours = _result("cruddur-ops", "first upload", _run(9.0), _run(12.0), _run(10.0))
    s3cmd = _result("s3cmd", "first upload", _run(10.0), _run(13.0), _run(9.5))
    assert ours.median_wall == 10.0 and s3cmd.median_wall == 10.0
    assert round_ratios(ours, s3cmd) == [9.0 / 10.0, 12.0 / 13.0, 10.0 / 9.5]
    assert summary(round_ratios(ours, s3cmd)) == (0.923, 2, 3)
    # a failed run drops its round from the pairing; a failed tool has no comparison at all
    flaky = _result("rclone", "first upload", _run(10.0), _run(1.0, returncode=1), _run(10.0))
    assert round_ratios(ours, flaky) == [0.9, 1.0]
    assert summary(round_ratios(ours, flaky)) == (0.95, 2, 2)
    flaky.failure = "exit 1"
    assert round_ratios(ours, flaky) == []

    results = [ours, s3cmd, _result("aws s3 sync", "first upload", _run(11.0), _run(14.0), _run(12.0)),
               _result("cruddur-ops", "no change", _run(0.8), _run(0.9)),
               _result("aws s3 sync", "no change", _run(1.6), _run(1.5)),
               _result("s3cmd", "no change", _run(0.7), _run(1.0)),
               _result("cruddur-ops", "rebuild (same bytes)", _run(1.0)),
               _result("aws s3 sync", "rebuild (same bytes)", _run(10.0))]
    rows = {(c.scenario, c.peer): (round(c.median_ratio, 3), c.at_or_below, c.rounds)
            for c in round_comparisons(results)}
    assert rows == {("no change", "aws s3 sync"): (0.55, 2, 2), ("no change", "s3cmd"): (1.021, 1, 2),
                    ("first upload", "s3cmd"): (0.923, 2, 3),  # the fastest peer by median
                    ("rebuild (same bytes)", "aws s3 sync"): (0.1, 1, 1)}
    text = _render(results=results)
    assert "| first upload | s3cmd | 0.92 × | 2 of 3 | too few rounds |" in text
    assert "rounds at or below" not in _render()  # no results, no round table


def test_the_interval_for_the_median_ratio_is_exact_order_statistics() -> None:
    from syncbench.report import median_interval

    # n = 5: only min–max reaches 90 %, at 1 - 2/32; four rounds cannot reach it at all
    assert median_interval([1.3, 0.9, 1.1, 1.0, 1.2]) == (0.9, 1.3, 0.9375)
    assert median_interval([1.0, 1.1, 1.2, 1.3]) is None and median_interval([]) is None
    # n = 11: the 3rd smallest and 3rd largest, 1 - 2 * (1 + 11 + 55) / 2048
    eleven = [0.90, 0.95, 0.97, 0.99, 1.00, 1.01, 1.02, 1.03, 1.05, 1.08, 1.40]
    low, high, confidence = median_interval(eleven)  # type: ignore[misc]
    assert (low, high, round(confidence, 4)) == (0.97, 1.05, 0.9346)
    # a stricter confidence widens it; the order of the rounds does not matter
    assert median_interval(list(reversed(eleven)), min_confidence=0.99)[:2] == (0.90, 1.40)  # type: ignore[index]


def test_the_round_table_shows_where_the_median_ratio_lies() -> None:
    from syncbench.report import round_comparisons

    rclone = _result("rclone", "no change", *[_run(0.80)] * 7)
    assert _render().startswith("# Sync benchmark: cruddur-ops vs aws s3 sync, s3cmd, rclone\n")
    # behind in all seven rounds: the interval lies above 1.0 ×, a miss
    behind = _result("cruddur-ops", "no change", *[_run(0.84)] * 6, _run(0.82))
    (row,) = round_comparisons([behind, rclone])
    assert row.interval == pytest.approx((1.025, 1.05, 0.984375))
    text = _render(results=[behind, rclone])
    assert "| no change | rclone | 1.05 × | 0 of 7 | 1.02–1.05 × (98%) |" in text
    assert text.startswith("# Sync benchmark: cruddur-ops vs rclone\n")  # the peers that ran
    # ahead in one round: the same median, but the interval spans 1.0 ×, a tie
    tie = _result("cruddur-ops", "no change", *[_run(0.84)] * 6, _run(0.70))
    (row,) = round_comparisons([tie, rclone])
    assert row.median_ratio == pytest.approx(1.05) and row.interval[0] < 1.0 < row.interval[1]  # type: ignore[index]


def test_the_report_says_when_the_run_was_measured_not_when_it_was_re_rendered() -> None:
    import calendar
    import time

    ended = calendar.timegm((2026, 11, 29, 13, 15, 0))
    assert "Measured 2026-11-29 13:15 UTC in 1.0 min. Reproduce:" in _render(measured_at=ended)
    again = _render(measured_at=ended, rerendered=True)
    assert "Measured 2026-11-29 13:15 UTC in 1.0 min (this report re-rendered " in again
    assert f"re-rendered {time.strftime('%Y-%m-%d', time.gmtime())}" in again


def test_run_orders_balance_positions_and_predecessors() -> None:
    from collections import Counter
    from itertools import pairwise

    from syncbench.scenarios import balanced_orders

    assert balanced_orders(0) == [[]] and balanced_orders(1) == [[0]]
    for n in range(2, 8):
        rows = balanced_orders(n)
        assert len(rows) == (n if n % 2 == 0 else 2 * n)
        assert all(sorted(row) == list(range(n)) for row in rows)  # every tool once per round
        positions = Counter((tool, place) for row in rows for place, tool in enumerate(row))
        assert set(positions.values()) == {len(rows) // n} and len(positions) == n * n
        follows = Counter(pair for row in rows for pair in pairwise(row))
        # every tool right after every other tool, equally often; a rotation fails this
        assert len(follows) == n * (n - 1) and len(set(follows.values())) == 1, (n, follows)
    rotation = [[(t + s) % 4 for t in range(4)] for s in range(4)]
    assert len(Counter(p for row in rotation for p in pairwise(row))) == 4  # only 4 of 12 pairs
    # the report says which order the saved run used: runs saved before the change rotated
    assert "orders of a Williams Latin square" in _render(balanced_order=True)
    assert "one order rotated by a place each round" in _render()


def _plan_target(small: PlanScale, big: PlanScale) -> Target:
    return next(t for t in targets([], 10, None, [small, big], True)
                if t.name.startswith("100,000-file plan"))


def _scale(files: int, cold_s: float, warm_s: float, cold_rss: float, warm_rss: float) -> PlanScale:
    return PlanScale(files, pure_s=files * 1e-5, pure_rss_mb=20, cli_s=cold_s, cli_rss_mb=cold_rss,
                     warm_s=warm_s, warm_rss_mb=warm_rss)


def test_the_plan_target_takes_the_larger_peak_and_both_cache_states() -> None:
    small = _scale(10_000, 2.0, 1.0, 70, 60)
    met = _plan_target(small, _scale(100_000, 20.0, 9.0, 240, 250))
    assert met.met is True
    assert "peak 250 MB" in met.measured
    assert "no MD5 cache 200 → 200 (1.00 ×)" in met.measured
    assert "MD5s cached 100 → 90 (0.90 ×)" in met.measured
    # the warm run's peak alone over 300 MB fails the target
    assert _plan_target(small, _scale(100_000, 20.0, 9.0, 240, 310)).met is False
    # either run growing faster than linear (> 1.5 × per file) fails it
    assert _plan_target(small, _scale(100_000, 20.0, 16.0, 240, 250)).met is False


def _first_deploy(files: int, cold_s: float, warm_s: float, cold_rss: float, warm_rss: float) -> PlanScale:
    scale = _scale(files, cold_s, warm_s, cold_rss, warm_rss)
    scale.scenario = FIRST_DEPLOY
    return scale


def test_the_plan_targets_judge_the_first_deploy_and_the_million_too() -> None:
    mostly = [_scale(10_000, 2.0, 1.0, 70, 60), _scale(100_000, 20.0, 9.0, 240, 250),
              _scale(1_000_000, 190.0, 95.0, 900, 950)]
    first = [_first_deploy(10_000, 2.5, 1.5, 70, 70), _first_deploy(100_000, 24.0, 14.0, 150, 140),
             _first_deploy(1_000_000, 260.0, 150.0, 1100, 1000)]
    by_name = {t.name: t for t in targets([], 10, None, mostly + first, True)}
    plan, million = by_name[PLAN_TARGET], by_name[MILLION_TARGET]
    assert plan.met is True and million.met is True
    assert "mostly unchanged: inv frontend.plan: peak 250 MB" in plan.measured
    assert "first deploy: inv frontend.plan: peak 150 MB" in plan.measured
    assert "first deploy: 260 s, peak 1100 MB (7.3 × the 100,000-file peak); µs/file from 100k to 1M: " \
           "no MD5 cache 240 → 260 (1.08 ×)" in million.measured
    # a first deploy over 300 MB at 100,000 files misses the target, whatever the other scenario
    first[1] = _first_deploy(100_000, 24.0, 14.0, 430, 140)
    assert {t.name: t for t in targets([], 10, None, mostly + first, True)}[PLAN_TARGET].met is False
    # a million files taking more than 1.5 × as long per file as 100,000 is not linear
    first[2] = _first_deploy(1_000_000, 400.0, 150.0, 1100, 1000)
    assert {t.name: t for t in targets([], 10, None, mostly + first, True)}[MILLION_TARGET].met is False
    # nor is a peak growing much faster than the file count
    first[2] = _first_deploy(1_000_000, 260.0, 150.0, 7000, 1000)
    assert {t.name: t for t in targets([], 10, None, mostly + first, True)}[MILLION_TARGET].met is False
    # without a million-file run there is no such target
    assert MILLION_TARGET not in {t.name for t in targets([], 10, None, mostly[:2] + first[:2], True)}
    assert "| 100,000 | first deploy | " in "\n".join(plan_table(first))


def test_the_plan_table_shows_both_cache_states() -> None:
    text = _render(plans=[PlanScale(10_000, 0.1, 20, cli_s=2.5, cli_rss_mb=70, warm_s=1.25,
                                    warm_rss_mb=75, stub_requests=121, stub_heads=100)])
    assert ("| 10,000 | mostly unchanged | 0.10 | 10.0 | 20 | 2.50 | 250.0 | 1.25 | 125.0 | 75 | "
            "121 requests (100 HEAD) |") in text


@pytest.mark.parametrize(("first_line", "expected"), [
    (b"#!/usr/bin/python3\n", "/usr/bin/python3"),
    (b"#!/usr/bin/python3 -Es\n", "/usr/bin/python3"),
    (b"#!/bin/sh\n", None),
    (b"\x7fELF\x02\x01\x01", None),
])
def test_a_scripts_interpreter_is_read_from_its_shebang(tmp_path: Path, first_line: bytes,
                                                        expected: str | None) -> None:
    script = tmp_path / "tool"
    script.write_bytes(first_line + b"print('hello')\n")
    assert script_interpreter(str(script)) == expected


def test_an_env_shebang_is_resolved_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = tmp_path / "bin" / "python3"
    python.parent.mkdir()
    python.write_text("")
    python.chmod(0o755)
    monkeypatch.setenv("PATH", str(python.parent))
    script = tmp_path / "tool"
    script.write_text("#!/usr/bin/env -S python3\n")
    assert script_interpreter(str(script)) == str(python)
    assert script_interpreter(str(tmp_path / "missing")) is None
    assert script_interpreter(None) is None


def test_tools_are_grouped_by_the_interpreter_that_runs_them(tmp_path: Path) -> None:
    real = tmp_path / "python3.11"
    real.write_text("")
    link = tmp_path / "python3"
    link.symlink_to(real)
    line = interpreters_by_tool({
        "cruddur-ops": (str(link), "3.11.7"),
        "aws s3 sync": (str(real), "3.11.7"),
        "s3cmd": ("/usr/bin/python3", "3.11.2"),
    })
    assert line == (f"3.11.7 at {real} (cruddur-ops, aws s3 sync); "
                    f"3.11.2 at {Path('/usr/bin/python3').resolve()} (s3cmd). "
                    "Not one interpreter: their start-up is not comparable")
    assert interpreters_by_tool({"cruddur-ops": (str(link), "3.11.7"), "s3cmd": (str(real), "3.11.7")}) \
        == f"3.11.7 at {real} (cruddur-ops, s3cmd)"


CI_FULL = "CI deploy, no change · 2,000 files"
CI_HALF = "CI deploy, one file changed · 1,000 files · 20 ms"


def _rounds(tool: str, scenario: str, *walls: float) -> ScenarioResult:
    return _result(tool, scenario, *(_run(w) for w in walls))


def _ci_verdict(scenario: str, ours: list[float], peers: dict[str, list[float]]) -> bool | None:
    results = [_rounds("cruddur-ops", scenario, *ours),
               *(_rounds(peer, scenario, *walls) for peer, walls in peers.items())]
    [target] = suite_targets(results, n_files=2000)
    return target.met


def test_the_full_ci_deploy_must_be_at_or_under_every_peer_on_median_and_interval() -> None:
    even = [0.5] * 7
    assert _ci_verdict(CI_FULL, even, {"rclone": even, "aws s3 sync": [5.0] * 7}) is True
    # 1.1 × rclone on the median: missed
    assert _ci_verdict(CI_FULL, [0.55] * 7, {"rclone": even}) is False
    # median ratio 1.0 but the per-round interval reaches above: missed
    assert _ci_verdict(CI_FULL, [0.5] * 6 + [0.6], {"rclone": even}) is False


def test_half_the_build_allows_a_quarter_more_than_rclone_but_not_than_the_python_peers() -> None:
    even = [0.4] * 7
    assert ci_limit(CI_HALF, "rclone", 2000) == 1.25 and ci_limit(CI_FULL, "rclone", 2000) == 1.0
    assert ci_limit(CI_HALF, "s3cmd", 2000) == 1.0
    assert _ci_verdict(CI_HALF, [0.48] * 7, {"rclone": even}) is True  # 1.2 ×
    assert _ci_verdict(CI_HALF, [0.48] * 7, {"s3cmd": even}) is False
    assert _ci_verdict(CI_HALF, [0.52] * 7, {"rclone": even}) is False  # 1.3 ×


def test_the_small_app_is_reported_against_every_peer_with_no_verdict() -> None:
    scenario = "small app, no change · 30 files"
    results = [_rounds("cruddur-ops", scenario, 0.3), _rounds("rclone", scenario, 0.1),
               _rounds("s3cmd", scenario, 0.15)]
    [target] = suite_targets(results, n_files=2000)
    assert target.verdict == "reported" and target.met is None
    assert target.measured == "0.30 s = 3.00 × rclone (0.10 s), 2.00 × s3cmd (0.15 s)"


def test_a_target_is_met_only_where_met_on_every_interpreter_build() -> None:
    def build(met: bool | None) -> list[Target]:
        return [Target("t", "x", met), Target("hashing", "y", True if met is not None else None)]

    rows = {name: verdict for name, _, verdict in combined([build(True), build(False)])}
    assert rows == {"t": "**missed**", "hashing": "met"}
    rows = {name: verdict for name, _, verdict in combined([build(True), build(None)])}
    assert rows == {"t": "met (measured on 1 of 2 builds)", "hashing": "met (measured on 1 of 2 builds)"}
    assert [v for _, _, v in combined([build(True), build(True)])] == ["met", "met"]


def test_ci_deploy_runs_start_from_a_rewritten_build_and_no_cache(tmp_path: Path) -> None:
    from syncbench.scenarios import before_each_run

    build = buildgen.generate(tmp_path / "build", 30, seed=3, big_files=0)
    assert build.size_mix()["> 8 MB"] == 0 and len(build.files) == 30
    build.write_all()
    cache = tmp_path / "cache" / "cruddur-ops"
    cache.mkdir(parents=True)
    index = build.root / "index.html"
    old = index.stat().st_mtime_ns

    class _Bench:
        workdir = tmp_path

    _Bench.build = build  # type: ignore[attr-defined]
    import time
    time.sleep(0.01)
    before_each_run(_Bench, "CI deploy, one file changed · 30 files", run=0)  # type: ignore[arg-type]
    assert not cache.exists()
    assert index.read_bytes() == build.index_variants[1]
    others = [p for p in build.root.rglob("*") if p.is_file() and p != index]
    assert all(p.stat().st_mtime_ns > old for p in others)
    assert all(p.read_bytes() == build.files[str(p.relative_to(build.root))] for p in others)
    cache.mkdir(parents=True)
    before_each_run(_Bench, "small app, no change · 30 files", run=0)  # type: ignore[arg-type]
    assert cache.exists()  # only a CI deploy starts without caches


def test_cruddur_ops_runs_as_users_run_it_and_every_python_tool_on_the_runs_interpreter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from syncbench import tools

    env_bin = tmp_path / "venv" / "bin"
    env_bin.mkdir(parents=True)
    python = env_bin / "python"
    (env_bin / "inv").write_text("")
    cruddur = tools.CruddurOps("cruddur-ops", tmp_path, repo_root=tmp_path / "repo", python=str(python))
    cruddur._help["frontend.sync"] = "--allow-deletes"  # what `inv --help frontend.sync` offers
    argv, _ = cruddur.command("bucket", tmp_path / "build")
    assert argv[:2] == [str(env_bin / "inv"), "frontend.sync"] and cruddur.cwd == tmp_path / "repo"
    assert cruddur.interpreter() == str(python)

    # s3cmd's shebang names another Python: it runs on the run's, with its own site-packages
    s3cmd = tmp_path / "s3cmd"
    s3cmd.write_text("#!/usr/bin/python3\n")
    monkeypatch.setattr(tools.shutil, "which", lambda name: str(s3cmd) if name == "s3cmd" else None)
    monkeypatch.setattr(tools, "_site_packages", lambda interpreter: "/usr/lib/python3/dist-packages")
    peer = tools.S3cmd("s3cmd", tmp_path, endpoint_url="http://127.0.0.1:9", python=str(python))
    argv, env = peer.command("bucket", tmp_path / "build")
    assert argv[:2] == [str(python), str(s3cmd)] and peer.interpreter() == str(python)
    assert env["PYTHONPATH"] == "/usr/lib/python3/dist-packages"
    native = tools.S3cmd("s3cmd", tmp_path, endpoint_url="http://127.0.0.1:9", python="/usr/bin/python3")
    argv, env = native.command("bucket", tmp_path / "build")
    assert argv[0] == str(s3cmd) and "PYTHONPATH" not in env


def test_every_run_is_saved_under_its_own_key_and_re_rendered_from_the_newest_for_its_report(
        tmp_path: Path) -> None:
    import sync_bench

    first = sync_bench.new_run_id(Path("benchmarks/RESULTS.md"), 1_796_000_000.0)
    second = sync_bench.new_run_id(Path("benchmarks/RESULTS.md"), 1_796_000_060.0)
    other = sync_bench.new_run_id(Path("/tmp/RESULTS-rounds.md"), 1_796_000_120.0)
    assert first == "20261130T005320Z-RESULTS" and len({first, second, other}) == 3
    runs = sync_bench.runs_dir(tmp_path)
    runs.mkdir()
    assert sync_bench.latest_run(tmp_path, Path("RESULTS.md")) is None
    for run_id in (first, second, other):
        (runs / f"{run_id}.pickle").write_bytes(b"")
    assert sync_bench.latest_run(tmp_path, Path("benchmarks/RESULTS.md")) == runs / f"{second}.pickle"
    assert sync_bench.latest_run(tmp_path, Path("RESULTS-rounds.md")) == runs / f"{other}.pickle"

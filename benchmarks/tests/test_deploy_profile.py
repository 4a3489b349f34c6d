"""The deploy profile's reading of its traces (benchmarks/syncbench/deploy_profile.py): imports
grouped by what pulled them in, the phases of a run, and the report section they make."""

from __future__ import annotations

import pytest
from syncbench.deploy_profile import PHASES, UNOWNED, DeployProfile, Trace, imports_by_owner
from syncbench.proxy import Exchange
from syncbench.report import profile_section

# `python -X importtime` prints a module after what it imported, two spaces deeper per level.
IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   encodings.aliases
import time:       200 |        300 | encodings
import time:      1000 |       1000 |       yaml.cyaml
import time:      2000 |       3000 |     yaml
import time:      4000 |       4000 |     unittest.mock
import time:      5000 |      12000 |   invoke.context
import time:       500 |      12500 | invoke
import time:      3000 |       3000 |         urllib3
import time:      6000 |       9000 |       botocore.httpsession
import time:      1000 |      10000 |     botocore.session
import time:       700 |      10700 |   cruddur_ops.aws
import time:      2500 |       2500 |     rich.console
import time:       300 |       2800 |   cruddur_ops.sync.render
import time:       400 |      13900 | cruddur_ops.sync.workflow
import time:       600 |        600 | encodings.idna
"""


def test_imports_go_to_the_nearest_owner_that_pulled_them_in() -> None:
    groups = imports_by_owner(IMPORTTIME)
    # YAML and unittest.mock are invoke's; urllib3 is botocore's, even under cruddur_ops.aws
    assert groups["invoke"] == pytest.approx(12.5)
    assert groups["botocore"] == pytest.approx(10.0)
    assert groups["rich"] == pytest.approx(2.5)
    assert groups["cruddur-ops"] == pytest.approx(0.7 + 0.3 + 0.4)
    assert groups[UNOWNED] == pytest.approx(0.3 + 0.6)  # encodings, encodings.idna: nobody's
    assert sum(groups.values()) == pytest.approx(27.3)  # every line counted once


def test_lines_that_are_not_importtimes_are_ignored() -> None:
    assert sum(imports_by_owner("No changes. The bucket matches the build.\n").values()) == 0


def _exchange(arrived: float, answered: float, method: str, kind: str, path: str) -> Exchange:
    return Exchange(arrived=arrived, answered=answered, kind=kind, method=method, path=path)


def test_a_runs_phases_run_from_its_start_to_its_first_request_first_write_last_answer_and_exit() -> None:
    trace = Trace("cruddur-ops", started=10.0, ended=10.9, cpu_s=0.4, exchanges=[
        _exchange(10.25, 10.30, "GET", "LIST", "/bench-0-cruddur-ops?list-type=2"),
        _exchange(10.26, 10.28, "GET", "OTHER", "/bench-0-cruddur-ops/_cruddur-ops/live.json"),
        _exchange(10.50, 10.52, "PUT", "OTHER", "/bench-0-cruddur-ops/_cruddur-ops/lock.json"),
        _exchange(10.60, 10.80, "DELETE", "OTHER", "/bench-0-cruddur-ops/_cruddur-ops/lock.json"),
    ])
    phases = trace.phases_ms()
    assert list(phases) == list(PHASES)
    assert [round(v or 0) for v in phases.values()] == [250, 250, 300, 100]
    assert sum(v or 0 for v in phases.values()) == pytest.approx(trace.wall_s * 1000)
    lines = trace.request_lines()
    assert lines[0].split() == ["250", "ms", "+50", "ms", "GET", "LIST", "?list-type=2"]
    assert lines[-1].endswith("DELETE OTHER        /_cruddur-ops/lock.json")


def test_a_run_that_writes_nothing_has_no_write_phase() -> None:
    trace = Trace("rclone", started=0.0, ended=0.2, cpu_s=0.05,
                  exchanges=[_exchange(0.02, 0.1, "GET", "LIST", "/bench-3-rclone?list-type=2")])
    phases = trace.phases_ms()
    assert phases[PHASES[2]] is None and round(phases[PHASES[1]] or 0) == 80


def test_the_report_section_shows_each_tools_median_run_and_the_imports() -> None:
    def run(tool: str, wall: float) -> Trace:
        return Trace(tool, 0.0, wall, 0.1, [_exchange(0.01, 0.02, "PUT", "PUT", "/b/index.html")])

    profile = DeployProfile(files=2000, runs=3,
                            traces={"cruddur-ops": [run("cruddur-ops", w) for w in (0.9, 0.5, 0.7)],
                                    "rclone": [run("rclone", w) for w in (0.3, 0.4, 0.2)]},
                            imports=[imports_by_owner(IMPORTTIME)] * 3)
    text = "\n".join(profile_section(profile))
    assert "| wall | 700 | 300 |" in text  # the median run of each, not the mean or the last
    assert "| 12 | 10 | 2 | 1 | 1 | 27 |" in text
    assert "PUT    PUT          /b/index.html" in text
    assert profile_section(None) == [] and profile_section(DeployProfile(files=1, runs=0)) == []

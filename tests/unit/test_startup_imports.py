"""`inv --list` imports every task module: they must not pull in the heavy libraries.

boto3/botocore (even its exceptions), python-dotenv, jinja2, psycopg, cfn-lint and rich (consoles
are built when a task first prints) are only needed once a task runs; importing them for
`inv --list` or for an unrelated task costs a noticeable part of each run. Each check runs in a fresh interpreter, because this
test process has imported them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

HEAVY_MODULES = ("boto3", "botocore", "dotenv", "jinja2", "psycopg", "cfnlint", "rich", "s3transfer")

# One task per namespace: proves the import built the real namespace, not an empty one.
EXPECTED_TASKS = {"cfn.deploy", "db.migrate", "env.render", "frontend.doctor", "frontend.sync",
                  "rds.update-sg-rule", "workspace.init"}

PROBE = """
import json, sys
{statement}
print(json.dumps({{
    "heavy": [name for name in {heavy!r} if name in sys.modules],
    "tasks": sorted(ns.task_names),
}}))
"""


def _import_in_fresh_interpreter(statement: str) -> dict[str, list[str]]:
    code = PROBE.format(statement=statement, heavy=HEAVY_MODULES)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    report: dict[str, list[str]] = json.loads(result.stdout.splitlines()[-1])
    return report


@pytest.mark.parametrize(
    "statement",
    [
        "from cruddur_ops.entrypoints.namespace import namespace as ns",
        "from tasks import ns",  # what `inv` itself imports from the repository root
    ],
)
def test_importing_the_task_namespace_loads_no_heavy_library(statement: str) -> None:
    report = _import_in_fresh_interpreter(statement)
    assert set(report["tasks"]) >= EXPECTED_TASKS, report["tasks"]
    assert report["heavy"] == [], f"imported at start-up: {', '.join(report['heavy'])}"


def _cached_after_list(tmp_path: Path, argv: list[str], dont_write: bool) -> list[str]:
    """Run ``argv --list`` with bytecode going to a fresh PYTHONPYCACHEPREFIX; the cached
    cruddur_ops modules it left behind."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pyc")
    if dont_write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run([*argv, "--list"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return sorted(p.name for p in (tmp_path / "pyc").rglob("*.pyc") if "cruddur_ops" in p.parts)


@pytest.mark.parametrize(
    "argv",
    [
        [sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT)],
        [sys.executable, "-c", "from cruddur_ops.entrypoints.program import main; main()"],  # the console script
    ],
)
def test_task_modules_keep_their_bytecode_cache_unless_python_is_told_not_to(tmp_path: Path,
                                                                            argv: list[str]) -> None:
    # invoke turns bytecode writing off before it imports the tasks; without the reset every run
    # recompiled cruddur_ops, rich and jinja2 from source (~0.2 s of each `inv frontend.sync`).
    cached = _cached_after_list(tmp_path / "on", argv, dont_write=False)
    assert "namespace.cpython-{}{}.pyc".format(*sys.version_info[:2]) in cached
    assert any(name.startswith("frontend_sync.") for name in cached), cached
    assert _cached_after_list(tmp_path / "off", argv, dont_write=True) == []


@pytest.mark.parametrize(
    "run",
    [
        f"from invoke.main import program; program.run(['inv', '--search-root', {str(REPO_ROOT)!r}, '--list'])",
        "from cruddur_ops.entrypoints.program import program; program.run(['cruddur-ops', '--list'])",
    ],
)
def test_cli_runs_collect_the_young_generation_less_often(run: str) -> None:
    from cruddur_ops.patches.cli_process import YOUNG_GENERATION_THRESHOLD

    code = ("import atexit, gc\n"
            "atexit.register(lambda: print('young threshold', gc.get_threshold()[0]))\n" + run)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"young threshold {YOUNG_GENERATION_THRESHOLD}"


def test_the_sync_ui_imports_rich_when_it_first_draws_not_when_it_is_made() -> None:
    # the sync task makes its Ui before the bucket listing starts; rich (~20 ms) should load
    # once the listing is in flight (the first draw is the hashing hook), not before it
    code = ("import sys\n"
            "from cruddur_ops.tasks.frontend_common import RichUi\n"
            "ui = RichUi(None)\n"
            "print('before', 'rich' in sys.modules)\n"
            "ui.c.err\n"
            "print('after', 'rich' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["before False", "after True"]

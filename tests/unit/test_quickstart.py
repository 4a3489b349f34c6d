"""The README's quick start and `.ci/run` run the same commands (CI proves what the README says)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README's quick start has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.startswith("python3 ")]


def test_ci_runs_exactly_the_readme_quick_start() -> None:
    readme = quickstart_commands()
    assert len(readme) == 2, readme
    assert ci_commands() == readme


def test_the_quick_start_never_pip_installs_into_the_system_python() -> None:
    # PEP 668: a distribution's python3 refuses `pip install` outside a venv.
    commands = quickstart_commands()
    for command in commands:
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install"), command
    assert commands[0].endswith(".venv/bin/nox -s demo")

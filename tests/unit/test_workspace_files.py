"""`.gitpod.yml` and the devcontainer install the toolkit before using it, in one sequence."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
INSTALL = "pip install --quiet -e ."
INIT = "python -m invoke workspace.init"


def test_gitpod_installs_then_runs_init_in_the_same_task() -> None:
    config = yaml.safe_load((ROOT / ".gitpod.yml").read_text())
    tasks = config["tasks"]
    users = [t for t in tasks if INIT in "".join(str(v) for v in t.values())]
    assert len(users) == 1
    task = users[0]
    command = task["command"]
    # Installed first, chained with && so a failed install does not run a half-installed toolkit.
    assert command.index(INSTALL) < command.index(INIT)
    between = command[command.index(INSTALL) + len(INSTALL) : command.index(INIT)]
    assert "&&" in between
    # No other task uses the toolkit or the AWS CLI (parallel tasks were the old race).
    for other in tasks:
        if other is not task:
            text = "".join(str(v) for v in other.values())
            assert "invoke" not in text and "inv " not in text and "aws " not in text
    assert {p["port"] for p in config["ports"]} >= {3000}


def test_devcontainer_post_start_installs_then_runs_init() -> None:
    config = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text())
    command = config["postStartCommand"]
    assert isinstance(command, str), "an object form would run its commands in parallel"
    assert command.index(INSTALL) < command.index("&&") < command.index(INIT)
    assert 3000 in config["forwardPorts"]

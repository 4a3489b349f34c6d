"""The GitHub workflow that consumes the sync stack's role: OIDC only, narrow permissions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "sync.yaml"


def load() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return data


def test_triggers_and_permissions() -> None:
    workflow = load()
    triggers = workflow[True]  # YAML 1.1 reads the `on:` key as boolean True
    assert triggers["push"]["branches"] == ["prod"]
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"id-token": "write", "contents": "read"}


def test_role_from_a_repository_variable_and_no_stored_keys() -> None:
    text = WORKFLOW.read_text()
    assert "AWS_SECRET_ACCESS_KEY" not in text and "secrets." not in text
    steps = load()["jobs"]["sync"]["steps"]
    assume = next(s for s in steps if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"))
    assert assume["uses"].endswith("@v4")
    assert assume["with"]["role-to-assume"] == "${{ vars.CRUDDUR_SYNC_ROLE_ARN }}"
    assert "aws-region" in assume["with"]


def test_steps_render_build_then_sync_after_assuming_the_role() -> None:
    steps = load()["jobs"]["sync"]["steps"]
    runs = [(i, s.get("run", "")) for i, s in enumerate(steps)]
    index = {name: next(i for i, run in runs if name in run)
             for name in ("pip install .", "inv env.render sync", "inv env.render frontend-react-js",
                          "inv frontend.build", "inv frontend.sync --yes")}
    assume = next(i for i, s in enumerate(steps) if "configure-aws-credentials" in str(s.get("uses", "")))
    assert index["pip install ."] < assume < index["inv env.render sync"] <= index["inv env.render frontend-react-js"]
    assert index["inv env.render frontend-react-js"] < index["inv frontend.build"] < index["inv frontend.sync --yes"]
    uses = [str(s.get("uses", "")) for s in steps]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("actions/setup-node@") for u in uses)

"""Supply-chain rules for every workflow under .github/workflows (offline, reads the YAML).

zizmor (in `nox -s lint`) audits the same files; these tests state the house rules exactly and
fail on their own, so a finding suppressed by mistake or a zizmor release that stops reporting
one cannot let them slip.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
DEPLOYING = {"sync.yaml", "deploy-preview.yaml"}  # jobs that assume an AWS role

# owner/repo[/path]@<40 hex> # vMAJOR.MINOR.PATCH
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})"
                    r"\s+#\s+(?P<tag>v\d+\.\d+\.\d+)\s*$")
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)")


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text())
    return data


def uses_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if USES.match(line)]


def unpinned(text: str) -> list[str]:
    """Every `uses:` line that is not a full commit SHA with its release tag in a comment."""
    bad = []
    for line in text.splitlines():
        match = USES.match(line)
        if not match or match.group("ref").startswith("./"):  # an action of this repository
            continue
        if match.group("ref").startswith("docker://"):
            if "@sha256:" not in match.group("ref"):
                bad.append(line.strip())
        elif not PINNED.match(line):
            bad.append(line.strip())
    return bad


def test_there_are_workflows_to_check() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "sync.yaml", "deploy-preview.yaml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_sha_with_its_tag(path: Path) -> None:
    assert uses_lines(path), "expected at least one action"
    assert unpinned(path.read_text()) == []


@pytest.mark.parametrize(
    "line",
    [
        "      - uses: actions/checkout@v7",
        "      - uses: actions/checkout@v7.0.1",
        "      - uses: actions/checkout@main",
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",  # no tag comment
        "      - uses: actions/checkout@3d3c42e5 # v7.0.1",  # short SHA
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7",  # vague tag
        "        uses: docker://alpine:3.20",
    ],
)
def test_the_pin_rule_rejects_tags_branches_short_shas_and_missing_comments(line: str) -> None:
    assert unpinned(line) == [line.strip()]


def test_the_same_action_has_the_same_pin_everywhere() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOWS:
        for line in uses_lines(path):
            match = PINNED.match(line)
            assert match, line
            pins.setdefault(match["action"], set()).add((match["sha"], match["tag"]))
    assert {action: len(found) for action, found in pins.items()} == dict.fromkeys(pins, 1)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkout_never_persists_the_token(path: Path) -> None:
    checkouts = [step for job in load(path)["jobs"].values() for step in job.get("steps", [])
                 if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, step


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_is_expanded_inside_a_script(path: Path) -> None:
    for name, job in load(path)["jobs"].items():
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), f"{name}: {step.get('name')}: pass it through env:"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_granted_per_job_and_id_token_only_where_a_role_is_assumed(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}, "nothing at workflow level"
    for name, job in workflow["jobs"].items():
        permissions = job["permissions"]
        assert set(permissions) <= {"contents", "id-token"}, f"{name}: {permissions}"
        assert permissions["contents"] == "read"
        assumes = any("configure-aws-credentials@" in str(s.get("uses", "")) for s in job["steps"])
        assert ("id-token" in permissions) == assumes, name
        if assumes:
            assert permissions["id-token"] == "write"


def test_no_workflow_holds_stored_aws_keys_or_secrets() -> None:
    for path in WORKFLOWS:
        text = path.read_text()
        assert "secrets." not in text and "AWS_SECRET_ACCESS_KEY" not in text, path.name
        assert "pull_request_target" not in text, path.name


def deploying_jobs() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{name}:{job_name}", job) for name in sorted(DEPLOYING)
            for job_name, job in load(ROOT / ".github" / "workflows" / name)["jobs"].items()]


@pytest.mark.parametrize(("name", "job"), deploying_jobs(), ids=[name for name, _ in deploying_jobs()])
def test_deploying_jobs_install_only_the_hashed_lock_and_restore_no_cache(name: str, job: dict[str, Any]) -> None:
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert ("python -m pip install --require-hashes --only-binary :all: -r requirements/deploy.txt\n"
            "python -m pip install --no-deps --no-build-isolation --no-index .\n") in runs
    pip_lines = [line.strip() for line in runs.splitlines() if "pip install" in line]
    assert len(pip_lines) == 2, pip_lines
    for step in job["steps"]:
        uses = str(step.get("uses", ""))
        settings = step.get("with", {})
        if uses.startswith("actions/setup-python@"):
            assert "cache" not in settings
        if uses.startswith("actions/setup-node@"):
            assert settings.get("package-manager-cache") is False and "cache" not in settings
    install = next(i for i, s in enumerate(job["steps"]) if "requirements/deploy.txt" in s.get("run", ""))
    assumes = [i for i, s in enumerate(job["steps"]) if "configure-aws-credentials@" in str(s.get("uses", ""))]
    assert all(install < assume for assume in assumes), "nothing is installed while a role's credentials are in the job"


def test_dependabot_updates_actions_pip_and_npm_with_a_cooldown() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip", "npm"}
    assert updates["github-actions"]["directory"] == "/"
    assert updates["pip"]["directory"] == "/"  # pyproject.toml and requirements/deploy.txt
    assert (ROOT / updates["npm"]["directory"].lstrip("/") / "package-lock.json").is_file()
    for update in updates.values():
        assert update["cooldown"]["default-days"] >= 3


def test_the_online_audit_runs_the_zizmor_that_lint_runs() -> None:
    pinned = re.search(r'^ZIZMOR = "(zizmor==[^"]+)"$', (ROOT / "noxfile.py").read_text(), re.MULTILINE)
    assert pinned, "noxfile.py pins zizmor exactly"
    steps = load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]["workflow-audit"]["steps"]
    run = next(step["run"] for step in steps if "zizmor" in step.get("run", ""))
    assert f'python -m pip install "{pinned.group(1)}"' in run
    assert "--offline" not in run and "--persona auditor" in run

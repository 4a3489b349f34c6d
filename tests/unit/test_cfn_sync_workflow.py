"""The GitHub workflows that consume the sync stack's roles: OIDC only, narrow permissions.

sync.yaml deploys with CrdSyncRole on the deploy branch; deploy-preview.yaml plans the same sync
on pull requests with the read-only CrdSyncPlanRole, only where that role is configured. Their
gate scripts are run here with bash, as the runner would run them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "sync.yaml"
PREVIEW = WORKFLOWS / "deploy-preview.yaml"
REPOSITORY = "example-org/aws-bootcamp-cruddur-2023"
PLAN_ROLE = "arn:aws:iam::123456789012:role/CrdSync-CrdSyncPlanRole-EXAMPLE"


def load(path: Path = WORKFLOW) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text())
    return data


def triggers(path: Path) -> dict[str, Any]:
    on: dict[str, Any] = load(path)[True]  # YAML 1.1 reads the `on:` key as boolean True
    return on


def steps(path: Path, job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = load(path)["jobs"][job]["steps"]
    return found


def index_of(all_steps: list[dict[str, Any]], text: str) -> int:
    return next(i for i, s in enumerate(all_steps) if text in s.get("run", "") or text in str(s.get("uses", "")))


def run_step(script: str, env: dict[str, str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """Run one step's script as the runner does (bash -e) with GITHUB_OUTPUT / GITHUB_STEP_SUMMARY."""
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    summary.write_text("")
    output.write_text("")
    bash = shutil.which("bash")
    assert bash
    result = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env={"PATH": "/usr/bin:/bin", "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_STEP_SUMMARY": str(summary),
             "GITHUB_OUTPUT": str(output), **env},
        capture_output=True, text=True, timeout=30, check=False,
    )
    return result, summary.read_text(), output.read_text()


# ---------------------------------------------------------------------------------------
# sync.yaml: the deploy
# ---------------------------------------------------------------------------------------


def test_triggers_and_permissions() -> None:
    on = triggers(WORKFLOW)
    assert on["push"]["branches"] == ["prod"]
    assert "workflow_dispatch" in on
    assert set(on) == {"push", "workflow_dispatch"}, "the deploy never runs for a pull request"
    workflow = load()
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["sync"]["permissions"] == {"id-token": "write", "contents": "read"}
    assert workflow["jobs"]["sync"]["needs"] == "build"
    assert workflow["concurrency"] == {"group": "frontend-sync", "cancel-in-progress": False}


def test_role_from_a_repository_variable_and_no_stored_keys() -> None:
    text = WORKFLOW.read_text()
    assert "AWS_SECRET_ACCESS_KEY" not in text and "secrets." not in text
    assume = steps(WORKFLOW, "sync")[index_of(steps(WORKFLOW, "sync"), "aws-actions/configure-aws-credentials@")]
    assert assume["with"]["role-to-assume"] == "${{ vars.CRUDDUR_SYNC_ROLE_ARN }}"
    assert "aws-region" in assume["with"]


def test_the_build_runs_without_credentials_and_the_sync_job_runs_no_npm() -> None:
    build = steps(WORKFLOW, "build")
    order = [index_of(build, text) for text in (
        "requirements/deploy.txt", "inv env.render frontend-react-js", "inv frontend.build", "actions/upload-artifact@")]
    assert order == sorted(order) and len(set(order)) == len(order)
    assert not any("configure-aws-credentials" in str(s.get("uses", "")) for s in build)
    upload = build[order[-1]]["with"]
    assert upload["path"] == "${{ env.SYNC_BUILD_DIR }}" and upload["if-no-files-found"] == "error"

    sync = steps(WORKFLOW, "sync")
    order = [index_of(sync, text) for text in (
        "requirements/deploy.txt", "actions/download-artifact@", "configure-aws-credentials@",
        "inv env.render sync", "inv frontend.sync --yes")]
    assert order == sorted(order) and len(set(order)) == len(order)
    download = sync[order[1]]["with"]
    assert download == {"name": upload["name"], "path": "${{ env.SYNC_BUILD_DIR }}"}
    assert not any(str(s.get("uses", "")).startswith("actions/setup-node@") for s in sync)
    assert not any(word in s.get("run", "") for s in sync for word in ("npm", "frontend.build"))
    assert load()["jobs"]["sync"]["env"]["SYNC_BUILD_DIR"] == load()["jobs"]["build"]["env"]["SYNC_BUILD_DIR"]


def test_sync_step_summary_is_left_to_the_tasks() -> None:
    # The tasks append their own report when GITHUB_STEP_SUMMARY is set (GitHub sets it for
    # every step): the workflow must not unset or redirect it.
    assert "GITHUB_STEP_SUMMARY" not in str(load()["jobs"])


@pytest.mark.parametrize(
    ("unset", "expected"),
    [
        ((), None),
        (("CRUDDUR_SYNC_ROLE_ARN",), " CRUDDUR_SYNC_ROLE_ARN"),
        (("SYNC_S3_BUCKET", "SYNC_CLOUDFRONT_DISTRIBUTION_ID"), " SYNC_S3_BUCKET SYNC_CLOUDFRONT_DISTRIBUTION_ID"),
    ],
)
def test_sync_refuses_to_start_without_its_variables(unset: tuple[str, ...], expected: str | None,
                                                     tmp_path: Path) -> None:
    check = steps(WORKFLOW, "build")[0]
    assert check["name"] == "Check repository variables"
    env = {"CRUDDUR_SYNC_ROLE_ARN": "arn:aws:iam::123456789012:role/sync", "SYNC_S3_BUCKET": "b",
           "SYNC_CLOUDFRONT_DISTRIBUTION_ID": "E1"}
    result, _, _ = run_step(check["run"], {k: ("" if k in unset else v) for k, v in env.items()}, tmp_path)
    if expected is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert f"::error::set these repository variables:{expected} (" in result.stdout
    assert load()["jobs"]["build"]["env"]["CRUDDUR_SYNC_ROLE_ARN"] == "${{ vars.CRUDDUR_SYNC_ROLE_ARN }}"


# ---------------------------------------------------------------------------------------
# deploy-preview.yaml: the read-only plan on pull requests
# ---------------------------------------------------------------------------------------


def test_preview_runs_on_pull_requests_with_the_read_only_role() -> None:
    assert set(triggers(PREVIEW)) == {"pull_request"}
    workflow = load(PREVIEW)
    assert workflow["permissions"] == {}
    job = workflow["jobs"]["deploy-preview"]
    assert job["permissions"] == {"id-token": "write", "contents": "read"}
    assert job["env"]["CRUDDUR_PLAN_ROLE_ARN"] == "${{ vars.CRUDDUR_PLAN_ROLE_ARN }}"
    all_steps = job["steps"]
    assume = all_steps[index_of(all_steps, "configure-aws-credentials@")]
    assert assume["with"]["role-to-assume"] == "${{ vars.CRUDDUR_PLAN_ROLE_ARN }}"
    assert "CRUDDUR_SYNC_ROLE_ARN" not in PREVIEW.read_text(), "never the deploy role"
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert "frontend-sync" not in str(workflow["concurrency"]), "never queues behind or cancels a deploy"


def test_preview_builds_then_plans_as_json_and_writes_the_plan_to_the_summary() -> None:
    all_steps = steps(PREVIEW, "deploy-preview")
    order = [index_of(all_steps, text) for text in (
        "requirements/deploy.txt", "inv env.render frontend-react-js", "inv frontend.build",
        "configure-aws-credentials@", "inv frontend.plan --json", "plan_summary.py")]
    assert order == sorted(order) and len(set(order)) == len(order)
    plan = all_steps[order[4]]
    assert plan["run"] == 'inv frontend.plan --json > "$RUNNER_TEMP/plan.json"'
    assert not any("frontend.sync" in step.get("run", "") for step in all_steps), "a preview never syncs"
    summary = all_steps[order[5]]
    assert summary["run"] == ('python .github/scripts/plan_summary.py "$RUNNER_TEMP/plan.json" '
                              '>> "$GITHUB_STEP_SUMMARY"')
    assert summary["if"] == f"steps.{plan['id']}.outcome == 'success'"
    # Every step after the gate runs only when the gate said so.
    for step in all_steps[1:order[5]]:
        assert step["if"] == "steps.gate.outputs.plan == 'true'", step


def gate(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str, str]:
    step = steps(PREVIEW, "deploy-preview")[0]
    assert step["id"] == "gate"
    assert step["env"] == {"HEAD_REPOSITORY": "${{ github.event.pull_request.head.repo.full_name }}"}
    base = {"CRUDDUR_PLAN_ROLE_ARN": PLAN_ROLE, "HEAD_REPOSITORY": REPOSITORY, "SYNC_S3_BUCKET": "b",
            "SYNC_CLOUDFRONT_DISTRIBUTION_ID": "E1"}
    return run_step(step["run"], {**base, **env}, tmp_path)


def test_preview_without_the_role_variable_says_so_and_passes(tmp_path: Path) -> None:
    result, summary, output = gate({"CRUDDUR_PLAN_ROLE_ARN": ""}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert output == "plan=false\n"
    assert summary.startswith("### Deploy preview skipped\n")
    assert "CRUDDUR_PLAN_ROLE_ARN" in summary and "PlanRoleArn" in summary
    assert result.stdout.startswith("::notice title=deploy-preview skipped::no read-only plan role")


def test_preview_of_a_fork_says_so_and_passes(tmp_path: Path) -> None:
    result, summary, output = gate({"HEAD_REPOSITORY": "someone/aws-bootcamp-cruddur-2023"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert output == "plan=false\n"
    assert "forks get no OIDC token" in summary


def test_preview_with_the_role_plans(tmp_path: Path) -> None:
    result, summary, output = gate({}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert output == "plan=true\n" and summary == ""


def test_preview_with_the_role_but_no_bucket_fails_with_the_missing_variable(tmp_path: Path) -> None:
    result, _, output = gate({"SYNC_S3_BUCKET": ""}, tmp_path)
    assert result.returncode == 1
    assert "::error::set these repository variables: SYNC_S3_BUCKET (" in result.stdout
    assert output == ""

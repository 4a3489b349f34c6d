"""CI-native output end to end: step summaries, annotations, masks and --json, through real `inv`
subprocesses with GITHUB_STEP_SUMMARY pointing at a temporary file and GITHUB_ACTIONS=true."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .test_cfn_deploy import OIDC_ARN, WARNED_TEMPLATE, add_stack, stacks, sync_params  # noqa: F401  (fixture)
from .test_db_migrations import PASSWORD, log_migration, log_table, run_log, with_password  # noqa: F401
from .test_sync_support import SyncSite, create_distribution, example_files, site_fixture  # noqa: F401
from .test_workspace_init import CLEAN, GITPOD, init_args, parameter, workdirs  # noqa: F401  (fixtures)

SYNC_KEYS = {"outcome", "bucket", "prefix", "uploaded", "created", "updated", "deleted", "unchanged", "ignored",
             "failed", "bytes", "seconds", "distribution_id", "invalidation_id", "invalidation_ids",
             "invalidation_paths", "changeset", "changes"}
STACK_KEYS = {"stack", "change_set_type", "has_changes", "changes", "executed", "status", "change_set", "outputs"}
STATUS_KEYS = {"applied", "pending", "changed", "missing", "failed", "adopting_pointer"}
PLANTED = "Planted-Proxy-Secret-5d1e"  # a password inside an endpoint URL: must show nowhere


def ci_env(tmp_path: Path, *, actions: bool = True) -> tuple[dict[str, str], Path]:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")  # the runner's file may hold earlier steps: append only
    return {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true" if actions else ""}, summary


def summary_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n"), "the summary file was overwritten, not appended to"
    return text


def lines_starting(output: str, prefix: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(prefix)]


@pytest.mark.needs_cloudfront
def test_a_sync_summarises_counts_and_the_invalidation(site: SyncSite, boto_client: Callable[..., Any],
                                                      unique: str, tmp_path: Path) -> None:
    cloudfront = boto_client("cloudfront")
    distribution = create_distribution(cloudfront, site.bucket, unique)
    env, summary = ci_env(tmp_path)
    env["SYNC_CLOUDFRONT_DISTRIBUTION_ID"] = distribution
    files = len(example_files())

    applied = site.inv("frontend.sync", "--yes", env=env)
    assert applied.returncode == 0, applied.output
    assert lines_starting(applied.output, "::error") == []
    [invalidation] = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    text = summary_of(summary)
    assert "### ✅ `inv frontend.sync`: succeeded in " in text
    assert f"uploaded {files} ({files} new, 0 changed; 27.9 kB), deleted 0, 0 unchanged" in text
    assert f"CloudFront: invalidation `{invalidation['Id']}` on `{distribution}`" in text
    assert "| create | `index.html` |" in text
    assert text.count("| create |") == min(files, 20)

    again = site.inv("frontend.sync", "--yes", env=env)
    assert again.returncode == 0, again.output
    assert f"**No changes**: `s3://{site.bucket}/` matches the build ({files} unchanged)." in summary_of(summary)


def test_a_failing_sync_annotates_the_error_and_masks_a_planted_secret(site: SyncSite, tmp_path: Path) -> None:
    env, summary = ci_env(tmp_path)
    env.update({"AWS_ENDPOINT_URL": f"http://ci:{PLANTED}@127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"})

    failed = site.inv("frontend.sync", "--yes", env=env)
    assert failed.returncode == 1, failed.output
    [annotation] = lines_starting(failed.output, "::error ")
    assert annotation.startswith("::error title=frontend.sync::list s3://")
    assert "cannot reach http://ci:****@127.0.0.1:9" in annotation and "%0Ahint: " in annotation
    text = summary_of(summary)
    assert "### ❌ `inv frontend.sync`: failed in " in text
    assert "**Error:** list s3://" in text and "**Hint:** check the network" in text
    # The runner hides ::add-mask:: lines; every other line, and the summary, must not hold it.
    assert lines_starting(failed.output, "::add-mask::") == [f"::add-mask::{PLANTED}"]
    assert PLANTED not in "\n".join(line for line in failed.output.splitlines() if not line.startswith("::add-mask::"))
    assert PLANTED not in text

    as_json = site.inv("frontend.sync", "--yes", "--json", env={**env, "GITHUB_ACTIONS": ""})
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout)
    assert set(document) == {"error", "hint"} and document["error"].startswith("list s3://")
    assert PLANTED not in as_json.output
    assert as_json.stderr.startswith("error: ") or "\nerror: " in as_json.stderr


@pytest.mark.needs_cloudfront
def test_sync_json_is_the_only_thing_on_stdout(site: SyncSite, boto_client: Callable[..., Any],
                                              unique: str) -> None:
    cloudfront = boto_client("cloudfront")
    distribution = create_distribution(cloudfront, site.bucket, unique)
    env = {"SYNC_CLOUDFRONT_DISTRIBUTION_ID": distribution}
    first = site.inv("frontend.sync", "--yes", "--json", env=env)
    assert first.returncode == 0, first.output
    result = json.loads(first.stdout)
    assert set(result) == SYNC_KEYS  # the shape documented in docs/json.md
    [invalidation] = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    files = len(example_files())
    assert (result["outcome"], result["uploaded"], result["created"], result["deleted"], result["unchanged"],
            result["failed"]) == ("applied", files, files, 0, 0, 0)
    assert result["bytes"] == sum(p.stat().st_size for p in site.build.rglob("*") if p.is_file())
    assert result["invalidation_id"] == invalidation["Id"] and result["invalidation_ids"] == [invalidation["Id"]]
    assert result["distribution_id"] == distribution and "/index.html" in result["invalidation_paths"]
    assert isinstance(result["seconds"], float) and result["seconds"] >= 0
    assert Path(result["changeset"]).name.startswith("changeset-")
    assert {c["path"] for c in result["changes"]} == set(example_files())
    assert "Applied: uploaded" in first.stderr and "Invalidation " in first.stderr  # human text: stderr

    (site.build / "robots.txt").unlink()
    second = json.loads(site.inv("frontend.sync", "--yes", "--json", env=env).stdout)
    assert (second["uploaded"], second["deleted"], second["unchanged"]) == (0, 1, files - 1)
    assert second["changes"] == [{"action": "delete", "path": "robots.txt"}]
    third = json.loads(site.inv("frontend.sync", "--yes", "--json", env=env).stdout)
    assert third["outcome"] == "no_changes" and third["invalidation_id"] is None
    dry = site.inv("frontend.sync", "--dry-run", "--json", "--force", env=env)
    assert json.loads(dry.stdout)["outcome"] == "dry_run", dry.output


def test_plan_warns_about_the_delete_cap_and_its_json_error_is_json(site: SyncSite, tmp_path: Path) -> None:
    for n in range(60):
        site.s3.put_object(Bucket=site.bucket, Key=f"old/{n}.js", Body=b"x")
    env, summary = ci_env(tmp_path)
    planned = site.inv("frontend.plan", "--json", env=env)
    assert planned.returncode == 0, planned.output
    assert len(json.loads(planned.stdout)) == len(example_files()) + 60  # the changeset array, as before
    [warning] = lines_starting(planned.stderr, "::warning ")
    assert warning.startswith("::warning title=frontend.plan::") and "--allow-deletes" in warning
    text = summary_of(summary)
    assert "⚠️" in text and "**Plan** `s3://" in text and "to delete 60" in text

    missing = site.inv("frontend.plan", "--json", env={"SYNC_S3_BUCKET": f"{site.bucket}-absent"})
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"] == f"bucket '{site.bucket}-absent' does not exist"


def test_doctor_json_error(aws_env: dict[str, str], run_task: Callable[..., Any], unique: str,
                           tmp_path: Path) -> None:
    env_file = tmp_path / "sync.env"
    env_file.write_text("# empty\n")
    result = run_task("frontend.doctor", "--json", "--env-file", str(env_file), "--stack", f"absent-{unique}",
                      env={"SYNC_S3_BUCKET": "", "SYNC_CLOUDFRONT_DISTRIBUTION_ID": "",
                           "SYNC_CLOUDFRONT_DISTRUBTION_ID": ""})
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == "no bucket or distribution to check"


def test_cfn_deploy_and_plan_json_and_summary(aws_env: dict[str, str], stacks: dict[str, Any],  # noqa: F811
                                              run_task: Callable[..., Any], unique: str, tmp_path: Path) -> None:
    ci, summary = ci_env(tmp_path)
    env = {**stacks["env"], **ci}
    params = sync_params(unique, f"ExistingOIDCProviderArn={OIDC_ARN}")
    deployed = run_task("cfn.deploy", "sync", "--yes", "--json", *params, env=env)
    assert deployed.returncode == 0, deployed.output
    result = json.loads(deployed.stdout)
    assert set(result) == STACK_KEYS
    assert (result["stack"], result["change_set_type"], result["has_changes"], result["executed"],
            result["status"]) == (stacks["names"]["sync"], "CREATE", True, True, "CREATE_COMPLETE")
    assert {"action": "Add", "logical_id": "CrdSyncRole", "resource_type": "AWS::IAM::Role",
            "replacement": None, "physical_id": None} in result["changes"]
    assert result["outputs"]["OIDCProviderArn"] == OIDC_ARN
    text = summary_of(summary)
    assert "### ✅ `inv cfn.deploy`: succeeded" in text and "| Add | `CrdSyncRole` | `AWS::IAM::Role` | - |" in text
    assert "executed: `CREATE_COMPLETE`" in text

    planned = run_task("cfn.plan", "sync", "--json", *params, env=env)
    assert planned.returncode == 0, planned.output
    again = json.loads(planned.stdout)
    assert (again["has_changes"], again["changes"], again["executed"], again["status"]) == (
        False, [], False, "CREATE_COMPLETE")

    missing = run_task("cfn.plan", "nosuchstack", "--json", env=env)
    assert missing.returncode == 1
    assert "nosuchstack" in json.loads(missing.stdout)["error"]
    assert lines_starting(missing.stderr, "::error title=cfn.plan::")
    assert "### ❌ `inv cfn.plan`: failed" in summary_of(summary)

    unconfirmed = run_task("cfn.deploy", "sync", "--json", *params, env=env)  # no terminal, no --yes
    assert unconfirmed.returncode == 1
    assert json.loads(unconfirmed.stdout)["hint"].startswith("re-run with --yes")


def test_a_lint_warning_is_a_warning_annotation_on_its_line(
    aws_env: dict[str, str], stacks: dict[str, Any],  # noqa: F811  (the fixture imported above)
    run_task: Callable[..., Any], unique: str, tmp_path: Path,
) -> None:
    add_stack(stacks, "warned", WARNED_TEMPLATE, f'[deploy]\nstack_name = "Warned-{unique}"\n')
    ci, summary = ci_env(tmp_path)
    planned = run_task("cfn.plan", "warned", env={**stacks["env"], **ci})
    assert planned.returncode == 0, planned.output
    [warning] = lines_starting(planned.stderr, "::warning ")
    assert warning.startswith("::warning title=cfn.plan,file=") and ",line=3::cfn-lint W2001: " in warning
    assert "⚠️ cfn-lint W2001" in summary_of(summary)


def test_db_status_and_migrate_json_and_summary(run_task: Callable[..., Any], database_url: str,
                                                tmp_path: Path, log_table: None) -> None:  # noqa: F811
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    log_migration(migrations, "16812294605993273", "first")
    log_migration(migrations, "16844665640237772", "second")
    ci, summary = ci_env(tmp_path, actions=False)
    env = {"CONNECTION_URL": with_password(database_url), "PROD_CONNECTION_URL": "", "PROD_DB_SECRET_ID": "",
           "DB_DIR": "", "MIGRATIONS_DIR": str(migrations), **ci}

    before = run_task("db.status", "--json", env=env)
    assert before.returncode == 0, before.output
    status = json.loads(before.stdout)
    assert set(status) == STATUS_KEYS
    assert [e["name"] for e in status["pending"]] == ["first", "second"]
    assert (status["applied"], status["changed"], status["missing"]) == ([], [], [])

    migrated = run_task("db.migrate", "--json", env=env)
    assert migrated.returncode == 0, migrated.output
    result = json.loads(migrated.stdout)
    assert set(result) == STATUS_KEYS | {"dry_run", "migrated", "warnings"}
    assert [m["name"] for m in result["migrated"]] == ["first", "second"] and result["dry_run"] is False
    assert [e["name"] for e in result["applied"]] == ["first", "second"] and result["pending"] == []
    assert run_log(database_url) == ["first", "second"]
    assert "applied 16812294605993273_first" in migrated.stderr  # human text on stderr

    text = summary_of(summary)
    assert "**Migrations**: 0 applied, 2 pending, 0 changed, 0 missing" in text
    assert "**Applied 2 migrations** to `" in text and "| `16844665640237772` | second |" in text
    assert "Pw-never-printed" not in text + before.output + migrated.output

    broken = run_task("db.status", "--json", env={**env, "MIGRATIONS_DIR": str(tmp_path / "absent")})
    assert broken.returncode == 1
    assert set(json.loads(broken.stdout)) == {"error", "hint"}

    log_migration(migrations, "16900000000000000", "third", extra="SELECT no_such_function();\n")
    failing = run_task("db.migrate", "--json", env=env)
    assert failing.returncode == 1
    assert "16900000000000000_third" in json.loads(failing.stdout)["error"]
    assert "### ❌ `inv db.migrate`: failed" in summary_of(summary)


def test_a_database_password_is_registered_as_a_mask_and_shown_nowhere_else(
    run_task: Callable[..., Any], database_url: str, tmp_path: Path,
) -> None:
    ci, summary = ci_env(tmp_path)
    result = run_task("db.status", env={"CONNECTION_URL": with_password(database_url), "PROD_CONNECTION_URL": "",
                                        "PROD_DB_SECRET_ID": "", "DB_DIR": "",
                                        "MIGRATIONS_DIR": str(tmp_path / "absent"), **ci})
    assert result.returncode == 1, result.output
    assert lines_starting(result.output, "::add-mask::") == [f"::add-mask::{PASSWORD}"]
    others = [line for line in result.output.splitlines() if not line.startswith("::add-mask::")]
    assert lines_starting(result.output, "::error title=db.status::migrations directory ")
    assert PASSWORD not in "\n".join(others) and PASSWORD not in summary_of(summary)


def test_workspace_init_summarises_its_steps(run_task: Callable[..., Any], aws_env: dict[str, str],
                                             parameter: str, workdirs: tuple[Path, Path],  # noqa: F811
                                             tmp_path: Path) -> None:
    ci, summary = ci_env(tmp_path)
    result = run_task(*init_args(parameter, workdirs, "--dry-run"),
                      env={**CLEAN, **GITPOD, "GITPOD_IP": "8.8.4.4", **ci})
    assert result.returncode == 0, result.output
    text = summary_of(summary)
    assert "### ✅ `inv workspace.init`: succeeded" in text
    assert "(dry run: nothing changed)" in text and "| ✅ ok | workspace IP | 8.8.4.4 (from GITPOD\\_IP) |" in text

    (workdirs[0] / "broken.env.erb").write_text("X=<%= ENV['CRUDDUR_TEST_UNSET_VARIABLE'] %>\n")
    failed = run_task(*init_args(parameter, workdirs, "--dry-run"),
                      env={**CLEAN, **GITPOD, "GITPOD_IP": "8.8.4.4", **ci})
    assert failed.returncode == 1, failed.output
    [annotation] = lines_starting(failed.output, "::error ")
    assert annotation.startswith("::error title=workspace.init::env files: ") and "CRUDDUR_TEST_UNSET_VARIABLE" in annotation
    text = summary_of(summary)
    assert "### ❌ `inv workspace.init`: failed" in text and "**Error:** env files: " in text

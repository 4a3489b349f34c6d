"""Each task's result data as a step summary and as --json: the pure renderers."""

from __future__ import annotations

from cruddur_ops.cfn.plan import ChangeRow
from cruddur_ops.cfn.summary import StackReport, change_counts, stack_json, stack_markdown
from cruddur_ops.db.migrations.apply import StepResult
from cruddur_ops.db.migrations.plan import Entry, State, Status, Step
from cruddur_ops.db.summary import migrate_json, migrate_markdown, status_json, status_markdown
from cruddur_ops.sync.apply import ApplyResult
from cruddur_ops.sync.invalidation import InvalidationPlan
from cruddur_ops.sync.model import Plan, PlanItem
from cruddur_ops.sync.summary import sync_json, sync_markdown, sync_report
from cruddur_ops.workspace.steps import StepResult as WorkspaceStep
from cruddur_ops.workspace.summary import init_markdown


def _plan(changed: int = 3) -> Plan:
    items = [PlanItem(f"static/js/{n}.js", "create", "not in bucket", md5="0" * 32, size=1000)
             for n in range(changed)]
    items += [PlanItem("index.html", "update", "content differs", md5="1" * 32, size=500),
              PlanItem("old.txt", "delete", "not in build"),
              PlanItem("robots.txt", "no_change", "same MD5", md5="2" * 32, size=67)]
    return Plan("site", "", tuple(items))


def test_applied_sync_counts_what_the_apply_did_and_names_the_invalidation() -> None:
    plan = _plan()
    todo = list(plan.changes)
    result = ApplyResult(uploaded=["static/js/0.js", "static/js/1.js", "index.html"], deleted=["old.txt"],
                         failed=[("static/js/2.js", "AccessDenied")], bytes_uploaded=2500)
    inv = InvalidationPlan(paths=("/index.html", "/", "/static/js/*"), raw_count=6, collapsed=True)
    report = sync_report("applied", plan, todo, result=result, seconds=1.5, invalidation=inv,
                         invalidation_ids=["I1"], distribution_id="E1", changeset="cs.json")
    data = sync_json(report)
    assert (data["uploaded"], data["created"], data["updated"], data["deleted"], data["failed"],
            data["unchanged"], data["bytes"]) == (3, 2, 1, 1, 1, 1, 2500)
    assert data["invalidation_id"] == "I1" and data["invalidation_paths"] == ["/index.html", "/", "/static/js/*"]
    text = sync_markdown(report)
    assert text.startswith("**Applied** `s3://site/`: uploaded 3 (2 new, 1 changed; 2.5 kB), deleted 1, "
                           "1 unchanged, **1 failed** in 1.5 s.")
    assert "CloudFront: invalidation `I1` on `E1`, 3 paths: `/index.html`, `/`, `/static/js/*`" in text
    assert "| delete | `old.txt` |" in text and "Changeset: `cs.json`" in text


def test_only_the_first_20_changed_paths_are_listed() -> None:
    plan = _plan(30)
    report = sync_report("plan", plan, plan.changes)
    text = sync_markdown(report)
    assert text.count("| create |") == 20 and "… and 12 more changes (see the changeset)" in text
    assert "**Plan** `s3://site/`: to upload 31 (30 new, 1 changed; 30.5 kB), to delete 1" in text
    assert len(sync_json(report)["changes"]) == 32


def test_no_changes_and_dry_run() -> None:
    plan = Plan("site", "app/", (PlanItem("a", "no_change", "same", size=1),))
    assert sync_markdown(sync_report("no_changes", plan, [])) == \
        "**No changes**: `s3://site/app/` matches the build (1 unchanged)."
    data = sync_json(sync_report("no_changes", plan, [], invalidation_note="no distribution configured"))
    assert data["invalidation_id"] is None and data["outcome"] == "no_changes"
    dry = sync_markdown(sync_report("dry_run", _plan(), _plan().changes, seconds=0.1))
    assert dry.startswith("**Dry run (nothing sent)** `s3://site/`: would upload 4")


def test_stack_report() -> None:
    rows = (ChangeRow("Add", "CrdSyncRole", "AWS::IAM::Role", ""),
            ChangeRow("Modify", "Bucket", "AWS::S3::Bucket", "True", "site-b"))
    assert change_counts(rows) == ["1 to add", "1 to modify", "1 replacement(s)"]
    report = StackReport("CrdSync", "UPDATE", rows, True, executed=True, status="UPDATE_COMPLETE")
    text = stack_markdown(report)
    assert text.startswith("**Stack `CrdSync`** (update change set): 1 to add, 1 to modify, 1 replacement(s), "
                           "executed: `UPDATE_COMPLETE`")
    assert "| Modify | `Bucket` | `AWS::S3::Bucket` | True |" in text
    data = stack_json(report)
    assert data["changes"][1] == {"action": "Modify", "logical_id": "Bucket", "resource_type": "AWS::S3::Bucket",
                                  "replacement": "True", "physical_id": "site-b"}
    assert data["status"] == "UPDATE_COMPLETE" and data["change_set"] is None
    kept = stack_markdown(StackReport("CrdSync", "CREATE", rows[:1], True, change_set="arn:cs"))
    assert "kept for review: `arn:cs`" in kept
    assert stack_markdown(StackReport("CrdSync", "UPDATE", (), False)) == "**Stack `CrdSync`**: no changes"


def _status() -> Status:
    return Status((Entry("1681", "first", State.APPLIED, applied_at="2026-01-01T00:00:00"),
                   Entry("1682", "second", State.CHANGED), Entry("1683", "third", State.PENDING),
                   Entry("1680", "gone", State.MISSING)))


def test_migration_status_and_migrate() -> None:
    status = _status()
    data = status_json(status)
    assert [e["name"] for e in data["applied"]] == ["first"] and [e["name"] for e in data["pending"]] == ["third"]
    assert [e["name"] for e in data["changed"]] == ["second"] and [e["name"] for e in data["missing"]] == ["gone"]
    text = status_markdown(status)
    assert text.startswith("**Migrations**: 1 applied, 1 pending, 1 changed, 1 missing")
    assert "| `1683` | third | pending |" in text and "first" not in text
    step = StepResult(Step("1683", "third", "p", "c", "pending"), "up", 12, True)
    assert migrate_json([step], status, dry_run=False, warnings=["w"])["migrated"] == [
        {"version": "1683", "name": "third", "duration_ms": 12}]
    assert "| `1683` | third | 12 ms |" in migrate_markdown([step], dry_run=False, database="db")
    assert migrate_markdown([], dry_run=False, database="u@h/db") == "**Nothing to migrate**: `u@h/db` is up to date."


def test_workspace_steps() -> None:
    text = init_markdown([WorkspaceStep("workspace IP", "ok", "8.8.4.4"),
                          WorkspaceStep("origin parameter", "failed", "AccessDenied", hint="grant ssm:PutParameter")],
                         dry_run=False)
    assert text.startswith("**Workspace**: 1 ok, 0 skipped, 1 failed")
    assert "| ❌ failed | origin parameter | AccessDenied (hint: grant ssm:PutParameter) |" in text

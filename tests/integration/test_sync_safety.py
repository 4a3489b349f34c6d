"""Every refusal of frontend.sync, through the real task (S3 only: runs on LocalStack too)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .test_sync_support import SyncSite, example_files, site_fixture  # noqa: F401  (fixture)


def _seed(site: SyncSite, count: int, prefix: str = "old/") -> None:
    for i in range(count):
        site.s3.put_object(Bucket=site.bucket, Key=f"{prefix}{i:03}.txt", Body=b"x")


def test_missing_build_dir_is_refused_and_nothing_is_deleted(site: SyncSite, tmp_path: Path) -> None:
    _seed(site, 3)
    result = site.inv("frontend.sync", "--yes", env={"SYNC_BUILD_DIR": str(tmp_path / "nope")})
    assert result.returncode == 1
    assert "does not exist (nothing was deleted)" in result.stderr and "Traceback" not in result.output
    assert "hint: run `inv frontend.build`" in result.stderr
    assert len(site.objects()) == 3


def test_empty_build_dir_is_refused(site: SyncSite, tmp_path: Path) -> None:
    _seed(site, 3)
    empty = tmp_path / "empty"
    (empty / "static").mkdir(parents=True)
    (empty / ".DS_Store").write_text("hidden files do not count")
    result = site.inv("frontend.sync", "--yes", env={"SYNC_BUILD_DIR": str(empty)})
    assert result.returncode == 1 and "is empty (nothing was deleted)" in result.stderr
    assert len(site.objects()) == 3


def test_delete_count_cap_and_allow_deletes(site: SyncSite) -> None:
    assert site.inv("frontend.sync", "--yes").returncode == 0
    _seed(site, 60)
    refused = site.inv("frontend.sync", "--yes")
    assert refused.returncode == 1
    assert "refusing to delete: the plan deletes 60 objects, more than the cap of 50" in refused.stderr
    assert "--allow-deletes" in refused.stderr
    assert len(site.objects()) == len(example_files()) + 60
    warned = site.inv("frontend.plan")
    assert warned.returncode == 0 and "will refuse it without --allow-deletes" in warned.stdout
    raised = site.inv("frontend.sync", "--yes", "--max-deletes", "100")
    assert raised.returncode == 1 and "(75%), more than the cap of 50%" in raised.stderr
    allowed = site.inv("frontend.sync", "--yes", "--allow-deletes")
    assert allowed.returncode == 0, allowed.output
    assert "deleted 60" in allowed.stdout and set(site.objects()) == set(example_files())


def test_delete_percentage_cap(site: SyncSite) -> None:
    # 25 objects in the bucket, the build keeps 10 of them: 15 deletes (under the count cap) = 60%.
    keep = site.build / "keep"
    shutil.rmtree(site.build)
    keep.mkdir(parents=True)
    for i in range(10):
        (keep / f"{i}.txt").write_text(str(i))
        site.s3.put_object(Bucket=site.bucket, Key=f"keep/{i}.txt", Body=str(i).encode())
    _seed(site, 15)
    refused = site.inv("frontend.sync", "--yes", env={"SYNC_BUILD_DIR": str(keep.parent)})
    assert refused.returncode == 1 and "15 of the bucket's 25 objects (60%)" in refused.stderr


def test_no_terminal_and_no_yes_is_an_error_not_a_hang(site: SyncSite) -> None:
    result = site.inv("frontend.sync", timeout=120)
    assert result.returncode == 1
    assert "no terminal to ask on" in result.stderr and "--yes" in result.stderr
    assert site.objects() == {}
    literal_true = site.inv("frontend.sync", env={"SYNC_AUTO_APPROVE": "true"})
    assert literal_true.returncode == 0 and len(site.objects()) == len(example_files())


def test_dry_run_sends_no_write(site: SyncSite) -> None:
    _seed(site, 2)
    result = site.inv("frontend.sync", "--dry-run")  # no --yes needed: nothing is changed
    assert result.returncode == 0, result.output
    assert f"Dry run: would upload {len(example_files())}" in result.stdout and "would delete 2" in result.stdout
    assert "nothing was sent" in result.stdout
    assert set(site.objects()) == {"old/000.txt", "old/001.txt"}


def test_missing_bucket_and_unset_bucket(site: SyncSite) -> None:
    gone = site.inv("frontend.plan", env={"SYNC_S3_BUCKET": site.bucket + "-missing"})
    assert gone.returncode == 1 and "does not exist" in gone.stderr and "Traceback" not in gone.output
    unset = site.inv("frontend.plan", env={"SYNC_S3_BUCKET": ""})
    assert unset.returncode == 1
    assert "SYNC_S3_BUCKET is not set and the frontend stack" in unset.stderr
    assert "hint: set SYNC_S3_BUCKET" in unset.stderr


def test_bucket_from_the_frontend_stack_outputs(site: SyncSite, boto_client, unique: str) -> None:
    import json

    cfn = boto_client("cloudformation")
    stack = f"CrdFrontendTest{unique}"
    template = {"Resources": {"Marker": {"Type": "AWS::SSM::Parameter",
                                         "Properties": {"Name": f"/cruddur-test/{unique}", "Type": "String", "Value": "x"}}},
                "Outputs": {"BucketName": {"Value": site.bucket}}}
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    result = site.inv("frontend.plan", env={"SYNC_S3_BUCKET": "", "SYNC_FRONTEND_STACK": stack})
    assert result.returncode == 0, result.output
    assert f"s3://{site.bucket}/" in result.stdout


def test_a_bad_plan_file_is_a_clear_error(site: SyncSite, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a list"}')
    result = site.inv("frontend.sync", "--yes", "--plan", str(bad))
    assert result.returncode == 1 and "expected a JSON array" in result.stderr
    assert site.objects() == {}


def test_a_symlink_leaving_the_build_is_refused_before_anything_is_sent(site: SyncSite, tmp_path: Path) -> None:
    secret = tmp_path / "aws-credentials"
    secret.write_text("[default]\naws_secret_access_key = not-for-the-web\n")
    (site.build / "static" / "config.txt").symlink_to(secret)
    (site.build / "inside.txt").symlink_to(site.build / "robots.txt")  # inside: deployed as its target
    refused = site.inv("frontend.sync", "--yes")
    assert refused.returncode == 1, refused.output
    assert f"static/config.txt -> {secret}" in refused.stderr and "nothing was sent" in refused.stderr
    assert "hint:" in refused.stderr and "Traceback" not in refused.output
    assert site.objects(releases=True) == {}, "nothing uploaded, not even a release record or a lock"

    (site.build / "static" / "config.txt").unlink()
    os.mkfifo(site.build / "build.pipe")  # a FIFO left by a build tool: skipped, never read
    applied = site.inv("frontend.sync", "--yes")
    assert applied.returncode == 0, applied.output
    assert "skipped build.pipe: a FIFO" in applied.stdout  # a note in the preview
    assert site.s3.get_object(Bucket=site.bucket, Key="inside.txt")["Body"].read() == \
        (site.build / "robots.txt").read_bytes()
    assert "build.pipe" not in site.objects()

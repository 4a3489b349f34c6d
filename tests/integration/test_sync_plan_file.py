"""`frontend.plan --out FILE` then `frontend.sync --plan FILE`: apply, refuse when stale, resume."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .test_sync_support import SyncSite, example_files, site_fixture  # noqa: F401  (fixture)


def test_saved_plan_is_applied(site: SyncSite, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert site.inv("frontend.plan", "--out", str(plan_file)).returncode == 0
    assert len(json.loads(plan_file.read_text())) == len(example_files())
    applied = site.inv("frontend.sync", "--yes", "--plan", str(plan_file))
    assert applied.returncode == 0, applied.output
    assert f"uploaded {len(example_files())}" in applied.stdout
    assert set(site.objects()) == set(example_files())
    assert not list(site.changesets.glob("*.json")), "applying a saved plan writes no new changeset"


def test_stale_plan_is_refused_when_a_local_file_changed(site: SyncSite, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert site.inv("frontend.plan", "--out", str(plan_file)).returncode == 0
    (site.build / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (site.build / "added.txt").write_text("new")
    refused = site.inv("frontend.sync", "--yes", "--plan", str(plan_file))
    assert refused.returncode == 1
    assert "is stale, 2 change(s)" in refused.stderr
    assert "robots.txt: local file changed" in refused.stderr and "added.txt: new local file" in refused.stderr
    assert "run `inv frontend.plan` again" in refused.stderr
    assert site.objects() == {}


def test_stale_plan_is_refused_when_the_bucket_changed(site: SyncSite, tmp_path: Path) -> None:
    assert site.inv("frontend.sync", "--yes").returncode == 0
    (site.build / "index.html").write_text("<html>v2</html>")
    plan_file = tmp_path / "plan.json"
    assert site.inv("frontend.plan", "--out", str(plan_file)).returncode == 0
    site.s3.put_object(Bucket=site.bucket, Key="index.html", Body=b"<html>hotfix by hand</html>")
    refused = site.inv("frontend.sync", "--yes", "--plan", str(plan_file))
    assert refused.returncode == 1 and "index.html: bucket object changed" in refused.stderr
    body = site.s3.get_object(Bucket=site.bucket, Key="index.html")["Body"].read()
    assert body == b"<html>hotfix by hand</html>", "the out-of-band change must not be clobbered"


def test_partly_applied_plan_resumes(site: SyncSite, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert site.inv("frontend.plan", "--out", str(plan_file)).returncode == 0
    # an earlier apply of this plan got as far as two assets before it died
    for rel in ("static/js/main.489c26e2.js", "robots.txt"):
        data = (site.build / rel).read_bytes()
        site.s3.put_object(Bucket=site.bucket, Key=rel, Body=data,
                           Metadata={"md5chksum": hashlib.md5(data).hexdigest()})
    resumed = site.inv("frontend.sync", "--yes", "--plan", str(plan_file))
    assert resumed.returncode == 0, resumed.output
    assert "2 item(s) already applied" in resumed.stdout
    assert f"uploaded {len(example_files()) - 2}" in resumed.stdout
    assert set(site.objects()) == set(example_files())


def test_gem_written_changeset_is_accepted(site: SyncSite, tmp_path: Path) -> None:
    gem = [{"path": rel, "md5": hashlib.md5((site.build / rel).read_bytes()).hexdigest(), "action": "create"}
           for rel in example_files()]
    plan_file = tmp_path / "gem-1700000000.json"
    plan_file.write_text(json.dumps(gem, indent=2))
    result = site.inv("frontend.sync", "--yes", "--plan", str(plan_file))
    assert result.returncode == 0, result.output
    head = site.s3.head_object(Bucket=site.bucket, Key="static/css/main.f9620d0b.css")
    assert head["ContentType"] == "text/css; charset=utf-8"

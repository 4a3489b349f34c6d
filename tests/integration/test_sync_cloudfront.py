"""CloudFront invalidation through frontend.sync (moto only: free LocalStack has no CloudFront)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_sync_support import (
    SyncSite,
    create_distribution,
    example_files,
    invalidation_paths,
    site_fixture,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.needs_cloudfront


@pytest.fixture
def cdn(site: SyncSite, boto_client, unique: str):
    cloudfront = boto_client("cloudfront")
    distribution = create_distribution(cloudfront, site.bucket, unique)
    site.env["SYNC_CLOUDFRONT_DISTRIBUTION_ID"] = distribution
    return cloudfront, distribution


def _no_collapsing(tmp_path: Path) -> Path:
    config = tmp_path / "invoke.yaml"
    config.write_text("cruddur:\n  sync:\n    invalidation_max_paths: 0\n")
    return config


def test_invalidation_paths_index_dirs_encoding_and_wait(site: SyncSite, cdn, tmp_path: Path) -> None:
    cloudfront, distribution = cdn
    config = _no_collapsing(tmp_path)
    plan = site.run_task("-f", str(config), "frontend.plan", "--env-file", str(site.env_file), env=site.env)
    assert f"CloudFront: 15 invalidation paths on {distribution}" in plan.stdout
    result = site.run_task("-f", str(config), "frontend.sync", "--yes", "--wait",
                           "--env-file", str(site.env_file), env=site.env)
    assert result.returncode == 0, result.output
    assert "Invalidation completed." in result.stdout
    [paths] = invalidation_paths(cloudfront, distribution)
    # Every created file a cache may hold (an error response for a path that did not exist);
    # not the created content-hashed assets (static/media/café menu.<hash>.svg …): their names
    # are new with their bytes. Source maps are named after the code they map, so they count.
    assert sorted(paths) == [
        "/", "/about/", "/about/index.html", "/asset-manifest.json", "/favicon.ico", "/index.html",
        "/logo192.png", "/manifest.json", "/robots.txt", "/static/css/202.86fdc291.chunk.css.map",
        "/static/css/main.f9620d0b.css.map", "/static/js/202.cddbf3e1.chunk.js.map",
        "/static/js/main.489c26e2.js.map", "/users/profile/", "/users/profile/index.html"]


def test_an_updated_content_hashed_object_is_invalidated(site: SyncSite, cdn) -> None:
    """Same name, other bytes: not what a bundler does, but a cache may hold the old bytes."""
    cloudfront, distribution = cdn
    assert site.inv("frontend.sync", "--yes").returncode == 0
    (site.build / "static/js/main.489c26e2.js").write_text("rewritten under the same name")
    assert site.inv("frontend.sync", "--yes").returncode == 0
    first, second = sorted(invalidation_paths(cloudfront, distribution), key=len, reverse=True)
    assert "/" in first and second == ["/static/js/main.489c26e2.js"]


def test_paths_collapse_past_the_threshold(site: SyncSite, cdn, tmp_path: Path) -> None:
    cloudfront, distribution = cdn
    config = tmp_path / "invoke.yaml"
    config.write_text("cruddur:\n  sync:\n    invalidation_max_paths: 10\n")
    result = site.run_task("-f", str(config), "frontend.sync", "--yes", "--env-file", str(site.env_file),
                           env=site.env)
    assert result.returncode == 0, result.output
    assert "(collapsed from 15)" in result.stdout
    [paths] = invalidation_paths(cloudfront, distribution)
    assert sorted(paths) == ["/", "/about/*", "/asset-manifest.json", "/favicon.ico", "/index.html",
                             "/logo192.png", "/manifest.json", "/robots.txt", "/static/*", "/users/*"]
    # a later deploy invalidates only what changed: updated and deleted paths
    (site.build / "about/index.html").write_text("<html>about v2</html>")
    (site.build / "robots.txt").unlink()
    second = site.inv("frontend.sync", "--yes")
    assert second.returncode == 0, second.output
    latest = invalidation_paths(cloudfront, distribution)
    assert len(latest) == 2
    assert any(set(p) == {"/about/", "/about/index.html", "/robots.txt"} for p in latest)


def test_no_invalidate_dry_run_and_no_changes_send_none(site: SyncSite, cdn) -> None:
    cloudfront, distribution = cdn
    dry = site.inv("frontend.sync", "--dry-run")
    assert dry.returncode == 0 and "Dry run: would invalidate" in dry.stdout
    assert invalidation_paths(cloudfront, distribution) == []
    skipped = site.inv("frontend.sync", "--yes", "--no-invalidate")
    assert skipped.returncode == 0 and "invalidation skipped (--no-invalidate)" in skipped.stdout
    assert invalidation_paths(cloudfront, distribution) == []
    unchanged = site.inv("frontend.sync", "--yes")
    assert "No changes" in unchanged.stdout
    assert invalidation_paths(cloudfront, distribution) == []


def test_distribution_from_the_misspelled_variable_and_a_missing_one(site: SyncSite, cdn) -> None:
    cloudfront, distribution = cdn
    env = {"SYNC_CLOUDFRONT_DISTRIBUTION_ID": "", "SYNC_CLOUDFRONT_DISTRUBTION_ID": distribution}
    assert site.inv("frontend.sync", "--yes", env=env).returncode == 0
    assert len(invalidation_paths(cloudfront, distribution)) == 1
    (site.build / "robots.txt").write_text("changed")
    missing = site.inv("frontend.sync", "--yes", env={"SYNC_CLOUDFRONT_DISTRIBUTION_ID": "ENOSUCHDIST"})
    assert missing.returncode == 1 and "distribution 'ENOSUCHDIST' does not exist" in missing.stderr
    assert "Applied: uploaded 1" in missing.stdout  # uploads are not lost; only the invalidation failed


def test_a_killed_run_owes_its_invalidation_to_the_next_one(site: SyncSite, cdn, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from .test_sync_support import REPO_ROOT

    cloudfront, distribution = cdn
    for i in range(300):
        (site.build / f"chunks/{i:03}.txt").parent.mkdir(exist_ok=True)
        (site.build / f"chunks/{i:03}.txt").write_text(str(i))
    config = _no_collapsing(tmp_path)
    env = {**os.environ, "NO_COLOR": "1", "CRUDDUR_OPS_ROOT": str(REPO_ROOT), **site.env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT), "-f", str(config),
         "frontend.sync", "--yes", "--workers", "1", "--env-file", str(site.env_file)],
        cwd=REPO_ROOT, env={**env, "SYNC_LOCK_TTL": "4"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(site.objects()) < 20:
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    landed = set(site.objects())
    assert 20 <= len(landed) < 320
    # The killed run's deploy lock stays behind until its stated expiry (SYNC_LOCK_TTL, 4 s
    # here): a rerun is refused naming it; once it has expired, --break-lock lets it converge.
    held = site.run_task("-f", str(config), "frontend.sync", "--yes", "--env-file", str(site.env_file),
                         env=site.env)
    assert held.returncode == 1 and f"s3://{site.bucket}/_cruddur-ops/lock.json" in held.stderr, held.output
    time.sleep(4.5)
    rerun = site.run_task("-f", str(config), "frontend.sync", "--yes", "--break-lock", "--env-file",
                          str(site.env_file), env=site.env)
    assert rerun.returncode == 0, rerun.output
    from urllib.parse import unquote

    [encoded] = invalidation_paths(cloudfront, distribution)
    paths = {unquote(p) for p in encoded}

    def cacheable(keys: set[str]) -> set[str]:
        """Created content-hashed objects need no invalidation: nothing can have cached them."""
        return {f"/{key}" for key in keys
                if "immutable" not in site.s3.head_object(Bucket=site.bucket, Key=key)["CacheControl"]}

    assert cacheable(landed) <= paths, "objects of the killed run are invalidated too"
    assert cacheable(set(site.objects())) <= paths
    assert len(cacheable(set(site.objects()))) >= 300


def test_distribution_from_the_stack_while_the_bucket_comes_from_settings(site: SyncSite, boto_client,
                                                                          unique: str) -> None:
    """The stack lookup runs while the bucket listing is in flight: both must still land."""
    import json

    cloudfront = boto_client("cloudfront")
    distribution = create_distribution(cloudfront, site.bucket, unique)
    stack = f"CrdFrontendDist{unique}"
    template = {"Resources": {"Marker": {"Type": "AWS::SSM::Parameter",
                                         "Properties": {"Name": f"/cruddur-test/d{unique}", "Type": "String",
                                                        "Value": "x"}}},
                "Outputs": {"DistributionId": {"Value": distribution}}}
    cfn = boto_client("cloudformation")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    result = site.inv("frontend.sync", "--yes", env={"SYNC_FRONTEND_STACK": stack})
    assert result.returncode == 0, result.output
    assert f"on {distribution}" in result.stdout
    [paths] = invalidation_paths(cloudfront, distribution)
    assert "/index.html" in paths
    assert set(site.objects()) == set(example_files())


def test_a_deploy_writes_in_the_order_that_keeps_the_site_whole(site: SyncSite, cdn,
                                                                aws_env: dict[str, str]) -> None:
    """Some requests of a deploy run side by side; these orders hold all the same: the lock before
    any write; the content copy and the check of the live release before the site's object; then
    the record, the pointer and the unlock; the invalidation once the object is in place (it runs
    while the release is recorded, and is reported after it)."""
    from tests.support.recording_proxy import recording

    assert site.inv("frontend.sync", "--yes").returncode == 0
    (site.build / "index.html").write_text("<!doctype html><title>v2</title>\n")
    with recording(aws_env["AWS_ENDPOINT_URL"]) as proxy:
        done = site.inv("frontend.sync", "--yes", env={"AWS_ENDPOINT_URL": proxy.endpoint_url})
    assert done.returncode == 0, done.output
    sent = [f"{r[':method']} {r[':path'].split('?')[0]}" for r in proxy.requests]
    releases = f"/{site.bucket}/_cruddur-ops/"

    def first(request: str, after: int = -1) -> int:
        return next(i for i, seen in enumerate(sent) if i > after and seen.startswith(request))

    lock = first(f"PUT {releases}lock.json")
    assert all(not s.startswith(("PUT", "DELETE", "POST")) for s in sent[:lock]), sent
    check, copy = first(f"GET {releases}live.json", after=lock), first(f"PUT {releases}objects/")
    put = first(f"PUT /{site.bucket}/index.html")
    record, pointer = first(f"PUT {releases}releases/"), first(f"PUT {releases}live.json")
    unlock, invalidation = first(f"DELETE {releases}lock.json"), first("POST /2020-05-31/distribution/")
    assert lock < check < put and lock < copy < put, sent
    assert put < record < pointer < unlock, sent
    assert put < invalidation, sent
    said = done.stdout
    assert said.index("Release ") < said.index("Invalidation "), said


# Loaded by the task's interpreter (PYTHONPATH), before any project code: every fsync takes 15 s
# longer, as one does right after a build while the disk is still writing it out (but longer, so
# that a run that does not wait for it is over first: with CRUDDUR_OPS_PATCHES=off each PUT
# through the recording proxy waits 1 s for a `100 Continue` it never sends), and logs when it
# started and ended.
SLOW_FSYNC = """
import os, time
_fsync = os.fsync
def _slow(fd):
    with open(os.environ["FSYNC_LOG"], "a") as log:
        log.write(f"started {time.time()}\\n")
    time.sleep(15.0)
    _fsync(fd)
    with open(os.environ["FSYNC_LOG"], "a") as log:
        log.write(f"ended {time.time()}\\n")
os.fsync = _slow
"""


def _fsyncs(log: Path) -> list[tuple[str, float]]:
    return [(what, float(at)) for what, at in (line.split() for line in log.read_text().splitlines())]


def test_a_deploy_waits_for_the_journals_fsync_only_while_paths_are_owed(site: SyncSite, cdn, tmp_path: Path,
                                                                        aws_env: dict[str, str]) -> None:
    """The invalidation journal is in place before the site's first object changes (a killed run
    leaves it behind: test_a_killed_run_owes_its_invalidation_to_the_next_one). Its fsync runs
    beside the deploy: a deploy whose invalidation was created ends without waiting for it; one
    that still owes paths ends only once they are on disk."""
    import os
    import time

    from cruddur_ops.sync.journal import journal_path
    from tests.support.recording_proxy import recording

    _, distribution = cdn
    assert site.inv("frontend.sync", "--yes").returncode == 0
    hooks, log = tmp_path / "hooks", tmp_path / "fsyncs.log"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SLOW_FSYNC)
    slow_disk = {"FSYNC_LOG": str(log),
                 "PYTHONPATH": os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")]))}
    object_written: list[tuple[float, bool]] = []

    def deploy(version: str, distribution_id: str) -> tuple[float, float, Any]:
        """(when it started, when it ended, the task's result) of a deploy of index.html ``version``."""
        (site.build / "index.html").write_text(f"<!doctype html><title>{version}</title>\n")
        journal = journal_path(site.changesets, site.bucket, distribution_id)

        def note_the_object(method: str, path: str, body: bytes) -> bytes:
            if method == "PUT" and path.split("?")[0] == f"/{site.bucket}/index.html":
                object_written.append((time.time(), journal.exists()))
            return body

        log.unlink(missing_ok=True)
        started = time.time()
        with recording(aws_env["AWS_ENDPOINT_URL"]) as proxy:
            proxy.rewrite = note_the_object
            done = site.inv("frontend.sync", "--yes", env={
                **slow_disk, "AWS_ENDPOINT_URL": proxy.endpoint_url,
                "SYNC_CLOUDFRONT_DISTRIBUTION_ID": distribution_id})
        return started, time.time(), done

    _, _, done = deploy("v2", distribution)
    assert done.returncode == 0, done.output
    [(_, journal_in_place)] = object_written
    assert journal_in_place
    # the fsync started, and the task was over before it: nothing waited for it
    assert [what for what, _ in _fsyncs(log)] == ["started"]
    assert not journal_path(site.changesets, site.bucket, distribution).exists()

    object_written.clear()
    _, finished, failed = deploy("v3", "ENOSUCHDIST")
    assert failed.returncode == 1 and "ENOSUCHDIST" in failed.stderr, failed.output
    [(written_at, journal_in_place)] = object_written
    assert journal_in_place
    fsyncs = _fsyncs(log)
    assert [what for what, _ in fsyncs] == ["started", "ended"]
    synced_at = fsyncs[1][1]
    assert written_at < synced_at < finished  # owed paths: on disk before the task ended
    assert journal_path(site.changesets, site.bucket, "ENOSUCHDIST").exists()

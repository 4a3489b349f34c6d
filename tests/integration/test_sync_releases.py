"""Releases end to end: frontend.sync records them, keeps older chunks (skew protection), prunes
past --keep-releases, refuses a second deploy while the lock is held, and frontend.rollback makes
an earlier release live from the bucket alone. S3 only, so it runs on LocalStack too; the
invalidation of a rollback needs CloudFront (moto)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cruddur_ops.sync.remote import LIST_RANGE_KEYS
from tests.support.recording_proxy import recording

from .test_sync_support import (
    REPO_ROOT,
    SyncSite,
    create_distribution,
    invalidation_paths,
    site_fixture,  # noqa: F401  (the `site` fixture)
)

LOCK = "_cruddur-ops/lock.json"


def make_version(site: SyncSite, version: str) -> str:
    """Turn the build into ``version``: its lazily loaded chunk gets a new hashed name and
    index.html references it. Returns the chunk's key."""
    js = site.build / "static" / "js"
    for old in js.glob("202.*.chunk.js"):
        old.unlink()
    chunk = f"202.{hashlib.md5(version.encode()).hexdigest()[:8]}.chunk.js"
    (js / chunk).write_text(f"export const version = {version!r};\n")
    index = site.build / "index.html"
    original = index.read_text().split("<!-- release ")[0]
    index.write_text(f"{original}<!-- release {version}: static/js/{chunk} -->\n")
    return f"static/js/{chunk}"


def body(site: SyncSite, key: str) -> bytes:
    return bytes(site.s3.get_object(Bucket=site.bucket, Key=key)["Body"].read())


def releases(site: SyncSite) -> list[dict[str, Any]]:
    listed = site.inv("frontend.releases", "--json")
    assert listed.returncode == 0, listed.output
    return list(json.loads(listed.stdout))


def deploy(site: SyncSite, version: str, *args: str) -> tuple[str, Any]:
    chunk = make_version(site, version)
    done = site.inv("frontend.sync", "--yes", *args)
    assert done.returncode == 0, done.output
    return chunk, done


def test_v1_chunk_is_still_served_after_v2_and_rollback_makes_v1_live(site: SyncSite) -> None:
    v1_chunk, first = deploy(site, "v1")
    assert "Releases: records a new release." in first.stdout and "Release " in first.stdout
    assert "best effort" not in first.output, "the endpoint takes If-None-Match: the lock is a real one"
    v1_index = body(site, "index.html")
    again = site.inv("frontend.sync", "--yes")
    assert "No changes. The bucket matches the build." in again.stdout, again.output
    assert len(releases(site)) == 1, "a no-change sync records no release"

    v2_chunk, second = deploy(site, "v2")
    assert "Releases: 1 kept for the last 3 releases" in second.stdout, second.output
    assert body(site, v1_chunk) == b"export const version = 'v1';\n", "v1's chunk is still served"
    assert body(site, v2_chunk) and body(site, "index.html") != v1_index

    history = releases(site)
    assert [r["live"] for r in history] == [True, False]
    assert {"id", "created", "live", "commit", "files"} <= set(history[0])
    assert history[0]["files"] == history[1]["files"] == len(site.local_keys())

    before = site.objects(releases=True)
    dry = site.inv("frontend.rollback", "--dry-run")
    assert dry.returncode == 0 and f"would record a release (rollback to {history[1]['id']})" in dry.stdout
    assert "~ index.html" in dry.stdout and site.objects(releases=True) == before, "a dry run sends nothing"
    rolled = site.inv("frontend.rollback", "--yes", "--no-invalidate")
    assert rolled.returncode == 0, rolled.output
    assert f"makes release {history[1]['id']} live again" in rolled.stdout
    assert body(site, "index.html") == v1_index
    head = site.s3.head_object(Bucket=site.bucket, Key="index.html")
    assert (head["ContentType"], head["CacheControl"]) == ("text/html; charset=utf-8", "no-cache")
    assert head["Metadata"]["md5chksum"] == head["ETag"].strip('"')
    assert body(site, v2_chunk), "v2's chunk is kept: browsers holding v2's HTML still need it"

    after = releases(site)
    assert len(after) == 3 and after[0]["live"] and after[0]["kind"] == "rollback"
    assert after[0]["rollback_of"] == history[1]["id"]
    # Rolling forward is --to a newer id; in CI it reports like a sync (step summary, --json).
    summary = site.build.parent / "step-summary.md"
    forward = site.inv("frontend.rollback", "--yes", "--no-invalidate", "--json", "--to", history[0]["id"],
                       env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert forward.returncode == 0, forward.output
    assert b"release v2" in body(site, "index.html")
    outcome = json.loads(forward.stdout)
    assert (outcome["outcome"], outcome["failed"], outcome["bucket"]) == ("applied", 0, site.bucket)
    assert outcome["updated"] >= 1 and outcome["invalidation_id"] is None  # index.html copied back
    assert "frontend.rollback" in summary.read_text() and "index.html" in summary.read_text()


@pytest.mark.needs_cloudfront
def test_rollback_invalidates_only_the_paths_whose_bytes_change(site: SyncSite, boto_client: Any,
                                                                  unique: str) -> None:
    cloudfront = boto_client("cloudfront")
    distribution = create_distribution(cloudfront, site.bucket, unique)
    site.env["SYNC_CLOUDFRONT_DISTRIBUTION_ID"] = distribution
    deploy(site, "v1")
    deploy(site, "v2")
    before = len(invalidation_paths(cloudfront, distribution))
    rolled = site.inv("frontend.rollback", "--yes")
    assert rolled.returncode == 0, rolled.output
    assert len(invalidation_paths(cloudfront, distribution)) == before + 1
    [created] = re.findall(r"Invalidation (\S+) created", rolled.stdout)
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=created)["Invalidation"]
    paths = batch["InvalidationBatch"]["Paths"]["Items"]
    assert sorted(paths) == ["/", "/index.html"], "only index.html's bytes changed"


def test_deploys_past_keep_releases_prune_the_oldest_unique_chunks(site: SyncSite) -> None:
    chunks = [deploy(site, f"v{n}")[0] for n in (1, 2, 3)]
    assert set(chunks) <= set(site.objects()), "three releases: every chunk is kept"
    v4_chunk, fourth = deploy(site, "v4")
    assert "1 pruned" in fourth.stdout and "2 kept for the last 3 releases" in fourth.stdout, fourth.output
    remaining = set(site.objects())
    assert chunks[0] not in remaining, "v1 is no longer among the last 3 releases"
    assert {chunks[1], chunks[2], v4_chunk} <= remaining


def test_a_held_lock_refuses_a_second_deploy_naming_its_holder(site: SyncSite) -> None:
    deploy(site, "v1")
    make_version(site, "v2")
    before = site.objects(releases=True)
    holder = {"format": "cruddur-ops/lock/1", "operation": "sync", "release": "20991231-000000-000-beef",
              "started": "2099-12-31T00:00:00Z", "expires": "2099-12-31T00:30:00Z", "where": "ci@runner-7",
              "token": "feedface"}
    site.s3.put_object(Bucket=site.bucket, Key=LOCK, Body=json.dumps(holder).encode())
    refused = site.inv("frontend.sync", "--yes")
    assert refused.returncode == 1, refused.output
    [error, hint] = [line for line in refused.stderr.splitlines() if line.startswith(("error:", "hint:"))]
    assert "--lock-wait" in hint
    assert "another deploy holds the lock" in error and "20991231-000000-000-beef" in error
    assert "ci@runner-7" in error and "Traceback" not in refused.output
    waited = site.inv("frontend.sync", "--yes", "--lock-wait", "2")
    assert waited.returncode == 1 and "another deploy holds the lock" in waited.stderr, waited.output
    breaking = site.inv("frontend.sync", "--yes", "--break-lock")
    assert breaking.returncode == 1 and "has not expired" in breaking.stderr, breaking.output
    after = site.objects(releases=True)
    assert {k: v for k, v in after.items() if k != LOCK} == {k: v for k, v in before.items() if k != LOCK}

    holder["expires"] = "2000-01-01T00:00:00Z"  # a killed run's lock, long expired
    site.s3.put_object(Bucket=site.bucket, Key=LOCK, Body=json.dumps(holder).encode())
    stale = site.inv("frontend.sync", "--yes")
    assert stale.returncode == 1 and "is stale" in stale.stderr and "--break-lock" in stale.stderr
    broken = site.inv("frontend.sync", "--yes", "--break-lock")
    assert broken.returncode == 0, broken.output
    assert LOCK not in site.objects(releases=True), "the lock is released after the deploy"


def test_two_concurrent_syncs_one_applies_and_the_other_is_refused(site: SyncSite) -> None:
    deploy(site, "v1")
    for i in range(200):  # enough uploads that the two runs overlap
        (site.build / "static" / "js" / f"{i:03}.{i:08x}.chunk.js").write_text(str(i))
    env = {**os.environ, "NO_COLOR": "1", "CRUDDUR_OPS_ROOT": str(REPO_ROOT), **site.env}
    argv = [sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT), "frontend.sync", "--yes",
            "--workers", "2", "--env-file", str(site.env_file)]
    procs = [subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=300), p.stdout.read() if p.stdout else "", p.stderr.read() if p.stderr else "")
                for p in procs]
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 1], outcomes
    _, _, refused = next(o for o in outcomes if o[0] == 1)
    assert "lock.json" in refused or "since this plan was made" in refused, refused
    assert len(releases(site)) == 2, "exactly one of the two recorded a release"


def test_bad_input_is_one_error_and_changes_nothing(site: SyncSite) -> None:
    v1_chunk, _ = deploy(site, "v1")
    deploy(site, "v2")
    before = site.objects(releases=True)

    unknown = site.inv("frontend.rollback", "--yes", "--to", "20000101-000000-000-0000")
    assert unknown.returncode == 1 and "no release '20000101-000000-000-0000'" in unknown.stderr
    assert "hint:" in unknown.stderr and "Traceback" not in unknown.output

    site.s3.delete_object(Bucket=site.bucket, Key=v1_chunk)  # pruned by hand
    before = site.objects(releases=True)
    gone = site.inv("frontend.rollback", "--yes")
    assert gone.returncode == 1 and v1_chunk in gone.stderr and "cannot be restored" in gone.stderr
    assert site.objects(releases=True) == before

    foreign = "_cruddur-ops/releases/20990101-000000-000-dead.json"
    site.s3.put_object(Bucket=site.bucket, Key=foreign, Body=b"<html>not a release</html>")
    listed = site.inv("frontend.releases")
    assert listed.returncode == 1, listed.output
    assert f"{foreign} is not a cruddur-ops release record" in listed.stderr and "hint:" in listed.stderr
    site.s3.put_object(Bucket=site.bucket, Key="_cruddur-ops/live.json", Body=b"{}")
    synced = site.inv("frontend.sync", "--yes")
    assert synced.returncode == 1 and "_cruddur-ops/live.json is not a cruddur-ops" in synced.stderr
    assert "Traceback" not in listed.output + synced.output


def test_the_release_prefix_is_never_planned_and_dry_runs_record_nothing(site: SyncSite) -> None:
    deploy(site, "v1")
    reserved = {k for k in site.objects(releases=True) if k.startswith("_cruddur-ops/")}
    assert reserved, "the first sync wrote its release"
    plan = site.inv("frontend.plan", "--show-all", "--detailed-exitcode")
    assert plan.returncode == 0, plan.output
    assert "_cruddur-ops" not in plan.stdout
    make_version(site, "v2")
    dry = site.inv("frontend.sync", "--dry-run", "--max-deletes", "0")
    assert dry.returncode == 0, dry.output
    assert "Dry run: would record a release." in dry.stdout
    assert {k for k in site.objects(releases=True) if k.startswith("_cruddur-ops/")} == reserved
    assert len(releases(site)) == 1


def test_a_build_holding_the_release_prefix_is_refused(site: SyncSite, tmp_path: Path) -> None:
    (site.build / "_cruddur-ops").mkdir()
    (site.build / "_cruddur-ops" / "live.json").write_text("{}")
    refused = site.inv("frontend.sync", "--yes")
    assert refused.returncode == 1 and "reserved release prefix" in refused.stderr
    assert site.objects(releases=True) == {}


def test_a_site_under_a_prefix_keeps_its_releases_at_the_release_prefix(site: SyncSite) -> None:
    """SYNC_PREFIX=site/: the sync's listing does not cover _cruddur-ops/, which is listed on its
    own only when a release is recorded; a no-change sync still costs one GET."""
    site.env["SYNC_PREFIX"] = "site"
    v1_chunk, _ = deploy(site, "v1")
    deploy(site, "v2")
    keys = set(site.objects(releases=True))
    assert f"site/{v1_chunk}" in keys, "v1's chunk is kept under the site prefix"
    assert any(k.startswith("_cruddur-ops/releases/") for k in keys)
    assert any(k.startswith("_cruddur-ops/objects/") for k in keys)
    assert not any(k.startswith("site/_cruddur-ops") for k in keys)
    rolled = site.inv("frontend.rollback", "--yes", "--no-invalidate")
    assert rolled.returncode == 0, rolled.output
    assert b"release v1" in body(site, "site/index.html")
    assert [r["kind"] for r in releases(site)] == ["rollback", "sync", "sync"]


def no_change_sync_requests(site: SyncSite, endpoint: str) -> tuple[list[dict[str, str]], list[str]]:
    """(the S3 requests of a no-change sync, the keys under the release prefix its listing
    responses held)."""
    rendered: list[str] = []

    def count_reserved_keys(method: str, path: str, data: bytes) -> bytes:
        if "list-type=2" in path:
            rendered.extend(re.findall(r"<Key>(_cruddur-ops(?:/|%2F)[^<]*)</Key>", data.decode()))
        return data

    with recording(endpoint) as proxy:
        proxy.rewrite = count_reserved_keys
        again = site.inv("frontend.sync", "--yes", env={"AWS_ENDPOINT_URL": proxy.endpoint_url})
    assert "No changes. The bucket matches the build." in again.stdout, again.output
    s3_requests = [r for r in proxy.requests if r[":path"].startswith(f"/{site.bucket}")]  # not the stack lookup
    assert {r[":method"] for r in s3_requests} == {"GET"}
    reads = [r[":path"] for r in s3_requests if "list-type=2" not in r[":path"]]
    assert reads == [f"/{site.bucket}/_cruddur-ops/live.json"], "no release record is read"
    return s3_requests, rendered


def test_a_no_change_sync_reads_the_pointer_and_lists_nothing_under_the_release_prefix(
        site: SyncSite, aws_env: dict[str, str]) -> None:
    """What releases add to a no-change sync: one GET of live.json, also after a deploy that
    kept an older chunk. A build listed in ranges leaves the release prefix out of the listing
    (its records and content copies grow with every deploy); a small one lists it in its page."""
    deploy(site, "v1")
    deploy(site, "v2")  # keeps v1's chunk for browsers still on v1's index.html
    requests, _ = no_change_sync_requests(site, aws_env["AWS_ENDPOINT_URL"])
    assert len(requests) == 2, [r[":path"] for r in requests]  # one page of listing, the pointer

    bulk = site.build / "static" / "bulk"
    bulk.mkdir()
    for i in range(LIST_RANGE_KEYS + 100):  # enough keys for the listing to go in ranges
        (bulk / f"part-{i:04d}.{hashlib.md5(str(i).encode()).hexdigest()[:8]}.js").write_text(f"{i}\n")
    deploy(site, "v3")
    reserved = [k for k in site.objects(releases=True) if k.startswith("_cruddur-ops/")]
    _, rendered = no_change_sync_requests(site, aws_env["AWS_ENDPOINT_URL"])
    # at most a page's slack of them (the range just below the prefix reads into it), not all
    assert len(rendered) < len(reserved) and len(rendered) <= 2, rendered

"""frontend.plan / frontend.sync end to end on the emulator (S3 only: runs on LocalStack too)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from cruddur_ops import patches
from tests.support.recording_proxy import RecordingProxy

from .test_sync_support import SyncSite, example_files, site_fixture  # noqa: F401  (fixture)

UNICODE_KEY = "static/media/café menu.f91248e59666df4b3246.svg"


def test_plan_sync_and_the_second_sync_has_nothing_to_do(site: SyncSite) -> None:
    plan = site.inv("frontend.plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.output
    assert f"Plan: {len(example_files())} to create, 0 to update, 0 to delete, 0 unchanged" in plan.stdout
    assert f"+ {UNICODE_KEY}" in plan.stdout and "Upload: 27.9 kB" in plan.stdout
    assert site.objects() == {}, "plan must not write"
    written = sorted(site.changesets.glob("changeset-*.json"))
    assert len(written) == 1 and written[0].name[len("changeset-"):-len(".json")].isdigit()
    items = json.loads(written[0].read_text(encoding="utf-8"))
    assert [list(i)[:3] for i in items] == [["path", "md5", "action"]] * len(example_files())

    applied = site.inv("frontend.sync", "--yes")
    assert applied.returncode == 0, applied.output
    assert f"Applied: uploaded {len(example_files())}" in applied.stdout
    assert set(site.objects()) == set(example_files())

    again = site.inv("frontend.sync", "--yes")
    assert again.returncode == 0 and "No changes. The bucket matches the build." in again.stdout
    assert "Applied" not in again.stdout
    assert site.inv("frontend.plan", "--detailed-exitcode").returncode == 0


def test_uploaded_objects_carry_type_cache_control_md5_and_no_acl(site: SyncSite) -> None:
    assert site.inv("frontend.sync", "--yes").returncode == 0
    expected = {
        "index.html": ("text/html; charset=utf-8", "no-cache"),
        "about/index.html": ("text/html; charset=utf-8", "no-cache"),
        "static/js/main.489c26e2.js": ("text/javascript; charset=utf-8", "public, max-age=31536000, immutable"),
        "static/css/main.f9620d0b.css": ("text/css; charset=utf-8", "public, max-age=31536000, immutable"),
        "static/js/main.489c26e2.js.map": ("application/json; charset=utf-8", "public, max-age=0, must-revalidate"),
        "static/media/cruddur-sans.eed534f90b7aee6e4bac.woff2": ("font/woff2", "public, max-age=31536000, immutable"),
        UNICODE_KEY: ("image/svg+xml", "public, max-age=31536000, immutable"),
        "manifest.json": ("application/json; charset=utf-8", "public, max-age=0, must-revalidate"),
        "robots.txt": ("text/plain; charset=utf-8", "public, max-age=0, must-revalidate"),
        "favicon.ico": ("image/x-icon", "public, max-age=0, must-revalidate"),
        "logo192.png": ("image/png", "public, max-age=0, must-revalidate"),
    }
    for key, (ctype, cache) in expected.items():
        head = site.s3.head_object(Bucket=site.bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (ctype, cache), key
        assert head["Metadata"]["md5chksum"] == head["ETag"].strip('"'), key
    grants = site.s3.get_object_acl(Bucket=site.bucket, Key="index.html")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    body = site.s3.get_object(Bucket=site.bucket, Key=UNICODE_KEY)["Body"].read()
    assert body == (site.build / UNICODE_KEY).read_bytes()


def test_identical_rebuild_plans_nothing_and_a_same_size_edit_is_caught(site: SyncSite) -> None:
    assert site.inv("frontend.sync", "--yes").returncode == 0
    for path in site.build.rglob("*"):  # a rebuild: every file rewritten, same bytes, new mtime
        if path.is_file():
            path.write_bytes(path.read_bytes())
    rebuilt = site.inv("frontend.plan", "--detailed-exitcode")
    assert rebuilt.returncode == 0, rebuilt.output
    assert f"0 to create, 0 to update, 0 to delete, {len(example_files())} unchanged" in rebuilt.stdout

    target = site.build / "static/js/main.489c26e2.js"
    data = bytearray(target.read_bytes())
    data[0] = ord("X") if data[0] != ord("X") else ord("Y")
    old = time.time() - 86400 * 30
    target.write_bytes(bytes(data))
    os.utime(target, (old, old))  # same size, older mtime: mtime-based tools miss this
    edited = site.inv("frontend.plan", "--detailed-exitcode")
    assert edited.returncode == 2
    assert "~ static/js/main.489c26e2.js" in edited.stdout and "md5 differs" in edited.stdout
    assert "0 to create, 1 to update, 0 to delete" in edited.stdout
    assert site.inv("frontend.sync", "--yes").returncode == 0
    assert site.s3.get_object(Bucket=site.bucket, Key="static/js/main.489c26e2.js")["Body"].read() == bytes(data)


def test_json_output_is_the_changeset_array(site: SyncSite) -> None:
    result = site.inv("frontend.plan", "--json")
    assert result.returncode == 0, result.output
    items = json.loads(result.stdout)
    assert {i["path"] for i in items} == set(example_files())
    first = items[0]
    assert list(first)[:3] == ["path", "md5", "action"] and first["action"] == "create"
    assert {"size", "reason", "content_type", "cache_control"} <= set(first)
    assert "Plan: " in result.stderr  # the human preview moved to stderr


def test_deletes_show_all_and_symbols(site: SyncSite) -> None:
    assert site.inv("frontend.sync", "--yes").returncode == 0
    (site.build / "robots.txt").unlink()
    (site.build / "index.html").write_text("<html>changed</html>", encoding="utf-8")
    (site.build / "new page.txt").write_text("hello", encoding="utf-8")
    plan = site.inv("frontend.plan")
    assert "- robots.txt" in plan.stdout and "not in build" in plan.stdout
    assert "~ index.html" in plan.stdout and "+ new page.txt" in plan.stdout
    assert "= favicon.ico" not in plan.stdout
    assert "1 to create, 1 to update, 1 to delete" in plan.stdout
    everything = site.inv("frontend.plan", "--show-all")
    assert "= favicon.ico" in everything.stdout and "same size and md5" in everything.stdout
    assert site.inv("frontend.sync", "--yes").returncode == 0
    keys = site.objects()
    assert "robots.txt" not in keys and "new page.txt" in keys


def test_env_file_settings_and_real_environment_wins(site: SyncSite, tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text(f"SYNC_S3_BUCKET=not-this-one\nSYNC_BUILD_DIR={site.build}\nSYNC_AUTO_APPROVE=yes\n")
    env = {**site.env, "SYNC_BUILD_DIR": ""}  # unset in the real env: the file's value is used
    result = site.run_task("frontend.sync", "--env-file", str(env_file), env=env)
    assert result.returncode == 0, result.output  # SYNC_AUTO_APPROVE=yes from the file: no --yes needed
    assert f"s3://{site.bucket}/" in result.stdout
    assert set(site.objects()) == set(example_files())
    missing = site.run_task("frontend.plan", "--env-file", str(tmp_path / "nope.env"), env=env)
    assert missing.returncode == 1 and "nope.env does not exist" in missing.stderr


def test_strip_html_key_mode(site: SyncSite) -> None:
    result = site.inv("frontend.sync", "--yes", "--key-mode", "strip-html")
    assert result.returncode == 0, result.output
    keys = site.objects()
    assert {"index.html", "about/index", "users/profile/index"} <= set(keys)
    assert "about/index.html" not in keys
    head = site.s3.head_object(Bucket=site.bucket, Key="about/index")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert site.inv("frontend.plan", "--key-mode", "strip-html", "--detailed-exitcode").returncode == 0


def test_ignore_globs_and_cache_rules_from_invoke_config(site: SyncSite, tmp_path: Path) -> None:
    config = tmp_path / "invoke.yaml"
    config.write_text(
        "cruddur:\n  sync:\n"
        "    ignore: ['robots.txt', 'legacy/*']\n"
        "    cache_control:\n      - {match: '*.png', value: 'public, max-age=600'}\n"
    )
    site.s3.put_object(Bucket=site.bucket, Key="legacy/keep.html", Body=b"old")
    result = site.run_task("-f", str(config), "frontend.sync", "--yes", "--show-all",
                           "--env-file", str(site.env_file), env=site.env)
    assert result.returncode == 0, result.output
    assert "! robots.txt" in result.stdout and "! legacy/keep.html" in result.stdout
    keys = site.objects()
    assert "robots.txt" not in keys and "legacy/keep.html" in keys
    assert site.s3.head_object(Bucket=site.bucket, Key="logo192.png")["CacheControl"] == "public, max-age=600"


def test_no_distribution_skips_invalidation_with_a_notice(site: SyncSite) -> None:
    result = site.inv("frontend.sync", "--yes")
    assert result.returncode == 0
    assert "no CloudFront distribution configured" in result.output and "invalidation skipped" in result.output


def test_no_invalidate_with_a_known_bucket_never_asks_cloudformation(
        site: SyncSite, aws_env: dict[str, str]) -> None:
    """The distribution id is the only thing the stack would give here, and --no-invalidate does
    not use it: no DescribeStacks (no CloudFormation permission needed, no extra round trip)."""
    def cloudformation_calls(*args: str) -> tuple[Any, int]:
        proxy = RecordingProxy(upstream=aws_env["AWS_ENDPOINT_URL"]).start()
        try:
            result = site.inv("frontend.sync", "--yes", *args, env={"AWS_ENDPOINT_URL": proxy.endpoint_url})
        finally:
            proxy.stop()
        scopes = [r.get("authorization", "") for r in proxy.requests]
        return result, sum("/cloudformation/aws4_request" in scope for scope in scopes)

    skipped, asked = cloudformation_calls("--no-invalidate")
    assert skipped.returncode == 0, skipped.output
    assert asked == 0
    assert "CloudFront: invalidation skipped (--no-invalidate)" in skipped.stdout
    assert "no CloudFront distribution configured" not in skipped.output
    default, asked = cloudformation_calls()  # the control: without the flag the stack is read
    assert default.returncode == 0, default.output
    assert asked >= 1 and "no CloudFront distribution configured" in default.output


def test_puts_carry_content_md5_without_the_expect_handshake_or_a_payload_hash(
        site: SyncSite, aws_env: dict[str, str]) -> None:
    """What goes over the wire per upload: S3 checks Content-MD5 (a signed header) against the
    body, so the sync sends neither `Expect: 100-continue` (a round trip per small file; sent with
    the patches off) nor a SHA-256 of the body (botocore's default over plain HTTP) nor an extra
    CRC32."""
    proxy = RecordingProxy(upstream=aws_env["AWS_ENDPOINT_URL"]).start()
    try:
        applied = site.inv("frontend.sync", "--yes", env={"AWS_ENDPOINT_URL": proxy.endpoint_url})
    finally:
        proxy.stop()
    assert applied.returncode == 0, applied.output
    puts = [r for r in proxy.requests if r[":method"] == "PUT" and r[":path"].count("/") > 1
            and "/_cruddur-ops/" not in r[":path"]]  # the release record and content copies
    assert len(puts) == len(example_files())
    for request in puts:
        assert request.get("content-md5"), request[":path"]
        # botocore's own handshake is back when the patches are off (CRUDDUR_OPS_PATCHES=off)
        assert ("expect" in request) is not patches.enabled(), request[":path"]
        assert request.get("x-amz-content-sha256") == "UNSIGNED-PAYLOAD", request[":path"]
        assert not any(name.startswith("x-amz-checksum-") for name in request), request[":path"]
    assert set(site.objects()) == set(example_files())


def test_md5_cache_is_written_outside_the_build_and_a_later_edit_is_still_caught(
        site: SyncSite, private_cache_home: Path) -> None:
    time.sleep(2.2)  # files written within hash_cache.RACY_SECONDS of hashing are not remembered
    assert site.inv("frontend.sync", "--yes").returncode == 0
    caches = list((private_cache_home / "cruddur-ops" / "md5").iterdir())
    assert len(caches) == 1, caches
    assert len(caches[0].read_text().splitlines()) == 1 + len(example_files())  # header + one per file
    assert set(site.objects()) == set(example_files())  # the cache is not part of the site

    target = site.build / "static/js/main.489c26e2.js"
    data = bytearray(target.read_bytes())
    data[0] = ord("X") if data[0] != ord("X") else ord("Y")
    before = target.stat()
    target.write_bytes(bytes(data))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same mtime
    edited = site.inv("frontend.plan", "--detailed-exitcode")
    assert edited.returncode == 2, edited.output
    assert "~ static/js/main.489c26e2.js" in edited.stdout and "0 to create, 1 to update, 0 to delete" in edited.stdout

    off = site.inv("frontend.plan", env={"SYNC_HASH_CACHE": "off"})
    assert off.returncode == 0 and "1 to update" in off.stdout


def test_a_ci_deploy_trusting_hashed_names_reads_only_what_they_cannot_vouch_for(
        site: SyncSite, tmp_path: Path) -> None:
    """A CI runner: a fresh build (new mtimes) and an empty MD5 cache. With
    SYNC_TRUST_HASHED_NAMES=true, content-hashed files the bucket holds at the same size are not
    read (a bundle rewritten in place at the same length goes unseen); by default every file is
    read and the rewrite is caught."""
    assert site.inv("frontend.sync", "--yes").returncode == 0
    main_js = next(site.build.glob("static/js/main.*.js"))
    key = str(main_js.relative_to(site.build))
    original = main_js.read_bytes()
    main_js.write_bytes(original[::-1])  # rewritten in place after the build, same length
    assert main_js.read_bytes() != original
    for path in site.build.rglob("*"):  # a fresh checkout and build: every mtime is new
        if path.is_file():
            os.utime(path, (time.time() + 5, time.time() + 5))

    trusting = site.inv("frontend.sync", "--yes", env={"XDG_CACHE_HOME": str(tmp_path / "runner-1"),
                                                       "SYNC_TRUST_HASHED_NAMES": "true"})
    assert "No changes. The bucket matches the build." in trusting.stdout, trusting.output
    assert site.s3.get_object(Bucket=site.bucket, Key=key)["Body"].read() == original

    reading = site.inv("frontend.sync", "--yes", env={"XDG_CACHE_HOME": str(tmp_path / "runner-2")})
    assert reading.returncode == 0, reading.output
    assert "Plan: 0 to create, 1 to update" in reading.stdout, reading.output
    assert site.s3.get_object(Bucket=site.bucket, Key=key)["Body"].read() == main_js.read_bytes()

"""Scale and robustness: >1000 objects, multipart objects, a killed apply, 100,000 files."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from .test_sync_support import REPO_ROOT, SyncSite, site_fixture  # noqa: F401  (fixture)


def _write_files(root: Path, count: int, folder: str = "static/chunks") -> list[str]:
    rels = []
    for i in range(count):
        rel = f"{folder}/{i // 100:02}/part-{i:04}.{hashlib.md5(str(i).encode()).hexdigest()[:8]}.js"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"export const n = {i};\n")
        rels.append(rel)
    return rels


def test_bucket_with_more_than_1000_objects(site: SyncSite) -> None:
    rels = _write_files(site.build, 1100)
    first = site.inv("frontend.sync", "--yes", timeout=600)
    assert first.returncode == 0, first.output
    assert len(site.objects()) > 1100
    again = site.inv("frontend.plan", "--detailed-exitcode")
    assert again.returncode == 0, again.output  # the second listing page was read too
    for rel in rels[:1050]:
        (site.build / rel).unlink()
    # --keep-releases 1: no earlier release keeps its chunks (skew protection would keep all 1050)
    deleting = site.inv("frontend.sync", "--yes", "--allow-deletes", "--keep-releases", "1", timeout=600)
    assert deleting.returncode == 0, deleting.output
    assert "deleted 1050" in deleting.stdout  # two DeleteObjects batches (1000 + 50)
    remaining = site.objects()
    assert not any(rel in remaining for rel in rels[:1050]) and all(rel in remaining for rel in rels[1050:])


def test_multipart_objects_compare_by_md5_metadata(site: SyncSite) -> None:
    from boto3.s3.transfer import TransferConfig

    big = site.build / "static/media/video.0123abcd.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))
    other = site.build / "static/media/other.89abcdef.bin"
    other.write_bytes(os.urandom(9 * 1024 * 1024))
    digest = hashlib.md5(big.read_bytes()).hexdigest()
    multipart = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    site.s3.upload_file(str(big), site.bucket, "static/media/video.0123abcd.bin", Config=multipart,
                        ExtraArgs={"Metadata": {"md5chksum": digest}})
    site.s3.upload_file(str(other), site.bucket, "static/media/other.89abcdef.bin", Config=multipart)
    assert site.objects()["static/media/video.0123abcd.bin"][1].endswith("-2")

    plan = site.inv("frontend.plan", "--show-all")
    assert plan.returncode == 0, plan.output
    lines = {line.split()[1]: line for line in plan.stdout.splitlines() if line.startswith("  ")}
    assert lines["static/media/video.0123abcd.bin"].lstrip().startswith("=")
    assert "same size and md5 (object metadata)" in lines["static/media/video.0123abcd.bin"]
    assert lines["static/media/other.89abcdef.bin"].lstrip().startswith("~")
    assert "multipart ETag without md5 metadata" in lines["static/media/other.89abcdef.bin"]
    assert "2 HEAD requests" in plan.stdout  # only the two multipart objects were HEADed

    assert site.inv("frontend.sync", "--yes").returncode == 0
    settled = site.inv("frontend.plan", "--detailed-exitcode")
    assert settled.returncode == 0, settled.output


def test_killed_apply_leaves_no_html_early_and_a_rerun_converges(site: SyncSite) -> None:
    _write_files(site.build, 400)
    env = {**os.environ, "NO_COLOR": "1", "CRUDDUR_OPS_ROOT": str(REPO_ROOT), **site.env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT), "frontend.sync", "--yes",
         "--workers", "1", "--env-file", str(site.env_file)],
        cwd=REPO_ROOT, env={**env, "SYNC_LOCK_TTL": "3"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(site.objects()) < 30:
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    landed = site.objects()
    assert 30 <= len(landed) < 400, "the kill must land mid-apply"
    assert not any(key.endswith(".html") for key in landed), "HTML is uploaded after every asset"

    # The killed run's deploy lock (stated expiry SYNC_LOCK_TTL=3 s, no longer renewed): waiting
    # for it with --break-lock takes it over once it has expired, and the rerun converges.
    rerun = site.inv("frontend.sync", "--yes", "--lock-wait", "30", "--break-lock", timeout=600)
    assert rerun.returncode == 0, rerun.output
    assert site.inv("frontend.plan", "--detailed-exitcode").returncode == 0
    assert set(site.objects()) == site.local_keys()


def test_plan_of_100k_files_stays_under_300_mb(tmp_path: Path) -> None:
    """Walk + hash + list-shaped remote + plan + changeset of 100,000 files, in a fresh process."""
    build = tmp_path / "build"
    for d in range(100):
        folder = build / f"d{d:03}"
        folder.mkdir(parents=True)
        for f in range(1000):
            (folder / f"file-{f:04}.{d:03}{f:04}ab.js").write_bytes(b"x%d" % f)
    script = textwrap.dedent(f"""
        import resource
        from pathlib import Path
        from cruddur_ops.sync.local import hash_build, walk_build
        from cruddur_ops.sync.model import RemoteObject
        from cruddur_ops.sync.plan import build_plan
        from cruddur_ops.sync.changeset import write_changeset
        build = Path({str(build)!r})
        files = hash_build(build, walk_build(build, key_mode="relative"))
        remote = {{f.key: RemoteObject(f.key, f.size, f.md5 if i % 2 else "0" * 32)
                   for i, f in enumerate(files)}}
        plan = build_plan(files, remote, bucket="b")
        write_changeset(Path({str(tmp_path / 'c.json')!r}), plan)
        print(len(plan.items), plan.count("update"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.split()
    items, updates, rss_kb = (int(x) for x in out)
    assert items == 100_000 and updates == 50_000
    assert rss_kb < 300 * 1024, f"peak RSS {rss_kb / 1024:.0f} MB"


def test_a_big_first_deploy_is_previewed_by_folder_and_listed_in_full_on_request(site: SyncSite) -> None:
    """`inv frontend.plan` past 200 changes: one line per folder with its first and largest
    files, the totals; `--show-all` lists every file; `--json` holds every item, as does the
    changeset file."""
    _write_files(site.build, 400, folder="static/docs")
    (site.build / "static" / "media").mkdir(parents=True, exist_ok=True)
    (site.build / "static" / "media" / "big.mp4").write_bytes(b"v" * 5000)
    expected = site.local_keys()
    plan = site.inv("frontend.plan", "--out", str(site.changesets / "plan.json"))
    assert plan.returncode == 0, plan.output
    lines = plan.stdout.splitlines()
    assert len(lines) < 60 and f"Plan: {len(expected)} to create" in plan.stdout
    docs = [line.split() for line in lines if line.startswith("  + static/docs/")]
    assert [d[1] for d in docs] == [f"static/docs/0{n}/" for n in range(4)]  # few folders: kept apart
    assert all(d[2:4] == ["100", "files"] for d in docs)
    assert any(line.strip().startswith("static/docs/00/part-0000.") for line in lines)  # its first file
    assert any("static/media/big.mp4" in line and "largest" in line for line in lines)
    assert f"Rolled up: {len(expected)} changed files in " in plan.stdout
    assert "--show-all lists every file" in plan.stdout

    everything = site.inv("frontend.plan", "--show-all", "--out", str(site.changesets / "all.json"))
    assert everything.returncode == 0, everything.output
    assert sum(1 for line in everything.stdout.splitlines() if line.startswith("  + ")) == len(expected)
    assert "Rolled up" not in everything.stdout

    saved = site.changesets / "json.json"
    as_json = site.inv("frontend.plan", "--json", "--out", str(saved))
    assert as_json.returncode == 0, as_json.output
    items = json.loads(as_json.stdout)
    assert {item["path"] for item in items} == expected and json.loads(saved.read_text()) == items

"""Releases: the record format, skew protection, the rollback plan, the target choice, the lock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cruddur_ops.errors import OpsError, RefusedError
from cruddur_ops.sync.cache_control import HTML, IMMUTABLE, REVALIDATE
from cruddur_ops.sync.lock import BucketLock, new_lock
from cruddur_ops.sync.model import Plan, PlanItem, RemoteObject
from cruddur_ops.sync.releases import (
    Pointer,
    Release,
    ReleaseFile,
    choose_target,
    files_digest,
    files_of,
    is_immutable,
    kept_digest,
    new_release_id,
    pointer_from_json,
    pointer_to_json,
    release_from_json,
    release_to_json,
    retain,
    rollback_plan,
    still_kept,
    unchanged_since_live,
)
from cruddur_ops.sync.safety import delete_cap_violation

MD5_A, MD5_B, MD5_C, MD5_D = "a" * 32, "b" * 32, "c" * 32, "d" * 32
PREFIX = "_cruddur-ops/"


def release(rid: str, **files: tuple[str, str]) -> Release:
    """``files``: key (with ``__`` for ``/`` and ``_`` for ``.``) → (md5, Cache-Control)."""
    return Release(rid, "2026-12-05T00:00:00Z", {
        k.replace("__", "/").replace("_", "."): ReleaseFile(md5, 10, "text/javascript", cache)
        for k, (md5, cache) in files.items()})


def test_immutable_is_read_from_the_cache_control_the_plan_chose() -> None:
    assert is_immutable(IMMUTABLE) and is_immutable("max-age=1,Immutable")
    assert not is_immutable(HTML) and not is_immutable(REVALIDATE) and not is_immutable(None)


def test_a_release_round_trips_and_a_foreign_object_is_named() -> None:
    r = Release("20261205-000000-000-abcd", "2026-12-05T00:00:00Z",
                {"index.html": ReleaseFile(MD5_A, 5, "text/html", HTML)}, commit="f" * 40, where="me@host")
    back = release_from_json(release_to_json(r), "k")
    assert back == r and back.digest == files_digest(r.files)
    for raw, why in ((b"<html>", "not JSON"), (b'{"format": "other"}', "format is not"),
                     (json.dumps({"format": "cruddur-ops/release/1", "id": "x", "files": {"a": [1]}}).encode(),
                      "bad entry for 'a'")):
        with pytest.raises(OpsError, match=f"s3 object _cruddur-ops/releases/x.json is not a cruddur-ops release record.*{why}"):
            release_from_json(raw, "_cruddur-ops/releases/x.json")
    pointer = pointer_from_json(pointer_to_json(r, "now", kept=kept_digest(3, ["c.js"])), "p")
    assert pointer == Pointer(r.id, r.digest, kept_digest(3, ["c.js"]))
    older = {"format": "cruddur-ops/live/1", "id": r.id, "digest": r.digest}  # before "kept" was written
    assert pointer_from_json(json.dumps(older).encode(), "p") == Pointer(r.id, r.digest, None)
    with pytest.raises(OpsError, match=r"live\.json is not a cruddur-ops"):
        pointer_from_json(b"{}", "_cruddur-ops/live.json")


def test_release_ids_sort_by_time_even_behind_a_faster_clock() -> None:
    now = datetime(2026, 12, 5, 7, 0, 0, 123000, tzinfo=UTC)
    first = new_release_id(now)
    assert first.startswith("20261205-070000-123-")
    later = new_release_id(now + timedelta(seconds=1))
    assert later > first
    behind = new_release_id(now - timedelta(hours=1), after=later)  # this clock is an hour slow
    assert behind > later


def test_only_deployed_local_files_go_into_a_release() -> None:
    items = [PlanItem("a.js", "no_change", "", md5=MD5_A, size=3, cache_control=IMMUTABLE),
             PlanItem("skip.txt", "ignore", "", md5=MD5_B, size=1),
             PlanItem("old.js", "delete", "", remote_etag=MD5_C, remote_size=9)]
    assert set(files_of(items)) == {"a.js"} and files_of(items)["a.js"].hashed


def _plan(*items: PlanItem) -> Plan:
    return Plan(bucket="bkt", prefix="", items=tuple(items), remote_count=len(items))


def delete(key: str, size: int = 7) -> PlanItem:
    return PlanItem(key, "delete", "not in build", remote_etag=MD5_C, remote_size=size)


def test_hashed_assets_of_recent_releases_are_kept_and_older_ones_pruned() -> None:
    v3 = release("v3", index_html=(MD5_A, HTML), c3_js=(MD5_A, IMMUTABLE), page_html=(MD5_B, HTML))
    v2 = release("v2", index_html=(MD5_B, HTML), c2_js=(MD5_B, IMMUTABLE))
    plan = _plan(delete("c1.js"), delete("c2.js", 100), delete("c3.js", 50), delete("page.html"),
                 PlanItem("c4.js", "create", "not in bucket", md5=MD5_C, size=1, cache_control=IMMUTABLE))
    shown, kept = retain(plan, [v3, v2], live=v3, keep=3)
    actions = {i.path: (i.action, i.reason) for i in shown.items}
    assert actions["c3.js"] == ("ignore", "kept for release v3 (skew protection)")
    assert actions["c2.js"] == ("ignore", "kept for release v2 (skew protection)")
    assert actions["c1.js"][0] == "delete" and "pruned" in actions["c1.js"][1]
    assert actions["page.html"] == ("delete", "not in build"), "replaced-in-place files are not kept"
    assert (kept.kept, kept.kept_bytes, kept.pruned, kept.pruned_bytes) == (2, 150, 1, 7)
    assert delete_cap_violation(shown, max_deletes=2) is None, "kept objects are not counted in the caps"
    # keep=1: nothing from earlier releases is kept (today's behaviour)
    shown1, kept1 = retain(plan, [], live=v3, keep=1)
    assert kept1.kept == 0 and shown1.count("delete") == 4


def test_the_pointer_alone_says_a_sync_changes_nothing_only_when_build_and_kept_keys_match() -> None:
    files = {"index.html": ReleaseFile(MD5_A, 5, "text/html", HTML)}
    live = Pointer("v2", files_digest(files), kept_digest(3, ["c1.js"]))
    assert unchanged_since_live(live, files_digest(files), [delete("c1.js")], keep=3)
    assert not unchanged_since_live(live, files_digest(files), [], keep=3), "a kept chunk is gone: decide with the records"
    assert not unchanged_since_live(live, files_digest(files), [delete("c1.js"), delete("stray.txt")], keep=3)
    assert not unchanged_since_live(live, files_digest(files), [delete("c1.js")], keep=1), "a new N decides anew"
    changed = {"index.html": ReleaseFile(MD5_B, 5, "text/html", HTML)}
    assert not unchanged_since_live(live, files_digest(changed), [delete("c1.js")], keep=3)
    upload = PlanItem("index.html", "update", "", md5=MD5_A, size=5, cache_control=HTML)
    assert not unchanged_since_live(live, files_digest(files), [delete("c1.js"), upload], keep=3)
    assert not unchanged_since_live(Pointer("v2", live.digest, None), files_digest(files), [], keep=3), "an older pointer"
    assert not unchanged_since_live(None, files_digest(files), [], keep=3)
    shown, retention = still_kept(_plan(delete("c1.js", 40)), keep=3)
    assert [(i.action, i.reason) for i in shown.items] == [("ignore", "kept for an earlier release (skew protection)")]
    assert (retention.kept, retention.kept_bytes, set(retention.kept_for)) == (1, 40, {"c1.js"})


def test_rollback_copies_what_differs_and_refuses_naming_assets_that_are_gone() -> None:
    target = release("v1", index_html=(MD5_A, HTML), c1_js=(MD5_D, IMMUTABLE), robots_txt=(MD5_C, REVALIDATE))
    remote = {"index.html": RemoteObject("index.html", 10, MD5_B),
              "c1.js": RemoteObject("c1.js", 10, MD5_D),
              "robots.txt": RemoteObject("robots.txt", 10, MD5_C),
              "c2.js": RemoteObject("c2.js", 10, MD5_B)}
    plan = rollback_plan(target, remote, {MD5_A}, bucket="bkt", prefix="")
    actions = {i.path: i.action for i in plan.items}
    assert actions == {"index.html": "update", "c1.js": "no_change", "robots.txt": "no_change", "c2.js": "delete"}
    assert [i.cache_control for i in plan.items if i.path == "index.html"] == [HTML]

    del remote["c1.js"]  # pruned since
    with pytest.raises(RefusedError, match=r"release v1 cannot be restored: 1 file\(s\).*c1\.js"):
        rollback_plan(target, remote, {MD5_A}, bucket="bkt", prefix="")
    with pytest.raises(RefusedError, match=r"index\.html"):  # its content copy is gone
        rollback_plan(target, {**remote, "c1.js": RemoteObject("c1.js", 10, MD5_D)}, set(), bucket="bkt", prefix="")


def test_the_default_target_is_the_release_before_the_live_one() -> None:
    ids = ["r1", "r2", "r3"]
    assert choose_target(ids, "r3", None) == "r2"
    assert choose_target(ids, "r2", None) == "r1"
    assert choose_target(ids, "r2", "r3") == "r3"  # rolling forward
    with pytest.raises(OpsError, match="no release 'r9'"):
        choose_target(ids, "r3", "r9")
    with pytest.raises(OpsError, match="already live"):
        choose_target(ids, "r3", "r3")
    with pytest.raises(OpsError, match="no earlier release"):
        choose_target(["r1"], "r1", None)


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, 8, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_lock_admits_one_holder_names_it_and_breaks_only_when_expired(moto_s3: Any) -> None:
    clock = _Clock()
    first, second = (BucketLock(moto_s3, "bkt", PREFIX, clock=clock, sleep=lambda s: None) for _ in range(2))
    held = first.acquire(new_lock("sync", "r1", "ci@runner", clock.now, ttl=60))
    with pytest.raises(RefusedError, match=r"another deploy holds the lock .*sync of release r1.*ci@runner"):
        second.acquire(new_lock("sync", "r2", "me@laptop", clock.now, ttl=60))
    with pytest.raises(RefusedError, match="has not expired"):
        second.acquire(new_lock("sync", "r2", "me@laptop", clock.now, ttl=60), break_stale=True)
    clock.now += timedelta(seconds=61)
    with pytest.raises(RefusedError, match=r"is stale"):
        second.acquire(new_lock("sync", "r2", "me@laptop", clock.now, ttl=60))
    taken = second.acquire(new_lock("sync", "r2", "me@laptop", clock.now, ttl=60), break_stale=True)
    first.release(held)  # the broken holder's release must not remove the new lock
    body = json.loads(moto_s3.get_object(Bucket="bkt", Key=PREFIX + "lock.json")["Body"].read())
    assert body["release"] == "r2"
    second.release(taken)
    assert moto_s3.list_objects_v2(Bucket="bkt").get("KeyCount", 0) == 0


def test_lock_wait_takes_the_lock_once_the_holder_lets_go(moto_s3: Any) -> None:
    clock = _Clock()
    holder = BucketLock(moto_s3, "bkt", PREFIX, clock=clock)
    held = holder.acquire(new_lock("sync", "r1", "ci@runner", clock.now, ttl=60))
    naps: list[float] = []

    def nap(seconds: float) -> None:  # the holder finishes while we wait
        naps.append(seconds)
        holder.release(held)

    waiter = BucketLock(moto_s3, "bkt", PREFIX, clock=clock, sleep=nap)
    taken = waiter.acquire(new_lock("rollback", "r2", "me@laptop", clock.now, ttl=60), wait=30)
    assert naps and taken.info.release == "r2"
    with pytest.raises(RefusedError, match="another deploy holds the lock"):  # no wait: refused at once
        BucketLock(moto_s3, "bkt", PREFIX, clock=clock).acquire(new_lock("sync", "r3", None, clock.now, ttl=60))


def test_a_held_lock_renews_its_expiry_and_is_gone_afterwards(moto_s3: Any) -> None:
    import time

    lock = BucketLock(moto_s3, "bkt", PREFIX)
    held = lock.acquire(new_lock("sync", "r1", None, datetime.now(UTC) - timedelta(seconds=30), ttl=1))

    def expires() -> str:
        return str(json.loads(moto_s3.get_object(Bucket="bkt", Key=PREFIX + "lock.json")["Body"].read())["expires"])

    stated = expires()
    with lock.kept(held, ttl=1):
        time.sleep(1.2)  # renewed every ttl/3
        assert expires() > stated, "a running deploy keeps its lock alive"
    assert moto_s3.list_objects_v2(Bucket="bkt").get("KeyCount", 0) == 0

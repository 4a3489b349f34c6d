"""The observation: the bucket listing starts before the files are stat-ed and hashed."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cruddur_ops.errors import ConfigError
from cruddur_ops.sync import local, service, vouch
from cruddur_ops.sync.plan import PlanRules
from cruddur_ops.sync.service import start_observation


@pytest.fixture
def s3(moto_s3: Any) -> Any:
    moto_s3.put_object(Bucket="bkt", Key="gone.js", Body=b"old")
    moto_s3.put_object(Bucket="bkt", Key="a.js", Body=b"a")
    return moto_s3


class GatedClient:
    """Holds every ListObjectsV2 until the test opens the gate; records that it was asked."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self.asked = threading.Event()
        self.gate = threading.Event()

    def list_objects_v2(self, **kwargs: Any) -> Any:
        self.asked.set()
        assert self.gate.wait(10), "the gate was never opened"
        return self._s3.list_objects_v2(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


def build(tmp_path: Path) -> Path:
    folder = tmp_path / "build"
    folder.mkdir()
    (folder / "a.js").write_bytes(b"a")
    (folder / "b.js").write_bytes(b"bb")
    return folder


def test_the_listing_is_in_flight_before_any_file_is_stat_ed(s3: Any, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    client = GatedClient(s3)
    stats: list[str] = []
    real_stat_build = local.stat_build
    monkeypatch.setattr(service, "stat_build", lambda *a: stats.append("stat") or real_stat_build(*a))
    folder = build(tmp_path)
    with start_observation(client, bucket="bkt", build_dir=folder, key_mode="relative", prefix="",
                           workers=4) as observation:
        assert client.asked.wait(10)
        assert stats == []
        client.gate.set()
        plan = observation.finish(PlanRules(), hash_cache=None)
    assert stats == ["stat"]
    assert {(i.path, i.action) for i in plan.items} == {("a.js", "no_change"), ("b.js", "create"),
                                                       ("gone.js", "delete")}


def test_a_failure_while_the_listing_runs_still_ends_the_listing_thread(s3: Any, tmp_path: Path) -> None:
    client = GatedClient(s3)
    folder = build(tmp_path)
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(ConfigError, match="changed while planning"), \
            start_observation(client, bucket="bkt", build_dir=folder, key_mode="relative", prefix="",
                              workers=4) as observation:
        assert client.asked.wait(10)
        (folder / "b.js").unlink()
        client.gate.set()
        observation.finish(PlanRules())
    assert {t.name for t in threading.enumerate()} - before == set()


def test_a_bad_build_dir_fails_before_any_request(s3: Any, tmp_path: Path) -> None:
    client = GatedClient(s3)
    with pytest.raises(ConfigError, match="does not exist"):
        start_observation(client, bucket="bkt", build_dir=tmp_path / "nope", key_mode="relative", prefix="")
    assert not client.asked.is_set()


def hashed_site(tmp_path: Path, s3: Any) -> Path:
    """A build whose content-hashed bundles the bucket holds already; index.html is not hashed."""
    folder = tmp_path / "site"
    (folder / "assets").mkdir(parents=True)
    files = {"index.html": b"<html>v1</html>", "assets/index-4f2a9c1b.js": b"console.log(1)",
             "assets/vendor-9d8e7f6a.js": b"export const v = 1;"}
    for rel, data in files.items():
        (folder / rel).write_bytes(data)
        s3.put_object(Bucket="bkt", Key=rel, Body=data)
    return folder


def plan_reading(folder: Path, s3: Any, monkeypatch: pytest.MonkeyPatch, cache: Path | None,
                 **finish: Any) -> tuple[dict[str, str], list[str]]:
    """(action by key, the files read) of one observation of ``folder``."""
    read: list[str] = []
    real_md5_file = local.md5_file
    monkeypatch.setattr(local, "md5_file", lambda path: read.append(Path(path).name) or real_md5_file(path))
    with start_observation(s3, bucket="bkt", build_dir=folder, key_mode="relative", prefix="", workers=4) as obs:
        plan = obs.finish(PlanRules(), hash_cache=cache, **finish)
    return {i.path: i.action for i in plan.items if i.path != "gone.js" and i.path != "a.js"}, sorted(read)


def test_content_hashed_files_the_bucket_holds_at_their_size_are_not_read(
        s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = hashed_site(tmp_path, s3)
    cache = tmp_path / "md5s.json"
    monkeypatch.setattr(local, "RACY_SECONDS", -60)  # files just written may be cached
    actions, read = plan_reading(folder, s3, monkeypatch, cache, trust_hashed_names=True)
    assert read == ["index.html"]
    assert set(actions.values()) == {"no_change"}
    # what the bucket vouched for is not remembered as read: a run that reads them reads them
    actions, read = plan_reading(folder, s3, monkeypatch, cache)
    assert read == ["index-4f2a9c1b.js", "vendor-9d8e7f6a.js"]
    assert set(actions.values()) == {"no_change"}


def test_a_hashed_name_at_another_size_or_a_multipart_etag_is_read(
        s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = hashed_site(tmp_path, s3)
    (folder / "assets" / "index-4f2a9c1b.js").write_bytes(b"console.log(12)")  # one byte longer
    monkeypatch.setattr(service, "vouched", lambda files, indexes, remote: vouch.vouched(
        files, indexes, {k: replace(o, etag=o.etag + "-2") if "vendor" in k else o for k, o in remote.items()}))
    actions, read = plan_reading(folder, s3, monkeypatch, None, trust_hashed_names=True)
    assert read == ["index-4f2a9c1b.js", "index.html", "vendor-9d8e7f6a.js"]
    assert actions["assets/index-4f2a9c1b.js"] == "update"


def test_force_reads_every_file_even_trusting_hashed_names(s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = hashed_site(tmp_path, s3)
    read: list[str] = []
    real_md5_file = local.md5_file
    monkeypatch.setattr(local, "md5_file", lambda path: read.append(Path(path).name) or real_md5_file(path))
    with start_observation(s3, bucket="bkt", build_dir=folder, key_mode="relative", prefix="", workers=4) as obs:
        plan = obs.finish(PlanRules(force=True), trust_hashed_names=True)
    assert len(read) == 3 and plan.count("update") == 3


class ListingLog:
    """Records (Prefix, the thread that asked) of every ListObjectsV2 and passes it on."""

    def __init__(self, s3: Any) -> None:
        self._s3, self.asked = s3, []

    def list_objects_v2(self, **kwargs: Any) -> Any:
        self.asked.append((kwargs.get("Prefix", ""), threading.current_thread().name))
        return self._s3.list_objects_v2(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


@pytest.mark.parametrize(("edit", "listed_early"), [(None, False), (b"a2", True)])
def test_a_listing_in_ranges_lists_the_release_prefix_while_planning_only_when_it_shows_an_upload(
        s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: bytes | None, listed_early: bool) -> None:
    from cruddur_ops.sync import remote

    monkeypatch.setattr(service, "range_bounds", lambda keys: remote.range_bounds(keys, per_range=1))
    s3.delete_object(Bucket="bkt", Key="gone.js")
    s3.put_object(Bucket="bkt", Key="b.js", Body=b"bb")
    s3.put_object(Bucket="bkt", Key="_cruddur-ops/objects/" + "0" * 32, Body=b"copy")
    folder = build(tmp_path)
    if edit is not None:
        (folder / "a.js").write_bytes(edit)
    client = ListingLog(s3)
    with start_observation(client, bucket="bkt", build_dir=folder, key_mode="relative", prefix="",
                           workers=4, release_prefix="_cruddur-ops/") as observation:
        plan = observation.finish(PlanRules(), hash_cache=None)
        releases = observation.reserved_listing()
    # listed once: by the listing threads while the plan was built, or by the caller when it asked
    [(_, thread)] = [asked for asked in client.asked if asked[0] == "_cruddur-ops/"]
    assert thread.startswith("list") is listed_early, thread
    assert releases.stored == {"0" * 32}
    assert plan.count("update") == int(listed_early)

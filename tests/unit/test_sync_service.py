"""The observation: the bucket listing starts before the files are stat-ed and hashed."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from cruddur_ops.errors import ConfigError
from cruddur_ops.sync import local, service
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

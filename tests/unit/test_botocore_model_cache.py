"""botocore's JSON data files read back from the marshal cache instead of being parsed again."""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from cruddur_ops import aws
from cruddur_ops.aws_settings import aws_target
from cruddur_ops.config import env_settings
from cruddur_ops.fsutil import atomic_write_bytes
from cruddur_ops.patches import botocore_model_cache
from cruddur_ops.patches.botocore_model_cache import CachedJSONFileLoader, cache_dir

DATA = {"version": "1.0", "shapes": {"B": {"type": "string"}, "A": {"type": "integer"}}, "n": [1, 2.5, None, True]}


def no_json_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the JSON was parsed again")

    monkeypatch.setattr(botocore_model_cache, "parse", refuse)


def model_file(tmp_path: Path, data: Any = DATA, *, gz: bool = False) -> str:
    """A data file the way botocore names it: the path without its .json / .json.gz."""
    base = tmp_path / "models" / "svc" / "service-2"
    base.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data).encode()
    if gz:
        Path(f"{base}.json.gz").write_bytes(gzip.compress(raw))
    else:
        Path(f"{base}.json").write_bytes(raw)
    return str(base)


def test_first_load_parses_and_caches_then_a_new_loader_reads_the_cache(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    source = model_file(tmp_path)
    folder = tmp_path / "cache"
    assert CachedJSONFileLoader(folder).load_file(source) == DATA
    entries = list(folder.iterdir())
    assert len(entries) == 1
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600

    no_json_parsing(monkeypatch)
    loaded = CachedJSONFileLoader(folder).load_file(source)
    assert loaded == DATA
    assert list(loaded["shapes"]) == ["B", "A"]  # key order kept, as botocore's OrderedDicts do


def test_gzipped_files_are_cached_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = model_file(tmp_path, gz=True)
    folder = tmp_path / "cache"
    assert CachedJSONFileLoader(folder).load_file(source) == DATA
    no_json_parsing(monkeypatch)
    assert CachedJSONFileLoader(folder).load_file(source) == DATA


def test_a_missing_file_is_none_and_caches_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    assert CachedJSONFileLoader(folder).load_file(str(tmp_path / "nothing" / "here")) is None
    assert not folder.exists()


def test_an_edited_source_is_parsed_again_even_with_the_same_size_and_mtime(tmp_path: Path) -> None:
    source = model_file(tmp_path, {"v": 1})
    folder = tmp_path / "cache"
    CachedJSONFileLoader(folder).load_file(source)
    before = os.stat(f"{source}.json")
    Path(f"{source}.json").write_bytes(json.dumps({"v": 2}).encode())  # same size
    os.utime(f"{source}.json", ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime forged back
    assert CachedJSONFileLoader(folder).load_file(source) == {"v": 2}
    assert CachedJSONFileLoader(folder).load_file(source) == {"v": 2}


@pytest.mark.parametrize("damage", ["flip a body byte", "truncate", "empty", "other python"])
def test_a_damaged_or_foreign_entry_is_reparsed_and_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              damage: str) -> None:
    source = model_file(tmp_path)
    loader = CachedJSONFileLoader(tmp_path / "cache")
    loader.load_file(source)
    entry = loader.entry_path(f"{source}.json")
    blob = entry.read_bytes()
    if damage == "flip a body byte":
        entry.write_bytes(blob[:-3] + bytes([blob[-3] ^ 0x40]) + blob[-2:])
    elif damage == "truncate":
        entry.write_bytes(blob[: len(blob) // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    else:
        monkeypatch.setattr(botocore_model_cache, "PYTHON_TAG", "py9.99-m9")
    parsed: list[str] = []
    real_parse = botocore_model_cache.parse
    monkeypatch.setattr(botocore_model_cache, "parse", lambda raw: parsed.append("x") or real_parse(raw))
    assert CachedJSONFileLoader(tmp_path / "cache").load_file(source) == DATA
    assert parsed == ["x"]
    assert CachedJSONFileLoader(tmp_path / "cache").load_file(source) == DATA
    assert parsed == ["x"], "the entry was not rewritten"


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path) -> None:
    source = model_file(tmp_path)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    assert CachedJSONFileLoader(blocker).load_file(source) == DATA


def test_cache_dir_setting(tmp_path: Path) -> None:
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "cruddur-ops" / "botocore"
    assert cache_dir({"CRUDDUR_OPS_MODEL_CACHE": str(tmp_path / "m")}) == tmp_path / "m"
    for off in ("off", "OFF", "false", "0", "no", "none"):
        assert cache_dir({"CRUDDUR_OPS_MODEL_CACHE": off, "XDG_CACHE_HOME": str(tmp_path)}) is None
    assert cache_dir({}) == Path.home() / ".cache" / "cruddur-ops" / "botocore"


def test_sessions_from_aws_use_the_cache_and_see_botocore_s_models(private_cache_home: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = aws_target(env_settings(), region="eu-west-2")  # the cache folder from XDG_CACHE_HOME
    assert target.model_cache == private_cache_home / "cruddur-ops" / "botocore"
    aws.client("s3", target)  # fills the cache
    folder = private_cache_home / "cruddur-ops" / "botocore"
    assert len(list(folder.iterdir())) >= 3  # endpoints.json, the S3 model, its endpoint rules

    no_json_parsing(monkeypatch)
    cached = aws.session(target)
    plain = botocore.session.Session()
    plain.set_config_variable("region", "eu-west-2")
    for service in ("s3",):
        assert cached.get_service_model(service).operation_names == plain.get_service_model(service).operation_names
        shape = cached.get_service_model(service).operation_model("PutObject").input_shape
        assert list(shape.members) == list(plain.get_service_model(service).operation_model("PutObject").input_shape.members)
    s3 = aws.client("s3", target, sess=cached)
    assert s3.meta.endpoint_url == "https://s3.eu-west-2.amazonaws.com"
    assert s3.meta.region_name == "eu-west-2"


def test_model_cache_off_parses_every_time(private_cache_home: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(botocore_model_cache.SETTING, "off")
    target = aws_target(env_settings(), region="us-east-1")
    assert target.model_cache is None
    aws.client("s3", target)
    assert not (private_cache_home / "cruddur-ops" / "botocore").exists()


def test_entries_skip_the_fsync_other_atomic_writes_keep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an entry checks itself when read (see the "empty" damage above), so a fresh cache folder,
    # as on every CI runner, does not wait for the disk; changesets and other files still do
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    CachedJSONFileLoader(tmp_path / "cache").load_file(model_file(tmp_path))
    assert list((tmp_path / "cache").iterdir()), "nothing was cached"
    assert synced == []
    atomic_write_bytes(tmp_path / "changeset.json", b"[]")
    assert len(synced) == 1

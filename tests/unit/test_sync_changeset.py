"""The changeset file: gem-compatible format, round trip, drift detection."""

from __future__ import annotations

import io
import json
from concurrent.futures import Future
from pathlib import Path

import pytest

from cruddur_ops.errors import ConfigError
from cruddur_ops.sync.changeset import (
    drift,
    dumps,
    epoch_path,
    item_to_dict,
    pending,
    read_changeset,
    write_changeset,
    write_items,
)
from cruddur_ops.sync.model import LocalFile, RemoteObject
from cruddur_ops.sync.plan import build_plan

A, B, C = "a" * 32, "b" * 32, "c" * 32


def test_epoch_inserted_before_json() -> None:
    assert epoch_path(Path("tmp/changeset.json"), 1700000000) == Path("tmp/changeset-1700000000.json")
    assert epoch_path(Path("tmp/plan"), 5) == Path("tmp/plan-5.json")


def test_gem_key_order_no_md5_on_deletes_no_trailing_newline(tmp_path: Path) -> None:
    plan = build_plan([LocalFile("café.html", "café.html", 3, A)], {"old": RemoteObject("old", 1, B)}, bucket="b")
    path = write_changeset(tmp_path / "c.json", plan)
    text = path.read_text(encoding="utf-8")
    assert not text.endswith("\n") and "café" in text  # non-ASCII kept, like the gem
    data = json.loads(text)
    assert isinstance(data, list)
    assert list(data[0])[:3] == ["path", "md5", "action"] and data[0]["action"] == "create"
    assert data[1] == {"path": "old", "action": "delete", "reason": "not in build", "remote_etag": B,
                       "remote_size": 1}
    assert data[0]["content_type"] == "text/html; charset=utf-8" and data[0]["size"] == 3
    assert read_changeset(path) == list(plan.items)
    assert dumps(()) == "[]"


def test_streamed_changeset_is_an_indented_json_dump_and_reads_back_compact(tmp_path: Path) -> None:
    """Written item by item, the file is byte for byte ``json.dumps(items, indent=2)``; read
    back, repeated strings are one object each and a file path equal to its key is the key."""
    files = [LocalFile(f"docs/p{i}/ünï {i}.html", f"docs/p{i}/ünï {i}.html", i, f"{i:032x}") for i in range(30)]
    remote = {"gone.js": RemoteObject("gone.js", 7, B), "docs/p1/ünï 1.html": RemoteObject("docs/p1/ünï 1.html", 9, C)}
    plan = build_plan(files, remote, bucket="b")
    expected = json.dumps([item_to_dict(i) for i in plan.items], indent=2, ensure_ascii=False)
    path = write_changeset(tmp_path / "c.json", plan)
    assert path.read_bytes() == expected.encode("utf-8") == dumps(plan.items).encode("utf-8")
    stream = io.StringIO()
    write_items(stream, plan.items)
    assert stream.getvalue() == expected
    assert dumps([]) == json.dumps([], indent=2) and not list(tmp_path.glob(".*.tmp"))

    items = read_changeset(path)
    assert items == list(plan.items)
    uploads = [i for i in items if i.action == "create"]
    assert len({id(i.content_type) for i in uploads}) == 1 and len({id(i.reason) for i in uploads}) == 1
    assert len({id(i.cache_control) for i in uploads}) == 1
    assert all(i.file is i.path for i in uploads)


def test_reads_a_gem_written_changeset(tmp_path: Path) -> None:
    gem = [{"path": "old-page", "action": "delete"},
           {"path": "about", "md5": A, "action": "update"},
           {"path": "favicon.ico", "md5": B, "action": "ignore"}]
    path = tmp_path / "gem.json"
    path.write_text(json.dumps(gem, indent=2))
    items = read_changeset(path)
    assert [(i.path, i.action, i.md5) for i in items] == [("old-page", "delete", None), ("about", "update", A),
                                                         ("favicon.ico", "ignore", B)]


@pytest.mark.parametrize(("content", "message"), [
    ("{}", "expected a JSON array"),
    ("[{\"md5\": \"x\"}]", "has no 'path'"),
    ("[{\"path\": \"a\", \"action\": \"explode\"}]", "unknown action"),
    ("[{\"path\": \"a\", \"action\": \"create\"}]", "no valid md5"),
    ("not json", "not valid JSON"),
])
def test_bad_files_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        read_changeset(path)
    with pytest.raises(ConfigError, match="does not exist"):
        read_changeset(tmp_path / "missing.json")


def _plan(local: dict[str, str], remote: dict[str, str]):
    return build_plan([LocalFile(k, k, 1, v) for k, v in local.items()],
                      {k: RemoteObject(k, 1, v) for k, v in remote.items()}, bucket="b")


def test_no_drift_when_nothing_changed() -> None:
    saved = _plan({"a.js": A, "b.js": B}, {"b.js": C, "old": A})
    assert drift(saved.items, _plan({"a.js": A, "b.js": B}, {"b.js": C, "old": A})) == []


def test_drift_names_local_and_remote_changes() -> None:
    saved = _plan({"a.js": A, "b.js": B}, {"b.js": C, "old": A})
    problems = drift(saved.items, _plan({"a.js": C, "b.js": B, "new.js": A}, {"b.js": A, "old": B, "x": A}))
    text = "\n".join(problems)
    assert "a.js: local file changed" in text
    assert "b.js: bucket object changed" in text
    assert "old: bucket object changed" in text
    assert "new.js: new local file" in text
    assert "x: new object in bucket" in text
    gone = drift(saved.items, _plan({"b.js": B}, {"b.js": C, "old": A}))
    assert gone == ["a.js: local file is gone"]
    appeared = drift(saved.items, _plan({"a.js": A, "b.js": B}, {"a.js": C, "b.js": C, "old": A}))
    assert appeared == ["a.js: object appeared in the bucket"]


def test_partially_applied_plan_is_not_drift_and_resumes() -> None:
    saved = _plan({"a.js": A, "b.js": B}, {"b.js": C, "old": A})
    # a.js landed, old was deleted; b.js still pending
    now = _plan({"a.js": A, "b.js": B}, {"a.js": A, "b.js": C})
    assert drift(saved.items, now) == []
    assert [i.path for i in pending(saved.items, now)] == ["b.js"]


def test_only_the_invalidation_journal_is_fsynced_and_only_when_persisted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changeset and the MD5 cache can be made again, and their readers refuse a copy a crash
    cut short: no fsync (on a CI runner the build's writes are still in flight, and an fsync
    waits for them). The journal's owed paths exist nowhere else: written at once, fsynced on a
    thread of its own; a run ends before that fsync only once the journal is cleared."""
    import os

    from cruddur_ops.sync import hash_cache, journal

    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    plan = build_plan([LocalFile("a.js", "a.js", 1, "0" * 32)], {}, bucket="b")
    write_changeset(tmp_path / "changeset.json", plan)
    hash_cache.save(tmp_path / "md5s", {"1:2:3:4:5": "0" * 32}, {})
    assert (tmp_path / "changeset.json").exists() and hash_cache.load(tmp_path / "md5s")
    assert synced == []
    owed = tmp_path / "journal.json"
    journal.record(owed, ["/a.js"])
    assert synced == [] and journal.owed(owed) == ["/a.js"]
    journal.settle(owed, journal.persist_in_background(owed))
    assert len(synced) == 1
    journal.clear(owed)
    never_done: Future[None] = Future()
    journal.settle(owed, never_done)  # cleared: nothing to wait for
    journal.persist_in_background(owed).result(timeout=5)  # gone already: nothing to fsync
    assert len(synced) == 1
    cut_short = (tmp_path / "changeset.json").read_text()[:-3]
    (tmp_path / "changeset.json").write_text(cut_short)
    with pytest.raises(ConfigError, match="not valid JSON"):
        read_changeset(tmp_path / "changeset.json")

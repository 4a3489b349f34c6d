"""The MD5 cache keyed by stat signature: unchanged files are not read again, changed ones always are."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from cruddur_ops.sync import hash_cache, local
from cruddur_ops.sync.local import cache_entries, hash_build, walk_build


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def build(tmp_path: Path) -> Path:
    root = tmp_path / "build"
    (root / "static").mkdir(parents=True)
    (root / "index.html").write_bytes(b"<html>v1</html>")
    (root / "static" / "app.js").write_bytes(b"console.log(1)")
    return root


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths actually read and hashed."""
    seen: list[str] = []
    real = local.md5_file

    def counting(path: str) -> str:
        seen.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(local, "md5_file", counting)
    return seen


def run(build: Path, cache_file: Path, *, hashed_at_ns: int | None = None) -> dict[str, str]:
    """One observe cycle as the sync service does it: load, hash, save."""
    known = hash_cache.load(cache_file)
    walked = walk_build(build, key_mode="relative")
    files = hash_build(build, walked, known=known)
    at = time.time_ns() + 10 * 10**9 if hashed_at_ns is None else hashed_at_ns  # files look settled
    hash_cache.save(cache_file, cache_entries(walked, files, at), known)
    return {f.key: f.md5 for f in files}


def test_second_run_reads_nothing_and_gives_the_same_digests(build: Path, tmp_path: Path, reads: list[str]) -> None:
    cache_file = tmp_path / "cache" / "md5.json"
    first = run(build, cache_file)
    assert sorted(reads) == ["app.js", "index.html"]
    assert first == {"index.html": md5(b"<html>v1</html>"), "static/app.js": md5(b"console.log(1)")}
    reads.clear()
    assert run(build, cache_file) == first
    assert reads == []
    assert oct(cache_file.stat().st_mode & 0o777) == "0o600"


def test_a_same_size_edit_with_the_old_mtime_put_back_is_read_again(build: Path, tmp_path: Path,
                                                                    reads: list[str]) -> None:
    cache_file = tmp_path / "md5.json"
    run(build, cache_file)
    target = build / "index.html"
    before = target.stat()
    target.write_bytes(b"<html>v2</html>")  # same size
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime forged back; ctime moves
    reads.clear()
    assert run(build, cache_file)["index.html"] == md5(b"<html>v2</html>")
    assert reads == ["index.html"]


def test_files_changed_just_before_hashing_are_not_remembered(build: Path, tmp_path: Path, reads: list[str]) -> None:
    # Hashed right after being written (within RACY_SECONDS): a second write in the same
    # timestamp tick could keep the signature, so nothing is cached and the next run reads again.
    cache_file = tmp_path / "md5.json"
    run(build, cache_file, hashed_at_ns=time.time_ns())
    assert not cache_file.exists()
    reads.clear()
    run(build, cache_file, hashed_at_ns=time.time_ns())
    assert sorted(reads) == ["app.js", "index.html"]


@pytest.mark.parametrize("content", [b"", b"not a cache\n", b"cruddur-ops md5 cache v99\nsig " + b"0" * 32 + b"\n",
                                     b"cruddur-ops md5 cache v1\n\xff\xfe binary\n"])
def test_an_unusable_cache_means_hash_everything(build: Path, tmp_path: Path, reads: list[str],
                                                 content: bytes) -> None:
    cache_file = tmp_path / "md5.json"
    cache_file.write_bytes(content)
    assert hash_cache.load(cache_file) == {}
    run(build, cache_file)
    assert sorted(reads) == ["app.js", "index.html"]
    assert cache_file.read_text().startswith(hash_cache.HEADER)
    assert len(hash_cache.load(cache_file)) == 2


def test_entries_that_are_not_md5s_are_dropped(tmp_path: Path) -> None:
    cache_file = tmp_path / "md5.json"
    cache_file.write_text(hash_cache.HEADER + "a " + "0" * 32 + "\nb short\n" + " " + "1" * 32 + "\nc\n"
                          + "d " + "z" * 32 + "\ne " + "A" * 32 + "\n")
    assert hash_cache.load(cache_file) == {"a": "0" * 32}


def test_an_unwritable_cache_does_not_fail_the_run(build: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert run(build, blocker / "md5.json")["index.html"] == md5(b"<html>v1</html>")


def test_cache_location(tmp_path: Path) -> None:
    build = tmp_path / "build"
    default = hash_cache.cache_path(None, build, str(tmp_path / "xdg"))
    assert default is not None and default.parent == tmp_path / "xdg" / "cruddur-ops" / "md5"
    other = hash_cache.cache_path(None, tmp_path / "other", str(tmp_path / "xdg"))
    assert other != default  # one file per build folder
    assert hash_cache.cache_path("off", build, None) is None
    assert hash_cache.cache_path(str(tmp_path / "mine.json"), build, None) == tmp_path / "mine.json"


def test_no_home_directory_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert hash_cache.cache_path(None, tmp_path / "build", None) is None
    assert hash_cache.cache_path(None, tmp_path / "build", str(tmp_path)) is not None

"""Walking and hashing the build dir; refusing missing/empty dirs; memory at 100,000 files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from cruddur_ops.errors import ConfigError
from cruddur_ops.sync.local import (
    HASH_BATCH,
    hash_build,
    hash_files,
    list_build,
    md5_file,
    stat_build,
    walk,
    walk_build,
)


def test_walk_is_sorted_skips_hidden_but_keeps_well_known(tmp_path: Path) -> None:
    for rel in ["b.js", "a/z.css", "a/y.css", ".DS_Store", ".git/config", ".well-known/security.txt",
                "café menu.svg"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    assert walk(tmp_path) == [
        ".well-known/security.txt", "a/y.css", "a/z.css", "b.js", "café menu.svg"]


def test_walk_reports_skipped_metadata_and_os_files(tmp_path: Path) -> None:
    for rel in ["index.html", ".vite/manifest.json", "assets/.DS_Store", "assets/a-DykytF2W.js",
                "img/Thumbs.db", "desktop.ini", ".well-known/assetlinks.json"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    skipped: list[str] = []
    assert walk(tmp_path, skipped=skipped) == [".well-known/assetlinks.json", "assets/a-DykytF2W.js",
                                               "index.html"]
    assert skipped == [".vite/", "assets/.DS_Store", "desktop.ini", "img/Thumbs.db"]
    names = list_build(tmp_path, key_mode="relative", keep_hidden=[".vite"])
    assert ".vite/manifest.json" in names.rels and names.hidden == ["assets/.DS_Store", "desktop.ini",
                                                                     "img/Thumbs.db"]
    everything = walk(tmp_path, keep_hidden=["*"])
    assert "assets/.DS_Store" in everything and "img/Thumbs.db" not in everything  # OS files: always


def test_hashing_streams_and_parallel_matches_serial(tmp_path: Path) -> None:
    names = []
    for i in range(100):
        (tmp_path / f"f{i}").write_bytes(os.urandom(3000 + i))
        names.append(f"f{i}")
    big = tmp_path / "big"
    big.write_bytes(b"q" * (3 * 1024 * 1024 + 7))  # several chunks
    assert md5_file(str(big)) == hashlib.md5(big.read_bytes()).hexdigest()
    ticks: list[int] = []
    parallel = hash_files(tmp_path, names, workers=4, progress=ticks.append)
    assert parallel == hash_files(tmp_path, names, workers=1) and sum(ticks) == 100
    assert parallel[0] == hashlib.md5((tmp_path / "f0").read_bytes()).hexdigest()


def test_hashing_keeps_order_across_batches(tmp_path: Path) -> None:
    count = HASH_BATCH * 2 + 17  # several pool tasks, the last one partial
    names = [f"f{i:04d}" for i in range(count)]
    for i, name in enumerate(names):
        (tmp_path / name).write_bytes(str(i).encode())
    ticks: list[int] = []
    digests = hash_files(tmp_path, list(reversed(names)), workers=4, progress=ticks.append)
    expected = [hashlib.md5(str(i).encode()).hexdigest() for i in reversed(range(count))]
    assert digests == expected
    assert sum(ticks) == count and len(ticks) == 3


def test_missing_and_empty_build_dirs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        walk_build(tmp_path / "nope", key_mode="relative")
    (tmp_path / "empty" / ".hidden-only").mkdir(parents=True)
    with pytest.raises(ConfigError, match="is empty"):
        walk_build(tmp_path / "empty", key_mode="relative")


def test_strip_html_collisions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "about.html").write_text("a")
    (tmp_path / "about").write_text("b")
    with pytest.raises(ConfigError, match="both map to the key 'about'"):
        walk_build(tmp_path, key_mode="strip-html")
    assert {f.key for f in walk_build(tmp_path, key_mode="relative").files} == {"about", "about.html"}


@pytest.mark.parametrize("name", ["a/b.JS", "a/.hidden", "b.", "x", "a.b/c", "a/b.tar.gz",
                                  ".well-known/x.json", "a/b..c", "a/.b.c", "static/media/café menu.f9.svg"])
def test_file_suffix_matches_pathlib(name: str) -> None:
    from pathlib import PurePosixPath

    from cruddur_ops.sync.content_types import file_suffix

    assert file_suffix(name) == PurePosixPath(name).suffix.lower()


def test_links_inside_the_build_deploy_their_target(tmp_path: Path) -> None:
    build = tmp_path / "build"
    (build / "real").mkdir(parents=True)
    (build / "real" / "a.js").write_text("a")
    (build / "linked.js").symlink_to(build / "real" / "a.js")
    (build / "alias").symlink_to(build / "real", target_is_directory=True)
    (build / "dangling.js").symlink_to(build / "missing.js")
    (build / "loop").symlink_to(build, target_is_directory=True)
    assert walk(build) == ["alias/a.js", "linked.js", "real/a.js"]
    walked = walk_build(build, key_mode="relative")
    assert [(f.rel, f.size) for f in walked.files] == [("alias/a.js", 1), ("linked.js", 1), ("real/a.js", 1)]
    skipped = list_build(build, key_mode="relative").skipped
    assert skipped == ["dangling.js: a link to a missing file",
                       "loop: a link to a folder that contains it (not followed)"]


def test_links_leaving_the_build_are_refused_naming_each(tmp_path: Path) -> None:
    build = tmp_path / "build"
    (build / "static").mkdir(parents=True)
    (build / "index.html").write_text("<html>")
    (tmp_path / "credentials").write_text("secret")
    (build / "static" / "creds.txt").symlink_to(tmp_path / "credentials")
    (build / "up").symlink_to(tmp_path, target_is_directory=True)
    (build / "gone.js").symlink_to(tmp_path / "nowhere.js")  # dangling, but pointing outside
    (build / ".env").write_text("SECRET=1")
    (build / "env.txt").symlink_to(build / ".env")  # a hidden file under a public name
    with pytest.raises(ConfigError) as caught:
        list_build(build, key_mode="relative")
    message = caught.value.message
    assert "4 symlink(s) point outside the build folder" in message and "nothing was sent" in message
    for link in (f"static/creds.txt -> {tmp_path / 'credentials'}", f"up -> {tmp_path}", "gone.js -> ", "env.txt -> "):
        assert link in message, link
    with pytest.raises(ConfigError):
        walk(build)


def test_fifos_and_sockets_are_skipped_with_a_note(tmp_path: Path) -> None:
    import socket

    (tmp_path / "index.html").write_text("<html>")
    os.mkfifo(tmp_path / "pipe")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        names = list_build(tmp_path, key_mode="relative")
    finally:
        server.close()
    assert names.rels == ["index.html"]
    assert names.skipped == ["pipe: a FIFO", "sock: a socket"]


def test_a_file_gone_between_listing_and_stat_is_a_clear_error(tmp_path: Path) -> None:
    for name in ("a.js", "b.js"):
        (tmp_path / name).write_text(name)
    names = list_build(tmp_path, key_mode="relative")
    (tmp_path / "b.js").unlink()
    with pytest.raises(ConfigError, match=r"b\.js in .* changed while planning") as caught:
        stat_build(tmp_path, names)
    assert "build" in (caught.value.hint or "")
    (tmp_path / "b.js").mkdir()
    with pytest.raises(ConfigError, match="no longer a file"):
        stat_build(tmp_path, names)


def test_a_file_gone_before_hashing_is_a_clear_error(tmp_path: Path) -> None:
    for name in ("a.js", "b.js"):
        (tmp_path / name).write_text(name)
    walked = walk_build(tmp_path, key_mode="relative")
    (tmp_path / "a.js").unlink()
    with pytest.raises(ConfigError, match=r"^a\.js in .* changed while planning \(it is gone\)"):
        hash_build(tmp_path, walked)


def test_an_unreadable_file_is_a_permissions_error_not_a_change(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from cruddur_ops.sync import local

    (tmp_path / "a.js").write_text("a")
    walked = walk_build(tmp_path, key_mode="relative")

    def denied(path: str) -> str:  # what open() raises on a mode-000 file for a non-root user
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(local, "md5_file", denied)
    with pytest.raises(ConfigError, match=r"^cannot read a\.js in .*: Permission denied") as caught:
        hash_build(tmp_path, walked)
    assert "permissions" in (caught.value.hint or "")

"""The deterministic zip: same build → same bytes; sorted entries, fixed dates and modes."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from cruddur_ops.frontend_build.archive import FIXED_DATE_TIME, write_zip
from cruddur_ops.frontend_build.build import zip_target
from cruddur_ops.frontend_build.tree import list_files, stats


def make_build(root: Path) -> Path:
    files = {
        "index.html": "<!doctype html><div id=root></div>",
        "static/js/main.abc123.js": "console.log('hi')\n" * 50,
        "static/media/café menu.f00.svg": "<svg/>",
        "about/index.html": "<p>about</p>",
        "robots.txt": "User-agent: *\n",
        "Zeta.txt": "capital letters sort before lower case",
    }
    for key, text in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "favicon.ico").write_bytes(bytes(range(256)))
    return root


def test_two_zips_of_the_same_build_are_byte_identical(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build")
    first = write_zip(list_files(build), tmp_path / "a.zip")
    # Touch every file and change its mode: neither may leak into the archive.
    for item in list_files(build):
        os.utime(item.path, (1_700_000_000, 1_700_000_000))
        item.path.chmod(0o755)
    second = write_zip(list_files(build), tmp_path / "b.zip")

    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert first.sha256 == second.sha256
    assert first.size == (tmp_path / "a.zip").stat().st_size
    assert first.entries == 7


def test_entries_are_sorted_with_fixed_date_and_mode_and_no_directories(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build")
    write_zip(list_files(build), tmp_path / "site.zip")

    with zipfile.ZipFile(tmp_path / "site.zip") as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert names[0] == "Zeta.txt" and "static/media/café menu.f00.svg" in names
        assert not any(name.endswith("/") for name in names)
        for info in infos:
            assert info.date_time == FIXED_DATE_TIME
            assert info.external_attr >> 16 == 0o100644
            assert info.create_system == 3
            assert info.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("favicon.ico") == bytes(range(256))
        assert archive.testzip() is None


def test_zip_is_replaced_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build")
    target = tmp_path / "out" / "site.zip"
    write_zip(list_files(build), target)
    (build / "extra.txt").write_text("new")
    result = write_zip(list_files(build), target)

    assert result.entries == 8
    assert sorted(p.name for p in target.parent.iterdir()) == ["site.zip"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_failed_write_keeps_the_previous_zip(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build")
    target = tmp_path / "site.zip"
    write_zip(list_files(build), target)
    before = target.read_bytes()
    files = list_files(build)
    files[-1].path.unlink()  # vanishes between listing and archiving

    with pytest.raises(FileNotFoundError):
        write_zip(files, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_listing_skips_symlinked_directories_and_counts_bytes(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build")
    (build / "loop").symlink_to(build, target_is_directory=True)
    files = list_files(build)

    assert not any(f.key.startswith("loop/") for f in files)
    measured = stats(files)
    assert measured.file_count == 7
    assert measured.total_bytes == sum(p.stat().st_size for p in build.rglob("*") if p.is_file() and "loop" not in p.parts)


def test_zip_target_in_a_folder_gets_a_file_name(tmp_path: Path) -> None:
    assert zip_target(tmp_path, Path("/x/frontend")) == tmp_path / "frontend-build.zip"
    assert zip_target(Path("dist"), Path("/x/app"), folder=True) == Path("dist/app-build.zip")
    assert zip_target(tmp_path / "site.zip", Path("/x/app")) == tmp_path / "site.zip"

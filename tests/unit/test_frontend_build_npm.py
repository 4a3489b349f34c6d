"""npm: locating it, deciding when `npm ci` is needed, running commands and reporting failures."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from cruddur_ops.errors import OpsError
from cruddur_ops.frontend_build.npm import (
    STAMP_NAME,
    TAIL_LINES,
    LineSink,
    Npm,
    NpmError,
    install_state,
    locate_npm,
    run_command,
    write_stamp,
)

LOCK = {"name": "app", "lockfileVersion": 3, "requires": True, "packages": {"": {"name": "app"}}}


def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "app", "scripts": {"build": "x"}}')
    (tmp_path / "package-lock.json").write_text(json.dumps(LOCK))
    return tmp_path


def set_mtime(path: Path, when: float) -> None:
    os.utime(path, (when, when))


class TestInstallState:
    def test_missing_node_modules_needs_install(self, tmp_path: Path) -> None:
        state = install_state(project(tmp_path))
        assert state.needed and state.reason == "node_modules is missing"

    def test_fresh_stamp_skips_install(self, tmp_path: Path) -> None:
        root = project(tmp_path)
        write_stamp(root)
        state = install_state(root)
        assert not state.needed
        assert json.loads((root / "node_modules" / STAMP_NAME).read_text())["package_lock_sha256"]

    def test_changed_lockfile_is_stale_even_with_an_older_mtime(self, tmp_path: Path) -> None:
        root = project(tmp_path)
        write_stamp(root)
        lock = root / "package-lock.json"
        lock.write_text(json.dumps({**LOCK, "packages": {"": {}, "node_modules/x": {"version": "1.0.0"}}}))
        set_mtime(lock, time.time() - 3600)  # content decides, not timestamps
        state = install_state(root)
        assert state.needed and "changed" in state.reason

    def test_touched_but_identical_lockfile_is_not_stale(self, tmp_path: Path) -> None:
        root = project(tmp_path)
        write_stamp(root)
        set_mtime(root / "package-lock.json", time.time() + 60)
        assert not install_state(root).needed

    def test_corrupt_stamp_means_reinstall(self, tmp_path: Path) -> None:
        root = project(tmp_path)
        write_stamp(root)
        (root / "node_modules" / STAMP_NAME).write_text("{not json")
        assert install_state(root).needed

    def test_npm_hidden_lockfile_older_than_lockfile_is_stale(self, tmp_path: Path) -> None:
        root = project(tmp_path)
        hidden = root / "node_modules" / ".package-lock.json"
        hidden.parent.mkdir()
        hidden.write_text("{}")
        set_mtime(hidden, time.time() - 100)
        state = install_state(root)
        assert state.needed and "newer" in state.reason

    def test_npm_hidden_lockfile_newer_than_lockfile_is_fresh(self, tmp_path: Path) -> None:
        root = project(tmp_path)
        set_mtime(root / "package-lock.json", time.time() - 100)
        hidden = root / "node_modules" / ".package-lock.json"
        hidden.parent.mkdir()
        hidden.write_text("{}")
        assert not install_state(root).needed

    def test_node_modules_without_any_record_is_reinstalled(self, tmp_path: Path) -> None:
        root = project(tmp_path)
        (root / "node_modules" / "left-over").mkdir(parents=True)
        state = install_state(root)
        assert state.needed and "no record" in state.reason

    def test_missing_lockfile_is_an_error_with_a_hint(self, tmp_path: Path) -> None:
        (tmp_path / "package.json").write_text("{}")
        with pytest.raises(OpsError, match=r"no package-lock\.json") as caught:
            install_state(tmp_path)
        assert caught.value.hint and "npm install" in caught.value.hint


def test_locate_npm_reports_missing_npm_with_node_hint(tmp_path: Path) -> None:
    with pytest.raises(OpsError, match="npm was not found on PATH") as caught:
        locate_npm({"PATH": str(tmp_path)})
    assert caught.value.hint and "Node.js 18" in caught.value.hint


def test_locate_npm_finds_an_executable_on_the_given_path(tmp_path: Path) -> None:
    fake = tmp_path / "npm"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert locate_npm({"PATH": str(tmp_path)}) == str(fake)


def test_run_command_streams_merged_output_and_returns_the_status(tmp_path: Path) -> None:
    script = "import sys; print('out'); sys.stdout.flush(); print('err', file=sys.stderr); sys.exit(3)"
    lines: list[str] = []
    status = run_command([sys.executable, "-c", script], cwd=tmp_path, env={"PATH": os.defpath}, on_line=lines.append)
    assert status == 3
    assert lines == ["out", "err"]


class ScriptedRunner:
    """A fake runner: prints ``lines`` and exits with ``status``."""

    def __init__(self, status: int, lines: Sequence[str] = ()) -> None:
        self.status = status
        self.lines = lines
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], on_line: LineSink) -> int:
        self.calls.append(list(argv))
        for line in self.lines:
            on_line(line)
        return self.status


def test_failed_build_raises_npm_error_with_the_last_lines(tmp_path: Path) -> None:
    lines = [f"line {i}" for i in range(50)]
    npm = Npm("npm", project(tmp_path), ScriptedRunner(1, lines))
    seen: list[str] = []
    with pytest.raises(NpmError, match=r"`npm run build` failed with exit code 1") as caught:
        npm.build(env={}, on_line=seen.append)
    assert seen == lines  # streamed live
    assert caught.value.tail == tuple(lines[-TAIL_LINES:])
    assert "\n" not in caught.value.message


def test_failed_ci_leaves_no_stamp(tmp_path: Path) -> None:
    root = project(tmp_path)
    runner = ScriptedRunner(1, ["npm error code EUSAGE"])
    with pytest.raises(NpmError, match="npm ci"):
        Npm("npm", root, runner).ci(env={}, on_line=lambda _: None)
    assert runner.calls == [["npm", "ci", "--no-audit", "--no-fund"]]
    assert install_state(root).needed


def test_successful_ci_writes_the_stamp(tmp_path: Path) -> None:
    root = project(tmp_path)
    Npm("npm", root, ScriptedRunner(0)).ci(env={}, on_line=lambda _: None)
    assert not install_state(root).needed


def test_exit_127_means_node_is_missing(tmp_path: Path) -> None:
    with pytest.raises(NpmError, match="exit 127") as caught:
        Npm("npm", project(tmp_path), ScriptedRunner(127)).build(env={}, on_line=lambda _: None)
    assert caught.value.hint and "Node.js" in caught.value.hint


def test_unexecutable_npm_is_an_ops_error(tmp_path: Path) -> None:
    fake = tmp_path / "npm"
    fake.write_text("not a program")
    fake.chmod(0o644)
    app = tmp_path / "app"
    app.mkdir()
    npm = Npm(str(fake), project(app))
    with pytest.raises(NpmError, match="could not start"):
        npm.build(env={"PATH": os.defpath}, on_line=lambda _: None)

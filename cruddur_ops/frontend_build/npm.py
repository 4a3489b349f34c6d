"""Running npm: finding it, deciding whether ``npm ci`` is needed, running a command.

Commands go through an injected :class:`CommandRunner` (``run_command`` in production) so unit
tests can fake npm entirely. Nothing here prints: output lines go to the ``on_line`` callback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import OpsError
from ..fsutil import atomic_write_text

NODE_HINT = "install Node.js 18 or newer (it ships npm), e.g. from https://nodejs.org or nvm, and make sure `npm` is on PATH"
TAIL_LINES = 20
# Written into node_modules after a successful `npm ci`: `npm ci` deletes node_modules first, so
# a stamp can only survive alongside the install it describes.
STAMP_NAME = ".cruddur-ops-install.json"
# npm's own record of what it installed (npm 7+); used when our stamp is absent.
NPM_HIDDEN_LOCKFILE = ".package-lock.json"

LineSink = Callable[[str], None]


class CommandRunner(Protocol):
    def __call__(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], on_line: LineSink) -> int:
        """Run ``argv`` in ``cwd`` with exactly ``env``; feed each output line to ``on_line``;
        return the exit status."""
        ...


class NpmError(OpsError):
    """An npm command failed; ``tail`` holds its last output lines for quiet callers."""

    def __init__(self, message: str, hint: str | None = None, *, tail: Sequence[str] = ()) -> None:
        super().__init__(message, hint=hint)
        self.tail = tuple(tail)


def run_command(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], on_line: LineSink) -> int:
    """The real runner: one merged stdout+stderr stream, forwarded line by line as it arrives."""
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,  # npm must never wait on a prompt
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            on_line(line.rstrip("\r\n"))
        return process.wait()
    finally:
        # Ctrl-C (or a failing callback) must not leave npm running behind our back.
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()


def locate_npm(environ: Mapping[str, str]) -> str:
    """The npm executable on ``environ['PATH']`` (what the child process would find)."""
    found = shutil.which("npm", path=environ.get("PATH", os.defpath))
    if not found:
        raise OpsError("npm was not found on PATH", hint=NODE_HINT)
    return found


def lockfile_digest(frontend_dir: Path) -> str:
    return hashlib.sha256((frontend_dir / "package-lock.json").read_bytes()).hexdigest()


@dataclass(frozen=True)
class InstallState:
    needed: bool
    reason: str


def install_state(frontend_dir: Path) -> InstallState:
    """Whether ``npm ci`` must run, and why (the reason is shown to the user)."""
    lock = frontend_dir / "package-lock.json"
    if not lock.is_file():
        raise OpsError(
            f"{frontend_dir} has no package-lock.json (npm ci installs exactly what it pins)",
            hint="run `npm install` there once and commit package-lock.json",
        )
    modules = frontend_dir / "node_modules"
    if not modules.is_dir():
        return InstallState(True, "node_modules is missing")
    stamp = modules / STAMP_NAME
    if stamp.is_file():
        try:
            recorded = json.loads(stamp.read_text(encoding="utf-8")).get("package_lock_sha256")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded == lockfile_digest(frontend_dir):
            return InstallState(False, "node_modules matches package-lock.json")
        return InstallState(True, "package-lock.json changed since the last npm ci")
    hidden = modules / NPM_HIDDEN_LOCKFILE
    if hidden.is_file():
        # npm rewrites its hidden lockfile on every install; a lockfile edited (or checked out)
        # after it is newer.
        if lock.stat().st_mtime > hidden.stat().st_mtime:
            return InstallState(True, "package-lock.json is newer than node_modules")
        return InstallState(False, "node_modules is newer than package-lock.json")
    return InstallState(True, "node_modules has no record of the lockfile it was installed from")


def write_stamp(frontend_dir: Path) -> Path:
    """Record the lockfile a successful ``npm ci`` installed (creates node_modules if npm did
    not: a project without dependencies gets none)."""
    data = {"package_lock_sha256": lockfile_digest(frontend_dir), "written_by": "cruddur-ops frontend.build"}
    return atomic_write_text(frontend_dir / "node_modules" / STAMP_NAME, json.dumps(data, indent=2) + "\n")


@dataclass(frozen=True)
class Npm:
    """npm in one frontend folder, run through ``runner``."""

    executable: str
    frontend_dir: Path
    runner: CommandRunner = run_command

    def run(self, args: Sequence[str], *, env: Mapping[str, str], on_line: LineSink, hint: str) -> None:
        tail: deque[str] = deque(maxlen=TAIL_LINES)

        def sink(line: str) -> None:
            tail.append(line)
            on_line(line)

        command = "npm " + " ".join(args)
        try:
            status = self.runner([self.executable, *args], cwd=self.frontend_dir, env=env, on_line=sink)
        except OSError as exc:  # exists on PATH but cannot be executed
            raise NpmError(f"could not start `{command}`: {exc.strerror or exc}", hint=NODE_HINT) from None
        if status == 127:  # the npm script's `#!/usr/bin/env node` found no node
            raise NpmError(f"`{command}` could not run (exit 127: node not found?)", hint=NODE_HINT, tail=tail)
        if status != 0:
            raise NpmError(f"`{command}` failed with exit code {status} in {self.frontend_dir}", hint=hint, tail=tail)

    def ci(self, *, env: Mapping[str, str], on_line: LineSink) -> None:
        self.run(
            ["ci", "--no-audit", "--no-fund"],
            env=env,
            on_line=on_line,
            hint="see the npm output above; package.json and package-lock.json must agree "
            "(`npm install` updates the lockfile) and the npm registry must be reachable",
        )
        write_stamp(self.frontend_dir)

    def build(self, *, env: Mapping[str, str], on_line: LineSink, args: Sequence[str] = ()) -> None:
        """``npm run build``; ``args`` go to the build script (after ``--``)."""
        self.run(
            ["run", "build", *(["--", *args] if args else [])],
            env=env,
            on_line=on_line,
            hint="the build output above says why; fix it and re-run `inv frontend.build`",
        )

"""`inv frontend.build`: npm ci when needed, npm run build with the rendered frontend env, zip.

The build core is imported inside the task, so `inv --list` and every other task start without it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from invoke import Context

from ..cli.common import load_settings
from ..cli.guard import ops_task
from ..config import repo_root, resolve_path
from ..console import consoles, plain


def _shown(path: os.PathLike[str] | str) -> str:
    """A path relative to the current directory when it is below it (short output)."""
    text = os.fspath(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return text if relative.startswith("..") else relative


@ops_task(
    help={
        "frontend-dir": "the npm project to build (default: FRONTEND_DIR, else frontend-react-js, "
        "else examples/frontend)",
        "env-file": "env file with the REACT_APP_* (Vite: VITE_*) values (default: frontend-react-js.env "
        "in the repository root); real environment variables win",
        "build-dir": "output folder, passed to the build as BUILD_PATH, or --outDir for Vite (default: "
        "<frontend-dir>/build, or <frontend-dir>/dist for Vite)",
        "zip": "also write a deterministic zip of the build folder to this path (a folder → "
        "<name>-build.zip inside it)",
        "force-install": "run `npm ci` even when node_modules matches package-lock.json",
        "quiet": "hide npm's output unless it fails (then show its last 20 lines)",
    },
)
def build(
    ctx: Context,
    frontend_dir: str = "",
    env_file: str = "",
    build_dir: str = "",
    zip: str = "",
    force_install: bool = False,
    quiet: bool = False,
) -> None:
    """Build the frontend: `npm ci` when node_modules is missing or stale, then `npm run build`.

    Recognises create-react-app and Vite projects (a `vite build` script or a vite.config.*).
    REACT_APP_* values (Vite: VITE_* as well) come from the rendered frontend env file (`inv
    env.render frontend-react-js`); variables already set in the environment win. Fails when
    npm is missing, npm fails, or the build folder has no index.html. Prints the build folder, its
    file count and size (and the zip) on stdout; npm's output and progress go to stderr.
    """
    from ..frontend_build import (
        DEFAULT_ENV_FILE,
        BuildRequest,
        NpmError,
        build_frontend,
        default_frontend_dir,
        zip_target,
    )

    settings = load_settings(
        ctx,
        section="frontend",
        flags={"FRONTEND_DIR": frontend_dir or None, "FRONTEND_ENV_FILE": env_file or None},
    )
    root = repo_root()
    configured_dir = settings.get("FRONTEND_DIR")
    configured_env = settings.get("FRONTEND_ENV_FILE")
    request = BuildRequest(
        frontend_dir=resolve_path(configured_dir, root) if configured_dir else default_frontend_dir(root),
        env_file=resolve_path(configured_env or DEFAULT_ENV_FILE, root),
        env_file_required=bool(configured_env),
        build_dir=resolve_path(build_dir, root) if build_dir else None,
        force_install=force_install,
    )
    if zip:
        target = zip_target(resolve_path(zip, root), request.frontend_dir, folder=zip.endswith(("/", os.sep)))
        request = dataclasses.replace(request, zip_path=target)
    c = consoles()

    def step(message: str) -> None:
        c.err.print(plain("==> ", style="muted") + plain(message))

    def npm_line(line: str) -> None:
        from rich.text import Text

        c.err.print(Text.from_ansi(line))

    try:
        result = build_frontend(
            request,
            environ=os.environ,
            on_step=step,
            on_output=(lambda _line: None) if quiet else npm_line,
        )
    except NpmError as exc:
        if quiet:  # the output was hidden: show the part that explains the failure
            for line in exc.tail:
                npm_line(line)
        raise

    out = c.out
    out.print(plain(f"build: {_shown(result.build_dir)} ({result.file_count} files, {result.total_bytes:,} bytes)"))
    if result.zip is not None:
        z = result.zip
        out.print(plain(f"zip: {_shown(z.path)} ({z.entries} entries, {z.size:,} bytes, sha256 {z.sha256})"))


# Task objects this module contributes to the `frontend` namespace.
tasks: list[Any] = [build]

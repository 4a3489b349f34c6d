"""`inv frontend.build`: npm ci when needed, npm run build with the rendered frontend env, zip.

The build core is imported inside the task, so `inv --list` and every other task start without it.
"""

from __future__ import annotations

from typing import Any

from invoke import Context

from ..cli.common import load_settings
from ..cli.guard import ops_task
from ..config import repo_root


@ops_task(
    help={
        "frontend-dir": "the npm project to build (default: FRONTEND_DIR, else frontend-react-js, "
        "else examples/frontend)",
        "env-file": "env file with the REACT_APP_* (Vite: VITE_*) values (default: frontend-react-js.env "
        "in the repository root); variables set (non-empty) in the environment win",
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
    env.render frontend-react-js`); variables set in the environment win unless empty. Fails when
    npm is missing, npm fails, or the build folder has no index.html. Prints the build folder, its
    file count and size (and the zip) on stdout; npm's output and progress go to stderr.
    """
    from ..frontend_build import build_frontend, render
    from ..frontend_build.settings import build_settings

    settings = load_settings(
        ctx, section="frontend",
        flags={"FRONTEND_DIR": frontend_dir or None, "FRONTEND_ENV_FILE": env_file or None,
               "BUILD_DIR": build_dir or None, "ZIP": zip or None, "FORCE_INSTALL": force_install or None,
               "QUIET": quiet or None},
    )
    config = build_settings(settings, repo_root())
    with render.failure_tail(config.quiet):
        # npm's environment is given explicitly: the process environment as the settings read it
        result = build_frontend(config.request, environ=settings.environ, on_step=render.step,
                                on_output=render.npm_output(config.quiet))
    render.show_result(result)


# Task objects this module contributes to the `frontend` namespace.
tasks: list[Any] = [build]

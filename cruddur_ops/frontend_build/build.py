"""``frontend.build`` as a function: install when needed, build, verify, measure, zip.

Callable from any code (the task, the demo, CI helpers): the caller passes the environment and,
optionally, a fake command runner. Progress goes to callbacks; nothing here prints or reads
``os.environ``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError, OpsError
from .archive import ZipResult, write_zip
from .envfile import BuildEnvironment, build_environment, read_env_file
from .npm import CommandRunner, Npm, install_state, locate_npm, run_command
from .project import ProjectKind, detect_project
from .tree import list_files, stats

# The old scripts built `frontend-react-js`; a checkout without it builds the shipped example.
FRONTEND_DIR_CANDIDATES = ("frontend-react-js", "examples/frontend")
DEFAULT_ENV_FILE = "frontend-react-js.env"
# A build that "succeeds" without touching its output folder (it writes elsewhere) must not
# pass for fresh: allow for coarse filesystem timestamps.
MTIME_SLACK_SECONDS = 2.0

Callback = Callable[[str], None]


def _ignore(_: str) -> None:
    return None


def default_frontend_dir(root: Path) -> Path:
    for candidate in FRONTEND_DIR_CANDIDATES:
        if (root / candidate).is_dir():
            return root / candidate
    return root / FRONTEND_DIR_CANDIDATES[-1]


@dataclass(frozen=True)
class BuildRequest:
    frontend_dir: Path
    env_file: Path | None = None
    # True when the user named the env file: then it must exist.
    env_file_required: bool = False
    # None → whatever the build writes by default (`<frontend_dir>/build`, or BUILD_PATH if the
    # environment already sets it; `dist` for Vite); a value is passed to the build as
    # BUILD_PATH (Vite: `--outDir`).
    build_dir: Path | None = None
    zip_path: Path | None = None
    force_install: bool = False


@dataclass(frozen=True)
class BuildResult:
    frontend_dir: Path
    build_dir: Path
    file_count: int
    total_bytes: int
    installed: bool
    install_reason: str
    env_file: Path | None
    project: str = "create-react-app"  # the kind of project recognised (project.py)
    react_names: tuple[str, ...] = ()  # the prefixed variables passed (REACT_APP_*, VITE_*)
    react_from_environment: tuple[str, ...] = ()
    empty_names: tuple[str, ...] = ()
    zip: ZipResult | None = field(default=None)


def zip_target(path: Path, frontend_dir: Path, *, folder: bool = False) -> Path:
    """``--zip DIR/`` (``folder``: the user wrote a trailing slash) or an existing folder means
    ``DIR/<frontend>-build.zip``."""
    if folder or path.is_dir():
        return path / f"{frontend_dir.name}-build.zip"
    return path


def expected_build_dir(request: BuildRequest, environ: Mapping[str, str],
                       project: ProjectKind) -> Path:
    if request.build_dir is not None:
        return request.build_dir
    if project.out_dir_flag is not None:  # Vite ignores BUILD_PATH
        return (request.frontend_dir / project.default_build_dir).resolve()
    # CRA and the example resolve BUILD_PATH against the project folder.
    return (request.frontend_dir / (environ.get("BUILD_PATH") or project.default_build_dir)).resolve()


def check_frontend_dir(frontend_dir: Path) -> None:
    if not frontend_dir.is_dir():
        raise ConfigError(
            f"frontend folder {frontend_dir} does not exist",
            hint="pass --frontend-dir DIR or set FRONTEND_DIR (default: frontend-react-js, else examples/frontend)",
        )
    if not (frontend_dir / "package.json").is_file():
        raise ConfigError(
            f"{frontend_dir} has no package.json: not an npm project",
            hint="point --frontend-dir (or FRONTEND_DIR) at the folder holding package.json",
        )


WRITES_ELSEWHERE = ("the build writes somewhere else: pass --build-dir (given to the build as BUILD_PATH, "
                    "or --outDir for Vite) or fix the build script")


def verify_build_output(build_dir: Path, started_at: float) -> None:
    if not build_dir.is_dir():
        raise OpsError(
            f"`npm run build` succeeded but {build_dir} does not exist",
            hint=WRITES_ELSEWHERE,
        )
    if not (build_dir / "index.html").is_file():
        raise OpsError(
            f"build folder {build_dir} has no index.html",
            hint="CloudFront serves index.html as the site root: check the project's index.html "
            "(public/index.html for create-react-app) and the build script",
        )
    newest = max((f.path.stat().st_mtime for f in list_files(build_dir)), default=0.0)
    if newest < started_at - MTIME_SLACK_SECONDS:
        raise OpsError(
            f"`npm run build` wrote nothing to {build_dir}: it holds an older build",
            hint=WRITES_ELSEWHERE,
        )


def describe_variables(env: BuildEnvironment, env_file: Path | None = None,
                       prefixes: tuple[str, ...] = ("REACT_APP_",)) -> str:
    """One line naming the variables passed (names only: keep output short)."""
    names = env.react_names
    kinds = "/".join(f"{prefix}*" for prefix in prefixes)
    parts = [f"npm run build with {len(names)} {kinds} variable(s): {', '.join(names) or 'none'}"]
    if env_file is not None:
        parts.append(f"env file: {env_file}")
    if env.from_environment:
        parts.append(f"from the environment: {', '.join(env.from_environment)}")
    if env.empty_names:
        parts.append(f"empty: {', '.join(env.empty_names)}")
    return "; ".join(parts)


def build_frontend(
    request: BuildRequest,
    *,
    environ: Mapping[str, str],
    runner: CommandRunner = run_command,
    on_step: Callback = _ignore,
    on_output: Callback = _ignore,
) -> BuildResult:
    """Run ``npm ci`` (when needed) and ``npm run build`` in ``request.frontend_dir``.

    ``environ`` is the base environment of the npm processes (the process environment); the env
    file's ``REACT_APP_*`` values (and ``VITE_*`` for a Vite project) are added without
    overriding it. Raises :class:`OpsError` for every expected failure (no npm, failed install
    or build, no index.html).
    """
    frontend_dir = request.frontend_dir.resolve()
    check_frontend_dir(frontend_dir)
    project = detect_project(frontend_dir)
    build_dir = expected_build_dir(request, environ, project).resolve()
    zip_path = zip_target(request.zip_path, frontend_dir).resolve() if request.zip_path else None
    if zip_path is not None and zip_path.is_relative_to(build_dir):
        raise ConfigError(
            f"--zip {zip_path} is inside the build folder it archives",
            hint="write the zip outside the build folder (the next build deletes that folder)",
        )

    on_step(f"building {frontend_dir} ({project.name}) into {build_dir}")
    prefixes = project.env_prefixes
    file_values = read_env_file(request.env_file, required=request.env_file_required, prefixes=prefixes)
    chosen = request.build_dir is not None
    extra = {"BUILD_PATH": str(build_dir)} if chosen and project.out_dir_flag is None else {}
    build_args = project.out_dir_args(build_dir) if chosen else ()
    env = build_environment(environ, file_values, extra=extra, prefixes=prefixes)
    npm = Npm(locate_npm(env.env), frontend_dir, runner)

    state = install_state(frontend_dir)
    installed = state.needed or request.force_install
    if installed:
        reason = "forced by --force-install" if request.force_install and not state.needed else state.reason
        on_step(f"npm ci ({reason})")
        npm.ci(env=env.env, on_line=on_output)
    else:
        reason = state.reason
        on_step(f"skipping npm ci: {reason}")

    if file_values.path is None:
        where = f" at {request.env_file}" if request.env_file else ""
        on_step(f"no frontend env file{where}: {'/'.join(p + '*' for p in prefixes)} come from the "
                "environment only (render one with `inv env.render frontend-react-js`)")
    on_step(describe_variables(env, file_values.path, prefixes))
    started_at = time.time()
    npm.build(env=env.env, on_line=on_output, args=build_args)
    verify_build_output(build_dir, started_at)

    files = list_files(build_dir)
    measured = stats(files)
    archive = None
    if zip_path is not None:
        on_step(f"writing {zip_path}")
        archive = write_zip(files, zip_path)
    return BuildResult(
        frontend_dir=frontend_dir,
        build_dir=build_dir,
        file_count=measured.file_count,
        total_bytes=measured.total_bytes,
        installed=installed,
        install_reason=reason,
        env_file=file_values.path,
        project=project.name,
        react_names=env.react_names,
        react_from_environment=env.from_environment,
        empty_names=env.empty_names,
        zip=archive,
    )

"""Static frontend build (``inv frontend.build``): npm install + build, verification, a
deterministic zip. :func:`build_frontend` is the entry point for code; the task wraps it."""

from .archive import ZipResult, write_zip
from .build import (
    DEFAULT_ENV_FILE,
    BuildRequest,
    BuildResult,
    build_frontend,
    default_frontend_dir,
    zip_target,
)
from .npm import CommandRunner, NpmError, run_command
from .tree import list_files

__all__ = [
    "DEFAULT_ENV_FILE",
    "BuildRequest",
    "BuildResult",
    "CommandRunner",
    "NpmError",
    "ZipResult",
    "build_frontend",
    "default_frontend_dir",
    "list_files",
    "run_command",
    "write_zip",
    "zip_target",
]

"""``frontend.build`` settings, resolved once from the layered :class:`~cruddur_ops.config.Settings`.

``FRONTEND_DIR`` and ``FRONTEND_ENV_FILE`` come from a flag, the environment or invoke config
(``cruddur.frontend``); the build folder, the zip, ``--force-install`` and ``--quiet`` are flags
only, read from the flags layer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings, resolve_path
from .build import DEFAULT_ENV_FILE, BuildRequest, default_frontend_dir, zip_target


@dataclass(frozen=True)
class BuildSettings:
    request: BuildRequest
    quiet: bool = False  # npm's output hidden unless it fails


def build_settings(settings: Settings, root: Path) -> BuildSettings:
    configured_dir = settings.get("FRONTEND_DIR")
    configured_env = settings.get("FRONTEND_ENV_FILE")
    frontend_dir = resolve_path(configured_dir, root) if configured_dir else default_frontend_dir(root)
    build_dir, zip_path = settings.flags.get("BUILD_DIR"), settings.flags.get("ZIP")
    return BuildSettings(
        request=BuildRequest(
            frontend_dir=frontend_dir,
            env_file=resolve_path(configured_env or DEFAULT_ENV_FILE, root),
            env_file_required=bool(configured_env),
            build_dir=resolve_path(build_dir, root) if build_dir else None,
            # a path ending in a separator names a folder: <name>-build.zip inside it
            zip_path=zip_target(resolve_path(zip_path, root), frontend_dir,
                                folder=zip_path.endswith(("/", os.sep))) if zip_path else None,
            force_install=bool(settings.flags.get("FORCE_INSTALL")),
        ),
        quiet=bool(settings.flags.get("QUIET")),
    )

"""What kind of frontend project a folder holds, and what that means for its build.

Two kinds differ in what ``frontend.build`` must do:

- **Vite** (``vite build`` in the ``build`` script, or a ``vite.config.*`` file): writes ``dist/``,
  inlines ``VITE_*`` variables (and ``REACT_APP_*`` when its ``envPrefix`` says so: a common way to
  migrate from create-react-app, so both are passed; Vite exposes only its prefixes), and takes
  its output folder as ``--outDir`` (it ignores ``BUILD_PATH``).
- **create-react-app** and anything else (the example's build script): writes ``build/``, inlines
  ``REACT_APP_*``, and takes its output folder from ``BUILD_PATH``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

VITE_CONFIGS = tuple(f"vite.config.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts", "cts"))
# `vite build`, `npx vite build`, `tsc -b && vite build`; not `vitest` or `my-vite-plugin`.
_VITE_COMMAND = re.compile(r"(?:^|[\s;&|(])(?:npx\s+)?vite(?:\s|$)")


@dataclass(frozen=True)
class ProjectKind:
    name: str  # shown to the user
    default_build_dir: str  # relative to the project folder
    env_prefixes: tuple[str, ...]  # variables of the env file passed to the build
    out_dir_flag: str | None  # build argument naming the output folder; None: BUILD_PATH

    def out_dir_args(self, build_dir: Path) -> tuple[str, ...]:
        """Arguments for ``npm run build --`` that make the build write to ``build_dir``."""
        if self.out_dir_flag is None:
            return ()
        # --emptyOutDir: Vite refuses to empty a folder outside the project without it, and a
        # stale file left there would be deployed.
        return (self.out_dir_flag, str(build_dir), "--emptyOutDir")


CREATE_REACT_APP = ProjectKind("create-react-app", "build", ("REACT_APP_",), None)
VITE = ProjectKind("Vite", "dist", ("VITE_", "REACT_APP_"), "--outDir")


def build_script(frontend_dir: Path) -> str:
    """The ``build`` script of ``package.json`` ("" when it has none or cannot be read: the
    build itself reports that)."""
    try:
        scripts = json.loads((frontend_dir / "package.json").read_text(encoding="utf-8")).get("scripts")
    except (OSError, ValueError, AttributeError):
        return ""
    script = scripts.get("build") if isinstance(scripts, dict) else None
    return script if isinstance(script, str) else ""


def detect_project(frontend_dir: Path) -> ProjectKind:
    if _VITE_COMMAND.search(build_script(frontend_dir)):
        return VITE
    if any((frontend_dir / name).is_file() for name in VITE_CONFIGS):
        return VITE
    return CREATE_REACT_APP

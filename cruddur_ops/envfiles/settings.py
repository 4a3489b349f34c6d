"""`inv env.render` settings (also the env step of `inv workspace.init`), resolved once from the
layered :class:`~cruddur_ops.config.Settings` (invoke config section ``cruddur.env``).

Flags reach these through ``Settings.flags``: ``TEMPLATE_DIR`` (--template-dir), ``OUT_DIR``
(--out-dir). Empty means unset. Paths are resolved from the repository root.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings, repo_root, resolve_path

DEFAULT_TEMPLATE_DIR = "erb_templates"
DEFAULT_OUT_DIR = "."


@dataclass(frozen=True)
class EnvRenderSettings:
    template_dir: Path
    out_dir: Path
    root: Path
    environ: Mapping[str, str]  # what the templates' ENV[...] read: the environment the resolver read


def env_render_settings(settings: Settings) -> EnvRenderSettings:
    root = repo_root()
    return EnvRenderSettings(
        template_dir=resolve_path(str(settings.get("TEMPLATE_DIR", default=DEFAULT_TEMPLATE_DIR)), root),
        out_dir=resolve_path(str(settings.get("OUT_DIR", default=DEFAULT_OUT_DIR)), root),
        root=root,
        environ=dict(settings.environ),
    )

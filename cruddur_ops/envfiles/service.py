"""Render every env template and (unless dry-running) write the files — the body of
``inv env.render`` as a reusable function, so ``workspace.init`` renders exactly the same way.

All templates are rendered before any file is written: one missing variable leaves every
existing env file untouched.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .files import select_templates, write_rendered
from .render import Rendered, render_template


@dataclass(frozen=True)
class EnvFile:
    path: Path
    holds_secrets: bool
    written: bool


def render_env_files(
    *,
    template_dir: Path,
    out_dir: Path,
    root: Path,
    environ: Mapping[str, str],
    names: list[str] | None = None,
    allow_missing: bool = False,
    ssm: Callable[..., str] | None = None,
    secret: Callable[..., str] | None = None,
    write: bool = True,
) -> list[EnvFile]:
    templates = select_templates(template_dir, names or [])
    rendered: list[Rendered] = [
        render_template(
            path.read_text(encoding="utf-8"),
            template_path=os.path.relpath(path, root) if path.is_relative_to(root) else str(path),
            name=key,
            environ=environ,
            allow_missing=allow_missing,
            ssm=ssm,
            secret=secret,
        )
        for key, path in templates.items()
    ]
    files: list[EnvFile] = []
    for item in rendered:
        if write:
            path, _mode = write_rendered(item, out_dir)
        else:
            path = out_dir / f"{item.name}.env"
        files.append(EnvFile(path, item.holds_secrets, written=write))
    return files


def report_lines(files: list[EnvFile], cwd: Path | None = None) -> list[str]:
    """``rendered PATH`` for each file (relative to ``cwd`` when inside it), noting mode 0600."""
    here = cwd or Path.cwd()
    lines = []
    for written in files:
        shown = os.path.relpath(written.path, here) if written.path.is_relative_to(here) else str(written.path)
        lines.append(f"rendered {shown}{' (secrets: mode 0600)' if written.holds_secrets else ''}")
    return lines

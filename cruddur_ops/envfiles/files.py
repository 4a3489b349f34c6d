"""Finding templates and writing rendered env files (the side-effect half of env rendering)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import ConfigError
from ..fsutil import DEFAULT_FILE_MODE, SECRET_FILE_MODE, atomic_write_text
from .render import Rendered, template_name

TEMPLATE_SUFFIX = ".env.erb"


def available_templates(template_dir: Path) -> dict[str, Path]:
    if not template_dir.is_dir():
        raise ConfigError(
            f"template folder {template_dir} does not exist",
            hint="run from the cruddur-ops checkout or pass --template-dir",
        )
    return {template_name(p): p for p in sorted(template_dir.glob(f"*{TEMPLATE_SUFFIX}"))}


def parse_names(values: Iterable[str]) -> list[str]:
    """Names from positional/iterable/comma-separated input, de-duplicated in order."""
    names: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part.endswith(TEMPLATE_SUFFIX):
                part = part[: -len(TEMPLATE_SUFFIX)]
            if part and part not in names:
                names.append(part)
    return names


def select_templates(template_dir: Path, names: list[str]) -> dict[str, Path]:
    templates = available_templates(template_dir)
    if not names:
        if not templates:
            raise ConfigError(f"no *{TEMPLATE_SUFFIX} templates in {template_dir}")
        return templates
    unknown = [n for n in names if n not in templates]
    if unknown:
        raise ConfigError(
            f"unknown template {unknown[0]!r}",
            hint=f"available: {', '.join(templates) or 'none'} (in {template_dir})",
        )
    return {n: templates[n] for n in names}


def write_rendered(rendered: Rendered, out_dir: Path) -> tuple[Path, int]:
    mode = SECRET_FILE_MODE if rendered.holds_secrets else DEFAULT_FILE_MODE
    path = atomic_write_text(out_dir / f"{rendered.name}.env", rendered.text, mode=mode)
    return path, mode

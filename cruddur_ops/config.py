"""Configuration resolved once, with a documented precedence.

Lowest first: built-in defaults → invoke config (``invoke.yaml`` / ``ns.configure``) → rendered env
files (``sync.env`` …, loaded with python-dotenv, never overriding the real environment) → the
process environment → task flags. Paths are resolved from the repository root.

Only this module reads ``os.environ`` (:func:`process_environment`); the core receives plain
values. Env files are read into :class:`Settings`, never written into the process environment:
what a library or a child process needs from them is handed over explicitly (the AWS settings
in :class:`~cruddur_ops.aws_settings.AwsTarget`, npm's and psql's environments by their callers).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .redact import mask_value

TRUTHY = frozenset({"1", "true", "yes", "y", "on"})
FALSY = frozenset({"0", "false", "no", "n", "off", ""})


def parse_bool(value: str | bool | None, *, name: str = "value") -> bool:
    """Parse ``true/1/yes/on`` and ``false/0/no/off`` (any case); anything else is an error."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in TRUTHY:
        return True
    if lowered in FALSY:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean", hint="use true/false, 1/0 or yes/no")


@cache
def repo_root() -> Path:
    """The project root: ``CRUDDUR_OPS_ROOT``, else the git top level, else the folder holding
    ``tasks.py`` above the current directory, else the current directory.

    Never a hard-coded workspace path: the old scripts' fixed Gitpod checkout path broke every
    checkout that lived anywhere else.
    """
    explicit = os.environ.get("CRUDDUR_OPS_ROOT")
    if explicit:
        return Path(explicit).resolve()
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if (candidate / "tasks.py").is_file() and (candidate / "erb_templates").is_dir():
            return candidate
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
        if top:
            return Path(top)
    except (OSError, subprocess.SubprocessError):
        pass
    return cwd


def resolve_path(value: str | os.PathLike[str], root: Path | None = None) -> Path:
    """Resolve a configured path against the repository root (absolute paths stay as they are)."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (root or repo_root()) / path


def process_environment() -> dict[str, str]:
    """A copy of the process environment: the one place the settings layer reads it.

    A copy, read when asked: tasks resolve their settings once, and tests that set variables
    before a task runs see them.
    """
    return dict(os.environ)


def load_env_file(path: Path) -> dict[str, str]:
    """What a rendered env file holds (``{}`` when it does not exist).

    Nothing is exported: the old ``Dotenv.load`` wrote the values into the process environment,
    where every later library and child process saw them. Here they stay a settings layer.
    """
    if not path.is_file():
        return {}
    from dotenv import dotenv_values  # on first use: `inv --list` reads no env file

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


@dataclass
class Settings:
    """A layered view of configuration with provenance (for ``--show-config`` style echoes)."""

    defaults: Mapping[str, Any] = field(default_factory=dict)
    invoke_config: Mapping[str, Any] = field(default_factory=dict)
    env_files: Mapping[str, str] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)
    flags: Mapping[str, Any] = field(default_factory=dict)

    def _layers(self) -> list[tuple[str, Mapping[str, Any]]]:
        # Highest precedence first.
        return [
            ("flag", self.flags),
            ("environment", self.environ),
            ("env file", self.env_files),
            ("invoke config", self.invoke_config),
            ("default", self.defaults),
        ]

    def lookup(self, *names: str) -> tuple[Any, str | None, str | None]:
        """First value set for any of ``names`` (aliases, in order) across layers by precedence.

        Returns ``(value, name, source)``; ``(None, None, None)`` when nothing is set. An empty
        string counts as unset, as it did for the old scripts' ``ENV[...]`` checks.
        """
        for source, layer in self._layers():
            for name in names:
                value = layer.get(name)
                if value is not None and value != "":
                    return value, name, source
        return None, None, None

    def get(self, *names: str, default: Any = None) -> Any:
        value, _, _ = self.lookup(*names)
        return default if value is None else value

    def require(self, *names: str, hint: str | None = None) -> Any:
        value, _, _ = self.lookup(*names)
        if value is None:
            raise ConfigError(
                f"{names[0]} is not set",
                hint=hint or f"export {names[0]}=... or add it to the rendered env file",
            )
        return value

    def variables(self) -> dict[str, str]:
        """The env files under the process environment, as one mapping of variables.

        For code that looks names up itself (NoEcho parameters, botocore's settings): a variable
        set in the environment wins over the same name in a file unless it is empty, as in
        :meth:`lookup`.
        """
        merged = dict(self.env_files)
        merged.update((k, v) for k, v in self.environ.items() if v != "" or k not in merged)
        return merged

    def describe(self, *names: str) -> str:
        """``value (source)`` with secrets masked, for configuration echoes."""
        value, name, source = self.lookup(*names)
        if value is None:
            return "(unset)"
        return f"{mask_value(name or names[0], str(value))}  [{source}]"


def env_settings(
    *,
    env_files: list[Path] | None = None,
    flags: Mapping[str, Any] | None = None,
    invoke_config: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Settings:
    """Build :class:`Settings` from the process environment plus rendered env files."""
    file_values: dict[str, str] = {}
    for path in env_files or []:
        for key, value in load_env_file(path).items():
            file_values.setdefault(key, value)
    return Settings(
        defaults=defaults or {},
        invoke_config=invoke_config or {},
        env_files=file_values,
        environ=process_environment(),
        flags={k: v for k, v in (flags or {}).items() if v is not None},
    )

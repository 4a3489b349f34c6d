"""Helpers every task module shares: settings from invoke config, AWS target, confirmations.

``aws_target`` is :func:`cruddur_ops.aws_settings.aws_target`, the one builder of the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from invoke import Context

from .. import ci
from ..aws_settings import aws_target
from ..config import Settings, env_settings, repo_root, resolve_path
from ..console import consoles, plain
from ..errors import RefusedError
from ..redact import secret_values


def invoke_settings(ctx: Context, section: str | None = None) -> dict[str, Any]:
    """``ctx.config.cruddur`` (or one of its sections) as a plain dict, for the settings layer."""
    cruddur = ctx.config.get("cruddur", {}) or {}
    data = cruddur.get(section, {}) if section else cruddur
    return dict(data or {})


def load_settings(
    ctx: Context,
    *,
    env_files: list[str | Path] | None = None,
    flags: Mapping[str, Any] | None = None,
    section: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve configuration once for a task (see :mod:`cruddur_ops.config` for precedence)."""
    root = repo_root()
    settings = env_settings(
        env_files=[resolve_path(p, root) for p in env_files or []],
        flags=flags,
        invoke_config={k.upper(): v for k, v in invoke_settings(ctx, section).items()},
        defaults=defaults,
    )
    # Secrets from files and flags are news to a CI runner (it masks only its own secrets);
    # from the environment only passwords inside URLs, which a masked whole URL does not cover.
    ci.mask(*secret_values(settings.env_files), *secret_values(settings.invoke_config),
            *secret_values(settings.flags), *secret_values(settings.environ, whole=False))
    return settings


def confirm(question: str, *, yes: bool, expected: str = "yes", what: str = "--yes") -> None:
    """Ask before a change. ``yes`` skips the question; a non-interactive run without it is an
    error (a CI job must say ``--yes``, never hang on a prompt). Anything but ``expected`` aborts.
    """
    if yes:
        return
    c = consoles()
    if not c.interactive:
        raise RefusedError(
            "refusing to proceed without confirmation: no terminal to ask on",
            hint=f"re-run with {what} to approve non-interactively",
        )
    c.err.print(plain(f"{question} Type {expected!r} to continue: "), end="")
    try:
        answer = input()
    except EOFError:
        answer = ""
    if answer.strip() != expected:
        raise RefusedError("aborted: not confirmed", hint=f"type {expected!r} exactly to proceed")


__all__ = ["aws_target", "confirm", "invoke_settings", "load_settings", "repo_root"]

"""The ``REACT_APP_*`` (or ``VITE_*``) values a frontend build receives.

Create-react-app (and the example build) inline every ``REACT_APP_*`` variable of the build
process's environment into the bundle, Vite every ``VITE_*`` one (see project.py for which
prefixes each kind of project gets). The values come from the rendered frontend env file
(``frontend-react-js.env``, written by ``inv env.render``); a variable already set in the real
environment wins, so CI and one-off overrides (``REACT_APP_BACKEND_URL=... inv frontend.build``)
work without editing the file. An empty variable counts as unset, as everywhere in the settings
(:class:`~cruddur_ops.config.Settings`). Pure functions: the caller passes the environment in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from ..config import Settings
from ..errors import ConfigError

PREFIX = "REACT_APP_"
DEFAULT_PREFIXES = (PREFIX,)


@dataclass(frozen=True)
class EnvFileValues:
    """What the env file held: the values with a build prefix (``react``: ``REACT_APP_*``, and
    ``VITE_*`` for Vite) and the names that were ignored."""

    path: Path | None
    react: Mapping[str, str]
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildEnvironment:
    """The environment for ``npm run build`` and where each prefixed name came from."""

    env: Mapping[str, str]
    from_file: tuple[str, ...]
    from_environment: tuple[str, ...]

    @property
    def react_names(self) -> tuple[str, ...]:
        return tuple(sorted({*self.from_file, *self.from_environment}))

    @property
    def empty_names(self) -> tuple[str, ...]:
        return tuple(name for name in self.react_names if self.env.get(name, "") == "")


def read_env_file(path: Path | None, *, required: bool,
                  prefixes: tuple[str, ...] = DEFAULT_PREFIXES) -> EnvFileValues:
    """Parse ``path`` with python-dotenv and keep its entries named with one of ``prefixes``.

    ``required`` is true when the user named the file (``--env-file``): then a missing file is an
    error. The default file may be absent (a fresh clone before ``inv env.render``).
    """
    if path is None or not path.is_file():
        if required and path is not None:
            raise ConfigError(
                f"frontend env file {path} does not exist",
                hint="render it with `inv env.render frontend-react-js` or pass another --env-file",
            )
        return EnvFileValues(path=None, react={})
    try:
        raw = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read frontend env file {path}: {exc}") from None
    react = {k: v for k, v in raw.items() if k.startswith(prefixes) and v is not None}
    ignored = tuple(sorted(k for k in raw if not k.startswith(prefixes)))
    return EnvFileValues(path=path, react=react, ignored=ignored)


def build_environment(
    environ: Mapping[str, str],
    file_values: EnvFileValues,
    *,
    extra: Mapping[str, str] | None = None,
    prefixes: tuple[str, ...] = DEFAULT_PREFIXES,
) -> BuildEnvironment:
    """``environ`` plus the file's prefixed values (never overriding a value) plus ``extra``.

    Merged by the settings' rule (:meth:`Settings.variables`): a name set in ``environ`` wins
    unless it is empty; an empty one is unset, so the file's value is used.
    """
    env = Settings(env_files=file_values.react, environ=environ).variables()
    from_file = [name for name in file_values.react if not environ.get(name)]
    from_environment = [k for k in environ if k.startswith(prefixes) and k not in from_file]
    env.update(extra or {})
    return BuildEnvironment(
        env=env,
        from_file=tuple(sorted(from_file)),
        from_environment=tuple(sorted(from_environment)),
    )

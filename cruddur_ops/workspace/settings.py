"""`inv workspace.*` settings, resolved once from the layered :class:`~cruddur_ops.config.Settings`
(invoke config section ``cruddur.workspace``).

Flags reach these through ``Settings.flags``: ``FRONTEND_PORT`` (--port / --frontend-port),
``CRUDDUR_ENV`` (--env), ``ORIGIN_PARAMETER`` (--origin-parameter). Empty means unset. The
database rule's settings are :mod:`cruddur_ops.network.settings`', the env files'
:mod:`cruddur_ops.envfiles.settings`'.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..errors import ConfigError
from ..workspace_kind import Workspace, detect_workspace
from .origin import DEFAULT_ENVIRONMENT, DEFAULT_FRONTEND_PORT, parameter_name


@dataclass(frozen=True)
class WorkspaceSettings:
    workspace: Workspace  # Gitpod, Codespaces or local, from the environment the resolver read
    frontend_port: int
    environment: str  # the <env> of /cruddur/<env>/ORIGIN_URL_DEV
    origin_parameter: str | None  # ORIGIN_PARAMETER as given ({env} allowed)
    cors_bucket: str
    cors_function: str
    cors_parameters: str  # CORS_ORIGIN_PARAMETERS as given (checked in the CORS step)

    def parameter(self) -> str:
        """The origin's SSM parameter name (a ConfigError when it is not a path): asked only by
        workspace.init, so a bad ORIGIN_PARAMETER does not break workspace.origin."""
        return parameter_name(self.origin_parameter, self.environment)


def frontend_port(value: object) -> int:
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise ConfigError(f"frontend port {value!r} is not a TCP port", hint="use --port 3000")
    return number


def workspace_settings(settings: Settings) -> WorkspaceSettings:
    return WorkspaceSettings(
        workspace=detect_workspace(settings.environ),
        frontend_port=frontend_port(settings.get("FRONTEND_PORT", default=DEFAULT_FRONTEND_PORT)),
        environment=str(settings.get("CRUDDUR_ENV", default=DEFAULT_ENVIRONMENT)),
        origin_parameter=settings.get("ORIGIN_PARAMETER"),
        cors_bucket=settings.get("CORS_BUCKET") or "",
        cors_function=settings.get("CORS_FUNCTION") or "",
        cors_parameters=settings.get("CORS_ORIGIN_PARAMETERS") or "",
    )

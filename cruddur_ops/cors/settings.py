"""`inv cors.apply` settings, resolved once from the layered :class:`~cruddur_ops.config.Settings`
(invoke config section ``cruddur.cors``).

Flags reach these through ``Settings.flags``: ``CORS_BUCKET`` (--bucket), ``CORS_FUNCTION``
(--function). Empty means unset. The origin parameters are checked here, before any AWS call.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..errors import ConfigError
from .origins import parameter_names


@dataclass(frozen=True)
class CorsSettings:
    bucket: str
    function: str  # "" = no Lambda to update
    parameters: tuple[str, ...]  # CORS_ORIGIN_PARAMETERS, else the dev and prod origin parameters


def cors_settings(settings: Settings) -> CorsSettings:
    bucket = settings.get("CORS_BUCKET")
    if not bucket:
        raise ConfigError("no bucket to set CORS on", hint="pass --bucket NAME or set CORS_BUCKET")
    return CorsSettings(
        bucket=str(bucket),
        function=str(settings.get("CORS_FUNCTION") or ""),
        parameters=parameter_names(settings.get("CORS_ORIGIN_PARAMETERS")),
    )

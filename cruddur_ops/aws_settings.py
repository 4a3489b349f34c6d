"""Where to talk to AWS, resolved once from the settings: the one builder of :class:`AwsTarget`.

Every task (and ``cfn.*`` with its stack's ``[deploy] region``) asks :func:`aws_target`; the
target then carries everything :mod:`cruddur_ops.aws` needs, so that module reads no environment.

Env files are not exported into the process environment, so botocore cannot find the
``AWS_*`` names they hold by itself (``AWS_ACCESS_KEY_ID`` + ``AWS_SECRET_ACCESS_KEY`` +
``AWS_SESSION_TOKEN`` in a rendered env file, ``AWS_ENDPOINT_URL_S3`` for an emulator …). The
target hands them over as ``aws_variables``, and :func:`cruddur_ops.aws.session` gives them to
botocore's own chain, so credentials are still never built by hand: the old gem's hand-built
credentials dropped the session token.

Kept light (no botocore at import): every task imports it through ``cli/common``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cache_home import model_cache_dir
from .config import Settings

AWS_PREFIX = "AWS_"


@dataclass(frozen=True)
class AwsTarget:
    """Where to talk to AWS: resolved once by the task layer and passed down."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None  # explicit override; AWS_ENDPOINT_URL works without it
    # botocore's parsed-model cache (patches/botocore_model_cache.py); None: not used
    model_cache: Path | None = None
    # The AWS_* variables botocore reads, env files under the process environment, when an env
    # file sets any (else empty: botocore reads the process environment itself). Holds secrets:
    # never shown.
    aws_variables: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def aws_environ(self) -> dict[str, str]:
        return dict(self.aws_variables)


def aws_variables(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The ``AWS_*`` view botocore would have had if the env files were exported, or ``()``
    when no env file holds an ``AWS_*`` name (then the process environment alone is that view)."""
    if not any(name.startswith(AWS_PREFIX) for name in settings.env_files):
        return ()
    merged = settings.variables()
    return tuple(sorted((k, v) for k, v in merged.items() if k.startswith(AWS_PREFIX)))


def aws_target(settings: Settings, *, profile: str | None = None, region: str | None = None,
               configured_region: str | None = None) -> AwsTarget:
    """The target of a task. ``profile`` / ``region`` are flags; ``configured_region`` is what a
    stack's config.toml says. Flag, then stack, then ``AWS_PROFILE`` / ``AWS_REGION`` /
    ``AWS_DEFAULT_REGION`` from the settings (env files, environment)."""
    return AwsTarget(
        profile=profile or settings.get("AWS_PROFILE"),
        region=region or configured_region or settings.get("AWS_REGION", "AWS_DEFAULT_REGION"),
        endpoint_url=settings.get("CRUDDUR_AWS_ENDPOINT_URL"),
        model_cache=model_cache_dir(settings.variables()),
        aws_variables=aws_variables(settings),
    )

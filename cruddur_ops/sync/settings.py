"""Sync settings, resolved once from the layered :class:`~cruddur_ops.config.Settings`.

Names are the old scripts' (``SYNC_*`` in ``sync.env`` or the environment; the misspelled
``SYNC_CLOUDFRONT_DISTRUBTION_ID`` is still accepted); structured options (ignore globs,
Cache-Control rules, Content-Type overrides) live in invoke config under ``cruddur.sync``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cfn.config import configured_stack_name
from ..config import Settings, parse_bool, resolve_path
from ..errors import ConfigError
from .cache_control import CacheRule, parse_rules
from .hash_cache import cache_path
from .invalidation import DEFAULT_MAX_PATHS
from .keys import check_key_mode, normalise_prefix
from .releases import DEFAULT_KEEP_RELEASES, DEFAULT_RELEASE_PREFIX
from .safety import DEFAULT_MAX_DELETE_PERCENT, DEFAULT_MAX_DELETES

DEFAULT_BUILD_DIR = "frontend-react-js/build"
DEFAULT_CHANGESET = "tmp/changeset.json"
DEFAULT_STACK = "CrdFrontend"
DEFAULT_WORKERS = 16
DEFAULT_LOCK_TTL = 120  # seconds a deploy lock states it lasts; see sync/lock.py


@dataclass(frozen=True)
class Provenance:
    """Where a release comes from, as the environment tells it (CI or a person's machine)."""

    commit: str | None = None  # GITHUB_SHA
    run_url: str | None = None  # the GitHub Actions run
    user: str | None = None


def _provenance(settings: Settings) -> Provenance:
    server, repo, run = (settings.get("GITHUB_SERVER_URL"), settings.get("GITHUB_REPOSITORY"),
                         settings.get("GITHUB_RUN_ID"))
    return Provenance(commit=settings.get("GITHUB_SHA") or None,
                      run_url=f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None,
                      user=settings.get("USER", "USERNAME", "LOGNAME") or None)


@dataclass(frozen=True)
class SyncConfig:
    bucket: str | None
    distribution_id: str | None
    build_dir: Path
    changeset_path: Path  # before the -<epoch> suffix
    auto_approve: bool = False
    key_mode: str = "relative"
    prefix: str = ""
    ignore: tuple[str, ...] = ()
    keep_hidden: tuple[str, ...] = ()  # globs on hidden names to publish (".well-known" always is)
    cache_rules: tuple[CacheRule, ...] = ()
    content_types: Mapping[str, str] = field(default_factory=dict)
    workers: int = DEFAULT_WORKERS
    max_deletes: int = DEFAULT_MAX_DELETES
    max_delete_percent: float = DEFAULT_MAX_DELETE_PERCENT
    invalidation_max_paths: int = DEFAULT_MAX_PATHS
    stack_name: str = DEFAULT_STACK
    hash_cache: Path | None = None  # MD5s by stat signature (None: off); see sync/hash_cache.py
    trust_hashed_names: bool = False  # content-hashed files the bucket holds at their size go unread (vouch.py)
    release_prefix: str = DEFAULT_RELEASE_PREFIX  # releases, content copies and the lock live here
    keep_releases: int = DEFAULT_KEEP_RELEASES  # content-hashed assets stay while these reference them
    lock_wait: float = 0.0  # seconds to wait for another deploy's lock (0: refuse at once)
    lock_ttl: int = DEFAULT_LOCK_TTL  # the expiry a lock states
    provenance: Provenance = field(default_factory=Provenance)


def _int(settings: Settings, *names: str, default: int, minimum: int) -> int:
    name = names[0]
    raw = settings.get(*names, default=default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _float(settings: Settings, name: str, default: float) -> float:
    raw = settings.get(name, default=default)
    try:
        return float(str(raw).rstrip("%"))
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None


def _globs(raw: Any, name: str) -> tuple[str, ...]:
    if raw in (None, ""):
        return ()
    if isinstance(raw, str):
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    if isinstance(raw, Sequence):
        return tuple(str(p) for p in raw)
    raise ConfigError(f"{name} must be a list of globs", hint='e.g. ignore: ["robots.txt", "legacy/**"]')


def _content_types(raw: Any) -> dict[str, str]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError("cruddur.sync.content_types must map extensions to types",
                          hint='e.g. content_types: {".wasm": "application/wasm"}')
    return {("." + str(k).lstrip(".")).lower(): str(v) for k, v in raw.items()}


def stack_name_from_config(root: Path) -> str:
    """``[deploy] stack_name`` of ``aws/cfn/frontend/config.toml`` (default CrdFrontend)."""
    try:
        return configured_stack_name(root / "aws" / "cfn" / "frontend" / "config.toml", DEFAULT_STACK)
    except ConfigError:  # the sync does not need the stack: `cfn.deploy frontend` reports the file
        return DEFAULT_STACK


def release_prefix(settings: Settings) -> str:
    """SYNC_RELEASE_PREFIX with one trailing slash (default ``_cruddur-ops/``; never the root)."""
    return normalise_prefix(settings.get("SYNC_RELEASE_PREFIX", default=DEFAULT_RELEASE_PREFIX)) or DEFAULT_RELEASE_PREFIX


def sync_config(settings: Settings, root: Path) -> SyncConfig:
    build_dir = resolve_path(str(settings.get("SYNC_BUILD_DIR", default=DEFAULT_BUILD_DIR)).rstrip("/") or "/", root)
    return SyncConfig(
        bucket=settings.get("SYNC_S3_BUCKET"),
        distribution_id=settings.get("SYNC_CLOUDFRONT_DISTRIBUTION_ID", "SYNC_CLOUDFRONT_DISTRUBTION_ID"),
        build_dir=build_dir,
        changeset_path=resolve_path(settings.get("SYNC_OUTPUT_CHANGESET_PATH", default=DEFAULT_CHANGESET), root),
        auto_approve=parse_bool(str(settings.get("SYNC_AUTO_APPROVE", default="false")), name="SYNC_AUTO_APPROVE"),
        key_mode=check_key_mode(str(settings.get("SYNC_KEY_MODE", "KEY_MODE", default="relative"))),
        prefix=normalise_prefix(settings.get("SYNC_PREFIX", "PREFIX")),
        ignore=_globs(settings.get("IGNORE"), "cruddur.sync.ignore"),
        keep_hidden=_globs(settings.get("KEEP_HIDDEN", "SYNC_KEEP_HIDDEN"), "cruddur.sync.keep_hidden"),
        cache_rules=parse_rules(settings.get("CACHE_CONTROL")),
        content_types=_content_types(settings.get("CONTENT_TYPES")),
        workers=_int(settings, "WORKERS", "SYNC_WORKERS", default=DEFAULT_WORKERS, minimum=1),
        max_deletes=_int(settings, "MAX_DELETES", "SYNC_MAX_DELETES", default=DEFAULT_MAX_DELETES, minimum=0),
        max_delete_percent=_float(settings, "MAX_DELETE_PERCENT", DEFAULT_MAX_DELETE_PERCENT),
        invalidation_max_paths=_int(settings, "INVALIDATION_MAX_PATHS", default=DEFAULT_MAX_PATHS, minimum=0),
        stack_name=str(settings.get("SYNC_FRONTEND_STACK", default=stack_name_from_config(root))),
        hash_cache=cache_path(settings.get("SYNC_HASH_CACHE"), build_dir, settings.get("XDG_CACHE_HOME")),
        trust_hashed_names=parse_bool(str(settings.get("SYNC_TRUST_HASHED_NAMES", default="false")),
                                      name="SYNC_TRUST_HASHED_NAMES"),
        release_prefix=release_prefix(settings),
        keep_releases=_int(settings, "SYNC_KEEP_RELEASES", "KEEP_RELEASES", default=DEFAULT_KEEP_RELEASES, minimum=1),
        lock_wait=_float(settings, "LOCK_WAIT", 0.0),
        lock_ttl=_int(settings, "SYNC_LOCK_TTL", default=DEFAULT_LOCK_TTL, minimum=1),
        provenance=_provenance(settings),
    )

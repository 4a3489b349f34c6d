"""Where cruddur-ops keeps its caches: under ``$XDG_CACHE_HOME/cruddur-ops`` (else
``~/.cache/cruddur-ops``), or where a cache's own setting says, or nowhere.

Caches are optimisations only (the sync's MD5s of build files, botocore's parsed models): a cache
that is turned off, or has no home directory to live in, is simply not used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

OFF_VALUES = frozenset({"off", "false", "0", "no", "none"})
MODEL_CACHE_SETTING = "CRUDDUR_OPS_MODEL_CACHE"


def cache_location(setting: str | None, xdg_cache_home: str | None,
                   default: Callable[[Path], Path]) -> Path | None:
    """``setting`` (the cache's own variable) names a path, or turns the cache off with
    off/false/0/no/none; unset or blank means ``default(<cache home>/cruddur-ops)``. None when
    the cache is off, or when there is no home directory for the default."""
    value = (setting or "").strip()
    if value.lower() in OFF_VALUES:
        return None
    if value:
        return Path(value).expanduser()
    try:
        home = Path(xdg_cache_home) if xdg_cache_home else Path.home() / ".cache"
        return default(home / "cruddur-ops")
    except (RuntimeError, KeyError, OSError):  # no home directory to be found: no cache
        return None


def model_cache_dir(variables: Mapping[str, str]) -> Path | None:
    """The folder of botocore's model cache (patches/botocore_model_cache.py), from
    ``CRUDDUR_OPS_MODEL_CACHE`` / ``XDG_CACHE_HOME`` in ``variables``; None = off."""
    return cache_location(variables.get(MODEL_CACHE_SETTING), variables.get("XDG_CACHE_HOME"),
                          lambda home: home / "botocore")

"""Cache-Control by rule: configured globs first (first match wins), then the defaults.

Defaults follow what every bundler assumes: a content-hashed file never changes under its name,
so it is cached for a year and marked immutable; HTML must be revalidated on every request so a
deploy shows at once; any other unhashed file (robots.txt, manifest.json, favicon.ico) may be
cached but must be revalidated. Which files are content-hashed is :mod:`.bundlers`' call (the
build's manifests, then name rules per bundler).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..errors import ConfigError
from .bundlers import is_content_hashed

IMMUTABLE = "public, max-age=31536000, immutable"
HTML = "no-cache"
REVALIDATE = "public, max-age=0, must-revalidate"

@dataclass(frozen=True, slots=True)
class CacheRule:
    match: str  # a glob on the key, e.g. "static/**" or "*.html" ("*" crosses "/")
    value: str


def parse_rules(raw: object) -> tuple[CacheRule, ...]:
    """Rules from invoke config: a list of ``{"match": GLOB, "value": HEADER}`` mappings."""
    if raw in (None, ""):
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ConfigError(
            "cruddur.sync.cache_control must be a list of {match, value} rules",
            hint='e.g. cache_control: [{match: "*.html", value: "no-cache"}]',
        )
    rules = []
    for entry in raw:
        if not isinstance(entry, dict) or not entry.get("match") or not entry.get("value"):
            raise ConfigError(
                f"cache_control rule {entry!r} needs both 'match' and 'value'",
                hint='e.g. {match: "static/**", value: "public, max-age=31536000, immutable"}',
            )
        rules.append(CacheRule(str(entry["match"]), str(entry["value"])))
    return tuple(rules)


def cache_control_for(key: str, file_name: str, html: bool, rules: Sequence[CacheRule] = (),
                      hashed: Callable[[str], bool] = is_content_hashed) -> str:
    """``file_name`` is the file's path relative to the build dir (the key may carry a prefix or
    lose its extension); ``hashed`` decides content-hashed files (default: the name rules alone;
    the sync passes the build's :class:`~.bundlers.ContentHashes`)."""
    for rule in rules:
        if fnmatchcase(key, rule.match):
            return rule.value
    if html:
        return HTML
    if hashed(file_name):
        return IMMUTABLE
    return REVALIDATE

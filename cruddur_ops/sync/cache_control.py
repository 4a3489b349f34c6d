"""Cache-Control by rule: configured globs first (first match wins), then the defaults.

Defaults follow what every bundler assumes: a content-hashed file never changes under its name,
so it is cached for a year and marked immutable; HTML must be revalidated on every request so a
deploy shows at once; any other unhashed file (robots.txt, manifest.json, favicon.ico) may be
cached but must be revalidated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..errors import ConfigError

IMMUTABLE = "public, max-age=31536000, immutable"
HTML = "no-cache"
REVALIDATE = "public, max-age=0, must-revalidate"

# A content hash as webpack/CRA (`main.489c26e2.js`, `logo.e00f3f40d7c76fced032.png`) or
# Vite/Rollup/esbuild (`index-D8b4DfJz.js`) write it: a separate name part of 8+ hex digits, or
# 8+ url-safe base64 characters with at least one digit (so `my-longname.js` is not "hashed").
_HEX_PART = re.compile(r"[.-][0-9a-f]{8,}(?=[.])")
_B64_PART = re.compile(r"-(?=[A-Za-z0-9_]*[0-9])(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{8,}(?=[.])")


def is_content_hashed(file_name: str) -> bool:
    name = file_name.rpartition("/")[2]  # the file name, without a path object per file
    return bool(_HEX_PART.search(name) or _B64_PART.search(name))


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


def cache_control_for(key: str, file_name: str, html: bool, rules: Sequence[CacheRule] = ()) -> str:
    for rule in rules:
        if fnmatchcase(key, rule.match):
            return rule.value
    if html:
        return HTML
    if is_content_hashed(file_name):
        return IMMUTABLE
    return REVALIDATE

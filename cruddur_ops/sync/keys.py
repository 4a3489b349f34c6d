"""Bucket keys from build paths.

``relative`` (default): the key is the file's path (``about/index.html``).
``strip-html``: the gem's pretty-URL scheme: ``.html`` is dropped from every key except the root
``index.html`` (``about.html`` → ``about``, ``blog/index.html`` → ``blog/index``). Unlike the gem,
only a trailing ``.html`` is removed (the gem removed the first ``.html`` anywhere, so
``a.html.gz`` became ``a.gz``), and the local file is remembered in the plan, so apply never has
to guess it back (the gem re-appended ``.html`` and crashed on ``CNAME``).
"""

from __future__ import annotations

from ..errors import ConfigError

KEY_MODES = ("relative", "strip-html")


def normalise_prefix(prefix: str | None) -> str:
    cleaned = (prefix or "").strip().strip("/")
    return f"{cleaned}/" if cleaned else ""


def check_key_mode(mode: str) -> str:
    if mode not in KEY_MODES:
        raise ConfigError(f"unknown key mode {mode!r}", hint=f"use one of: {', '.join(KEY_MODES)}")
    return mode


def key_for(rel: str, mode: str = "relative", prefix: str = "") -> str:
    key = rel
    if mode == "strip-html" and rel != "index.html" and rel.endswith(".html"):
        key = rel[: -len(".html")]
    return prefix + key

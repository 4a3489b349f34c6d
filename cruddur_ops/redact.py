"""Masking of secrets before anything reaches a terminal, a log or a file we print.

Configuration echoes and error messages go through :func:`mask_value` / :func:`mask_text` so a
password inside a connection URL or an AWS secret key is never shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "****"

# Names whose values are secrets whatever they contain.
_SECRET_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CONNECTION_URL|_DSN$|ACCESS_KEY$)",
    re.IGNORECASE,
)
# user:password@ inside any URL-like string.
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]+)@")
_PASSWORD_KV = re.compile(r"(?i)\b(password|passwd)=([^\s&]+)")


def is_secret_name(name: str) -> bool:
    """True when a setting's *name* says its value is a secret."""
    return bool(_SECRET_NAME.search(name))


def mask_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``****`` (the user name stays readable)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_text(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    host = netloc[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def mask_text(text: str) -> str:
    """Mask passwords embedded in free text (URLs and ``password=...`` pairs)."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    return _PASSWORD_KV.sub(lambda m: f"{m.group(1)}={MASK}", text)


def mask_value(name: str, value: str | None) -> str:
    """Mask a configuration value for display, judging by its name and its content."""
    if value is None or value == "":
        return "" if value == "" else "(unset)"
    if name.upper() == "AWS_ACCESS_KEY_ID":
        # The key id is not secret, and its prefix (AKIA vs ASIA) is what tells a temporary
        # credential: keep 4 chars so an operator can diagnose a missing session token.
        return value[:4] + MASK
    if is_secret_name(name):
        return MASK
    return mask_text(value)


def url_passwords(text: str) -> list[str]:
    """The passwords inside URL-like strings of ``text`` (``scheme://user:PASSWORD@host``)."""
    return [m["pw"] for m in _URL_PASSWORD.finditer(text)]


def secret_values(values: Mapping[str, Any], *, whole: bool = True) -> list[str]:
    """The secret values among named settings, to register as masks: the value of each setting
    whose name says secret (when ``whole``), and every password inside a URL."""
    found: list[str] = []
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            continue
        if whole and is_secret_name(name):
            found.append(value)
        found.extend(url_passwords(value))
    return found

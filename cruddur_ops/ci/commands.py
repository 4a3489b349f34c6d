"""GitHub Actions workflow commands (``::error``, ``::warning``, ``::add-mask::``) as text.

Pure: each function returns the line to print. Escaping follows the runner's rules (the same as
``@actions/core``'s ``escapeData`` / ``escapeProperty``): in a message ``%``, ``\\r`` and ``\\n``
are percent-encoded, so a multi-line message stays one command; in a property value ``:`` and
``,`` are encoded as well, since they delimit properties.
"""

from __future__ import annotations

from collections.abc import Mapping


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: Mapping[str, str | int | None] | None = None) -> str:
    """``::name key=value,…::message`` (properties with no value are left out)."""
    props = ",".join(f"{key}={escape_property(str(value))}"
                     for key, value in (properties or {}).items() if value not in (None, ""))
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def error(message: str, *, title: str | None = None) -> str:
    return command("error", message, {"title": title})


def warning(message: str, *, title: str | None = None, file: str | None = None,
            line: int | None = None) -> str:
    return command("warning", message, {"title": title, "file": file, "line": line})


def add_mask(value: str) -> str:
    """Register ``value`` with the runner, which then replaces it with ``***`` in every later log
    line. The runner does not echo this command itself."""
    return f"::add-mask::{escape_data(value)}"

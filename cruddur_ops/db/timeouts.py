"""``statement_timeout`` values: ``DB_STATEMENT_TIMEOUT`` and a migration's own attribute.

A bare number is seconds (like ``DB_LOCK_TIMEOUT``; PostgreSQL would read it as milliseconds);
``ms``, ``s``, ``min``, ``h`` and ``d`` are PostgreSQL's own units; ``0`` means no limit.
"""

from __future__ import annotations

import re

from ..errors import ConfigError

DURATION = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|min|h|d)?\s*$")


def statement_timeout(value: str | float, *, source: str) -> str:
    """``value`` as a PostgreSQL duration (``"30s"``), or a ConfigError naming ``source``."""
    match = DURATION.match(str(value))
    if not match:
        raise ConfigError(
            f"{source} = {value!r} is not a duration",
            hint="e.g. 30s, 5min, 2h (a bare number is seconds; 0 means no limit)",
        )
    return f"{match['number']}{match['unit'] or 's'}"

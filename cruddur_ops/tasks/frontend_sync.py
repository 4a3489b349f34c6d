"""`inv frontend.*` tasks from sync (assembled into the namespace by tasks/frontend.py)."""

from __future__ import annotations

from typing import Any

# Task objects this module contributes to the `frontend` namespace.
tasks: list[Any] = []

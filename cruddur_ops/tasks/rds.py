"""`inv rds.*` tasks."""

from __future__ import annotations

from invoke import Collection

collection = Collection("rds")

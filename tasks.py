"""Invoke entry point: `inv --list` in a checkout. The tasks live in cruddur_ops.tasks."""

from cruddur_ops.cli.namespace import namespace as ns

__all__ = ["ns"]

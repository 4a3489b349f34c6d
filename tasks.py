"""Invoke entry point: `inv --list` in a checkout. The tasks live in cruddur_ops.tasks."""

from cruddur_ops.cli.bytecode import restore_bytecode_cache

restore_bytecode_cache()  # before the namespace import: see cruddur_ops/cli/bytecode.py

from cruddur_ops.cli.namespace import namespace as ns  # noqa: E402

__all__ = ["ns"]

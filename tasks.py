"""Invoke entry point: `inv --list` in a checkout. The tasks live in cruddur_ops.tasks."""

from cruddur_ops.patches.cli_process import prepare_cli_process

prepare_cli_process()  # before the namespace import: see cruddur_ops/patches/cli_process.py

from cruddur_ops.cli.namespace import namespace as ns  # noqa: E402

__all__ = ["ns"]

"""Invoke entry point: `inv --list` in a checkout. The tasks live in cruddur_ops.tasks."""

import sys

from cruddur_ops.patches.cli_process import prepare_cli_process

prepare_cli_process()  # before the namespace import: see cruddur_ops/patches/cli_process.py

from cruddur_ops.entrypoints.namespace import build_namespace  # noqa: E402

# only the task modules this command line names (see cruddur_ops/entrypoints/namespace.py)
ns = build_namespace(sys.argv[1:])

__all__ = ["ns"]

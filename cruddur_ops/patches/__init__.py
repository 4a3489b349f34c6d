"""Patches of third-party internals (botocore, invoke, the interpreter's own settings)."""
